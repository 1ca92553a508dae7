namespace Ata.Core.Hardware
{
    /// <summary>The adapter's UDP socket for SIP. Received datagrams are passed to the core by the host.</summary>
    public interface IDatagramSocket
    {
        /// <summary>The local IPv4 address the socket sends from (used in Via and Contact).</summary>
        string LocalAddress { get; }

        /// <summary>The local port.</summary>
        int LocalPort { get; }

        /// <summary>Sends a datagram; failures are swallowed (UDP gives no guarantee anyway).</summary>
        void Send(byte[] data, int length, string address, int port);
    }

    /// <summary>Name resolution (A records) on the device.</summary>
    public interface INameResolver
    {
        /// <summary>The IPv4 address of <paramref name="host"/> as text, or null when it does not resolve.</summary>
        string Resolve(string host);
    }

    /// <summary>One LED.</summary>
    public interface ILed
    {
        /// <summary>Lights or darkens the LED.</summary>
        void Set(bool on);
    }

    /// <summary>Facts about the board that the health report carries.</summary>
    public interface IDeviceInfo
    {
        /// <summary>Firmware version.</summary>
        string Firmware { get; }
        /// <summary>Hardware revision.</summary>
        string Hardware { get; }
        /// <summary>Why the board last reset.</summary>
        string ResetReason { get; }
        /// <summary>MAC address.</summary>
        string Mac { get; }
        /// <summary>Wi-Fi signal in dBm, 0 on Ethernet.</summary>
        int Rssi { get; }
        /// <summary>Free heap in bytes.</summary>
        long FreeHeap { get; }
    }
}
