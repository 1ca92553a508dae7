using Ata.Core.Hardware;

namespace Ata.Core.Sip.Transport
{
    /// <summary>
    /// The flow from a line to its next hop (registrar or outbound proxy, RFC 5626 §3): a UDP
    /// destination on the adapter's SIP socket, or a TCP connection, with the flow's keep-alive.
    /// A double CRLF ping every interval; on TCP the server answers a CRLF pong (RFC 5626 §4.4.1),
    /// and a pong that does not come in time means the flow is dead. On UDP nobody answers the
    /// ping (it only keeps the NAT binding open); proving the server alive there is the OPTIONS
    /// probe's job. Time is passed in; the flow never reads a clock.
    /// </summary>
    public sealed class SipFlow
    {
        /// <summary>How long to wait for a pong on TCP before the flow counts as failed (RFC 5626 §4.4.1).</summary>
        public const long PongTimeoutMs = 10000;

        /// <summary><see cref="Tick"/>: nothing wrong.</summary>
        public const int Alive = 0;

        /// <summary><see cref="Tick"/>: the connection is gone (a send failed); a new flow may simply be opened.</summary>
        public const int Gone = 1;

        /// <summary><see cref="Tick"/>: the server did not answer the keep-alive in time: it is not responding.</summary>
        public const int Silent = 2;

        /// <summary><see cref="Open"/>: ready to send.</summary>
        public const int Opened = 0;

        /// <summary><see cref="Open"/>: a TCP line on a host without TCP.</summary>
        public const int NoTransport = 1;

        /// <summary><see cref="Open"/>: the TCP connection could not be made.</summary>
        public const int Refused = 2;

        private static readonly byte[] Ping = { 13, 10, 13, 10 };

        private readonly IDatagramSocket _socket;
        private readonly bool _reliable;
        private int _connection;
        private long _keepAliveMs;
        private long _nextPingAt = -1;
        private long _pongDueAt = -1;

        /// <summary>Creates a flow over <paramref name="socket"/> (UDP), or over TCP connections when <paramref name="reliable"/>.</summary>
        /// <param name="socket">The adapter's SIP socket (its local address is used on TCP too).</param>
        /// <param name="reliable">True for TCP: no retransmissions, a connection per flow, pongs expected.</param>
        public SipFlow(IDatagramSocket socket, bool reliable)
        {
            _socket = socket;
            _reliable = reliable;
        }

        /// <summary>TCP connections; null when the host has none.</summary>
        public IStreamTransport Stream { get; set; }

        /// <summary>True on TCP (a reliable transport: requests are not retransmitted).</summary>
        public bool IsReliable
        {
            get { return _reliable; }
        }

        /// <summary>The transport as Via names it: <c>UDP</c> or <c>TCP</c>.</summary>
        public string ViaTransport
        {
            get { return _reliable ? "TCP" : "UDP"; }
        }

        /// <summary>The next hop's address, or null before <see cref="Open"/>.</summary>
        public string Address { get; private set; }

        /// <summary>The next hop's port.</summary>
        public int Port { get; private set; }

        /// <summary>The TCP connection, 0 when none is open.</summary>
        public int Connection
        {
            get { return _connection; }
        }

        /// <summary>The local address requests name in Via and Contact.</summary>
        public string LocalAddress
        {
            get { return _socket.LocalAddress; }
        }

        /// <summary>The local port requests name in Via and Contact (the connection's on TCP).</summary>
        public int LocalPort
        {
            get { return _reliable && _connection != 0 ? Stream.LocalPortOf(_connection) : _socket.LocalPort; }
        }

        /// <summary>
        /// Points the flow at <paramref name="address"/>:<paramref name="port"/>; on TCP, opens a
        /// connection unless one to that hop is open. Returns <see cref="Opened"/>, <see cref="NoTransport"/> or <see cref="Refused"/>.
        /// </summary>
        public int Open(string address, int port)
        {
            if (_connection != 0 && (address != Address || port != Port))
            {
                Close();
            }

            Address = address;
            Port = port;
            if (!_reliable || _connection != 0)
            {
                return Opened;
            }

            if (Stream == null)
            {
                return NoTransport;
            }

            _connection = Stream.Connect(address, port);
            if (_connection <= 0)
            {
                _connection = 0;
                return Refused;
            }

            return Opened;
        }

        /// <summary>Sends bytes to the next hop. False when the TCP connection is gone (it is then closed).</summary>
        public bool Send(byte[] data)
        {
            if (!_reliable)
            {
                _socket.Send(data, data.Length, Address, Port);
                return true;
            }

            if (_connection == 0 || !Stream.Send(_connection, data, data.Length))
            {
                Close();
                return false;
            }

            return true;
        }

        /// <summary>Closes the TCP connection, if any, and stops the keep-alive.</summary>
        public void Close()
        {
            StopKeepAlive();
            if (_connection != 0 && Stream != null)
            {
                Stream.Close(_connection);
            }

            _connection = 0;
        }

        /// <summary>True when <paramref name="address"/>:<paramref name="port"/> is this flow's next hop.</summary>
        public bool IsTo(string address, int port)
        {
            return Address != null && address == Address && port == Port;
        }

        /// <summary>Starts keep-alives every <paramref name="intervalSeconds"/> from <paramref name="now"/>; 0 stops them.</summary>
        public void KeepAlive(long now, int intervalSeconds)
        {
            _keepAliveMs = (long)intervalSeconds * 1000;
            _nextPingAt = intervalSeconds > 0 ? now + _keepAliveMs : -1;
            _pongDueAt = -1;
        }

        /// <summary>Stops the keep-alive.</summary>
        public void StopKeepAlive()
        {
            _nextPingAt = -1;
            _pongDueAt = -1;
        }

        /// <summary>A pong arrived on <paramref name="connection"/>.</summary>
        public void OnPong(int connection)
        {
            if (connection == _connection)
            {
                _pongDueAt = -1;
            }
        }

        /// <summary>The host saw <paramref name="connection"/> close; true when it was this flow's (now forgotten).</summary>
        public bool OnClosed(int connection)
        {
            if (connection == 0 || connection != _connection)
            {
                return false;
            }

            _connection = 0;
            StopKeepAlive();
            return true;
        }

        /// <summary>Sends a keep-alive when due; returns <see cref="Alive"/>, <see cref="Gone"/> or <see cref="Silent"/>.</summary>
        public int Tick(long now)
        {
            if (_pongDueAt >= 0 && now >= _pongDueAt)
            {
                Close();
                return Silent;
            }

            if (_nextPingAt < 0 || now < _nextPingAt)
            {
                return Alive;
            }

            if (!Send(Ping))
            {
                return Gone;
            }

            if (_reliable)
            {
                _pongDueAt = now + PongTimeoutMs;
            }

            _nextPingAt = now + _keepAliveMs;
            return Alive;
        }
    }
}
