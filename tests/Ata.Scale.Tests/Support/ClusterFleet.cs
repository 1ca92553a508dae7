using System.Net;
using System.Net.Sockets;
using Ata.Gateway.Broker.Cluster;
using Ata.Gateway.Tests.Support;

namespace Ata.Scale.Tests.Support;

/// <summary>
/// A 3-node RabbitMQ cluster on loopback and the real gateway in process with <c>Broker:Kind=RabbitMq</c>
/// against it: the gateway consumes from its quorum queues over AMQP and answers the nodes' HTTP auth
/// backend, with a shared secret, on its own HTTP port. Adapters are told the nodes' MQTT-over-TLS
/// listeners (<c>Broker:RabbitMq:MqttTlsNodes</c>) and the cluster's CA; the nodes have no plaintext MQTT.
/// </summary>
public class ClusterFleet : IAsyncLifetime
{
    public const string GatewayPassword = "gateway-cluster-password-0123";

    public const string AuthSecret = "broker-auth-secret-0123456789";

    private readonly TempDirectory _data = new();

    internal RabbitCluster Cluster { get; private set; } = null!;

    internal RunningGateway Gateway { get; private set; } = null!;

    internal CapturedLog Log { get; } = new();

    /// <summary>The gateway's settings beyond the cluster's.</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>();

    public async Task InitializeAsync()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        Cluster = await RabbitCluster.StartAsync(3, $"http://rabbitmq:{AuthSecret}@127.0.0.1:{port}{BrokerAuthEndpoints.Path}");
        var settings = new Dictionary<string, string?>
        {
            ["Broker:Kind"] = "RabbitMq",
            ["Broker:Password"] = GatewayPassword,
            ["Broker:RabbitMq:AuthSecret"] = AuthSecret,

            // TLS only, as a deployment by default (the test host turns plaintext on for the embedded broker).
            ["Broker:DevicePlaintext"] = "false",

            // The operator's TLS files: the same the nodes' ssl_options name.
            ["Broker:Tls:CaFile"] = Cluster.CaFile,
            ["Broker:Tls:CertificateFile"] = Cluster.CertificateFile,
            ["Broker:Tls:KeyFile"] = Cluster.KeyFile,

            // Reports wait up to a second for their batch's commit (and acknowledgement): when a node
            // is stopped, the last second's reports are taken by the gateway but not yet acknowledged.
            ["Ingest:BatchWindowMilliseconds"] = "1000",
        };
        foreach (var (key, value) in Settings)
        {
            settings[key] = value;
        }

        var nodes = Cluster.AmqpNodes.ToList();
        var mqtt = Cluster.MqttTlsNodes.ToList();
        var management = Cluster.ManagementNodes.ToList();
        for (var i = 0; i < nodes.Count; i++)
        {
            settings[$"Broker:RabbitMq:Nodes:{i}"] = nodes[i];
            settings[$"Broker:RabbitMq:MqttTlsNodes:{i}"] = mqtt[i];
            settings[$"Broker:RabbitMq:Management:{i}"] = management[i];
        }

        try
        {
            Gateway = await RunningGateway.StartAsync(_data.Path, Log, settings, $"http://127.0.0.1:{port}");
        }
        catch
        {
            await Cluster.DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (Gateway is not null)
            {
                await Gateway.DisposeAsync();
            }
        }
        finally
        {
            // The Erlang nodes are stopped whatever the gateway's stop did: they would outlive the test run.
            if (Cluster is not null)
            {
                await Cluster.DisposeAsync();
            }

            _data.Dispose();
            Log.Dispose();
        }
    }

    /// <summary>The index of the node the gateway's AMQP link is connected to now (from its log).</summary>
    internal int GatewayNode()
    {
        const string Connected = "Connected to the broker cluster at 127.0.0.1:";
        var line = Log.Lines.Last(l => l.Contains(Connected, StringComparison.Ordinal));
        var rest = line[(line.IndexOf(Connected, StringComparison.Ordinal) + Connected.Length)..];
        var port = int.Parse(rest[..rest.IndexOf(' ', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
        return Cluster.Nodes.FindIndex(n => n.AmqpPort == port);
    }
}

/// <summary>
/// The fleet with a gateway that takes at most 10 reports at a time from the cluster and commits them
/// a second later: reports pile up in the cluster's quorum queues, so a stopped node holds some.
/// </summary>
public sealed class SlowGatewayClusterFleet : ClusterFleet
{
    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["Ingest:ReceiveMaximum"] = "10",
    };
}
