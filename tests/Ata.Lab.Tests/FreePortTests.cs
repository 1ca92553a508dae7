using System.Net;
using System.Net.Sockets;

namespace Ata.Lab.Tests;

public sealed class FreePortTests
{
    [Fact]
    public void A_free_UDP_port_can_be_bound()
    {
        using var socket = new UdpClient(new IPEndPoint(IPAddress.Loopback, FreePort.Udp()));

        Assert.NotEqual(0, ((IPEndPoint)socket.Client.LocalEndPoint!).Port);
    }

    [Fact]
    public void A_free_TCP_port_is_available_until_someone_listens_on_it()
    {
        var port = FreePort.Tcp();
        Assert.True(FreePort.IsTcpAvailable(port));

        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        try
        {
            Assert.False(FreePort.IsTcpAvailable(port));
        }
        finally
        {
            listener.Stop();
        }
    }
}
