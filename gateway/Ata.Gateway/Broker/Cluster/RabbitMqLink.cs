using Ata.Core.Contract;
using Ata.Gateway.Fleet;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Ata.Gateway.Broker.Cluster;

/// <summary>
/// The gateway's AMQP link to the RabbitMQ cluster (<c>RabbitMQ.Client</c>): it takes the adapters'
/// reports from two durable quorum queues bound to <c>amq.topic</c> (QoS 1 reports, and health) with
/// manual acknowledgement, each acknowledged only once <see cref="ReportIngest"/> has committed it, and
/// publishes configs and commands to <c>amq.topic</c> with publisher confirms. Every gateway instance
/// consumes from the same queues (competing consumers). When its node goes away it connects to
/// another of <see cref="RabbitMqOptions.Nodes"/>; what it had not acknowledged is delivered again.
/// </summary>
public sealed partial class RabbitMqLink : IGatewayLink, IAsyncDisposable
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(5);

    private readonly RabbitMqOptions _options;
    private readonly ConnectionFactory _factory;
    private readonly List<AmqpTcpEndpoint> _endpoints;
    private readonly string _nodes;
    private readonly ushort _prefetch;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _publishing = new(1, 1);
    private TaskCompletionSource<Session> _session = NewSignal();
    private Session? _current;
    private volatile string _state = "not started";

    /// <summary>Creates the link; it connects in <see cref="RunAsync"/>.</summary>
    /// <param name="options">The cluster's nodes and queues.</param>
    /// <param name="login">The gateway's login.</param>
    /// <param name="password">Its password.</param>
    /// <param name="prefetch">Reports the broker may have delivered unacknowledged (<see cref="IngestOptions.ReceiveMaximum"/>).</param>
    /// <param name="time">The clock for reconnection delays.</param>
    /// <param name="logger">The logger.</param>
    public RabbitMqLink(RabbitMqOptions options, string login, string? password, int prefetch, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _time = time;
        _logger = logger;
        _prefetch = (ushort)Math.Clamp(prefetch, 1, ushort.MaxValue);
        _endpoints = [];
        foreach (var node in options.Nodes)
        {
            if (RabbitMqOptions.TryParseNode(node, AmqpTcpEndpoint.UseDefaultPort, out var host, out var port))
            {
                _endpoints.Add(new AmqpTcpEndpoint(host, port));
            }
        }

        _nodes = string.Join(", ", _endpoints.Select(e => $"{e.HostName}:{e.Port}"));
        _factory = new ConnectionFactory
        {
            UserName = login,
            Password = password ?? string.Empty,
            VirtualHost = options.VirtualHost,
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            RequestedHeartbeat = Heartbeat,
            RequestedConnectionTimeout = TimeSpan.FromSeconds(10),
        };
    }

    /// <inheritdoc/>
    public bool IsConnected => Volatile.Read(ref _current)?.Connection.IsOpen ?? false;

    /// <inheritdoc/>
    public string State => _state;

    /// <inheritdoc/>
    public async Task RunAsync(Action<ReceivedReport> deliver, Action connected, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(deliver);
        ArgumentNullException.ThrowIfNull(connected);
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            IConnection? connection = null;
            try
            {
                _state = $"connecting to the broker cluster ({_nodes})";
                connection = await _factory.CreateConnectionAsync(_endpoints, $"ata-gateway on {Environment.MachineName}", stopping).ConfigureAwait(false);
                var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                connection.ConnectionShutdownAsync += (_, shutdown) =>
                {
                    lost.TrySetResult();
                    return Task.CompletedTask;
                };
                var publisher = await connection.CreateChannelAsync(new CreateChannelOptions(true, true), stopping).ConfigureAwait(false);
                var consumer = await connection.CreateChannelAsync(cancellationToken: stopping).ConfigureAwait(false);
                await DeclareAsync(consumer, stopping).ConfigureAwait(false);
                await consumer.BasicQosAsync(0, _prefetch, false, stopping).ConfigureAwait(false);
                var session = new Session(connection, publisher, consumer);
                var receiver = new AsyncEventingBasicConsumer(consumer);
                receiver.ReceivedAsync += (_, delivery) => ReceiveAsync(session, delivery, deliver);
                session.ConsumerTags.Add(await consumer.BasicConsumeAsync(_options.ReportsQueue, false, receiver, stopping).ConfigureAwait(false));
                session.ConsumerTags.Add(await consumer.BasicConsumeAsync(_options.HealthQueue, false, receiver, stopping).ConfigureAwait(false));
                lock (_gate)
                {
                    _current = session;
                    _session.TrySetResult(session);
                }

                failures = 0;
                var node = $"{connection.Endpoint.HostName}:{connection.Endpoint.Port}";
                _state = "connected";
                LogConnected(node);
                connected();
                try
                {
                    await lost.Task.WaitAsync(stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Stopping: take no more; the connection stays for the acknowledgements of what was taken.
                    await CancelConsumersAsync(session).ConfigureAwait(false);
                    return;
                }

                Forget(session);
                _state = $"lost the broker node {node}: {connection.CloseReason?.ReplyText ?? "closed"}";
                LogLost(node, connection.CloseReason?.ReplyText ?? "closed");
                await DisposeQuietlyAsync(connection).ConfigureAwait(false);
                continue;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                if (connection is not null)
                {
                    await DisposeQuietlyAsync(connection).ConfigureAwait(false);
                }

                return;
            }
            catch (Exception exception)
            {
                _state = $"cannot reach the broker cluster ({_nodes}): {exception.Message}";
                LogConnectFailed(_nodes, exception.Message);
                if (connection is not null)
                {
                    await DisposeQuietlyAsync(connection).ConfigureAwait(false);
                }
            }

            try
            {
                await Task.Delay(SessionBackoff.Delay(++failures), _time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <inheritdoc/>
    public async Task PublishAsync(string topic, byte[] payload, CancellationToken cancellationToken)
    {
        Task<Session> connected;
        lock (_gate)
        {
            connected = _session.Task;
        }

        var session = await connected.WaitAsync(cancellationToken).ConfigureAwait(false);
        await _publishing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var properties = new BasicProperties { DeliveryMode = DeliveryModes.Persistent };
            await session.Publisher.BasicPublishAsync(RoutingKeys.Exchange, RoutingKeys.FromTopic(topic), false, properties, payload, cancellationToken)
                .ConfigureAwait(false);
        }
        finally
        {
            _publishing.Release();
        }
    }

    /// <inheritdoc/>
    public async Task CloseAsync()
    {
        Session? session;
        lock (_gate)
        {
            session = _current;
        }

        if (session is not null)
        {
            Forget(session);
            await DisposeQuietlyAsync(session.Connection).ConfigureAwait(false);
        }
    }

    /// <summary>Closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await CloseAsync().ConfigureAwait(false);
        _publishing.Dispose();
    }

    /// <summary>
    /// Declares the two durable quorum queues (idempotent; every instance does it) and binds them
    /// to the contract's device → gateway topics: health alone in its own, bounded, queue.
    /// </summary>
    private async Task DeclareAsync(IChannel channel, CancellationToken cancellationToken)
    {
        var quorum = new Dictionary<string, object?> { ["x-queue-type"] = "quorum" };
        await channel.QueueDeclareAsync(_options.ReportsQueue, true, false, false, quorum, cancellationToken: cancellationToken).ConfigureAwait(false);
        var health = new Dictionary<string, object?>
        {
            ["x-queue-type"] = "quorum",
            ["x-max-length"] = _options.HealthQueueLength,
            ["x-overflow"] = "drop-head",
        };
        await channel.QueueDeclareAsync(_options.HealthQueue, true, false, false, health, cancellationToken: cancellationToken).ConfigureAwait(false);
        foreach (var leaf in MqttTopics.DeviceToGateway)
        {
            var queue = leaf == MqttTopics.Health ? _options.HealthQueue : _options.ReportsQueue;
            await channel.QueueBindAsync(queue, RoutingKeys.Exchange, RoutingKeys.AllDevices(leaf), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Hands a delivery to the fleet channel: a report is acknowledged once recorded (on the channel it
    /// came on; after a reconnection the broker delivers it again instead), health (QoS 0, at most
    /// once) at once.
    /// </summary>
    private static async Task ReceiveAsync(Session session, BasicDeliverEventArgs delivery, Action<ReceivedReport> deliver)
    {
        var channel = session.Consumer;
        var tag = delivery.DeliveryTag;
        var topic = RoutingKeys.ToTopic(delivery.RoutingKey);
        var payload = delivery.Body.ToArray();
        if (MqttTopics.TryParse(topic, out _, out var leaf) && leaf == MqttTopics.Health)
        {
            await channel.BasicAckAsync(tag, false).ConfigureAwait(false);
            deliver(new ReceivedReport(topic, payload, MqttTopics.HealthQos, _ => Task.CompletedTask));
            return;
        }

        deliver(new ReceivedReport(topic, payload, MqttTopics.ReliableQos,
            cancellationToken => channel.IsOpen ? channel.BasicAckAsync(tag, false, cancellationToken).AsTask() : Task.CompletedTask));
    }

    private static async Task CancelConsumersAsync(Session session)
    {
        foreach (var tag in session.ConsumerTags)
        {
            try
            {
                await session.Consumer.BasicCancelAsync(tag).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The connection is gone already: nothing more comes on it anyway.
            }
        }
    }

    private void Forget(Session session)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_current, session))
            {
                _current = null;
                if (_session.Task.IsCompleted)
                {
                    _session = NewSignal();
                }
            }
        }
    }

    private static async Task DisposeQuietlyAsync(IConnection connection)
    {
        try
        {
            await connection.CloseAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Already closed by the broker or the network.
        }

        connection.Dispose();
    }

    private static TaskCompletionSource<Session> NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>One connection to a node, with its publishing and consuming channels.</summary>
    private sealed record Session(IConnection Connection, IChannel Publisher, IChannel Consumer)
    {
        public List<string> ConsumerTags { get; } = [];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to the broker cluster at {Node} as the gateway; consuming adapter reports from its quorum queues")]
    private partial void LogConnected(string node);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the broker node {Node} ({Reason}); connecting to another")]
    private partial void LogLost(string node, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot connect to the broker cluster ({Nodes}): {Reason}; retrying")]
    private partial void LogConnectFailed(string nodes, string reason);
}
