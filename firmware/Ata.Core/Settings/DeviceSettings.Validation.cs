using Ata.Core.Contract;

namespace Ata.Core.Settings
{
    /// <summary>
    /// What each setting accepts: device id and secret, the broker's host and port, the WAN's mode, Wi-Fi network,
    /// addresses and the lines' echo path delays; each refusal says what the setting must be.
    /// </summary>
    public sealed partial class DeviceSettings
    {
        /// <summary>True for a host name (letters, digits, '-' and '.') or an IPv4 address.</summary>
        public static bool IsHostName(string text)
        {
            if (text == null || text.Length == 0 || text.Length > 253 || text[0] == '.' || text[0] == '-')
            {
                return false;
            }

            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
                if (!ok)
                {
                    return false;
                }
            }

            return true;
        }

        private static string Validate(string key, string value)
        {
            if (key == DeviceIdKey)
            {
                return MqttTopics.IsValidDeviceId(value) ? null : "device.id must be 1-64 letters, digits, '-', '_' or '.'";
            }

            if (key == DeviceSecretKey)
            {
                return IsPrintable(value, 8, 128) ? null : "device.secret must be 8-128 printable characters without spaces";
            }

            if (key == GatewayHostKey)
            {
                return IsHostName(value) ? null : "gateway.host must be a host name or an IPv4 address";
            }

            if (key == GatewayPortKey)
            {
                return ParsePort(value) > 0 ? null : "gateway.port must be a number from 1 to 65535";
            }

            if (key == WanModeKey)
            {
                return value == Ethernet || value == Wifi ? null : "wan.mode must be 'ethernet' or 'wifi'";
            }

            if (key == WifiSsidKey)
            {
                return value.Length >= 1 && value.Length <= 32 ? null : "wan.ssid must be 1-32 characters";
            }

            if (key == WifiPasswordKey)
            {
                return value.Length == 0 || (value.Length >= 8 && value.Length <= 63)
                    ? null
                    : "wan.password must be 8-63 characters (or unset for an open network)";
            }

            if (key == AddressKey)
            {
                return value == Dhcp || Text.AsciiText.IsIPv4(value) ? null : "wan.address must be 'dhcp' or an IPv4 address like 192.168.1.20";
            }

            if (key == EchoLine1Key || key == EchoLine2Key)
            {
                int samples = value.Length > 3 ? -1 : Text.AsciiText.ParseNonNegative(value);
                return samples >= 0 && samples <= MaxEchoPathDelay
                    ? null
                    : key + " must be the echo path's delay in samples, 0 to " + MaxEchoPathDelay.ToString() + " (or measure it: echo measure " + key.Substring(key.Length - 1) + ")";
            }

            return Text.AsciiText.IsIPv4(value) ? null : key + " must be an IPv4 address like 192.168.1.1";
        }

        private static bool IsPrintable(string value, int min, int max)
        {
            if (value.Length < min || value.Length > max)
            {
                return false;
            }

            for (int i = 0; i < value.Length; i++)
            {
                if (value[i] <= ' ' || value[i] > '~')
                {
                    return false;
                }
            }

            return true;
        }

        private static int ParsePort(string text)
        {
            int port = SipTextNumber(text);
            return port >= 1 && port <= 65535 ? port : -1;
        }

        private static int SipTextNumber(string text)
        {
            return text == null || text.Length == 0 || text.Length > 5 || text.Trim().Length != text.Length
                ? -1
                : Text.AsciiText.ParseNonNegative(text);
        }
    }
}
