using Ata.Core;
using Ata.Core.Provisioning;

namespace Ata.Sim;

/// <summary>The simulated board's network: the SIP UDP socket and SIP over TCP, feeding the loop thread.</summary>
internal sealed class SimSockets : IDisposable
{
    private SimSockets(string localAddress, UdpSipSocket udp, TcpSipTransport tcp)
    {
        LocalAddress = localAddress;
        Udp = udp;
        Tcp = tcp;
    }

    /// <summary>The address put in Via and Contact.</summary>
    public string LocalAddress { get; }

    public UdpSipSocket Udp { get; }

    public TcpSipTransport Tcp { get; }

    /// <summary>Opens the sockets; received data reaches <paramref name="adapter"/> on the loop thread through <paramref name="post"/>.</summary>
    public static SimSockets Open(SimOptions options, Func<Adapter> adapter, Action<Action<long>> post)
    {
        string peer = options.GatewayMode ? options.BrokerHost! : HostOf(options.OutboundProxy ?? options.Registrar!);
        string local = options.LocalAddress ?? SystemResolver.LocalAddressTowards(peer);
        UdpSipSocket udp;
        try
        {
            udp = new UdpSipSocket(local,
                (data, n) => post(now => adapter().OnDatagram(data, n, now)),
                (address, port) => post(now => adapter().OnUnreachable(address, port, now)));
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new SimStartException($"cannot open the SIP socket: {e.Message}");
        }

        var tcp = new TcpSipTransport(
            (connection, data) => post(now => adapter().OnStreamData(connection, data, data.Length, now)),
            connection => post(now => adapter().OnStreamClosed(connection, now)));
        return new SimSockets(local, udp, tcp);
    }

    /// <summary>Gives a (new) adapter the TCP transport and, when asked for, its own DNS client.</summary>
    public void Attach(Adapter adapter, SimOptions options)
    {
        adapter.UseStreamTransport(Tcp);
        if (options.DnsServer is not null)
        {
            string? error = LineConfig.ParseRegistrar(options.DnsServer, out string host, out int port, out bool portGiven);
            if (error is not null || !Ata.Core.Text.AsciiText.IsIPv4Literal(host))
            {
                throw new UsageException($"--dns-server '{options.DnsServer}' is not an IPv4 address with an optional port");
            }

            adapter.UseDnsServer(host, portGiven ? port : 53);
        }
    }

    private static string HostOf(string registrar) =>
        LineConfig.ParseRegistrar(registrar, out string host, out _) is null ? host : "127.0.0.1";

    public void Dispose()
    {
        Udp.Dispose();
        Tcp.Dispose();
    }
}
