using System.Net;
using System.Net.Sockets;

namespace Ata.Lab;

/// <summary>
/// Free loopback ports for peers started by the lab and by tests. A port is found by binding
/// 127.0.0.1:0, reading the port the kernel chose and releasing it; the peer binds it next.
/// </summary>
public static class FreePort
{
    /// <summary>A loopback TCP port that was free a moment ago.</summary>
    public static int Tcp()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>A loopback UDP port that was free a moment ago (checked with a UDP bind).</summary>
    public static int Udp()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>Whether a TCP listener could bind 127.0.0.1:<paramref name="port"/> right now.</summary>
    /// <param name="port">The port to try.</param>
    public static bool IsTcpAvailable(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        try
        {
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        finally
        {
            listener.Stop();
        }
    }
}
