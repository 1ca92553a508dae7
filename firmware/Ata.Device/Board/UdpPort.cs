using System.Net;
using System.Net.Sockets;
using Ata.Core.Hardware;

namespace Ata.Device.Board
{
    /// <summary>
    /// A UDP socket on a fixed port of the WAN address: SIP on <see cref="SipPort"/>, and each line's
    /// RTP and RTCP (line 1 on 40000 and 40001, line 2 on 40002 and 40003). The main loop polls it and
    /// hands each datagram, with its source, to the core.
    /// </summary>
    public sealed class UdpPort : IDatagramSocket
    {
        /// <summary>The SIP port.</summary>
        public const int SipPort = 5060;

        /// <summary>The first line's RTP port; RTCP is on the next, and each line takes two.</summary>
        public const int FirstMediaPort = 40000;

        private readonly Socket _socket;
        private readonly byte[] _buffer = new byte[2048];
        private readonly string _address;
        private readonly int _port;

        /// <summary>Binds UDP <paramref name="port"/> on every interface; <paramref name="address"/> is put in Via, Contact and SDP.</summary>
        public UdpPort(string address, int port)
        {
            _address = address;
            _port = port;
            _socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            _socket.Bind(new IPEndPoint(IPAddress.Any, port));
        }

        /// <inheritdoc/>
        public string LocalAddress
        {
            get { return _address; }
        }

        /// <inheritdoc/>
        public int LocalPort
        {
            get { return _port; }
        }

        /// <summary>The receive buffer <see cref="Receive"/> fills.</summary>
        public byte[] Buffer
        {
            get { return _buffer; }
        }

        /// <summary>The source address of the last datagram received.</summary>
        public string SourceAddress { get; private set; }

        /// <summary>The source port of the last datagram received.</summary>
        public int SourcePort { get; private set; }

        /// <inheritdoc/>
        public void Send(byte[] data, int length, string address, int port)
        {
            try
            {
                _socket.SendTo(data, 0, length, SocketFlags.None, new IPEndPoint(IPAddress.Parse(address), port));
            }
            catch (SocketException)
            {
                // UDP promises nothing: SIP retransmits, RTCP reports media loss.
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
                int length = _socket.ReceiveFrom(_buffer, ref from);
                IPEndPoint source = (IPEndPoint)from;
                SourceAddress = source.Address.ToString();
                SourcePort = source.Port;
                return length;
            }
            catch (SocketException)
            {
                return 0;
            }
        }
    }
}
