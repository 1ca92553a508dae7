using System.Net;
using System.Net.Sockets;
using Ata.Core.Hardware;

namespace Ata.Device.Board
{
    /// <summary>The SIP socket: UDP on the WAN address. The main loop polls it and hands datagrams to the core.</summary>
    public sealed class UdpSipSocket : IDatagramSocket
    {
        /// <summary>The local SIP port.</summary>
        public const int Port = 5060;

        private readonly Socket _socket;
        private readonly byte[] _buffer = new byte[2048];
        private readonly string _address;

        /// <summary>Binds UDP port <see cref="Port"/> on every interface; <paramref name="address"/> is put in Via/Contact.</summary>
        public UdpSipSocket(string address)
        {
            _address = address;
            _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            _socket.Bind(new IPEndPoint(IPAddress.Any, Port));
        }

        /// <inheritdoc/>
        public string LocalAddress
        {
            get { return _address; }
        }

        /// <inheritdoc/>
        public int LocalPort
        {
            get { return Port; }
        }

        /// <summary>The receive buffer <see cref="Receive"/> fills.</summary>
        public byte[] Buffer
        {
            get { return _buffer; }
        }

        /// <inheritdoc/>
        public void Send(byte[] data, int length, string address, int port)
        {
            try
            {
                _socket.SendTo(data, 0, length, SocketFlags.None, new IPEndPoint(IPAddress.Parse(address), port));
            }
            catch (SocketException)
            {
                // UDP promises nothing; the registration's retransmission covers a lost send.
            }
        }

        /// <summary>Receives one waiting datagram into <see cref="Buffer"/>; returns its length, or 0 when none is waiting.</summary>
        public int Receive()
        {
            if (!_socket.Poll(0, SelectMode.SelectRead))
            {
                return 0;
            }

            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            try
            {
                return _socket.ReceiveFrom(_buffer, ref from);
            }
            catch (SocketException)
            {
                return 0;
            }
        }
    }
}
