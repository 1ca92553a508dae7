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
/// <remarks>
/// It does not see subscriptions (<see cref="IBroker.SeesSubscriptions"/> false): the gateway sends an
/// adapter its config when the adapter says it is online. The adapter subscribes before it says so, and a
/// node handles one connection's packets in order, so the subscription is bound (on whichever node)
/// before the <c>online</c> reaches the gateway.
/// </remarks>
public sealed partial class RabbitMqBroker : IBroker, IHostedService, IAsyncDisposable
{
    /// <summary>The policy the gateway sets on the cluster for the adapters' subscription queues.</summary>
    public const string SubscriptionPolicy = "ata-mqtt-subscriptions";

    /// <summary>
    /// What it says: RabbitMQ 3.10's MQTT plugin declares each adapter's subscription queue as a durable
    /// classic queue on the node the adapter connected to, even for a clean session; when that node
    /// stops, the queue cannot be declared again on another node, so the adapter could not subscribe
    /// elsewhere. Mirrored on a second node, the mirror takes over.
    /// </summary>
    public const string SubscriptionPolicyJson =
        """{"pattern":"^mqtt-subscription-","apply-to":"queues","priority":0,"definition":{"ha-mode":"exactly","ha-params":2,"ha-sync-mode":"automatic"}}""";

    private readonly CancellationTokenSource _stopping = new();
    private readonly TimeProvider _time;
    private Task _policy = Task.CompletedTask;
    private readonly BrokerOptions _options;
    private readonly RabbitMqLink _link;
    private readonly ILogger<RabbitMqBroker> _logger;
    private readonly Lazy<BrokerTls?> _tls;
    private readonly HttpClient _management = new() { Timeout = TimeSpan.FromSeconds(10) };
    private int _loginsTold;
    private int _sessionsTold;
    private int _disposed;

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
        _time = time;
        _tls = new(() => _options.RabbitMq.MqttTlsNodes.Count > 0 ? BrokerCertificates.Supplied(_options.Tls) : null);
        _link = new RabbitMqLink(_options.RabbitMq, GatewayLogin(_options), _options.Password, ingest.Value.ReceiveMaximum, time, linkLogger);
    }

    /// <summary>The gateway's login on the cluster: <c>Broker:Username</c>, or <see cref="RabbitMqOptions.DefaultGatewayLogin"/>.</summary>
    /// <param name="options">Broker options.</param>
    public static string GatewayLogin(BrokerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return string.IsNullOrWhiteSpace(options.Username) ? RabbitMqOptions.DefaultGatewayLogin : options.Username;
    }

    /// <summary>The first plaintext MQTT listener (or the advertised host and port), only with <c>Broker:DevicePlaintext=true</c>.</summary>
    public string? DeviceAddress => _options.DevicePlaintext
        && RabbitMqOptions.TryParseNode(_options.RabbitMq.MqttNodes.FirstOrDefault(), ExternalBroker.DefaultPort, out var host, out var port)
        ? $"{_options.AdvertisedHost ?? host}:{_options.AdvertisedPort ?? port}"
        : null;

    /// <summary>The first MQTT-over-TLS listener (or <c>Broker:AdvertisedHost</c> and <c>Broker:Tls:AdvertisedPort</c>), or null without one.</summary>
    public string? DeviceTlsAddress => DeviceTls is not null
        && RabbitMqOptions.TryParseNode(_options.RabbitMq.MqttTlsNodes.FirstOrDefault(), RabbitMqOptions.DefaultMqttTlsPort, out var host, out var port)
        ? $"{_options.AdvertisedHost ?? host}:{_options.Tls.AdvertisedPort ?? port}"
        : null;

    /// <summary>The operator's CA, certificate and key of the nodes' TLS listeners (checked at start), or null without <see cref="RabbitMqOptions.MqttTlsNodes"/>.</summary>
    public BrokerTls? DeviceTls => _tls.Value;

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

    /// <summary>Sets the subscription queues' mirroring policy in the background (retrying until a management API takes it).</summary>
    /// <param name="cancellationToken">Unused: start-up does not wait for the cluster.</param>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_options.RabbitMq.Management.Count == 0)
        {
            LogPolicyLeftToOperator(SubscriptionPolicy, SubscriptionPolicyJson);
            return Task.CompletedTask;
        }

        _policy = Task.Run(() => SetPolicyAsync(_stopping.Token));
        return Task.CompletedTask;
    }

    /// <summary>Stops trying to set the policy.</summary>
    /// <param name="cancellationToken">Unused.</param>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _policy.ConfigureAwait(false);
    }

    private async Task SetPolicyAsync(CancellationToken stopping)
    {
        var vhost = Uri.EscapeDataString(_options.RabbitMq.VirtualHost);
        for (var failures = 1; !stopping.IsCancellationRequested; failures++)
        {
            foreach (var node in _options.RabbitMq.Management)
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(new Uri(node), $"api/policies/{vhost}/{SubscriptionPolicy}"));
                    request.Headers.Authorization = new AuthenticationHeaderValue("Basic", ManagementCredentials());
                    request.Content = new StringContent(SubscriptionPolicyJson, Encoding.UTF8, "application/json");
                    using var response = await _management.SendAsync(request, stopping).ConfigureAwait(false);
                    if (response.IsSuccessStatusCode)
                    {
                        LogPolicySet(SubscriptionPolicy, node);
                        return;
                    }

                    LogPolicyNotSet(node, $"{(int)response.StatusCode} {response.ReasonPhrase}");
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !stopping.IsCancellationRequested)
                {
                    LogPolicyNotSet(node, exception.Message);
                }
            }

            try
            {
                await Task.Delay(RestartBackoff.Delay(failures), _time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private string ManagementCredentials() => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{GatewayLogin(_options)}:{_options.Password}"));

    /// <summary>Closes every connection of <paramref name="login"/> in the cluster, through the first management API that answers.</summary>
    private async Task EndSessionsAsync(string login, CancellationToken cancellationToken)
    {
        var credentials = ManagementCredentials();
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
        // Registered as itself, as the broker and as a hosted service: disposed once for each.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }

        _stopping.Cancel();
        _stopping.Dispose();
        _management.Dispose();
        return _link.DisposeAsync();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Adapter logins on the broker cluster ({Nodes}) are answered by the gateway from its store (RabbitMQ's HTTP auth backend): each change takes effect at the adapter's next login")]
    private partial void LogLoginsAnswered(string nodes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Broker:RabbitMq:Management is not set: an adapter removed or whose secret changed keeps a session it has open until it disconnects (its next login is refused)")]
    private partial void LogSessionsKept();

    [LoggerMessage(Level = LogLevel.Information, Message = "Set the broker cluster's policy {Policy} (adapters' subscription queues mirrored on two nodes) through {Node}")]
    private partial void LogPolicySet(string policy, string node);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not set the broker cluster's subscription queue policy through {Node}: {Reason}; retrying")]
    private partial void LogPolicyNotSet(string node, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Broker:RabbitMq:Management is not set: set the policy {Policy} on the cluster yourself ({Definition}), or an adapter whose node stops cannot subscribe on another")]
    private partial void LogPolicyLeftToOperator(string policy, string definition);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ended the broker cluster sessions of {Login}: its login was removed or changed")]
    private partial void LogSessionsEnded(string login);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not end the broker cluster sessions of {Login} through {Node}: {Reason}")]
    private partial void LogSessionsNotEnded(string login, string node, string reason);
}
