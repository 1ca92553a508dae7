using System.Net;
using System.Net.Sockets;

namespace Ata.Gateway.Broker;

/// <summary>How the gateway's own session reaches the broker.</summary>
/// <param name="EndPoint">The broker's address: a host and port, or a Unix socket (the embedded broker).</param>
/// <param name="Username">The gateway's broker user, if the broker wants one.</param>
/// <param name="Password">That user's password.</param>
public sealed record BrokerConnection(EndPoint EndPoint, string? Username, string? Password)
{
    /// <summary>A broker at <paramref name="host"/>:<paramref name="port"/>.</summary>
    /// <param name="host">A host name or address.</param>
    /// <param name="port">The TCP port.</param>
    /// <param name="username">The gateway's broker user, if any.</param>
    /// <param name="password">Its password.</param>
    public static BrokerConnection Tcp(string host, int port, string? username, string? password) =>
        new(IPAddress.TryParse(host, out var address) ? new IPEndPoint(address, port) : new DnsEndPoint(host, port), username, password);

    /// <summary>Keeps the password out of logs and exception messages.</summary>
    public override string ToString() => $"{Describe(EndPoint)} as {Username ?? "(anonymous)"}";

    private static string Describe(EndPoint endPoint) => endPoint switch
    {
        UnixDomainSocketEndPoint socket => $"unix:{socket}",
        DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        IPEndPoint { AddressFamily: AddressFamily.InterNetworkV6 } ip => $"[{ip.Address}]:{ip.Port}",
        IPEndPoint ip => $"{ip.Address}:{ip.Port}",
        _ => endPoint.ToString() ?? "?",
    };
}
