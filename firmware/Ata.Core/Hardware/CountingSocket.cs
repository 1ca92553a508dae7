namespace Ata.Core.Hardware
{
    /// <summary>A socket that counts the datagrams sent through it (the WAN LED flickers with traffic).</summary>
    public sealed class CountingSocket : IDatagramSocket
    {
        private readonly IDatagramSocket _inner;

        /// <summary>Counts what is sent through <paramref name="inner"/>.</summary>
        public CountingSocket(IDatagramSocket inner)
        {
            _inner = inner;
        }

        /// <summary>Datagrams sent so far.</summary>
        public long Sent { get; private set; }

        /// <inheritdoc/>
        public string LocalAddress
        {
            get { return _inner.LocalAddress; }
        }

        /// <inheritdoc/>
        public int LocalPort
        {
            get { return _inner.LocalPort; }
        }

        /// <inheritdoc/>
        public void Send(byte[] data, int length, string address, int port)
        {
            Sent++;
            _inner.Send(data, length, address, port);
        }
    }
}
