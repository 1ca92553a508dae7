using Ata.Core.Onboarding;
using Ata.Core.Settings;

namespace Ata.Core.Console
{
    /// <summary>The console's <c>onboard CODE</c> command.</summary>
    public sealed partial class TechnicianConsole
    {
        /// <summary>
        /// Takes an onboarding code: sets the device id, the gateway's host and port and the device
        /// secret it carries (all or none), saves them and reboots to connect with them.
        /// </summary>
        private string Onboard(string rest, long now)
        {
            if (rest.Length == 0)
            {
                return "error: usage: onboard CODE, the one-time code from the adapter's page on the gateway" + NewLine;
            }

            string error;
            OnboardingCode code = OnboardingCode.Decode(rest, out error);
            if (code == null)
            {
                return "error: " + error + NewLine;
            }

            if (code.CaFingerprint != null)
            {
                return "error: the onboarding code asks for TLS to the gateway, which this firmware does not have; update the firmware first" + NewLine;
            }

            string[] keys = new string[] { DeviceSettings.DeviceIdKey, DeviceSettings.GatewayHostKey, DeviceSettings.GatewayPortKey, DeviceSettings.DeviceSecretKey };
            string[] values = new string[] { code.DeviceId, code.Host, code.Port.ToString(), code.Secret };
            string[] before = new string[keys.Length];
            for (int i = 0; i < keys.Length; i++)
            {
                before[i] = Settings.Get(keys[i]);
            }

            for (int i = 0; i < keys.Length && error == null; i++)
            {
                error = Settings.Set(keys[i], values[i]);
            }

            if (error == null && !Settings.Save(_store))
            {
                error = "the settings could not be saved to flash; the previous settings are still in place";
            }

            if (error != null)
            {
                for (int i = 0; i < keys.Length; i++)
                {
                    if (before[i] == null || before[i].Length == 0 || Settings.Set(keys[i], before[i]) != null)
                    {
                        Settings.Reset(keys[i]);
                    }
                }

                _log.Add(now, "console: onboarding refused");
                return "error: " + error + NewLine;
            }

            _changedSinceBoot = true;
            _log.Add(now, "console: onboarded as " + code.DeviceId + " for gateway " + code.Host + ":" + code.Port.ToString());
            Reboot("onboard", now);
            return "onboarded: device " + code.DeviceId + ", gateway " + code.Host + ":" + code.Port.ToString() + ", device secret set" + NewLine
                + "saved; rebooting to connect to the gateway..." + NewLine;
        }
    }
}
