using Ata.Core.Contract;
using Ata.Gateway.Broker;
using Ata.Gateway.Store;
using Ata.Mqtt;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Fleet;

/// <summary>
/// The gateway's MQTT session with the fleet: records what adapters report (status, hello,
/// health, faults, config acks, service codes dialled) and publishes their config documents, retained, QoS 1.
/// </summary>
public sealed partial class FleetChannel : IHostedService, IAsyncDisposable
{
    private static readonly string[] ReportLeaves =
        [MqttTopics.Status, MqttTopics.Hello, MqttTopics.Health, MqttTopics.Fault, MqttTopics.ConfigAck, MqttTopics.Service];

    /// <summary>Largest report accepted from an adapter; larger ones are counted and dropped unread.</summary>
    public const int MaxPayloadBytes = 8 * 1024;

    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ConnectWait = TimeSpan.FromSeconds(30);

    private readonly IBroker _broker;
    private readonly AdapterStore _store;
    private readonly FleetMetrics _metrics;
    private readonly BrokerOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger<FleetChannel> _logger;
    private readonly SemaphoreSlim _publishLock = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private MosquittoClient? _client;
    private Task _subscribing = Task.CompletedTask;

    /// <summary>Creates the channel; it connects when the host starts.</summary>
    /// <param name="broker">The broker to connect to.</param>
    /// <param name="store">Where reports are recorded and configs read.</param>
    /// <param name="metrics">Report counters.</param>
    /// <param name="options">Broker options (the gateway's client id).</param>
    /// <param name="loggerFactory">Loggers for the channel and its MQTT client.</param>
    public FleetChannel(IBroker broker, AdapterStore store, FleetMetrics metrics, IOptions<BrokerOptions> options, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _broker = broker;
        _store = store;
        _metrics = metrics;
        _options = options.Value;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<FleetChannel>();
    }

    /// <summary>Whether the session is connected to the broker.</summary>
    public bool IsConnected => _client?.IsConnected ?? false;

    /// <summary>
    /// Connects (in the background, reconnecting as needed) with a persistent session, so QoS 1
    /// reports sent while the gateway was down are delivered when it is back.
    /// </summary>
    /// <param name="cancellationToken">Unused: connecting does not block start-up.</param>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var connection = _broker.GatewayConnection;
        var client = new MosquittoClient(
            new MqttClientOptions
            {
                Host = connection.Host,
                Port = connection.Port,
                ClientId = _options.ClientId,
                Username = connection.Username,
                Password = connection.Password,
                CleanSession = false,
            },
            _loggerFactory.CreateLogger<MosquittoClient>());
        client.MessageReceived += OnMessage;
        client.Connected += OnConnected;
        client.Disconnected += OnDisconnected;
        _client = client;
        client.Start();
        _subscribing = SubscribeAsync(client, _stopping.Token);
        return Task.CompletedTask;
    }

    /// <summary>Disconnects.</summary>
    /// <param name="cancellationToken">Abandons a slow disconnect.</param>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _subscribing.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        if (_client is { } client)
        {
            await client.DisconnectAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Publishes the adapter's current config document, retained, QoS 1, and waits for the broker's
    /// acknowledgement. Publishes are serialised and always send the newest version, so an older
    /// document can never overwrite a newer one.
    /// </summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Whether the broker holds the document now; if not, it is published on the next connect.</returns>
    public async Task<bool> PublishConfigAsync(string deviceId, CancellationToken cancellationToken)
    {
        await _publishLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_store.FindConfig(deviceId) is not { } config || _client is not { } client)
            {
                return false;
            }

            // Cancelling (not just abandoning) a slow publish matters: a document still waiting for
            // the connection must never go out later, after a newer one.
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(PublishTimeout);
            await client.PublishAsync(
                    MqttTopics.For(deviceId, MqttTopics.Config),
                    ConfigDocument.Render(config),
                    MqttTopics.ReliableQos,
                    retain: true,
                    timeout.Token)
                .ConfigureAwait(false);
            _store.MarkConfigPublished(deviceId, config.Version);
            LogConfigPublished(deviceId, config.Version);
            return true;
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogConfigPending(deviceId, exception is OperationCanceledException
                ? $"no acknowledgement from the broker within {PublishTimeout.TotalSeconds:0} s"
                : exception.Message);
            return false;
        }
        finally
        {
            _publishLock.Release();
        }
    }

    /// <summary>
    /// Sends a command (<c>{"id":"…","command":"…"}</c>, QoS 1) to an adapter's <c>cmd</c> topic;
    /// the adapter answers on <c>cmd/result</c>.
    /// </summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="command">The command name, e.g. <c>reregister</c>.</param>
    /// <param name="cancellationToken">Cancels the wait for the broker.</param>
    /// <returns>The command's id, or null when the broker is not reachable now.</returns>
    public async Task<string?> SendCommandAsync(string deviceId, string command, CancellationToken cancellationToken)
    {
        if (_client is not { IsConnected: true } client)
        {
            return null;
        }

        var id = Guid.NewGuid().ToString("N")[..12];
        using var buffer = new MemoryStream();
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString(Fields.Id, id);
            json.WriteString(Fields.Command, command);
            json.WriteEndObject();
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PublishTimeout);
        try
        {
            await client.PublishAsync(MqttTopics.For(deviceId, MqttTopics.Command), buffer.ToArray(), MqttTopics.ReliableQos, retain: false, timeout.Token)
                .ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }

        LogCommandSent(command, deviceId, id);
        return id;
    }

    /// <summary>Removes a deleted adapter's retained config from the broker.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public async Task ClearConfigAsync(string deviceId, CancellationToken cancellationToken)
    {
        await _publishLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_client is { IsConnected: true } client)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(PublishTimeout);
                await client.PublishAsync(MqttTopics.For(deviceId, MqttTopics.Config), [], MqttTopics.ReliableQos, retain: true, timeout.Token)
                    .ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            _publishLock.Release();
        }
    }

    /// <summary>Disposes the MQTT client.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_client is { } client)
        {
            client.MessageReceived -= OnMessage;
            client.Connected -= OnConnected;
            client.Disconnected -= OnDisconnected;
            await client.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
        _publishLock.Dispose();
    }

    private async Task SubscribeAsync(MosquittoClient client, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await client.WaitUntilConnectedAsync(ConnectWait, cancellationToken).ConfigureAwait(false);
                foreach (var leaf in ReportLeaves)
                {
                    var qos = leaf == MqttTopics.Health ? MqttTopics.HealthQos : MqttTopics.ReliableQos;
                    var filter = MqttTopics.AllDevices(leaf);
                    var granted = await client.SubscribeAsync(filter, qos, cancellationToken).ConfigureAwait(false);
                    if (granted.Length == 0 || granted[0] > 2)
                    {
                        LogSubscriptionRefused(filter);
                    }
                }

                LogListening(_broker.GatewayConnection.Host, _broker.GatewayConnection.Port);
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is TimeoutException or OperationCanceledException)
            {
                LogStillConnecting(_broker.GatewayConnection.ToString(), client.LastConnectResult);
            }
            catch (Exception exception)
            {
                LogSubscribeFailed(exception);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private void OnConnected()
    {
        LogConnected();
        _ = PublishPendingAsync(_stopping.Token);
    }

    private void OnDisconnected(int reason)
    {
        if (!_stopping.IsCancellationRequested)
        {
            LogDisconnected(reason);
        }
    }

    private async Task PublishPendingAsync(CancellationToken cancellationToken)
    {
        try
        {
            foreach (var deviceId in _store.ListUnpublishedConfigs())
            {
                if (!await PublishConfigAsync(deviceId, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            LogRepublishFailed(exception);
        }
    }

    private void OnMessage(MqttMessage message)
    {
        if (!MqttTopics.TryParse(message.Topic, out var deviceId, out var leaf))
        {
            return;
        }

        if (message.Payload.Length > MaxPayloadBytes)
        {
            _metrics.CountOversized(leaf);
            LogOversized(deviceId, leaf, message.Payload.Length);
            return;
        }

        try
        {
            switch (Record(deviceId, leaf, message.Payload))
            {
                case Outcome.Recorded:
                    _metrics.CountRecorded(leaf);
                    break;
                case Outcome.UnknownDevice:
                    _metrics.CountUnknownDevice(leaf);
                    LogUnknownDevice(deviceId, leaf);
                    break;
                case Outcome.Malformed:
                    _metrics.CountMalformed(leaf);
                    LogMalformed(deviceId, leaf, message.Payload.Length);
                    break;
            }
        }
        catch (Exception exception)
        {
            LogRecordFailed(exception, deviceId, leaf);
        }
    }

    private Outcome Record(string deviceId, string leaf, byte[] payload)
    {
        bool known;
        switch (leaf)
        {
            case MqttTopics.Status when DeviceReports.ReadStatus(payload) is { } online:
                known = _store.RecordStatus(deviceId, online);
                break;
            case MqttTopics.Hello when DeviceReports.TryReadHello(payload, out var hello):
                known = _store.RecordHello(deviceId, hello);
                break;
            case MqttTopics.Health when DeviceReports.TryReadHealth(payload, out var health):
                known = _store.RecordHealth(deviceId, health);
                break;
            case MqttTopics.Fault when DeviceReports.TryReadFault(payload, out var fault):
                known = _store.RecordFault(deviceId, fault);
                break;
            case MqttTopics.ConfigAck when DeviceReports.TryReadConfigAck(payload, out var ack):
                known = _store.RecordConfigAck(deviceId, ack, out var rotated);
                if (rotated)
                {
                    LogSecretRotated(deviceId, ack.Version);
                    _ = _broker.ApplyDeviceCredentialsAsync(_stopping.Token);
                }

                break;
            case MqttTopics.Service when DeviceReports.TryReadService(payload, out var service):
                var outcome = ServiceRequests.OutcomeOf(service.Action);
                known = _store.RecordServiceRequest(deviceId, service, outcome);
                if (known)
                {
                    _metrics.CountServiceRequest(service.Action);
                    LogServiceRequest(deviceId, service.Line ?? 0, service.ServiceCode, service.Action, outcome);
                }

                break;
            case MqttTopics.Status or MqttTopics.Hello or MqttTopics.Health or MqttTopics.Fault or MqttTopics.ConfigAck or MqttTopics.Service:
                return Outcome.Malformed;
            default:
                return Outcome.Ignored;
        }

        return known ? Outcome.Recorded : Outcome.UnknownDevice;
    }

    private enum Outcome
    {
        Ignored,
        Recorded,
        UnknownDevice,
        Malformed,
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to the broker as the gateway")]
    private partial void LogConnected();

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening to adapter reports on {Host}:{Port}")]
    private partial void LogListening(string host, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Disconnected from the broker (reason {Reason}); reconnecting")]
    private partial void LogDisconnected(int reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Still waiting for the broker at {Broker} (last CONNACK {Result})")]
    private partial void LogStillConnecting(string broker, int result);

    [LoggerMessage(Level = LogLevel.Error, Message = "The broker refused the gateway's subscription to {Filter}")]
    private partial void LogSubscriptionRefused(string filter);

    [LoggerMessage(Level = LogLevel.Error, Message = "Subscribing to adapter reports failed; retrying")]
    private partial void LogSubscribeFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Published config v{Version} for {DeviceId}")]
    private partial void LogConfigPublished(string deviceId, int version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Config for {DeviceId} not published yet ({Reason}); it will be when the broker is reachable")]
    private partial void LogConfigPending(string deviceId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Republishing pending configs failed")]
    private partial void LogRepublishFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dropped {Leaf} from unknown adapter {DeviceId}")]
    private partial void LogUnknownDevice(string deviceId, string leaf);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped malformed {Leaf} from {DeviceId} ({Length} bytes)")]
    private partial void LogMalformed(string deviceId, string leaf, int length);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sent {Command} to {DeviceId} (command {Id})")]
    private partial void LogCommandSent(string command, string deviceId, string id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped oversized {Leaf} from {DeviceId} ({Length} bytes)")]
    private partial void LogOversized(string deviceId, string leaf, int length);

    [LoggerMessage(Level = LogLevel.Information, Message = "Adapter {DeviceId} applied config v{Version} with its new broker credential; the old one no longer works")]
    private partial void LogSecretRotated(string deviceId, int version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Adapter {DeviceId} line {Line}: {ServiceCode} dialled ({Action}); {Outcome}")]
    private partial void LogServiceRequest(string deviceId, int line, string serviceCode, string action, string outcome);

    [LoggerMessage(Level = LogLevel.Error, Message = "Recording {Leaf} from {DeviceId} failed")]
    private partial void LogRecordFailed(Exception exception, string deviceId, string leaf);
}
