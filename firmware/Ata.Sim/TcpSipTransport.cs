using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Ata.Core.Hardware;

namespace Ata.Sim;

/// <summary>
/// SIP over TCP for the simulated adapter: real connections, each read on its own thread; bytes
/// and closures are handed to the core through callbacks (queued onto the core's thread by the host).
/// </summary>
internal sealed class TcpSipTransport(Action<int, byte[]> onData, Action<int> onClosed) : IStreamTransport, IDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(3);
    private readonly ConcurrentDictionary<int, Socket> _connections = new();
    private int _lastId;

    public int Connect(string address, int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            var connecting = socket.ConnectAsync(IPAddress.Parse(address), port);
            if (!connecting.Wait(ConnectTimeout))
            {
                socket.Dispose();
                return -1;
            }
        }
        catch (Exception e) when (e is AggregateException or SocketException or FormatException)
        {
            socket.Dispose();
            return -1;
        }

        int id = Interlocked.Increment(ref _lastId);
        _connections[id] = socket;
        new Thread(() => Read(id, socket)) { IsBackground = true, Name = $"sip-tcp-{id}" }.Start();
        return id;
    }

    public int LocalPortOf(int connection) =>
        _connections.TryGetValue(connection, out var socket) && socket.LocalEndPoint is IPEndPoint local ? local.Port : 0;

    public bool Send(int connection, byte[] data, int length)
    {
        if (!_connections.TryGetValue(connection, out var socket))
        {
            return false;
        }

        try
        {
            socket.Send(data, 0, length, SocketFlags.None);
            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    public void Close(int connection)
    {
        if (_connections.TryRemove(connection, out var socket))
        {
            socket.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (int id in _connections.Keys)
        {
            Close(id);
        }
    }

    private void Read(int id, Socket socket)
    {
        var buffer = new byte[8192];
        try
        {
            int n;
            while ((n = socket.Receive(buffer)) > 0)
            {
                onData(id, buffer[..n]);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }

        // Closed by the peer or the network (not by us: Close removes the entry first).
        if (_connections.TryRemove(id, out var gone))
        {
            gone.Dispose();
            onClosed(id);
        }
    }
}
