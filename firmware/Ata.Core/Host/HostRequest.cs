namespace Ata.Core.Host
{
    /// <summary>The kinds of <see cref="HostRequest"/>.</summary>
    public static class HostRequestKind
    {
        /// <summary>Open an MQTT session to <see cref="HostRequest.Host"/>:<see cref="HostRequest.Port"/> with the client id, user and secret given, Last Will <c>offline</c> retained; report the outcome.</summary>
        public const string Connect = "connect";

        /// <summary>Let the session's queued messages out, publish <c>offline</c> (retained) and disconnect without the will; report when done.</summary>
        public const string Disconnect = "disconnect";

        /// <summary>Write <see cref="HostRequest.Content"/> as the provisioning record; report the outcome.</summary>
        public const string StoreConfig = "store-config";

        /// <summary>Keep <see cref="HostRequest.Secret"/> as the device secret from now on; report the outcome.</summary>
        public const string StoreSecret = "store-secret";

        /// <summary>Restart the board now (<see cref="HostRequest.Reason"/> says why).</summary>
        public const string Reboot = "reboot";

        /// <summary>
        /// Erase every stored record (<see cref="Hardware.IConfigStore.EraseAll"/>: the settings with the
        /// device secret, the broker CA, the provisioning), then restart the board unprovisioned.
        /// </summary>
        public const string FactoryReset = "factory-reset";
    }

    /// <summary>
    /// One thing the core asks its host to do (see <see cref="HostRequestKind"/>). The host carries
    /// it out and reports the outcome through the adapter's inputs; it decides nothing itself.
    /// </summary>
    public sealed class HostRequest
    {
        private HostRequest(string kind)
        {
            Kind = kind;
        }

        /// <summary>See <see cref="HostRequestKind"/>.</summary>
        public string Kind { get; private set; }

        /// <summary>Broker host (connect).</summary>
        public string Host { get; private set; }

        /// <summary>Broker port (connect).</summary>
        public int Port { get; private set; }

        /// <summary>MQTT client id and user name: the device id (connect).</summary>
        public string ClientId { get; private set; }

        /// <summary>The device secret (connect, store-secret). Never log it.</summary>
        public string Secret { get; private set; }

        /// <summary>The provisioning document's JSON (store-config).</summary>
        public string Content { get; private set; }

        /// <summary>Why (reboot, disconnect).</summary>
        public string Reason { get; private set; }

        /// <summary>A connect request.</summary>
        public static HostRequest Connect(string host, int port, string clientId, string secret)
        {
            HostRequest r = new HostRequest(HostRequestKind.Connect);
            r.Host = host;
            r.Port = port;
            r.ClientId = clientId;
            r.Secret = secret;
            return r;
        }

        /// <summary>A disconnect request.</summary>
        public static HostRequest Disconnect(string reason)
        {
            HostRequest r = new HostRequest(HostRequestKind.Disconnect);
            r.Reason = reason;
            return r;
        }

        /// <summary>A request to store the provisioning document.</summary>
        public static HostRequest StoreConfig(string content)
        {
            HostRequest r = new HostRequest(HostRequestKind.StoreConfig);
            r.Content = content;
            return r;
        }

        /// <summary>A request to store a rotated device secret.</summary>
        public static HostRequest StoreSecret(string secret)
        {
            HostRequest r = new HostRequest(HostRequestKind.StoreSecret);
            r.Secret = secret;
            return r;
        }

        /// <summary>A factory reset request: erase everything stored, then restart.</summary>
        public static HostRequest FactoryReset(string reason)
        {
            HostRequest r = new HostRequest(HostRequestKind.FactoryReset);
            r.Reason = reason;
            return r;
        }

        /// <summary>A reboot request.</summary>
        public static HostRequest Reboot(string reason)
        {
            HostRequest r = new HostRequest(HostRequestKind.Reboot);
            r.Reason = reason;
            return r;
        }
    }
}
