using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Ata.Core.Hardware;

namespace Ata.Sim;

/// <summary>
/// The SIP socket: a real UDP socket; received datagrams are handed to a callback. On Linux it also
/// asks for ICMP errors (<c>IP_RECVERR</c>) and reports the destination a datagram bounced from,
/// so a registrar whose port is closed fails at once instead of after Timer F.
/// </summary>
internal sealed class UdpSipSocket : IDatagramSocket, IDisposable
{
    private const int SolIp = 0;
    private const int IpRecvErr = 11;
    private const int MsgDontWait = 0x40;
    private const int MsgErrQueue = 0x2000;

    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly Thread _receiver;
    private readonly Action<byte[], int> _onDatagram;
    private readonly Action<string, int> _onUnreachable;
    private readonly bool _icmpErrors;
    private volatile bool _closed;

    public UdpSipSocket(string localAddress, Action<byte[], int> onDatagram, Action<string, int> onUnreachable)
    {
        _onDatagram = onDatagram;
        _onUnreachable = onUnreachable;
        _socket.Bind(new IPEndPoint(IPAddress.Any, 0));
        if (OperatingSystem.IsLinux())
        {
            try
            {
                _socket.SetRawSocketOption(SolIp, IpRecvErr, BitConverter.GetBytes(1));
                _icmpErrors = true;
            }
            catch (SocketException)
            {
                // Without it the transaction timers notice an unreachable registrar, only later.
            }
        }

        LocalAddress = localAddress;
        LocalPort = ((IPEndPoint)_socket.LocalEndPoint!).Port;
        _receiver = new Thread(Receive) { IsBackground = true, Name = "sip-udp" };
        _receiver.Start();
    }

    public string LocalAddress { get; }
    public int LocalPort { get; }

    public void Send(byte[] data, int length, string address, int port)
    {
        try
        {
            _socket.SendTo(data, 0, length, SocketFlags.None, new IPEndPoint(IPAddress.Parse(address), port));
        }
        catch (SocketException)
        {
            // UDP promises nothing; a queued ICMP error is read by the receiver, the timers do the rest.
        }
    }

    public void Dispose()
    {
        _closed = true;
        _socket.Dispose();
    }

    private void Receive()
    {
        var buffer = new byte[65535];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        while (!_closed)
        {
            try
            {
                int n = _socket.ReceiveFrom(buffer, ref from);
                _onDatagram(buffer[..n], n);
            }
            catch (SocketException) when (!_closed)
            {
                // An ICMP error (port or host unreachable) for something we sent.
                ReportIcmpErrors();
            }
            catch (Exception) when (_closed)
            {
                return;
            }
        }
    }

    /// <summary>Drains the socket's error queue, reporting the destination of each bounced datagram.</summary>
    private void ReportIcmpErrors()
    {
        if (!_icmpErrors)
        {
            return;
        }

        byte[] name = new byte[16];
        byte[] data = new byte[512];
        byte[] control = new byte[512];
        var nameHandle = GCHandle.Alloc(name, GCHandleType.Pinned);
        var dataHandle = GCHandle.Alloc(data, GCHandleType.Pinned);
        var controlHandle = GCHandle.Alloc(control, GCHandleType.Pinned);
        try
        {
            for (int i = 0; i < 16; i++)
            {
                var iov = new IoVector { Base = dataHandle.AddrOfPinnedObject(), Length = (nuint)data.Length };
                var iovHandle = GCHandle.Alloc(iov, GCHandleType.Pinned);
                try
                {
                    var header = new MessageHeader
                    {
                        Name = nameHandle.AddrOfPinnedObject(),
                        NameLength = (uint)name.Length,
                        Vector = iovHandle.AddrOfPinnedObject(),
                        VectorLength = 1,
                        Control = controlHandle.AddrOfPinnedObject(),
                        ControlLength = (nuint)control.Length,
                    };
                    if (recvmsg((int)_socket.Handle, ref header, MsgErrQueue | MsgDontWait) < 0 || header.NameLength < 8)
                    {
                        return;
                    }
                }
                finally
                {
                    iovHandle.Free();
                }

                // sockaddr_in: family (2), port (2, network order), IPv4 address (4).
                int port = (name[2] << 8) | name[3];
                string address = new IPAddress(name.AsSpan(4, 4)).ToString();
                _onUnreachable(address, port);
            }
        }
        finally
        {
            nameHandle.Free();
            dataHandle.Free();
            controlHandle.Free();
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVector
    {
        public IntPtr Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MessageHeader
    {
        public IntPtr Name;
        public uint NameLength;
        public IntPtr Vector;
        public nuint VectorLength;
        public IntPtr Control;
        public nuint ControlLength;
        public int Flags;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern nint recvmsg(int socket, ref MessageHeader message, int flags);
}
