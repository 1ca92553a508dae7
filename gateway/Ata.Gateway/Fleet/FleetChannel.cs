using System.Buffers;
using System.Text;
using Ata.Core.Contract;
using Ata.Gateway.Broker;
using Ata.Gateway.Instances;
using Ata.Gateway.Store;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;

namespace Ata.Gateway.Fleet;

/// <summary>
/// The gateway's MQTT session with the fleet (MQTTnet, MQTT 5): a persistent session (clean start
/// off, no expiry) that takes what adapters publish (the contract's <see cref="MqttTopics.DeviceToGateway"/>
/// topics) with manual acknowledgement and hands it to <see cref="ReportIngest"/>, which acknowledges
/// each after it is recorded; and the publisher of config documents and commands (QoS 1). A config
/// is never retained, so the broker never stores one (they carry SIP passwords and device secrets):
/// it is published when it changes and again on each connection of its adapter (when the embedded
/// broker says the adapter subscribed to it; with an external broker, when the adapter says it is
/// online). A message an adapter published retained anywhere but a valid <c>status</c> is removed
/// from the broker at once.
/// It reconnects by itself with <see cref="SessionBackoff"/>.
/// One of several gateway instances (<see cref="GatewayOptions.Instance"/>) connects as its own client
/// (<see cref="GatewayInstance.ClientId"/>), only while it holds its session lease, and takes reports
/// through MQTT 5 shared subscriptions (<c>$share/{Broker:ClientId}/ata/+/…</c>), so that the broker
/// hands each report to one instance; a broker without them stops the gateway with one line.
/// </summary>
public sealed partial class FleetChannel : IHostedService, IAsyncDisposable
{
    /// <summary>
    /// Written to the data directory once retained configs an older gateway left on the broker are
    /// removed; until then they are removed on every connection.
    /// </summary>
    public const string RetainedConfigsClearedFile = "retained-configs-cleared";

    /// <summary>The broker's count of messages it dropped because a client's queue was full (Mosquitto).</summary>
    public const string BrokerDroppedTopic = "$SYS/broker/publish/messages/dropped";

    /// <summary>Largest report accepted from an adapter; larger ones are counted and dropped unread.</summary>
    public const int MaxPayloadBytes = 8 * 1024;

    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How many adapters' configs may be on their way at once: one adapter's are serialised (they share
    /// a lock, one of this many), different adapters' overlap, so a boot storm's configs are not one
    /// broker round trip and two store calls each in a row. Well under Mosquitto's 20 in flight per client.
    /// </summary>
    private const int ConfigPublishesAtOnce = 16;

    private readonly IBroker _broker;
    private readonly AdapterStore _store;
    private readonly FleetMetrics _metrics;
    private readonly ReportIngest _ingest;
    private readonly BrokerOptions _options;
    private readonly IngestOptions _ingestOptions;
    private readonly TimeProvider _time;
    private readonly GatewayInstance _instance;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<FleetChannel> _logger;
    private readonly string _retainedConfigsCleared;
    private readonly IMqttClient _client;
    private readonly SemaphoreSlim[] _configLocks = [.. Enumerable.Range(0, ConfigPublishesAtOnce).Select(_ => new SemaphoreSlim(1, 1))];
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource _connected = NewSignal();
    private TaskCompletionSource _lost = NewSignal();
    private Task _session = Task.CompletedTask;
    private long _generation;
    private volatile string _state = "not started";

    /// <summary>Creates the channel; it connects when the host starts.</summary>
    /// <param name="broker">The broker to connect to.</param>
    /// <param name="store">Where configs are read.</param>
    /// <param name="metrics">Report counters.</param>
    /// <param name="ingest">Records reports and acknowledges them.</param>
    /// <param name="options">Broker options (the gateway's client id).</param>
    /// <param name="ingestOptions">The session's receive maximum.</param>
    /// <param name="gateway">The data directory (where the removal of old retained configs is noted).</param>
    /// <param name="time">The clock for reconnection delays.</param>
    /// <param name="instance">Which gateway instance this is (its client id, its session lease).</param>
    /// <param name="lifetime">Stopped when the broker cannot share reports between several instances.</param>
    /// <param name="logger">The logger.</param>
    public FleetChannel(
        IBroker broker, AdapterStore store, FleetMetrics metrics, ReportIngest ingest, IOptions<BrokerOptions> options,
        IOptions<IngestOptions> ingestOptions, IOptions<GatewayOptions> gateway, TimeProvider time, GatewayInstance instance,
        IHostApplicationLifetime lifetime, ILogger<FleetChannel> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(ingestOptions);
        ArgumentNullException.ThrowIfNull(gateway);
        _retainedConfigsCleared = Path.Combine(gateway.Value.FullDataDirectory, RetainedConfigsClearedFile);
        _broker = broker;
        _store = store;
        _metrics = metrics;
        _ingest = ingest;
        _options = options.Value;
        _ingestOptions = ingestOptions.Value;
        _time = time;
        _instance = instance;
        _lifetime = lifetime;
        _logger = logger;
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ConnectingAsync += _ =>
        {
            // Before any message of the new connection is handed out: acknowledgements of the old one are never sent on it.
            Interlocked.Increment(ref _generation);
            return Task.CompletedTask;
        };
        _client.DisconnectedAsync += OnDisconnectedAsync;
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
        _broker.ConfigSubscribed += PublishConfigSoon;
        _instance.SessionLeaseLost += DropSession;
    }

    /// <summary>Whether the session is connected to the broker.</summary>
    public bool IsConnected => _broker.Link?.IsConnected ?? _client.IsConnected;

    /// <summary>What the session is doing, in words, for <c>/healthz</c> (e.g. why it is not connected).</summary>
    public string State => _broker.Link?.State ?? _state;

    /// <summary>Starts recording and connects in the background (start-up does not wait for the broker).</summary>
    /// <param name="cancellationToken">Unused: connecting does not block start-up.</param>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ingest.Start();
        _session = _broker.Link is { } link ? Task.Run(() => RunLinkAsync(link, _stopping.Token)) : Task.Run(() => KeepSessionAsync(_stopping.Token));
        return Task.CompletedTask;
    }

    /// <summary>
    /// Records and acknowledges the reports already received, then disconnects cleanly; the broker
    /// keeps the session and queues what adapters report until the gateway is back.
    /// </summary>
    /// <param name="cancellationToken">Abandons a slow stop (what is not recorded yet is delivered again later).</param>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _ingest.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _session.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        if (_broker.Link is { } link)
        {
            await link.CloseAsync().ConfigureAwait(false);
        }

        if (_client.IsConnected)
        {
            try
            {
                await _client.DisconnectAsync(new MqttClientDisconnectOptions { Reason = MqttClientDisconnectOptionsReason.NormalDisconnection }, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogDisconnectFailed(exception.Message);
            }
        }
    }

    /// <summary>
    /// Publishes the adapter's current config document, QoS 1, not retained, and waits for the
    /// broker's acknowledgement: an adapter connected now gets it; one that is not gets it when it
    /// next says it is online. Publishes are serialised and always send the newest version, so an
    /// older document can never follow a newer one.
    /// </summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Whether the broker took the document; if not, it is published on the next connect.</returns>
    public async Task<bool> PublishConfigAsync(string deviceId, CancellationToken cancellationToken)
    {
        var publishing = ConfigLock(deviceId);
        await publishing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_store.FindConfig(deviceId) is not { } config)
            {
                return false;
            }

            // Cancelling (not just abandoning) a slow publish matters: a document still waiting for
            // the connection must never go out later, after a newer one.
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(PublishTimeout);
            await PublishAsync(MqttTopics.For(deviceId, MqttTopics.Config), ConfigDocument.Render(config), retain: false, timeout.Token)
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
            publishing.Release();
        }
    }

    /// <summary>
    /// Sends a command (<c>{"id":"…","command":"…"}</c>, QoS 1) to an adapter's <c>cmd</c> topic;
    /// the adapter answers on <c>cmd/result</c>.
    /// </summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="command">The command name, e.g. <c>reregister</c>.</param>
    /// <param name="cancellationToken">Cancels the wait for the broker.</param>
    /// <param name="id">The command's id (<see cref="Commands.CommandBook"/> records it first); a new one when null.</param>
    /// <param name="force">Sends <c>"force":true</c> (a reboot even mid-call).</param>
    /// <param name="line">Sends <c>"line":n</c> (the line a test ring rings), when given.</param>
    /// <returns>The command's id, or null when the broker is not reachable now.</returns>
    public async Task<string?> SendCommandAsync(string deviceId, string command, CancellationToken cancellationToken, string? id = null, bool force = false, int? line = null)
    {
        if (!IsConnected)
        {
            return null;
        }

        id ??= Guid.NewGuid().ToString("N")[..12];
        using var buffer = new MemoryStream();
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString(Fields.Id, id);
            json.WriteString(Fields.Command, command);
            if (force)
            {
                json.WriteBoolean(Fields.Force, true);
            }

            if (line is { } number)
            {
                json.WriteNumber(Fields.Line, number);
            }

            json.WriteEndObject();
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PublishTimeout);
        try
        {
            await PublishAsync(MqttTopics.For(deviceId, MqttTopics.Command), buffer.ToArray(), retain: false, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return null;
        }

        LogCommandSent(command, deviceId, id);
        return id;
    }

    /// <summary>Disposes the MQTT client.</summary>
    public async ValueTask DisposeAsync()
    {
        _broker.ConfigSubscribed -= PublishConfigSoon;
        _instance.SessionLeaseLost -= DropSession;
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        _client.Dispose();
        _stopping.Dispose();
        foreach (var publishing in _configLocks)
        {
            publishing.Dispose();
        }
    }

    /// <summary>The lock that serialises <paramref name="deviceId"/>'s config publishes (shared with a few other adapters).</summary>
    private SemaphoreSlim ConfigLock(string deviceId) => _configLocks[(int)((uint)StringComparer.Ordinal.GetHashCode(deviceId) % ConfigPublishesAtOnce)];

    /// <summary>Publishes QoS 1 once the session is connected and completes on the broker's PUBACK.</summary>
    private async Task PublishAsync(string topic, byte[] payload, bool retain, CancellationToken cancellationToken)
    {
        if (_broker.Link is { } link)
        {
            await PublishOnLinkAsync(link, topic, payload, retain, cancellationToken).ConfigureAwait(false);
            return;
        }

        await WaitConnectedAsync(cancellationToken).ConfigureAwait(false);
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .Build();
        var result = await _client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
        if ((int)result.ReasonCode >= 0x80)
        {
            throw new InvalidOperationException($"the broker refused the message on {topic}: {result.ReasonCode}");
        }
    }

    private async Task WaitConnectedAsync(CancellationToken cancellationToken)
    {
        Task connected;
        lock (_gate)
        {
            connected = _connected.Task;
        }

        await connected.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task PublishPendingAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (!File.Exists(_retainedConfigsCleared) && !await ClearRetainedConfigsAsync(cancellationToken).ConfigureAwait(false))
            {
                return;
            }

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

    /// <summary>Publishes the adapter's config on a new connection of it (off the caller's thread).</summary>
    private void PublishConfigSoon(string deviceId) => _ = Task.Run(async () =>
    {
        try
        {
            await PublishConfigAsync(deviceId, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    });

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs received)
    {
        var generation = Interlocked.Read(ref _generation);
        Take(received, () => Interlocked.Read(ref _generation) == generation);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Takes a report the broker delivered, on the gateway's own session or on one it took over from
    /// a dead instance (<see cref="SessionAdoption"/>): QoS 1 ones are acknowledged once recorded, while
    /// <paramref name="sameConnection"/> says the connection it came on is still the one.
    /// </summary>
    /// <param name="received">The message as MQTTnet hands it out.</param>
    /// <param name="sameConnection">Whether its connection is still up (else its PUBACK is not sent: it comes again).</param>
    /// <param name="acknowledged">Called once a report handed to the ingest is recorded and its PUBACK sent (or not, its connection gone).</param>
    /// <returns>Whether the report was handed to the ingest (else it was acknowledged or dropped at once).</returns>
    internal bool Take(MqttApplicationMessageReceivedEventArgs received, Func<bool> sameConnection, Action? acknowledged = null)
    {
        ArgumentNullException.ThrowIfNull(received);
        ArgumentNullException.ThrowIfNull(sameConnection);
        var message = received.ApplicationMessage;
        if (_instance.IsOneOfSeveral && message.Retain && message.Payload.IsEmpty)
        {
            // An instance's removal of a retained message (no local is not allowed on shared subscriptions).
            return false;
        }

        if (message.Topic == BrokerDroppedTopic)
        {
            if (long.TryParse(Encoding.ASCII.GetString(message.Payload), out var dropped) && _metrics.TakeBrokerDropped(dropped) is > 0 and var more)
            {
                LogBrokerDropped(more);
            }

            return false;
        }

        if (MqttTopics.TryParse(message.Topic, out var sender, out var topicLeaf))
        {
            ReadOnlySpan<byte> payload = message.Payload.IsSingleSegment ? message.Payload.FirstSpan : message.Payload.ToArray();
            if (message.Retain && !MayBeRetained(topicLeaf, payload))
            {
                _metrics.CountRetainedRemoved();
                LogRetainedRemoved(sender, topicLeaf, message.Payload.Length);
                _ = ClearRetainedAsync(message.Topic, _stopping.Token);
            }

            if (!_broker.SeesSubscriptions && topicLeaf == MqttTopics.Status && DeviceReports.ReadStatus(payload) == true)
            {
                PublishConfigSoon(sender);
            }
        }

        if (message.Payload.Length > MaxPayloadBytes)
        {
            var leaf = MqttTopics.TryParse(message.Topic, out var deviceId, out var parsed) ? parsed : message.Topic;
            _metrics.CountOversized(leaf);
            LogOversized(deviceId ?? message.Topic, leaf, message.Payload.Length);
            return false;
        }

        received.AutoAcknowledge = false;
        _ingest.Accept(new ReceivedReport(
            message.Topic,
            message.Payload.ToArray(),
            (int)message.QualityOfServiceLevel,
            acknowledged is null
                ? cancellationToken => sameConnection() ? received.AcknowledgeAsync(cancellationToken) : Task.CompletedTask
                : async cancellationToken =>
                {
                    try
                    {
                        if (sameConnection())
                        {
                            await received.AcknowledgeAsync(cancellationToken).ConfigureAwait(false);
                        }
                    }
                    finally
                    {
                        acknowledged();
                    }
                }));
        return true;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The broker dropped {Count} messages: a client's queue was full (see max_queued_messages)")]
    private partial void LogBrokerDropped(long count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Disconnecting from the broker failed: {Reason}")]
    private partial void LogDisconnectFailed(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Published config v{Version} for {DeviceId}")]
    private partial void LogConfigPublished(string deviceId, int version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Config for {DeviceId} not published yet ({Reason}); it will be when the broker is reachable")]
    private partial void LogConfigPending(string deviceId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Republishing pending configs failed")]
    private partial void LogRepublishFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sent {Command} to {DeviceId} (command {Id})")]
    private partial void LogCommandSent(string command, string deviceId, string id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removed a message {DeviceId} retained on {Leaf} ({Length} bytes): adapters may retain only their status")]
    private partial void LogRetainedRemoved(string deviceId, string leaf, long length);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped oversized {Leaf} from {DeviceId} ({Length} bytes)")]
    private partial void LogOversized(string deviceId, string leaf, long length);
}
