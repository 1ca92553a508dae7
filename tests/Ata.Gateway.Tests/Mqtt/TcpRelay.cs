using System.Net;
using System.Net.Sockets;

namespace Ata.Gateway.Tests.Mqtt;

/// <summary>
/// A TCP relay between a client and the broker. <see cref="Sever"/> resets every relayed
/// connection and stops listening: to the broker the client has vanished without a DISCONNECT,
/// as when a device loses power or its network; <see cref="Resume"/> brings the network back.
/// <see cref="LoseReplies"/> loses what the broker sends back (its acknowledgements among it) while
/// the client's packets still get through.
/// </summary>
internal sealed class TcpRelay : IDisposable
{
    private TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _target;
    private readonly List<Socket> _sockets = [];
    private bool _severed;
    private volatile bool _losingReplies;

    public TcpRelay(int targetPort)
    {
        _target = targetPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>From now until <see cref="Sever"/>, what the broker sends to the client is read and dropped.</summary>
    public void LoseReplies() => _losingReplies = true;

    public void Sever()
    {
        lock (_sockets)
        {
            _severed = true;
            _losingReplies = false;
            _listener.Stop();
            foreach (var socket in _sockets)
            {
                socket.LingerState = new LingerOption(true, 0);
                socket.Close();
            }

            _sockets.Clear();
        }
    }

    /// <summary>Listens on the same port again, as when the network comes back.</summary>
    public void Resume()
    {
        lock (_sockets)
        {
            _severed = false;
            _listener = new TcpListener(IPAddress.Loopback, Port);
            _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _listener.Start();
        }

        _ = AcceptAsync();
    }

    public void Dispose() => Sever();

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                TcpListener listener;
                lock (_sockets)
                {
                    listener = _listener;
                }

                var inbound = await listener.AcceptSocketAsync();
                var outbound = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await outbound.ConnectAsync(IPAddress.Loopback, _target);
                lock (_sockets)
                {
                    if (_severed)
                    {
                        inbound.Close();
                        outbound.Close();
                        return;
                    }

                    _sockets.Add(inbound);
                    _sockets.Add(outbound);
                }

                _ = PumpAsync(inbound, outbound, toClient: false);
                _ = PumpAsync(outbound, inbound, toClient: true);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Severed.
        }
    }

    private async Task PumpAsync(Socket from, Socket to, bool toClient)
    {
        byte[] buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                int read = await from.ReceiveAsync(buffer);
                if (read == 0)
                {
                    break;
                }

                if (!(toClient && _losingReplies))
                {
                    await to.SendAsync(buffer.AsMemory(0, read));
                }
            }

            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Severed.
        }
    }
}
