namespace Ata.Core.Hardware
{
    /// <summary>
    /// TCP connections for SIP over a reliable transport. Received bytes and closed connections are
    /// passed to the core by the host (<see cref="Adapter.OnStreamData"/>, <see cref="Adapter.OnStreamClosed"/>).
    /// </summary>
    public interface IStreamTransport
    {
        /// <summary>Opens a connection (bounded wait); returns its id (greater than 0), or -1 when it cannot be opened.</summary>
        int Connect(string address, int port);

        /// <summary>The local port of an open connection (for Via), or 0.</summary>
        int LocalPortOf(int connection);

        /// <summary>Sends bytes on a connection; false when the connection is gone.</summary>
        bool Send(int connection, byte[] data, int length);

        /// <summary>Closes a connection; the host does not report it as closed afterwards.</summary>
        void Close(int connection);
    }
}
