using System.Net;
using System.Net.Sockets;
using Ata.Core.Hardware;

namespace Ata.Sim;

/// <summary>
/// One line's media sockets, as the board has them: RTP on an even port and RTCP on the next one,
/// both on the SIP address; what arrives is handed, with its source, to a callback (queued onto the
/// loop thread by the host).
/// </summary>
internal sealed class SimMediaPorts : IDisposable
{
    private SimMediaPorts(MediaSocket rtp, MediaSocket rtcp)
    {
        Rtp = rtp;
        Rtcp = rtcp;
    }

    public MediaSocket Rtp { get; }

    public MediaSocket Rtcp { get; }

    /// <summary>Binds a free even/odd port pair on <paramref name="address"/>.</summary>
    public static SimMediaPorts Open(string address, Action<byte[], int, string, int> onRtp, Action<byte[], int, string, int> onRtcp)
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            probe.Bind(new IPEndPoint(IPAddress.Any, 0));
            int port = ((IPEndPoint)probe.LocalEndPoint!).Port & ~1;
            probe.Dispose();
            try
            {
                var rtp = new MediaSocket(address, port, onRtp);
                try
                {
                    return new SimMediaPorts(rtp, new MediaSocket(address, port + 1, onRtcp));
                }
                catch (SocketException)
                {
                    rtp.Dispose();
                }
            }
            catch (SocketException)
            {
            }
        }

        throw new SimStartException("cannot find a free pair of UDP ports for RTP and RTCP");
    }

    public void Dispose()
    {
        Rtp.Dispose();
        Rtcp.Dispose();
    }

    /// <summary>A UDP socket for RTP or RTCP (the core's <see cref="IDatagramSocket"/>).</summary>
    internal sealed class MediaSocket : IDatagramSocket, IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        private readonly Action<byte[], int, string, int> _onDatagram;
        private volatile bool _closed;

        public MediaSocket(string address, int port, Action<byte[], int, string, int> onDatagram)
        {
            _onDatagram = onDatagram;
            _socket.Bind(new IPEndPoint(IPAddress.Any, port));
            LocalAddress = address;
            LocalPort = port;
            new Thread(Receive) { IsBackground = true, Name = "media-udp-" + port }.Start();
        }

        public string LocalAddress { get; }

        public int LocalPort { get; }

        public void Send(byte[] data, int length, string address, int port)
        {
            try
            {
                _socket.SendTo(data, 0, length, SocketFlags.None, new IPEndPoint(IPAddress.Parse(address), port));
            }
            catch (Exception e) when (e is SocketException or FormatException or ObjectDisposedException)
            {
                // Media is best effort: RTCP shows the loss.
            }
        }

        public void Dispose()
        {
            _closed = true;
            _socket.Dispose();
        }

        private void Receive()
        {
            var buffer = new byte[2048];
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            while (!_closed)
            {
                try
                {
                    int n = _socket.ReceiveFrom(buffer, ref from);
                    var source = (IPEndPoint)from;
                    _onDatagram(buffer[..n], n, source.Address.ToString(), source.Port);
                }
                catch (SocketException) when (!_closed)
                {
                    // An ICMP error for something sent: the far end's port is closed; RTCP will tell.
                }
                catch (Exception) when (_closed)
                {
                    return;
                }
            }
        }
    }
}
