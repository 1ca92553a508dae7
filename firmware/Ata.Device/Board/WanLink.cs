using System.Device.Wifi;
using System.Net.NetworkInformation;
using System.Threading;
using Ata.Core.Health;
using Ata.Core.Settings;
using nanoFramework.Networking;

namespace Ata.Device.Board
{
    /// <summary>
    /// The WAN: Ethernet through the LAN8720 (the primary), or Wi-Fi when the settings say so; DHCP or
    /// the static address from the settings. <see cref="State"/> maps the link to the core's <see cref="WanState"/>.
    /// </summary>
    public sealed class WanLink
    {
        private readonly DeviceSettings _settings;
        private readonly bool _needsClock;

        /// <summary>
        /// Uses the WAN settings loaded at boot. With <paramref name="needsClock"/> (the gateway link is
        /// TLS, which checks the broker certificate's validity dates) <see cref="Start"/> also waits for
        /// the clock: the firmware's network stack sets it by SNTP once the link is up.
        /// </summary>
        public WanLink(DeviceSettings settings, bool needsClock)
        {
            _settings = settings;
            _needsClock = needsClock;
        }

        /// <summary>Why the last bring-up failed, or null.</summary>
        public string Problem { get; private set; }

        /// <summary>Brings the link up, waiting at most <paramref name="timeoutMs"/>; false (with <see cref="Problem"/>) when it did not come up.</summary>
        public bool Start(int timeoutMs)
        {
            CancellationTokenSource timeout = new CancellationTokenSource(timeoutMs);
            IPConfiguration address = null;
            if (!_settings.UsesDhcp)
            {
                string[] dns = _settings.Dns.Length == 0 ? new string[0] : new string[] { _settings.Dns };
                address = new IPConfiguration(_settings.Address, _settings.Netmask, _settings.Router, dns);
            }

            bool up;
            if (_settings.WanMode == DeviceSettings.Wifi)
            {
                up = address == null
                    ? WifiNetworkHelper.ConnectDhcp(_settings.WifiSsid, _settings.WifiPassword, WifiReconnectionKind.Automatic, _needsClock, 0, timeout.Token)
                    : WifiNetworkHelper.ConnectFixAddress(_settings.WifiSsid, _settings.WifiPassword, address, WifiReconnectionKind.Automatic, _needsClock, 0, timeout.Token);
                Problem = up ? null : "Wi-Fi '" + _settings.WifiSsid + "' not joined: " + StatusName(WifiNetworkHelper.Status);
            }
            else
            {
                up = address == null
                    ? NetworkHelper.SetupAndConnectNetwork(timeout.Token, _needsClock)
                    : NetworkHelper.SetupAndConnectNetwork(address, timeout.Token, _needsClock);
                Problem = up ? null : "Ethernet not up: " + StatusName(NetworkHelper.Status);
            }

            return up;
        }

        /// <summary>The link as the core names it, with the address in <paramref name="address"/>.</summary>
        public string State(out string address)
        {
            address = null;
            NetworkInterface[] interfaces = NetworkInterface.GetAllNetworkInterfaces();
            NetworkInterfaceType wanted = _settings.WanMode == DeviceSettings.Wifi ? NetworkInterfaceType.Wireless80211 : NetworkInterfaceType.Ethernet;
            for (int i = 0; i < interfaces.Length; i++)
            {
                if (interfaces[i].NetworkInterfaceType != wanted)
                {
                    continue;
                }

                string ip = interfaces[i].IPv4Address;
                if (ip != null && ip.Length > 0 && ip != "0.0.0.0")
                {
                    address = ip;
                    return WanState.Online;
                }

                return WanState.Limited;
            }

            return WanState.Down;
        }

        /// <summary>The first DNS server the WAN interface was given (by DHCP), or null.</summary>
        public string DnsServer()
        {
            NetworkInterface[] interfaces = NetworkInterface.GetAllNetworkInterfaces();
            for (int i = 0; i < interfaces.Length; i++)
            {
                string[] servers = interfaces[i].IPv4DnsAddresses;
                if (servers != null && servers.Length > 0 && servers[0] != "0.0.0.0")
                {
                    return servers[0];
                }
            }

            return null;
        }

        /// <summary>The MAC of the WAN interface as aa:bb:cc:dd:ee:ff, or empty.</summary>
        public string Mac()
        {
            NetworkInterface[] interfaces = NetworkInterface.GetAllNetworkInterfaces();
            if (interfaces.Length == 0)
            {
                return string.Empty;
            }

            byte[] mac = interfaces[0].PhysicalAddress;
            string text = string.Empty;
            for (int i = 0; i < mac.Length; i++)
            {
                text += (i == 0 ? string.Empty : ":") + Ata.Core.Json.Hex.Digit(mac[i] >> 4).ToString() + Ata.Core.Json.Hex.Digit(mac[i]).ToString();
            }

            return text;
        }

        private static string StatusName(NetworkHelperStatus status)
        {
            if (status == NetworkHelperStatus.TokenExpiredWaitingIPAddress)
            {
                return "no address from DHCP in time";
            }

            if (status == NetworkHelperStatus.FailedNoNetworkInterface)
            {
                return "no network interface";
            }

            if (status == NetworkHelperStatus.TokenExpiredWaitingDateTime)
            {
                return "the clock was not set by SNTP in time (TLS to the gateway needs it; is UDP port 123 blocked?)";
            }

            if (status == NetworkHelperStatus.ErrorConnetingToWiFiWhileScanning)
            {
                return "could not join the network";
            }

            return "timed out";
        }
    }
}
