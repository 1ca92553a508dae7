namespace Ata.Core.Settings
{
    /// <summary>
    /// What a technician sets up on a board before it can reach the gateway: the WAN (Ethernet or
    /// Wi-Fi, DHCP or a static address), the gateway's broker and the device's own id and secret.
    /// Values are text keyed by dotted names (<see cref="Keys"/>), validated on <see cref="Set"/>, and
    /// kept in the config store as one JSON record (<see cref="RecordName"/>).
    /// </summary>
    public sealed partial class DeviceSettings
    {
        /// <summary>The config store record holding the settings.</summary>
        public const string RecordName = "settings";

        /// <summary>The device's id: its MQTT topic level and broker user name.</summary>
        public const string DeviceIdKey = "device.id";

        /// <summary>The device's broker password.</summary>
        public const string DeviceSecretKey = "device.secret";

        /// <summary>The gateway broker's host name or IPv4 address.</summary>
        public const string GatewayHostKey = "gateway.host";

        /// <summary>The gateway broker's TCP port.</summary>
        public const string GatewayPortKey = "gateway.port";

        /// <summary>Which link carries the WAN: <see cref="Ethernet"/> or <see cref="Wifi"/>.</summary>
        public const string WanModeKey = "wan.mode";

        /// <summary>The Wi-Fi network name.</summary>
        public const string WifiSsidKey = "wan.ssid";

        /// <summary>The Wi-Fi passphrase.</summary>
        public const string WifiPasswordKey = "wan.password";

        /// <summary><see cref="Dhcp"/>, or the static IPv4 address.</summary>
        public const string AddressKey = "wan.address";

        /// <summary>The static subnet mask.</summary>
        public const string NetmaskKey = "wan.netmask";

        /// <summary>The static default router.</summary>
        public const string RouterKey = "wan.router";

        /// <summary>The static DNS server.</summary>
        public const string DnsKey = "wan.dns";

        /// <summary>
        /// Line 1's echo path delay in samples (0–800), measured by <c>echo measure 1</c> or set by hand; unset: the
        /// board's own value. Line 2's is <see cref="EchoLine2Key"/>.
        /// </summary>
        public const string EchoLine1Key = "echo.line1";

        /// <summary>Line 2's echo path delay in samples (see <see cref="EchoLine1Key"/>).</summary>
        public const string EchoLine2Key = "echo.line2";

        /// <summary>The longest echo path delay a setting may hold (100 ms: the echo canceller's longest bulk delay).</summary>
        public const int MaxEchoPathDelay = Media.EchoCanceller.MaxBulkDelaySamples;

        /// <summary>WAN over the Ethernet port (the default).</summary>
        public const string Ethernet = "ethernet";

        /// <summary>WAN over Wi-Fi.</summary>
        public const string Wifi = "wifi";

        /// <summary>Address by DHCP (the default).</summary>
        public const string Dhcp = "dhcp";

        /// <summary>The broker port used unless one is set.</summary>
        public const int DefaultGatewayPort = 1883;

        /// <summary>What secret values are shown as.</summary>
        public const string Mask = "********";

        /// <summary>Every key, in the order they are shown.</summary>
        public static readonly string[] Keys =
        {
            DeviceIdKey, DeviceSecretKey, GatewayHostKey, GatewayPortKey,
            WanModeKey, WifiSsidKey, WifiPasswordKey, AddressKey, NetmaskKey, RouterKey, DnsKey,
            EchoLine1Key, EchoLine2Key,
        };

        private static readonly string[] Defaults =
        {
            string.Empty, string.Empty, string.Empty, "1883",
            Ethernet, string.Empty, string.Empty, Dhcp, string.Empty, string.Empty, string.Empty,
            string.Empty, string.Empty,
        };

        private readonly string[] _values = Arrays.Strings(Keys.Length);

        /// <summary>Creates the factory defaults: Ethernet with DHCP, broker port 1883, nothing else set.</summary>
        public DeviceSettings()
        {
            for (int i = 0; i < Keys.Length; i++)
            {
                _values[i] = Defaults[i];
            }
        }

        /// <summary>The device id, or empty.</summary>
        public string DeviceId
        {
            get { return Get(DeviceIdKey); }
        }

        /// <summary>The device secret, or empty.</summary>
        public string DeviceSecret
        {
            get { return Get(DeviceSecretKey); }
        }

        /// <summary>The gateway broker host, or empty.</summary>
        public string GatewayHost
        {
            get { return Get(GatewayHostKey); }
        }

        /// <summary>The gateway broker port.</summary>
        public int GatewayPort
        {
            get { return ParsePort(Get(GatewayPortKey)); }
        }

        /// <summary><see cref="Ethernet"/> or <see cref="Wifi"/>.</summary>
        public string WanMode
        {
            get { return Get(WanModeKey); }
        }

        /// <summary>The Wi-Fi network name, or empty.</summary>
        public string WifiSsid
        {
            get { return Get(WifiSsidKey); }
        }

        /// <summary>The Wi-Fi passphrase, or empty for an open network.</summary>
        public string WifiPassword
        {
            get { return Get(WifiPasswordKey); }
        }

        /// <summary>True when the address comes from DHCP.</summary>
        public bool UsesDhcp
        {
            get { return Get(AddressKey) == Dhcp; }
        }

        /// <summary>The static address (meaningful when <see cref="UsesDhcp"/> is false).</summary>
        public string Address
        {
            get { return Get(AddressKey); }
        }

        /// <summary>The static subnet mask, or empty.</summary>
        public string Netmask
        {
            get { return Get(NetmaskKey); }
        }

        /// <summary>The static default router, or empty.</summary>
        public string Router
        {
            get { return Get(RouterKey); }
        }

        /// <summary>The static DNS server, or empty.</summary>
        public string Dns
        {
            get { return Get(DnsKey); }
        }

        /// <summary>The key of line <paramref name="line"/>'s echo path delay, or null for a line the settings have none for.</summary>
        public static string EchoPathKey(int line)
        {
            return line == 1 ? EchoLine1Key : (line == 2 ? EchoLine2Key : null);
        }

        /// <summary>Line <paramref name="line"/>'s stored echo path delay in samples, or -1 when none is stored (the board's own value applies).</summary>
        public int EchoPathDelay(int line)
        {
            string key = EchoPathKey(line);
            string value = key == null ? null : Get(key);
            return value == null || value.Length == 0 ? -1 : Text.AsciiText.ParseNonNegative(value);
        }

        /// <summary>True for keys whose values are never shown.</summary>
        public static bool IsSecret(string key)
        {
            return key == DeviceSecretKey || key == WifiPasswordKey;
        }

        /// <summary>True when <paramref name="key"/> is one of <see cref="Keys"/>.</summary>
        public static bool IsKey(string key)
        {
            return IndexOf(key) >= 0;
        }

        /// <summary>The raw value of <paramref name="key"/>, or null for an unknown key.</summary>
        public string Get(string key)
        {
            int i = IndexOf(key);
            return i < 0 ? null : _values[i];
        }

        /// <summary>The value as a technician may see it: secrets masked, empty values as "(not set)".</summary>
        public string Show(string key)
        {
            string value = Get(key);
            if (value == null || value.Length == 0)
            {
                return "(not set)";
            }

            return IsSecret(key) ? Mask : value;
        }

        /// <summary>Validates and sets one value; returns why it was refused, or null when it was set.</summary>
        public string Set(string key, string value)
        {
            int i = IndexOf(key);
            if (i < 0)
            {
                return "unknown setting '" + key + "'; settings are: " + KeyList();
            }

            if (value == null || value.Length == 0)
            {
                return key + " needs a value (to clear it, use: unset " + key + ")";
            }

            string error = Validate(key, value);
            if (error != null)
            {
                return error;
            }

            _values[i] = value;
            return null;
        }

        /// <summary>Puts one value back to its factory default.</summary>
        public string Reset(string key)
        {
            int i = IndexOf(key);
            if (i < 0)
            {
                return "unknown setting '" + key + "'; settings are: " + KeyList();
            }

            _values[i] = Defaults[i];
            return null;
        }

        /// <summary>What is still missing before the device can reach its gateway, or null when nothing is.</summary>
        public string Missing()
        {
            string missing = string.Empty;
            if (DeviceId.Length == 0)
            {
                missing = Append(missing, DeviceIdKey);
            }

            if (DeviceSecret.Length == 0)
            {
                missing = Append(missing, DeviceSecretKey);
            }

            if (GatewayHost.Length == 0)
            {
                missing = Append(missing, GatewayHostKey);
            }

            if (WanMode == Wifi && WifiSsid.Length == 0)
            {
                missing = Append(missing, WifiSsidKey);
            }

            if (!UsesDhcp && Netmask.Length == 0)
            {
                missing = Append(missing, NetmaskKey);
            }

            return missing.Length == 0 ? null : missing;
        }

        /// <summary>The keys as one comma-separated line.</summary>
        public static string KeyList()
        {
            string list = string.Empty;
            for (int i = 0; i < Keys.Length; i++)
            {
                list = Append(list, Keys[i]);
            }

            return list;
        }

        private static int IndexOf(string key)
        {
            for (int i = 0; i < Keys.Length; i++)
            {
                if (Keys[i] == key)
                {
                    return i;
                }
            }

            return -1;
        }

        private static string Append(string list, string item)
        {
            return list.Length == 0 ? item : list + ", " + item;
        }
    }
}
