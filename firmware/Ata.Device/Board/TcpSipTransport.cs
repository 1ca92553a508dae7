using System.Collections;
using System.Net;
using System.Net.Sockets;
using Ata.Core.Hardware;

namespace Ata.Device.Board
{
    /// <summary>
    /// TCP connections for lines provisioned for SIP over TCP. The main loop polls them
    /// (<see cref="Receive"/>) and hands bytes and closed connections to the core.
    /// </summary>
    public sealed class TcpSipTransport : IStreamTransport
    {
        private const int ConnectTimeoutMs = 5000;

        private readonly Hashtable _connections = new Hashtable();
        private readonly byte[] _buffer = new byte[1500];
        private int _nextId = 1;

        /// <summary>The buffer <see cref="Receive"/> fills.</summary>
        public byte[] Buffer
        {
            get { return _buffer; }
        }

        /// <inheritdoc/>
        public int Connect(string address, int port)
        {
            Socket socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.SendTimeout = ConnectTimeoutMs;
                socket.Connect(new IPEndPoint(IPAddress.Parse(address), port));
            }
            catch (SocketException)
            {
                socket.Close();
                return -1;
            }

            int id = _nextId++;
            _connections[id] = socket;
            return id;
        }

        /// <inheritdoc/>
        public int LocalPortOf(int connection)
        {
            Socket socket = _connections[connection] as Socket;
            IPEndPoint local = socket == null ? null : socket.LocalEndPoint as IPEndPoint;
            return local == null ? 0 : local.Port;
        }

        /// <inheritdoc/>
        public bool Send(int connection, byte[] data, int length)
        {
            Socket socket = _connections[connection] as Socket;
            if (socket == null)
            {
                return false;
            }

            try
            {
                socket.Send(data, 0, length, SocketFlags.None);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }

        /// <inheritdoc/>
        public void Close(int connection)
        {
            Socket socket = _connections[connection] as Socket;
            if (socket != null)
            {
                _connections.Remove(connection);
                socket.Close();
            }
        }

        /// <summary>
        /// Reads what one connection has waiting into <see cref="Buffer"/>: returns the connection id
        /// with the byte count in <paramref name="length"/> (0 = the peer closed it, and it is
        /// forgotten), or 0 when no connection has anything.
        /// </summary>
        public int Receive(out int length)
        {
            length = 0;
            foreach (DictionaryEntry entry in _connections)
            {
                Socket socket = (Socket)entry.Value;
                if (!socket.Poll(0, SelectMode.SelectRead))
                {
                    continue;
                }

                int id = (int)entry.Key;
                try
                {
                    length = socket.Receive(_buffer, 0, _buffer.Length, SocketFlags.None);
                }
                catch (SocketException)
                {
                    length = 0;
                }

                if (length == 0)
                {
                    _connections.Remove(id);
                    socket.Close();
                }

                return id;
            }

            return 0;
        }
    }
}
