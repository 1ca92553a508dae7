namespace Ata.Core.Host
{
    /// <summary>Where and as whom the adapter connects to its gateway's broker.</summary>
    public sealed class GatewayAccess
    {
        /// <summary>Creates the access to <paramref name="host"/>:<paramref name="port"/> as <paramref name="deviceId"/>.</summary>
        public GatewayAccess(string host, int port, string deviceId, string secret)
        {
            Host = host;
            Port = port;
            DeviceId = deviceId;
            Secret = secret;
            PowerOnSpreadMs = HostSupervisor.PowerOnSpreadMs;
        }

        /// <summary>Broker host name or address.</summary>
        public string Host { get; private set; }

        /// <summary>Broker port.</summary>
        public int Port { get; private set; }

        /// <summary>The device id: client id and user name.</summary>
        public string DeviceId { get; private set; }

        /// <summary>The device secret (the broker password). Never log it.</summary>
        public string Secret { get; set; }

        /// <summary>
        /// Over how many milliseconds after boot a fleet's first connections are spread (see
        /// <see cref="HostSupervisor.PowerOnDelayMs"/>); <see cref="HostSupervisor.PowerOnSpreadMs"/>
        /// unless a host says otherwise (the simulator, when a test wants its adapter at once), 0 for none.
        /// </summary>
        public long PowerOnSpreadMs { get; set; }
    }
}
