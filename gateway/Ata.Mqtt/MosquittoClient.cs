using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Channels;
using Ata.Mqtt.Interop;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ata.Mqtt;

/// <summary>
/// An MQTT 3.1.1 client on Eclipse Mosquitto's client library (libmosquitto), which runs the
/// network on its own thread and reconnects by itself. Events are raised on one .NET dispatcher
/// task, in the order they happened, never on libmosquitto's thread.
/// </summary>
/// <remarks>
/// Keep a reference for as long as the client is in use, as with a timer: an abandoned client is
/// disconnected and released by the garbage collector. Dispose it when done.
/// </remarks>
public sealed partial class MosquittoClient : IDisposable, IAsyncDisposable
{
    private static readonly TimeSpan DisconnectTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan StaleStateDelay = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan QuiesceTimeout = TimeSpan.FromSeconds(2);

    private readonly MqttClientOptions _options;
    private readonly ILogger _logger;
    private readonly string _endpoint;
    private readonly MosquittoHandle _handle;
    private readonly Channel<NativeEvent> _userEvents = Channel.CreateUnbounded<NativeEvent>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });

    private readonly Lock _gate = new();
    private readonly Lock _lifecycle = new();
    private readonly Dictionary<string, int> _subscriptions = new(StringComparer.Ordinal);
    private readonly Dictionary<int, string> _subscribeMids = [];
    private readonly Dictionary<string, List<TaskCompletionSource<int[]>>> _subscribeWaiters = new(StringComparer.Ordinal);
    private readonly Dictionary<int, TaskCompletionSource> _publishWaiters = [];
    private readonly HashSet<int> _unsubscribeMids = [];
    private readonly HashSet<int> _unacknowledged = [];
    private TaskCompletionSource _connectedSignal = NewSignal();
    private TaskCompletionSource? _disconnectWaiter;
    private TaskCompletionSource? _quiet;
    private bool _everConnected;

    private volatile bool _connected;
    private volatile bool _stopping;
    private volatile bool _released;
    private volatile string? _lastFailure;
    private int _lastConnectResult = ConnectResult.None;
    private int _started;
    private int _disposed;

    /// <summary>Creates the client; nothing touches the network until <see cref="Start"/>.</summary>
    /// <param name="options">Where and how to connect.</param>
    /// <param name="logger">Where connection changes go; passwords and payloads are never logged.</param>
    /// <exception cref="ArgumentException">An option is out of range; the message says which and why.</exception>
    /// <exception cref="DllNotFoundException">libmosquitto is not installed; the message says how to install it.</exception>
    public MosquittoClient(MqttClientOptions options, ILogger<MosquittoClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ValidateOptions(options);
        MosquittoLibrary.EnsureInitialized();
        if (options.Will is { } will)
        {
            ValidateTopic(will.Topic, nameof(options.Will));
        }

        _options = options;
        _logger = logger ?? NullLogger<MosquittoClient>.Instance;
        _endpoint = $"{options.Host}:{options.Port}";

        var sink = new CallbackSink();
        _handle = MosquittoHandle.Create(options.ClientId, options.CleanSession, sink);
        try
        {
            Configure();
        }
        catch
        {
            _handle.Dispose();
            throw;
        }

        _ = Task.Run(() => DispatchNativeEventsAsync(sink.Events, new WeakReference<MosquittoClient>(this)));
        _ = Task.Run(DispatchUserEventsAsync);
    }

    /// <summary>A message arrived on a subscription. Raised on a .NET dispatcher task; a handler's exception is logged and the client carries on.</summary>
    public event Action<MqttMessage>? MessageReceived;

    /// <summary>
    /// The broker accepted a connection (the first one, and every reconnection). Remembered
    /// subscriptions are already being renewed: do not subscribe again here (a second SUBSCRIBE
    /// makes the broker replay retained messages). May run after <see cref="WaitUntilConnectedAsync"/> has completed.
    /// </summary>
    public event Action? Connected;

    /// <summary>An accepted connection ended, with libmosquitto's reason code: 0 after <see cref="DisconnectAsync"/>, otherwise a <c>MOSQ_ERR_*</c> code (7 = connection lost, 19 = keep-alive timeout).</summary>
    public event Action<int>? Disconnected;

    /// <summary>The broker answered a connection attempt with a non-zero CONNACK code (4 or 5: credentials or authorisation); libmosquitto keeps retrying.</summary>
    public event Action<int>? ConnectRefused;

    /// <summary>The version of the libmosquitto this process loaded (loads it if needed).</summary>
    /// <exception cref="DllNotFoundException">libmosquitto is not installed.</exception>
    public static Version LibraryVersion => MosquittoLibrary.Version;

    /// <summary>Whether the broker has accepted the current connection.</summary>
    public bool IsConnected => _connected;

    /// <summary>The last CONNACK code: -1 before any, 0 accepted, 4 bad user name or password, 5 not authorised (Mosquitto 2 answers 5 for bad credentials too).</summary>
    public int LastConnectResult => Volatile.Read(ref _lastConnectResult);

    /// <summary>A CONNACK code in words, as used in this client's logs and exceptions.</summary>
    /// <param name="code">The CONNACK return code, or -1 for none.</param>
    public static string DescribeConnectResult(int code) => ConnectResult.Describe(code);

    /// <summary>
    /// Starts connecting in the background and returns at once. Until the broker is first reached
    /// the client retries with the options' delays; after that libmosquitto reconnects by itself,
    /// forever, with the same exponential back-off. Calling it again does nothing.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            return;
        }

        LogConnecting(_endpoint, _options.ClientId);
        var owner = new WeakReference<MosquittoClient>(this);
        TimeSpan delay = _options.ReconnectDelay;
        TimeSpan delayMax = _options.ReconnectDelayMax;
        _ = Task.Run(() => ConnectUntilReachedAsync(owner, delay, delayMax));
    }

    /// <summary>Completes once the broker has accepted a connection (at once if it already has).</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="ct">Stops waiting.</param>
    /// <exception cref="TimeoutException">Not connected in time; the message names host:port and the last reason (CONNACK code in words, connection refused, unknown host...).</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public async Task WaitUntilConnectedAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        Task connected;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            connected = _connectedSignal.Task;
        }

        try
        {
            await connected.WaitAsync(timeout, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(
                $"Could not connect to the MQTT broker at {_endpoint} as '{_options.ClientId}' within {timeout.TotalSeconds:0.###} s: {DescribeWhyNotConnected()}.");
        }
    }

    /// <summary>
    /// Subscribes and completes on the SUBACK with the granted QoS per filter (128 = refused by the
    /// broker, e.g. by its ACL). The subscription is remembered and renewed after every reconnection;
    /// while disconnected the SUBSCRIBE goes out as soon as the broker accepts the next connection.
    /// Cancelling stops the waiting, not the subscription.
    /// </summary>
    /// <param name="topicFilter">The topic filter; <c>+</c> and <c>#</c> wildcards allowed.</param>
    /// <param name="qos">The maximum QoS to receive with, 0 to 2.</param>
    /// <param name="ct">Stops waiting.</param>
    /// <exception cref="ArgumentException">The filter or QoS is invalid.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed (also while waiting).</exception>
    /// <exception cref="InvalidOperationException">The client was disconnected by <see cref="DisconnectAsync"/>.</exception>
    public async Task<int[]> SubscribeAsync(string topicFilter, int qos, CancellationToken ct = default)
    {
        ValidateTopicFilter(topicFilter);
        ValidateQos(qos);
        ct.ThrowIfCancellationRequested();

        var suback = new TaskCompletionSource<int[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            ThrowIfStopping();
            _subscriptions[topicFilter] = qos;
            if (!_subscribeWaiters.TryGetValue(topicFilter, out var waiters))
            {
                _subscribeWaiters[topicFilter] = waiters = [];
            }

            waiters.Add(suback);
            if (_connected)
            {
                int rc = SendSubscribeLocked(topicFilter, qos);
                if (rc != Native.Success && rc != Native.NoConnection)
                {
                    waiters.Remove(suback);
                    _subscriptions.Remove(topicFilter);
                    throw new MosquittoException(rc, $"Could not subscribe to '{topicFilter}': {Native.Describe(rc)}");
                }
            }
        }

        using (ct.Register(() => CancelSubscribeWaiter(topicFilter, suback, ct)))
        {
            return await suback.Task.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Hands a message to libmosquitto and returns. While disconnected, libmosquitto keeps a QoS 1 or 2
    /// message and sends it after reconnecting, and a QoS 0 message is dropped (logged at debug level);
    /// neither throws. <see cref="PublishAsync"/> reports when the broker has the message.
    /// </summary>
    /// <param name="topic">The topic; no wildcards.</param>
    /// <param name="payload">The message body.</param>
    /// <param name="qos">The quality of service, 0 to 2.</param>
    /// <param name="retain">Whether the broker keeps it as the topic's retained message.</param>
    /// <exception cref="ArgumentException">The topic, payload or QoS is invalid.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    /// <exception cref="MosquittoException">libmosquitto refused the message for another reason.</exception>
    public void Publish(string topic, byte[] payload, int qos, bool retain)
    {
        ValidatePublish(topic, payload, qos);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        int rc;
        if (qos == 0)
        {
            rc = Native.Publish(_handle, out _, topic, payload, qos, retain);
        }
        else
        {
            lock (_gate)
            {
                rc = Native.Publish(_handle, out int mid, topic, payload, qos, retain);
                if (IsHandedOver(rc, qos))
                {
                    _unacknowledged.Add(mid);
                }
            }
        }

        if (rc == Native.NoConnection)
        {
            if (qos == 0)
            {
                LogDroppedQos0(topic, _endpoint);
            }
            else
            {
                LogQueuedOffline(qos, topic, _endpoint);
            }

            return;
        }

        ThrowIfFailed(rc, $"Could not publish to '{topic}'");
    }

    /// <summary>Hands a UTF-8 message to libmosquitto and returns; see <see cref="Publish(string, byte[], int, bool)"/>.</summary>
    /// <param name="topic">The topic; no wildcards.</param>
    /// <param name="payload">The message body, sent as UTF-8.</param>
    /// <param name="qos">The quality of service, 0 to 2.</param>
    /// <param name="retain">Whether the broker keeps it as the topic's retained message.</param>
    public void Publish(string topic, string payload, int qos, bool retain)
    {
        ArgumentNullException.ThrowIfNull(payload);
        Publish(topic, Encoding.UTF8.GetBytes(payload), qos, retain);
    }

    /// <summary>
    /// Publishes, waiting for the connection first if there is none. QoS 0 completes when the
    /// message is handed to libmosquitto, QoS 1 on the PUBACK, QoS 2 on the PUBCOMP; libmosquitto
    /// resends an unacknowledged QoS 1 or 2 message after a reconnection. Cancelling while waiting
    /// for the connection means the message is never sent; once handed over it may still be delivered.
    /// </summary>
    /// <param name="topic">The topic; no wildcards.</param>
    /// <param name="payload">The message body.</param>
    /// <param name="qos">The quality of service, 0 to 2.</param>
    /// <param name="retain">Whether the broker keeps it as the topic's retained message.</param>
    /// <param name="ct">Stops waiting.</param>
    /// <exception cref="ArgumentException">The topic, payload or QoS is invalid.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed (also while waiting).</exception>
    /// <exception cref="InvalidOperationException">The client was disconnected by <see cref="DisconnectAsync"/>.</exception>
    public async Task PublishAsync(string topic, byte[] payload, int qos, bool retain, CancellationToken ct = default)
    {
        ValidatePublish(topic, payload, qos);
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var attempt = TryPublishNow(topic, payload, qos, retain);
            if (attempt.Acknowledged is { } ack)
            {
                int mid = attempt.Mid;
                using (ct.Register(() => CancelPublishWaiter(mid, ack, ct)))
                {
                    await ack.Task.ConfigureAwait(false);
                }

                return;
            }

            if (attempt.Handed)
            {
                return;
            }

            if (attempt.Connected.IsCompleted)
            {
                // libmosquitto lost the connection before the dispatcher heard of it.
                await Task.Delay(StaleStateDelay, ct).ConfigureAwait(false);
            }
            else
            {
                await attempt.Connected.WaitAsync(ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Disconnects cleanly (the broker discards the Last Will) and stops reconnecting; completes
    /// when the DISCONNECT has been sent, or at once when not connected. It first waits (up to 2 s)
    /// for outstanding SUBACKs and PUBACKs and, with a clean session, unsubscribes from everything,
    /// because libmosquitto 2.0 drops the socket without a DISCONNECT (so the broker publishes the
    /// will) when any packet arrives after the disconnect was requested. A persistent session
    /// (<see cref="MqttClientOptions.CleanSession"/> false) keeps its subscriptions, so a message
    /// arriving at that moment can still cost the clean disconnect. The client stays disconnected; dispose it.
    /// </summary>
    public async Task DisconnectAsync()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        lock (_lifecycle)
        {
            _stopping = true;
        }

        Task quiet;
        try
        {
            quiet = BeginQuiesce();
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        try
        {
            await quiet.WaitAsync(QuiesceTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogQuiesceSlow(_endpoint);
        }

        Task? closed;
        lock (_lifecycle)
        {
            lock (_gate)
            {
                closed = _connected ? (_disconnectWaiter ??= NewSignal()).Task : null;
            }

            try
            {
                Native.Disconnect(_handle);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
        }

        if (closed is null)
        {
            return;
        }

        try
        {
            await closed.WaitAsync(DisconnectTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogDisconnectSlow(_endpoint);
        }
    }

    /// <summary>
    /// Sends a DISCONNECT (blocks up to about 2 s while the broker's traffic stops), stops
    /// libmosquitto's thread, destroys the native client and fails pending tasks with
    /// <see cref="ObjectDisposedException"/>. No event is raised once it has begun. Idempotent; safe
    /// from any thread, including from inside this client's event handlers. It does not wait for the
    /// DISCONNECT to leave: on a busy machine libmosquitto's thread can stop first and the broker then
    /// publishes the Last Will. For a goodbye without the will, await <see cref="DisconnectAsync"/>
    /// first (as <see cref="DisposeAsync"/> does).
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stopping = true;
        Task quiet = BeginQuiesce();
        if (!quiet.IsCompleted && !quiet.Wait(QuiesceTimeout))
        {
            LogQuiesceSlow(_endpoint);
        }

        _handle.Dispose();
        _released = true;
        _connected = false;

        List<TaskCompletionSource<int[]>> subscribes = [];
        List<TaskCompletionSource> publishes;
        TaskCompletionSource connected;
        TaskCompletionSource? disconnect;
        lock (_gate)
        {
            foreach (var waiters in _subscribeWaiters.Values)
            {
                subscribes.AddRange(waiters);
            }

            publishes = [.. _publishWaiters.Values];
            _subscribeWaiters.Clear();
            _subscribeMids.Clear();
            _publishWaiters.Clear();
            connected = _connectedSignal;
            disconnect = _disconnectWaiter;
            _disconnectWaiter = null;
            _quiet?.TrySetResult();
            _quiet = null;
        }

        var disposed = new ObjectDisposedException(nameof(MosquittoClient), $"The MQTT client for {_endpoint} was disposed.");
        subscribes.ForEach(waiter => waiter.TrySetException(disposed));
        publishes.ForEach(waiter => waiter.TrySetException(disposed));
        if (connected.TrySetException(disposed))
        {
            _ = connected.Task.Exception;
        }

        disconnect?.TrySetResult();
        _userEvents.Writer.TryComplete();
        LogDisposed(_endpoint);
    }

    /// <summary>Disconnects cleanly without blocking a thread (<see cref="DisconnectAsync"/>), then disposes.</summary>
    public async ValueTask DisposeAsync()
    {
        await DisconnectAsync().ConfigureAwait(false);
        Dispose();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static async Task ConnectUntilReachedAsync(WeakReference<MosquittoClient> owner, TimeSpan delay, TimeSpan delayMax)
    {
        for (int attempt = 0; ; attempt++)
        {
            TimeSpan retryIn = ReconnectBackoff.Delay(attempt, delay, delayMax);
            if (!TryConnect(owner, attempt, retryIn))
            {
                return;
            }

            await Task.Delay(retryIn).ConfigureAwait(false);
        }
    }

    // Separate, non-async methods so no state machine holds a strong reference to the client.
    private static bool TryConnect(WeakReference<MosquittoClient> owner, int attempt, TimeSpan retryIn) =>
        owner.TryGetTarget(out var client) && client.ConnectOnce(attempt, retryIn);

    private static async Task DispatchNativeEventsAsync(ChannelReader<NativeEvent> events, WeakReference<MosquittoClient> owner)
    {
        while (await events.WaitToReadAsync().ConfigureAwait(false))
        {
            while (events.TryRead(out var e))
            {
                try
                {
                    if (!Deliver(owner, e))
                    {
                        return;
                    }
                }
                catch (Exception)
                {
                    // Only a throwing logger gets here; the acknowledgements must keep flowing.
                }
            }
        }
    }

    private static bool Deliver(WeakReference<MosquittoClient> owner, NativeEvent e)
    {
        if (!owner.TryGetTarget(out var client))
        {
            return false;
        }

        client.OnNativeEvent(e);
        return true;
    }

    private static void ValidateOptions(MqttClientOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Host))
        {
            throw new ArgumentException("The MQTT broker host is empty.", nameof(options));
        }

        if (options.Port is < 1 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Port, $"The MQTT broker port must be 1 to 65535, not {options.Port}.");
        }

        if (string.IsNullOrEmpty(options.ClientId) || options.ClientId.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("The MQTT client id must be a non-empty string without NUL characters.", nameof(options));
        }

        if (options.KeepAliveSeconds != 0 && options.KeepAliveSeconds is < 5 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.KeepAliveSeconds,
                $"KeepAliveSeconds must be 0 (off) or 5 to 65535, not {options.KeepAliveSeconds}; libmosquitto refuses shorter keep-alives.");
        }

        if (options.Password is not null && options.Username is null)
        {
            throw new ArgumentException("A password needs a user name: MQTT sends no password without one.", nameof(options));
        }

        if (options.ReconnectDelay <= TimeSpan.Zero || options.ReconnectDelayMax < options.ReconnectDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.ReconnectDelay,
                $"ReconnectDelay must be positive and no longer than ReconnectDelayMax ({options.ReconnectDelayMax}).");
        }

        if (options.Will is { } will)
        {
            ArgumentNullException.ThrowIfNull(will.Payload, nameof(options.Will));
            ValidateQos(will.Qos);
        }
    }

    private static void ValidateQos(int qos)
    {
        if (qos is < 0 or > 2)
        {
            throw new ArgumentOutOfRangeException(nameof(qos), qos, "The MQTT QoS must be 0, 1 or 2.");
        }
    }

    private static void ValidateTopic(string topic, string parameter)
    {
        ArgumentNullException.ThrowIfNull(topic, parameter);
        if (topic.Contains('\0', StringComparison.Ordinal) || Native.PublishTopicCheck(topic) != Native.Success)
        {
            throw new ArgumentException($"'{topic}' is not a valid MQTT topic to publish on (empty, wildcards, or bad UTF-8).", parameter);
        }
    }

    private static void ValidateTopicFilter(string topicFilter)
    {
        ArgumentNullException.ThrowIfNull(topicFilter);
        if (topicFilter.Contains('\0', StringComparison.Ordinal) || Native.SubscribeTopicCheck(topicFilter) != Native.Success)
        {
            throw new ArgumentException($"'{topicFilter}' is not a valid MQTT topic filter.", nameof(topicFilter));
        }
    }

    private static void ValidatePublish(string topic, byte[] payload, int qos)
    {
        ValidateTopic(topic, nameof(topic));
        ArgumentNullException.ThrowIfNull(payload);
        ValidateQos(qos);
    }

    private static void ThrowIfFailed(int rc, string what)
    {
        if (rc != Native.Success)
        {
            throw new MosquittoException(rc, $"{what}: {Native.Describe(rc)}");
        }
    }

    private void Configure()
    {
        if (_options.Username is not null)
        {
            ThrowIfFailed(Native.UsernamePasswordSet(_handle, _options.Username, _options.Password), "Could not set the MQTT user name and password");
        }

        if (_options.Will is { } will)
        {
            ThrowIfFailed(Native.WillSet(_handle, will.Topic, will.Payload, will.Qos, will.Retain), $"Could not set the Last Will on '{will.Topic}'");
        }

        ThrowIfFailed(
            Native.ReconnectDelaySet(
                _handle,
                ReconnectBackoff.WholeSeconds(_options.ReconnectDelay),
                ReconnectBackoff.WholeSeconds(_options.ReconnectDelayMax),
                exponential: true),
            "Could not set the reconnect delay");
    }

    private bool ConnectOnce(int attempt, TimeSpan retryIn)
    {
        lock (_lifecycle)
        {
            if (_stopping)
            {
                return false;
            }

            try
            {
                int rc = Native.ConnectAsync(_handle, _options.Host, _options.Port, _options.KeepAliveSeconds);
                int errno = Marshal.GetLastPInvokeError();
                if (rc == Native.Success)
                {
                    rc = Native.LoopStart(_handle);
                    if (rc == Native.Success)
                    {
                        _handle.MarkLoopStarted();
                    }
                    else
                    {
                        _lastFailure = $"libmosquitto could not start its network thread: {Native.Describe(rc)}";
                        LogLoopStartFailed(_endpoint, Native.Describe(rc));
                    }

                    return false;
                }

                string reason = DescribeConnectFailure(rc, errno);
                _lastFailure = reason;
                if (attempt == 0)
                {
                    LogUnreachable(_endpoint, reason, retryIn);
                }
                else
                {
                    LogStillUnreachable(_endpoint, reason, retryIn);
                }

                return true;
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }
    }

    private string DescribeConnectFailure(int rc, int errno) => rc switch
    {
        Native.LookupFailed => $"the host name '{_options.Host}' could not be resolved",
        Native.Errno => Marshal.GetPInvokeErrorMessage(errno).ToLowerInvariant(),
        _ => Native.Describe(rc),
    };

    private string DescribeWhyNotConnected()
    {
        if (Volatile.Read(ref _started) == 0)
        {
            return "Start() has not been called";
        }

        int code = LastConnectResult;
        if (code > 0)
        {
            return $"the broker refused the connection: {ConnectResult.Describe(code)} (CONNACK {code})";
        }

        return _lastFailure ?? ConnectResult.Describe(ConnectResult.None);
    }

    private void OnNativeEvent(NativeEvent e)
    {
        if (_released)
        {
            return;
        }

        try
        {
            switch (e)
            {
                case ConnackEvent connack:
                    OnConnack(connack);
                    break;
                case ConnectionClosedEvent closed:
                    OnConnectionClosed(closed);
                    break;
                case MessageEvent:
                    _userEvents.Writer.TryWrite(e);
                    break;
                case SubackEvent suback:
                    OnSuback(suback);
                    break;
                case UnsubackEvent unsuback:
                    OnUnsuback(unsuback.Mid);
                    break;
                case PublishedEvent published:
                    OnPublished(published.Mid);
                    break;
            }
        }
        catch (ObjectDisposedException)
        {
            // Disposed while renewing subscriptions: nothing left to do.
        }
        catch (Exception ex)
        {
            LogInternalError(ex, e.GetType().Name);
        }
    }

    private void OnConnack(ConnackEvent connack)
    {
        int code = connack.Result;
        if (code != ConnectResult.Accepted)
        {
            int previous = Interlocked.Exchange(ref _lastConnectResult, code);
            _lastFailure = $"the broker refused the connection: {ConnectResult.Describe(code)} (CONNACK {code})";
            if (previous != code)
            {
                LogRefused(_endpoint, _options.ClientId, ConnectResult.Describe(code), code);
            }
            else
            {
                LogRefusedAgain(_endpoint, code);
            }

            _userEvents.Writer.TryWrite(connack);
            return;
        }

        TaskCompletionSource signal;
        bool reconnected;
        int renewed;
        lock (_gate)
        {
            Volatile.Write(ref _lastConnectResult, code);
            _connected = true;
            _lastFailure = null;
            reconnected = _everConnected;
            _everConnected = true;
            renewed = _subscriptions.Count;
            foreach (var (filter, qos) in _subscriptions)
            {
                SendSubscribeLocked(filter, qos);
            }

            signal = _connectedSignal;
        }

        signal.TrySetResult();
        if (reconnected)
        {
            LogReconnected(_endpoint, renewed);
        }
        else
        {
            LogConnected(_endpoint, _options.ClientId);
        }

        _userEvents.Writer.TryWrite(connack);
    }

    private void OnConnectionClosed(ConnectionClosedEvent closed)
    {
        bool wasConnected;
        TaskCompletionSource? waiter;
        lock (_gate)
        {
            wasConnected = _connected;
            _connected = false;
            _subscribeMids.Clear();
            _unsubscribeMids.Clear();
            _quiet?.TrySetResult();
            _quiet = null;
            if (_connectedSignal.Task.IsCompleted)
            {
                _connectedSignal = NewSignal();
            }

            waiter = _disconnectWaiter;
            _disconnectWaiter = null;
        }

        waiter?.TrySetResult();
        if (!wasConnected)
        {
            // A refused CONNACK, or a connection attempt that failed in libmosquitto's thread.
            if (LastConnectResult <= 0 && closed.Reason != Native.Success)
            {
                _lastFailure = $"the connection attempt failed: {Native.Describe(closed.Reason)}";
                LogAttemptFailed(_endpoint, Native.Describe(closed.Reason));
            }

            return;
        }

        if (closed.Reason == Native.Success || _stopping)
        {
            LogDisconnected(_endpoint);
        }
        else
        {
            string reason = Native.Describe(closed.Reason);
            _lastFailure = $"the connection was lost: {reason}";
            LogConnectionLost(_endpoint, reason, closed.Reason, _options.ReconnectDelay, _options.ReconnectDelayMax);
        }

        _userEvents.Writer.TryWrite(closed);
    }

    private void OnSuback(SubackEvent suback)
    {
        string? filter;
        List<TaskCompletionSource<int[]>>? waiters = null;
        lock (_gate)
        {
            if (!_subscribeMids.Remove(suback.Mid, out filter))
            {
                return;
            }

            CompleteQuietLocked();
            _subscribeWaiters.Remove(filter, out waiters);
            if (suback.GrantedQos.Length > 0 && Array.TrueForAll(suback.GrantedQos, granted => granted >= 0x80))
            {
                _subscriptions.Remove(filter);
            }
        }

        if (Array.Exists(suback.GrantedQos, granted => granted >= 0x80))
        {
            LogSubscriptionRefused(_endpoint, filter);
        }
        else
        {
            LogSubscribed(filter, string.Join(",", suback.GrantedQos));
        }

        waiters?.ForEach(waiter => waiter.TrySetResult((int[])suback.GrantedQos.Clone()));
    }

    private void OnPublished(int mid)
    {
        TaskCompletionSource? waiter;
        lock (_gate)
        {
            _publishWaiters.Remove(mid, out waiter);
            _unacknowledged.Remove(mid);
            CompleteQuietLocked();
        }

        waiter?.TrySetResult();
    }

    private void OnUnsuback(int mid)
    {
        lock (_gate)
        {
            _unsubscribeMids.Remove(mid);
            CompleteQuietLocked();
        }
    }

    /// <summary>
    /// Stops the broker's traffic before a DISCONNECT: once mosquitto_disconnect() has run, libmosquitto
    /// 2.0 takes any arriving PUBLISH, PUBACK, SUBACK... as a protocol error and drops the socket
    /// without sending the DISCONNECT, and the broker then publishes the Last Will. So let outstanding
    /// acknowledgements arrive first and, with a clean session (which the broker forgets anyway),
    /// unsubscribe from everything. A persistent session keeps its subscriptions, so the broker
    /// queues messages while the client is away.
    /// </summary>
    private Task BeginQuiesce()
    {
        lock (_gate)
        {
            if (!_connected)
            {
                return Task.CompletedTask;
            }

            if (_options.CleanSession)
            {
                foreach (string filter in _subscriptions.Keys)
                {
                    if (Native.Unsubscribe(_handle, out int mid, filter) == Native.Success)
                    {
                        _unsubscribeMids.Add(mid);
                    }
                }

                _subscriptions.Clear();
            }
            if (IsQuietLocked())
            {
                return Task.CompletedTask;
            }

            _quiet ??= NewSignal();
            return _quiet.Task;
        }
    }

    private bool IsQuietLocked() => _subscribeMids.Count == 0 && _unsubscribeMids.Count == 0 && _unacknowledged.Count == 0;

    private void CompleteQuietLocked()
    {
        if (_quiet is not null && IsQuietLocked())
        {
            _quiet.TrySetResult();
            _quiet = null;
        }
    }

    private void ThrowIfStopping()
    {
        if (_stopping)
        {
            throw new InvalidOperationException($"The MQTT client for {_endpoint} was disconnected by DisconnectAsync; dispose it.");
        }
    }

    private int SendSubscribeLocked(string topicFilter, int qos)
    {
        int rc = Native.Subscribe(_handle, out int mid, topicFilter, qos);
        if (rc == Native.Success)
        {
            _subscribeMids[mid] = topicFilter;
        }

        return rc;
    }

    private PublishAttempt TryPublishNow(string topic, byte[] payload, int qos, bool retain)
    {
        // The lock spans the native call and the bookkeeping, so a PUBACK the dispatcher sees
        // before this method returns still finds its waiter.
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            ThrowIfStopping();

            if (_connected)
            {
                int rc = Native.Publish(_handle, out int mid, topic, payload, qos, retain);
                if (IsHandedOver(rc, qos))
                {
                    if (qos == 0)
                    {
                        return new PublishAttempt(true, null, 0, Task.CompletedTask);
                    }

                    var ack = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    _publishWaiters[mid] = ack;
                    _unacknowledged.Add(mid);
                    return new PublishAttempt(true, ack, mid, Task.CompletedTask);
                }

                if (rc != Native.NoConnection)
                {
                    ThrowIfFailed(rc, $"Could not publish to '{topic}'");
                }
            }

            return new PublishAttempt(false, null, 0, _connectedSignal.Task);
        }
    }

    // libmosquitto 2.0.11 answers MOSQ_ERR_NO_CONN to a QoS 1 or 2 publish while disconnected,
    // yet keeps the message and sends it after reconnecting; only QoS 0 is really dropped.
    private static bool IsHandedOver(int rc, int qos) => rc == Native.Success || (rc == Native.NoConnection && qos > 0);

    private void CancelSubscribeWaiter(string topicFilter, TaskCompletionSource<int[]> waiter, CancellationToken ct)
    {
        lock (_gate)
        {
            if (_subscribeWaiters.TryGetValue(topicFilter, out var waiters))
            {
                waiters.Remove(waiter);
            }
        }

        waiter.TrySetCanceled(ct);
    }

    private void CancelPublishWaiter(int mid, TaskCompletionSource waiter, CancellationToken ct)
    {
        lock (_gate)
        {
            if (_publishWaiters.TryGetValue(mid, out var current) && current == waiter)
            {
                _publishWaiters.Remove(mid);
            }
        }

        waiter.TrySetCanceled(ct);
    }

    private async Task DispatchUserEventsAsync()
    {
        var events = _userEvents.Reader;
        while (await events.WaitToReadAsync().ConfigureAwait(false))
        {
            while (events.TryRead(out var e))
            {
                if (Volatile.Read(ref _disposed) != 0)
                {
                    return;
                }

                try
                {
                    Raise(e);
                }
                catch (Exception)
                {
                    // Only a throwing logger gets here; later events must still be raised.
                }
            }
        }
    }

    private void Raise(NativeEvent e)
    {
        switch (e)
        {
            case MessageEvent message:
                RaiseEach(MessageReceived, message.Message, nameof(MessageReceived));
                break;
            case ConnackEvent { Result: ConnectResult.Accepted }:
                if (Connected is { } connected)
                {
                    foreach (var handler in connected.GetInvocationList())
                    {
                        try
                        {
                            ((Action)handler)();
                        }
                        catch (Exception ex)
                        {
                            LogHandlerFailed(ex, nameof(Connected));
                        }
                    }
                }

                break;
            case ConnackEvent refused:
                RaiseEach(ConnectRefused, refused.Result, nameof(ConnectRefused));
                break;
            case ConnectionClosedEvent closed:
                RaiseEach(Disconnected, closed.Reason, nameof(Disconnected));
                break;
        }
    }

    private void RaiseEach<T>(Action<T>? handlers, T argument, string eventName)
    {
        if (handlers is null)
        {
            return;
        }

        foreach (var handler in handlers.GetInvocationList())
        {
            try
            {
                ((Action<T>)handler)(argument);
            }
            catch (Exception ex)
            {
                LogHandlerFailed(ex, eventName);
            }
        }
    }

    private readonly record struct PublishAttempt(bool Handed, TaskCompletionSource? Acknowledged, int Mid, Task Connected);
}
