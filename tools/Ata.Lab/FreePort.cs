using System.Globalization;
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

    /// <summary>
    /// A loopback port free for UDP and TCP, whose next port is free for TCP too: what a peer
    /// that listens on several transports from one base port needs (baresip: UDP and TCP on
    /// the port, TLS on the next).
    /// </summary>
    /// <exception cref="InvalidOperationException">No such port was found in 50 tries.</exception>
    public static int UdpAndTcpPair()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var port = Udp();
            if (port < IPEndPoint.MaxPort && IsTcpAvailable(port) && IsTcpAvailable(port + 1))
            {
                return port;
            }
        }

        throw new InvalidOperationException("no loopback port with UDP, TCP and the next TCP port free was found");
    }

    /// <summary>
    /// Whether some process has bound UDP <paramref name="port"/> (any address), as the kernel's
    /// socket table (/proc/net/udp, udp6) shows: a way to see a peer is listening without
    /// sending it anything or binding the port.
    /// </summary>
    /// <param name="port">The port to look for.</param>
    public static bool IsUdpBound(int port)
    {
        var suffix = ":" + port.ToString("X4", CultureInfo.InvariantCulture);
        foreach (var table in new[] { "/proc/net/udp", "/proc/net/udp6" })
        {
            if (!File.Exists(table))
            {
                continue;
            }

            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (columns.Length > 1 && columns[1].EndsWith(suffix, StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
