using Ata.Core.Provisioning;
using Ata.Core.Settings;

namespace Ata.Core.Console
{
    /// <summary>
    /// <c>show</c>, <c>set</c>, <c>unset</c> and <c>factory-reset</c>: the device settings (secrets masked) and the lines
    /// the gateway provisioned; each change saved at once and used after reboot.
    /// </summary>
    public sealed partial class TechnicianConsole
    {
        private string Show(string what)
        {
            if (what == "provisioning")
            {
                return Provisioning();
            }

            string prefix;
            if (what == "settings" || what.Length == 0)
            {
                prefix = string.Empty;
            }
            else if (what == "wan" || what == "gateway" || what == "device" || what == "echo")
            {
                prefix = what + ".";
            }
            else
            {
                return "error: show what? settings, wan, gateway, device, echo or provisioning" + NewLine;
            }

            string text = string.Empty;
            for (int i = 0; i < DeviceSettings.Keys.Length; i++)
            {
                string key = DeviceSettings.Keys[i];
                if (prefix.Length == 0 || key.StartsWith(prefix))
                {
                    text += key + " = " + Settings.Show(key) + NewLine;
                }
            }

            if (prefix.Length == 0 || prefix == "gateway.")
            {
                string fingerprint = Onboarding.BrokerCa.FingerprintOfPem(_store.Read(Onboarding.BrokerCa.Record));
                text += "gateway CA = " + (fingerprint == null ? "none (plaintext MQTT)" : "SHA-256 " + fingerprint + " (TLS)") + NewLine;
            }

            return text;
        }

        private string Provisioning()
        {
            ProvisioningDocument config = Adapter == null ? null : Adapter.Config;
            if (config == null)
            {
                return "no provisioning received yet" + NewLine;
            }

            string text = "version " + config.Version.ToString() + NewLine;
            for (int line = 1; line <= ProvisioningDocument.MaxLines; line++)
            {
                LineConfig account = config.Line(line);
                if (account == null)
                {
                    text += "line " + line.ToString() + ": no account" + NewLine;
                    continue;
                }

                text += "line " + line.ToString() + ": user " + account.Username
                    + (account.AuthUsername == null || account.AuthUsername == account.Username ? string.Empty : " (auth " + account.AuthUsername + ")")
                    + ", password " + (account.Password == null || account.Password.Length == 0 ? "(none)" : DeviceSettings.Mask)
                    + ", registrar " + ProvisioningDocument.FormatRegistrar(account.RegistrarHost, account.RegistrarPort)
                    + ", expires " + account.Expires.ToString() + " s" + NewLine;
            }

            return text;
        }

        private string SetValue(string rest, long now)
        {
            int space = rest.IndexOf(' ');
            if (rest.Length == 0 || space < 0)
            {
                return "error: usage: set KEY VALUE; keys: " + DeviceSettings.KeyList() + NewLine;
            }

            string key = Text.AsciiText.ToLower(rest.Substring(0, space));
            string value = rest.Substring(space + 1).Trim();
            string error = Settings.Set(key, value);
            if (error != null)
            {
                return "error: " + error + NewLine;
            }

            return Saved(key, now);
        }

        private string UnsetValue(string rest, long now)
        {
            string key = Text.AsciiText.ToLower(rest);
            string error = Settings.Reset(key);
            if (error != null)
            {
                return "error: " + error + NewLine;
            }

            return Saved(key, now);
        }

        private string Saved(string key, long now)
        {
            if (!Settings.Save(_store))
            {
                _log.Add(now, "console: saving " + key + " failed");
                return "error: " + key + " could not be saved to flash; the previous settings are still in place" + NewLine;
            }

            _changedSinceBoot = true;
            _log.Add(now, "console: " + key + " changed");
            return key + " = " + Settings.Show(key) + " (saved; reboot to use it)" + NewLine;
        }

        private string FactoryReset(string rest, long now)
        {
            if (Text.AsciiText.ToLower(rest) != "confirm")
            {
                return "this erases every setting (WAN, gateway, device id and secret, provisioning) and reboots;" + NewLine
                    + "type 'factory-reset confirm' to do it" + NewLine;
            }

            _store.EraseAll();
            Settings = new DeviceSettings();
            _log.Add(now, "console: factory reset");
            if (Adapter != null)
            {
                Adapter.UnregisterAll(now);
            }

            Reboot("factory-reset", now);
            return "factory reset done; rebooting..." + NewLine;
        }
    }
}
