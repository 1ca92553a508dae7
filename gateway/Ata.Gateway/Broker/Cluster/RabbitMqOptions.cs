using System.Net;

namespace Ata.Gateway.Broker.Cluster;

/// <summary>
/// The RabbitMQ cluster the devices' MQTT runs on (<c>Broker:Kind=RabbitMq</c>), bound from
/// <c>Broker:RabbitMq</c>. The gateway's own login is <c>Broker:Username</c> and <c>Broker:Password</c>.
/// </summary>
public sealed class RabbitMqOptions
{
    /// <summary>The gateway's login when <c>Broker:Username</c> is not set.</summary>
    public const string DefaultGatewayLogin = "ata-gateway";

    /// <summary>
    /// The nodes' AMQP listeners, <c>host:port</c> (port 5672 when left out). The gateway connects to
    /// one of them and to another when that one goes away.
    /// </summary>
    public List<string> Nodes { get; set; } = [];

    /// <summary>
    /// The nodes' plaintext MQTT listeners, <c>host:port</c>: the first is the one the gateway advertises
    /// (a load balancer's name in front of all of them, on a real network), and only with
    /// <c>Broker:DevicePlaintext=true</c>.
    /// </summary>
    public List<string> MqttNodes { get; set; } = [];

    /// <summary>
    /// The nodes' MQTT-over-TLS listeners (<c>mqtt.listeners.ssl</c>), <c>host:port</c> (port 8883 when
    /// left out): the first is the one adapters are told (unless <c>Broker:AdvertisedHost</c> and
    /// <c>Broker:Tls:AdvertisedPort</c> say otherwise), with the CA of <c>Broker:Tls:CaFile</c>.
    /// </summary>
    public List<string> MqttTlsNodes { get; set; } = [];

    /// <summary>The MQTT-over-TLS port when a node of <see cref="MqttTlsNodes"/> names none.</summary>
    public const int DefaultMqttTlsPort = 8883;

    /// <summary>
    /// The nodes' management API (<c>http://host:15672</c>), tried in order: through it the gateway
    /// ends the live sessions of an adapter whose login was removed or changed (its next login is
    /// refused anyway). Empty: those sessions last until the adapter disconnects.
    /// </summary>
    public List<string> Management { get; set; } = [];

    /// <summary>The virtual host (the MQTT plugin's <c>mqtt.vhost</c>). Default <c>/</c>.</summary>
    public string VirtualHost { get; set; } = "/";

    /// <summary>
    /// Prefix of the gateway's durable quorum queues: <c>{prefix}.reports</c> (QoS 1 reports) and
    /// <c>{prefix}.health</c> (health, QoS 0). Every gateway instance of a fleet uses the same ones
    /// and they compete for the messages. Default <c>ata-gateway</c>.
    /// </summary>
    public string QueuePrefix { get; set; } = "ata-gateway";

    /// <summary>Most health reports kept in the health queue while no gateway takes them (the oldest go first). Default 100,000.</summary>
    public int HealthQueueLength { get; set; } = 100_000;

    /// <summary>
    /// The shared secret RabbitMQ's HTTP auth backend sends (HTTP Basic, any user name, e.g.
    /// <c>http://rabbitmq:SECRET@gateway:5080/broker/auth/user</c>) with every question it asks the
    /// gateway. Required unless every node asks from loopback.
    /// </summary>
    public string? AuthSecret { get; set; }

    /// <summary>
    /// Addresses besides loopback the broker's questions may come from (the nodes' addresses as the
    /// gateway sees them). Questions from anywhere else are refused, so the endpoints cannot be used
    /// to try passwords.
    /// </summary>
    public List<string> AuthClients { get; set; } = [];

    /// <summary>The queue the adapters' reliable reports (QoS 1) are routed to.</summary>
    public string ReportsQueue => QueuePrefix + ".reports";

    /// <summary>The queue the adapters' health reports (QoS 0) are routed to.</summary>
    public string HealthQueue => QueuePrefix + ".health";

    /// <summary>Splits a <c>host[:port]</c> with <paramref name="defaultPort"/> when it names none.</summary>
    /// <param name="text">The text.</param>
    /// <param name="defaultPort">The port when the text names none.</param>
    /// <param name="host">The host.</param>
    /// <param name="port">The port.</param>
    /// <returns>Whether it is a host and a port from 1 to 65535.</returns>
    public static bool TryParseNode(string? text, int defaultPort, out string host, out int port)
    {
        host = string.Empty;
        port = defaultPort;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var colon = text.LastIndexOf(':');
        if (colon > 0 && text.IndexOf(':') == colon)
        {
            if (!int.TryParse(text.AsSpan(colon + 1), out port) || port is < 1 or > 65535)
            {
                return false;
            }

            host = text[..colon];
        }
        else
        {
            host = text.Trim('[', ']');
        }

        return host.Length > 0 && Uri.CheckHostName(host) != UriHostNameType.Unknown;
    }

    /// <summary>Whether <see cref="Management"/> are all <c>http(s)://host[:port]</c> URLs.</summary>
    public bool ManagementValid => Management.TrueForAll(m => Uri.TryCreate(m, UriKind.Absolute, out var url) && url.Scheme is "http" or "https");

    /// <summary>Whether <see cref="AuthClients"/> are all IP addresses.</summary>
    public bool AuthClientsValid => AuthClients.TrueForAll(a => IPAddress.TryParse(a, out _));
}
