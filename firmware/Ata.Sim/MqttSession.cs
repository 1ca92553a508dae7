using System.Threading.Channels;
using Ata.Core.Hardware;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Ata.Sim;

/// <summary>Where and as whom the simulated adapter's MQTT session connects, and its Last Will.</summary>
/// <param name="Host">The broker's host.</param>
/// <param name="Port">The broker's TCP port.</param>
/// <param name="ClientId">The client id (the device id).</param>
/// <param name="Username">The user name (the device id).</param>
/// <param name="Password">The device secret; never logged.</param>
/// <param name="WillTopic">The Last Will's topic (published retained, QoS 1, only when the connection dies without a DISCONNECT).</param>
/// <param name="WillPayload">The Last Will's payload.</param>
internal sealed record MqttSessionOptions(
    string Host, int Port, string ClientId, string Username, string? Password, string WillTopic, string WillPayload)
{
    /// <summary>The keep-alive: the broker declares the adapter gone after 1.5 times this without traffic.</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The first delay before connecting again after a failed or lost connection; it doubles up to <see cref="ReconnectDelayMax"/>.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay between connection attempts.</summary>
    public TimeSpan ReconnectDelayMax { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// The simulated adapter's MQTT session (MQTTnet, MQTT 3.1.1 like the board's M2Mqtt, clean
/// session): <see cref="Connect"/> starts connecting in the background and, until
/// <see cref="Disconnect"/>, connects again after every failure or loss. Publishes and subscribes
/// go out in the order they were asked for; a QoS 1 publish asked while disconnected waits for
/// the next connection, a QoS 0 one is dropped. The callbacks run on a pool thread.
/// </summary>
internal sealed class MqttSession : IMqttSession, IDisposable
{
    private readonly MqttSessionOptions _options;
    private readonly Action<string> _log;
    private readonly IMqttClient _client;
    private readonly Channel<Outgoing> _outgoing = Channel.CreateUnbounded<Outgoing>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _closing = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource _connected = NewSignal();
    private TaskCompletionSource _lost = NewSignal();
    private Task _running = Task.CompletedTask;
    private Task _sending = Task.CompletedTask;
    private int _pending;

    /// <summary>Creates the session; nothing touches the network until <see cref="Connect"/>.</summary>
    /// <param name="options">Where and how to connect.</param>
    /// <param name="log">Where connection trouble is told (one line each; never the password).</param>
    public MqttSession(MqttSessionOptions options, Action<string> log)
    {
        _options = options;
        _log = log;
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += e =>
        {
            MessageReceived?.Invoke(e.ApplicationMessage.Topic, e.ApplicationMessage.ConvertPayloadToString() ?? string.Empty);
            return Task.CompletedTask;
        };
        _client.DisconnectedAsync += e =>
        {
            lock (_gate)
            {
                if (_connected.Task.IsCompleted)
                {
                    _connected = NewSignal();
                }

                _lost.TrySetResult();
                _lost = NewSignal();
            }

            if (e.ClientWasConnected)
            {
                Lost?.Invoke(e.Exception?.Message ?? e.Reason.ToString());
            }

            return Task.CompletedTask;
        };
    }

    /// <summary>The broker accepted a connection (the first and every later one); subscriptions are gone with the clean session and must be made again.</summary>
    public Action? Connected { get; set; }

    /// <summary>An accepted connection ended, with the reason in words; the session connects again by itself unless disconnected.</summary>
    public Action<string>? Lost { get; set; }

    /// <summary>A message arrived on a subscription: its topic and UTF-8 payload.</summary>
    public Action<string, string>? MessageReceived { get; set; }

    /// <summary>Whether the broker has accepted the current connection.</summary>
    public bool IsConnected => _client.IsConnected;

    /// <summary>Starts connecting in the background (and again after every loss) and returns at once.</summary>
    public void Connect()
    {
        if (_running.IsCompleted)
        {
            _running = Task.Run(() => KeepConnectedAsync(_closing.Token));
            _sending = Task.Run(() => SendAsync(_closing.Token));
        }
    }

    /// <summary>Publishes a UTF-8 payload, in order with the other publishes and subscribes; returns at once.</summary>
    public void Publish(string topic, string payload, int qos, bool retain)
    {
        if (qos > 0 || _client.IsConnected)
        {
            Enqueue(new Outgoing(topic, payload, qos, retain, Subscribe: false));
        }
    }

    /// <summary>Subscribes (on the current connection; a new connection needs a new call), in order with the publishes; returns at once.</summary>
    public void Subscribe(string topicFilter, int qos) =>
        Enqueue(new Outgoing(topicFilter, null, qos, false, Subscribe: true));

    /// <summary>
    /// Leaves cleanly: waits (at most <paramref name="timeout"/>) for what was published to be
    /// acknowledged, then sends DISCONNECT, so the broker does not publish the Last Will; stops reconnecting.
    /// </summary>
    /// <param name="timeout">How long to wait for outstanding publishes and the DISCONNECT.</param>
    public void Disconnect(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Volatile.Read(ref _pending) > 0 && _client.IsConnected && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10);
        }

        _closing.Cancel();
        _outgoing.Writer.TryComplete();
        if (_client.IsConnected)
        {
            try
            {
                using var left = new CancellationTokenSource(deadline > DateTime.UtcNow ? deadline - DateTime.UtcNow : TimeSpan.FromMilliseconds(100));
                _client.DisconnectAsync(new MqttClientDisconnectOptions { Reason = MqttClientDisconnectOptionsReason.NormalDisconnection }, left.Token)
                    .Wait(timeout);
            }
            catch (AggregateException)
            {
                // The broker went away first; its Last Will says offline for us.
            }
        }
    }

    /// <summary>Drops the connection without a DISCONNECT if <see cref="Disconnect"/> was not called (the broker then publishes the Last Will).</summary>
    public void Dispose()
    {
        _closing.Cancel();
        _outgoing.Writer.TryComplete();
        _client.Dispose();
        _closing.Dispose();
    }

    private void Enqueue(Outgoing outgoing)
    {
        Interlocked.Increment(ref _pending);
        if (!_outgoing.Writer.TryWrite(outgoing))
        {
            Interlocked.Decrement(ref _pending);
        }
    }

    private async Task KeepConnectedAsync(CancellationToken closing)
    {
        var options = new MqttClientOptionsBuilder()
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithTcpServer(_options.Host, _options.Port)
            .WithClientId(_options.ClientId)
            .WithCredentials(_options.Username, _options.Password)
            .WithCleanSession(true)
            .WithKeepAlivePeriod(_options.KeepAlive)
            .WithWillTopic(_options.WillTopic)
            .WithWillPayload(_options.WillPayload)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithWillRetain(true)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build();
        var delay = _options.ReconnectDelay;
        string? lastProblem = null;
        while (!closing.IsCancellationRequested)
        {
            Task lost;
            lock (_gate)
            {
                lost = _lost.Task;
            }

            string problem;
            try
            {
                var result = await _client.ConnectAsync(options, closing).ConfigureAwait(false);
                if (result.ResultCode == MqttClientConnectResultCode.Success)
                {
                    lock (_gate)
                    {
                        _connected.TrySetResult();
                    }

                    delay = _options.ReconnectDelay;
                    lastProblem = null;
                    Connected?.Invoke();
                    await lost.WaitAsync(closing).ConfigureAwait(false);
                    continue;
                }

                problem = $"the broker refused {_options.ClientId}: {Describe(result.ResultCode)}";
            }
            catch (OperationCanceledException) when (closing.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                problem = $"cannot reach the broker at {_options.Host}:{_options.Port}: {e.Message}";
            }

            if (problem != lastProblem)
            {
                _log($"{problem}; retrying (every {_options.ReconnectDelayMax.TotalSeconds:0} s at most)");
                lastProblem = problem;
            }

            try
            {
                await Task.Delay(delay, closing).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = delay * 2 < _options.ReconnectDelayMax ? delay * 2 : _options.ReconnectDelayMax;
        }
    }

    private async Task SendAsync(CancellationToken closing)
    {
        try
        {
            await foreach (var outgoing in _outgoing.Reader.ReadAllAsync(closing).ConfigureAwait(false))
            {
                try
                {
                    await SendOneAsync(outgoing, closing).ConfigureAwait(false);
                }
                finally
                {
                    Interlocked.Decrement(ref _pending);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task SendOneAsync(Outgoing outgoing, CancellationToken closing)
    {
        while (true)
        {
            if (!_client.IsConnected && (outgoing.Qos == 0 || outgoing.Subscribe))
            {
                // QoS 0 is not kept, and a subscription belongs to the connection it was made on.
                return;
            }

            Task connected;
            lock (_gate)
            {
                connected = _connected.Task;
            }

            await connected.WaitAsync(closing).ConfigureAwait(false);
            try
            {
                if (outgoing.Subscribe)
                {
                    var result = await _client.SubscribeAsync(
                        new MqttClientSubscribeOptionsBuilder().WithTopicFilter(outgoing.Topic, (MqttQualityOfServiceLevel)outgoing.Qos).Build(), closing)
                        .ConfigureAwait(false);
                    if (result.Items.Any(i => (int)i.ResultCode > (int)MqttClientSubscribeResultCode.GrantedQoS2))
                    {
                        _log($"subscription to {outgoing.Topic} was refused");
                    }
                }
                else
                {
                    await _client.PublishAsync(
                        new MqttApplicationMessageBuilder()
                            .WithTopic(outgoing.Topic)
                            .WithPayload(outgoing.Payload)
                            .WithQualityOfServiceLevel((MqttQualityOfServiceLevel)outgoing.Qos)
                            .WithRetainFlag(outgoing.Retain)
                            .Build(),
                        closing).ConfigureAwait(false);
                }

                return;
            }
            catch (Exception e) when (e is not OperationCanceledException || !closing.IsCancellationRequested)
            {
                // Lost meanwhile: a QoS 1 message goes out again on the next connection (at least once).
                if (outgoing.Qos == 0 || outgoing.Subscribe)
                {
                    return;
                }
            }
        }
    }

    private static string Describe(MqttClientConnectResultCode code) => code switch
    {
        MqttClientConnectResultCode.NotAuthorized or MqttClientConnectResultCode.BadUserNameOrPassword =>
            $"{code} (wrong device id or secret, or the adapter is not provisioned)",
        _ => code.ToString(),
    };

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed record Outgoing(string Topic, string? Payload, int Qos, bool Retain, bool Subscribe);
}
