using System.Net;
using System.Net.Http.Headers;
using System.Text;
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
    private readonly HttpClient _management = new() { Timeout = TimeSpan.FromSeconds(10) };
    private int _loginsTold;
    private int _sessionsTold;

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

    /// <summary>
    /// The nodes ask the gateway at each login, so a changed or removed login is refused from the next
    /// one on. When the store changed the logins (<paramref name="recorded"/>: an adapter removed, its
    /// secret revoked or changed), their live sessions are ended through the management API
    /// (<see cref="RabbitMqOptions.Management"/>), on whichever node they are.
    /// </summary>
    /// <param name="deviceIds">The adapters whose logins the store has now.</param>
    /// <param name="recorded">Whether the change wrote these logins (they changed).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public async Task ApplyDeviceLoginsAsync(IReadOnlyList<string> deviceIds, bool recorded, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deviceIds);
        await ApplyDeviceCredentialsAsync(cancellationToken).ConfigureAwait(false);
        if (!recorded)
        {
            return;
        }

        if (_options.RabbitMq.Management.Count == 0)
        {
            if (Interlocked.Exchange(ref _sessionsTold, 1) == 0)
            {
                LogSessionsKept();
            }

            return;
        }

        foreach (var deviceId in deviceIds)
        {
            await EndSessionsAsync(deviceId, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Closes every connection of <paramref name="login"/> in the cluster, through the first management API that answers.</summary>
    private async Task EndSessionsAsync(string login, CancellationToken cancellationToken)
    {
        var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{GatewayLogin(_options)}:{_options.Password}"));
        foreach (var node in _options.RabbitMq.Management)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Delete, new Uri(new Uri(node), $"api/connections/username/{Uri.EscapeDataString(login)}"));
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", credentials);
                request.Headers.Add("X-Reason", "the adapter's login was removed or changed");
                using var response = await _management.SendAsync(request, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.NotFound)
                {
                    LogSessionsEnded(login);
                    return;
                }

                LogSessionsNotEnded(login, node, $"{(int)response.StatusCode} {response.ReasonPhrase}");
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                LogSessionsNotEnded(login, node, exception.Message);
            }
        }
    }

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
    public ValueTask DisposeAsync()
    {
        _management.Dispose();
        return _link.DisposeAsync();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Adapter logins on the broker cluster ({Nodes}) are answered by the gateway from its store (RabbitMQ's HTTP auth backend): each change takes effect at the adapter's next login")]
    private partial void LogLoginsAnswered(string nodes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Broker:RabbitMq:Management is not set: an adapter removed or whose secret changed keeps a session it has open until it disconnects (its next login is refused)")]
    private partial void LogSessionsKept();

    [LoggerMessage(Level = LogLevel.Information, Message = "Ended the broker cluster sessions of {Login}: its login was removed or changed")]
    private partial void LogSessionsEnded(string login);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not end the broker cluster sessions of {Login} through {Node}: {Reason}")]
    private partial void LogSessionsNotEnded(string login, string node, string reason);
}
