using Ata.Gateway.Fleet;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Broker.Cluster;

/// <summary>
/// A RabbitMQ cluster as the fleet's broker (<c>Broker:Kind=RabbitMq</c>): adapters speak MQTT 3.1.1 to
/// any node's MQTT plugin; the gateway reaches the cluster over AMQP (<see cref="RabbitMqLink"/>) and
/// answers the nodes' questions about logins and topics (<see cref="BrokerAuthEndpoints"/>) from the
/// store, so there is nothing to write to the broker when an adapter is added, changed or removed.
/// </summary>
public sealed partial class RabbitMqBroker : IBroker, IAsyncDisposable
{
    private readonly BrokerOptions _options;
    private readonly RabbitMqLink _link;
    private readonly ILogger<RabbitMqBroker> _logger;
    private int _loginsTold;

    /// <summary>Creates the broker from <see cref="BrokerOptions.RabbitMq"/>.</summary>
    /// <param name="options">Broker options.</param>
    /// <param name="ingest">The ingest's receive maximum (the link's prefetch).</param>
    /// <param name="time">The clock for reconnection delays.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="linkLogger">The link's logger.</param>
    public RabbitMqBroker(
        IOptions<BrokerOptions> options, IOptions<IngestOptions> ingest, TimeProvider time, ILogger<RabbitMqBroker> logger, ILogger<RabbitMqLink> linkLogger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(ingest);
        _options = options.Value;
        _logger = logger;
        _link = new RabbitMqLink(_options.RabbitMq, GatewayLogin(_options), _options.Password, ingest.Value.ReceiveMaximum, time, linkLogger);
    }

    /// <summary>The gateway's login on the cluster: <c>Broker:Username</c>, or <see cref="RabbitMqOptions.DefaultGatewayLogin"/>.</summary>
    /// <param name="options">Broker options.</param>
    public static string GatewayLogin(BrokerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return string.IsNullOrWhiteSpace(options.Username) ? RabbitMqOptions.DefaultGatewayLogin : options.Username;
    }

    /// <inheritdoc/>
    public bool IsEmbedded => false;

    /// <inheritdoc/>
    public string? DeviceAddress => RabbitMqOptions.TryParseNode(_options.RabbitMq.MqttNodes.FirstOrDefault(), ExternalBroker.DefaultPort, out var host, out var port)
        ? $"{_options.AdvertisedHost ?? host}:{_options.AdvertisedPort ?? port}"
        : null;

    /// <inheritdoc/>
    public string? DeviceTlsAddress => null;

    /// <inheritdoc/>
    public BrokerTls? DeviceTls => null;

    /// <inheritdoc/>
    public long QueueOverflows => 0;

    /// <summary>
    /// False: the gateway sends an adapter its config when the adapter says it is online. The adapter
    /// subscribes before it says so, and a node handles one connection's packets in order, so the
    /// subscription is bound (on whichever node) before the <c>online</c> reaches the gateway.
    /// </summary>
    public bool SeesSubscriptions => false;

    /// <inheritdoc/>
    public event Action<string>? ConfigSubscribed
    {
        add { }
        remove { }
    }

    /// <inheritdoc/>
    public event Action<string, string>? LoginRefused
    {
        add { }
        remove { }
    }

    /// <inheritdoc/>
    public IGatewayLink? Link => _link;

    /// <inheritdoc/>
    public BrokerConnection GatewayConnection => RabbitMqOptions.TryParseNode(_options.RabbitMq.Nodes.FirstOrDefault(), 5672, out var host, out var port)
        ? BrokerConnection.Tcp(host, port, GatewayLogin(_options), _options.Password)
        : BrokerConnection.Tcp("127.0.0.1", 5672, GatewayLogin(_options), _options.Password);

    /// <summary>Nothing to write: the nodes ask the gateway, which reads the store.</summary>
    /// <param name="changed">Unused.</param>
    public void WriteDeviceAccounts(IReadOnlyList<BrokerAccount> changed)
    {
    }

    /// <inheritdoc/>
    public Task ApplyDeviceLoginsAsync(IReadOnlyList<string> deviceIds, bool recorded, CancellationToken cancellationToken) =>
        ApplyDeviceCredentialsAsync(cancellationToken);

    /// <inheritdoc/>
    public Task ApplyDeviceCredentialsAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _loginsTold, 1) == 0)
        {
            LogLoginsAnswered(string.Join(", ", _options.RabbitMq.MqttNodes));
        }

        return Task.CompletedTask;
    }

    /// <summary>Closes the link.</summary>
    public ValueTask DisposeAsync() => _link.DisposeAsync();

    [LoggerMessage(Level = LogLevel.Information, Message = "Adapter logins on the broker cluster ({Nodes}) are answered by the gateway from its store (RabbitMQ's HTTP auth backend): each change takes effect at the adapter's next login")]
    private partial void LogLoginsAnswered(string nodes);
}
