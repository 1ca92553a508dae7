using Ata.Core.Onboarding;
using Ata.Core.Settings;

namespace Ata.Core.Console
{
    /// <summary>The console's <c>onboard CODE</c> command and the CA certificate pasted after it.</summary>
    public sealed partial class TechnicianConsole
    {
        private OnboardingCode _pendingCode;
        private string _pastedCa;

        /// <summary>
        /// Takes an onboarding code. A code for a plaintext broker is applied at once. A code that pins
        /// the broker's CA is applied at once when that CA is already kept; otherwise it waits for the
        /// technician to paste the CA certificate (<see cref="PasteCaLine"/>), which must match it.
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

            _pendingCode = null;
            if (code.CaFingerprint == null)
            {
                return Complete(code, string.Empty, now);
            }

            string kept = _store.Read(BrokerCa.Record);
            if (BrokerCa.FingerprintOfPem(kept) == code.CaFingerprint)
            {
                return "the gateway's CA is already kept (SHA-256 " + code.CaFingerprint + ")" + NewLine + Complete(code, kept, now);
            }

            _pendingCode = code;
            _log.Add(now, "console: onboarding code read for " + code.DeviceId + ", waiting for the CA certificate");
            return "step 1 of 2: code read: device " + code.DeviceId + ", gateway " + code.Host + ":" + code.Port.ToString() + " over TLS" + NewLine
                + "the gateway's CA certificate must have SHA-256 " + code.CaFingerprint + NewLine
                + "step 2 of 2: paste the CA certificate shown with the code (" + BrokerCa.BeginLine + " to " + BrokerCa.EndLine + ")" + NewLine;
        }

        /// <summary>Whether the console is in the middle of a pasted CA certificate.</summary>
        private bool PastingCa
        {
            get { return _pastedCa != null; }
        }

        /// <summary>
        /// Takes one line of a pasted CA certificate (the first is <see cref="BrokerCa.BeginLine"/>);
        /// returns null while more lines are expected, else the answer.
        /// </summary>
        private string PasteCaLine(string line, long now)
        {
            if (!PastingCa)
            {
                _pastedCa = string.Empty;
            }

            _pastedCa += line + "\n";
            if (_pastedCa.Length > BrokerCa.MaxPemLength)
            {
                _pastedCa = null;
                return "error: the pasted certificate is too long (over " + BrokerCa.MaxPemLength.ToString() + " characters); nothing saved" + NewLine;
            }

            if (line != BrokerCa.EndLine)
            {
                return null;
            }

            string pem = _pastedCa;
            _pastedCa = null;
            return TakeCa(pem, now);
        }

        /// <summary>Checks a pasted CA against the waiting onboarding code; when it matches, onboards with both.</summary>
        private string TakeCa(string pem, long now)
        {
            OnboardingCode code = _pendingCode;
            if (code == null)
            {
                return "error: a CA certificate is taken only after 'onboard CODE' (the code says which CA to trust); nothing saved" + NewLine;
            }

            string error;
            byte[] der = BrokerCa.DerOf(pem, out error);
            if (der == null)
            {
                return "error: the pasted certificate is damaged: " + error + "; paste it again, whole; nothing saved" + NewLine;
            }

            string fingerprint = BrokerCa.FingerprintOf(der);
            if (fingerprint != code.CaFingerprint)
            {
                _log.Add(now, "console: pasted CA refused, SHA-256 " + fingerprint + " is not the code's");
                return "error: wrong CA certificate: its SHA-256 is " + fingerprint + NewLine
                    + "but the onboarding code expects " + code.CaFingerprint + NewLine
                    + "it is not the CA of the gateway that issued the code; nothing saved. Paste the certificate shown with this code" + NewLine;
            }

            _pendingCode = null;
            return "CA certificate checked: its SHA-256 matches the onboarding code" + NewLine + Complete(code, pem, now);
        }

        /// <summary>
        /// Keeps the CA (<paramref name="caPem"/>; empty for plaintext) and sets the device id, the
        /// gateway's host and port and the device secret the code carries (all or none), then reboots
        /// to connect with them.
        /// </summary>
        private string Complete(OnboardingCode code, string caPem, long now)
        {
            string keptCa = _store.Read(BrokerCa.Record);
            bool caChanged = (keptCa == null ? string.Empty : keptCa) != caPem;
            string error = null;
            if (caChanged && !_store.Write(BrokerCa.Record, caPem))
            {
                error = "the CA certificate could not be saved to flash; the previous settings are still in place";
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

                if (caChanged)
                {
                    _store.Write(BrokerCa.Record, keptCa == null ? string.Empty : keptCa);
                }

                _log.Add(now, "console: onboarding refused");
                return "error: " + error + NewLine;
            }

            string link = caPem.Length == 0 ? " (plaintext MQTT: the code carries no CA)" : " over TLS";
            _changedSinceBoot = true;
            _log.Add(now, "console: onboarded as " + code.DeviceId + " for gateway " + code.Host + ":" + code.Port.ToString() + link);
            Reboot("onboard", now);
            return "onboarded: device " + code.DeviceId + ", gateway " + code.Host + ":" + code.Port.ToString() + link + ", device secret set" + NewLine
                + "saved; rebooting to connect to the gateway..." + NewLine;
        }
    }
}
