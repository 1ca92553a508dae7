namespace Ata.Core.Host
{
    /// <summary>What a host can do for the adapter; <see cref="Adapter.CarryOutHostRequests"/> calls it for each <see cref="HostRequest"/>.</summary>
    public interface IHostActions
    {
        /// <summary>Start connecting as <paramref name="request"/> says (host, port, client id, secret); report through <see cref="Adapter.OnMqttConnected"/> or <see cref="Adapter.OnMqttConnectFailed"/>.</summary>
        void Connect(HostRequest request);

        /// <summary>Start the goodbye (reports flushed, <c>offline</c> retained, no will); report through <see cref="Adapter.OnMqttDisconnected"/>.</summary>
        void Leave();

        /// <summary>Write the provisioning document to flash; true when it was written.</summary>
        bool StoreConfig(string json);

        /// <summary>Keep <paramref name="secret"/> as the device secret from now on; true when it was written.</summary>
        bool StoreSecret(string secret);

        /// <summary>Restart the board now.</summary>
        void Reboot(string reason);

        /// <summary>Erase every stored record through the config store (<see cref="Hardware.IConfigStore.EraseAll"/>), then restart the board.</summary>
        void FactoryReset(string reason);
    }
}
