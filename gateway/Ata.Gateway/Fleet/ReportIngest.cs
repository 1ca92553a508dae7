using System.Threading.Channels;
using Ata.Core.Contract;
using Ata.Gateway.Calls;
using Ata.Gateway.Broker;
using Ata.Gateway.Store;
using System.Data.Common;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Fleet;

/// <summary>
/// A message an adapter published, as the gateway's session received it and before the broker is
/// told it arrived.
/// </summary>
/// <param name="Topic">The topic it came on.</param>
/// <param name="Payload">Its body.</param>
/// <param name="Qos">Its quality of service: 0 needs no acknowledgement, 1 is acknowledged once recorded.</param>
/// <param name="Acknowledge">Sends the broker its PUBACK (nothing for QoS 0, or when the session it came on is gone).</param>
public sealed record ReceivedReport(string Topic, byte[] Payload, int Qos, Func<CancellationToken, Task> Acknowledge);

/// <summary>
/// Records what adapters report and only then acknowledges it: reports are written in batches (one
/// SQLite transaction per batch of up to <see cref="IngestOptions.MaxBatch"/> reports or
/// <see cref="IngestOptions.BatchWindowMilliseconds"/>, whichever comes first), and each QoS 1
/// report's PUBACK goes to the broker after its batch is committed, in the order received. A
/// report that was never acknowledged stays with the broker (the gateway's session is persistent)
/// and comes again after a crash or reconnection. While the database cannot be written, nothing
/// is acknowledged and the batch is retried until it can.
/// </summary>
public sealed partial class ReportIngest : IAsyncDisposable
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxRetry = TimeSpan.FromSeconds(5);

    /// <summary>How often a batch that lost a race with another instance's writes is run again at once.</summary>
    private const int MaxConflictRetries = 10;

    private readonly AdapterStore _store;
    private readonly IBroker _broker;
    private readonly FleetMetrics _metrics;
    private readonly CallBook _calls;
    private readonly IngestOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ReportIngest> _logger;
    private readonly Channel<Reading> _queue = Channel.CreateUnbounded<Reading>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _stopping = new();
    private Task _writing = Task.CompletedTask;
    private volatile string? _storeProblem;
    private long _unacknowledged;
    private int _disposed;

    /// <summary>Creates the ingest; it writes once <see cref="Start"/> is called.</summary>
    /// <param name="store">Where reports are recorded.</param>
    /// <param name="broker">Told to reload credentials when a recorded config ack completes a secret rotation.</param>
    /// <param name="metrics">Report counters.</param>
    /// <param name="options">Batch sizes.</param>
    /// <param name="time">The clock for retry delays.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="calls">Records finished calls (<c>call</c>).</param>
    public ReportIngest(AdapterStore store, IBroker broker, FleetMetrics metrics, IOptions<IngestOptions> options, TimeProvider time, ILogger<ReportIngest> logger, CallBook calls)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _broker = broker;
        _metrics = metrics;
        _calls = calls;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>Null while reports are being recorded; otherwise why the database cannot be written now.</summary>
    public string? StoreProblem => _storeProblem;

    /// <summary>Reports received and not yet recorded (and, for QoS 1, not yet acknowledged).</summary>
    public long Unacknowledged => Interlocked.Read(ref _unacknowledged);

    /// <summary>Starts writing.</summary>
    public void Start() => _writing = Task.Run(WriteAllAsync);

    /// <summary>
    /// Takes a report to record. A QoS 0 report (health) is dropped and counted when more than
    /// <see cref="IngestOptions.MaxBacklog"/> reports wait already; a QoS 1 report is always taken
    /// (the broker sends no more than the session's receive maximum unacknowledged).
    /// </summary>
    /// <param name="report">The report.</param>
    public void Accept(ReceivedReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.Qos == 0 && Unacknowledged >= _options.MaxBacklog)
        {
            _metrics.CountDropped(MqttTopics.TryParse(report.Topic, out _, out var leaf) ? leaf : report.Topic, FleetMetrics.Backlog);
            return;
        }

        Interlocked.Increment(ref _unacknowledged);
        if (!_queue.Writer.TryWrite(Read(report, _time.GetUtcNow())))
        {
            Interlocked.Decrement(ref _unacknowledged);
        }
    }

    /// <summary>
    /// Stops taking reports and records (and acknowledges) those already taken, unless the
    /// database cannot be written or <paramref name="cancellationToken"/> fires first: those are
    /// left unacknowledged, for the broker to deliver again.
    /// </summary>
    /// <param name="cancellationToken">Gives up waiting.</param>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        using var giveUp = cancellationToken.Register(_stopping.Cancel);
        try
        {
            await _writing.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Stops without waiting.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _queue.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _writing.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stopping.Dispose();
    }

    private async Task WriteAllAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<Reading>(_options.MaxBatch);
        var window = TimeSpan.FromMilliseconds(_options.BatchWindowMilliseconds);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            var opened = _time.GetTimestamp();
            while (batch.Count < _options.MaxBatch)
            {
                if (reader.TryRead(out var report))
                {
                    batch.Add(report);
                    continue;
                }

                var left = window - _time.GetElapsedTime(opened);
                if (left <= TimeSpan.Zero || !await MoreWithinAsync(reader, left).ConfigureAwait(false))
                {
                    break;
                }
            }

            if (!await WriteAsync(batch).ConfigureAwait(false))
            {
                return;
            }

            Interlocked.Add(ref _unacknowledged, -batch.Count);
            batch.Clear();
        }
    }

    private async Task<bool> MoreWithinAsync(ChannelReader<Reading> reader, TimeSpan left)
    {
        using var timeout = new CancellationTokenSource(left, _time);
        try
        {
            return await reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Records a batch, retrying while the database cannot be written, then acknowledges it.</summary>
    /// <returns>False when stopping gave up on it (nothing acknowledged).</returns>
    private async Task<bool> WriteAsync(List<Reading> batch)
    {
        var retry = FirstRetry;
        var conflicts = 0;
        while (true)
        {
            List<Recorded> recorded;
            try
            {
                recorded = Commit(batch);
            }
            catch (DbException exception) when (StoreDatabase.IsConflict(exception) && conflicts < MaxConflictRetries)
            {
                // Another gateway instance wrote the same rows at the same moment and the database
                // undid this transaction: nothing of it was kept, so run it again.
                conflicts++;
                LogConflict(exception.Message, batch.Count, conflicts);
                continue;
            }
            catch (Exception exception) when (IsStoreUnwritable(exception))
            {
                StoreFailed(exception, batch.Count);
                try
                {
                    await Task.Delay(retry, _time, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return false;
                }

                retry = retry * 2 > MaxRetry ? MaxRetry : retry * 2;
                continue;
            }
            catch (Exception exception) when (batch.Count > 1)
            {
                // Not the database being unwritable: one report the store cannot take. Record the
                // others alone, so only that one is lost (and counted).
                LogBatchFailed(exception, batch.Count);
                foreach (var report in batch)
                {
                    if (!await WriteAsync([report]).ConfigureAwait(false))
                    {
                        return false;
                    }
                }

                return true;
            }
            catch (Exception exception)
            {
                LogRecordFailed(exception, batch[0].DeviceId, batch[0].Leaf);
                recorded = [new Recorded(batch[0], Outcome.Failed, null)];
            }

            StoreRecovered();
            await FinishAsync(recorded).ConfigureAwait(false);
            return true;
        }
    }

    private List<Recorded> Commit(List<Reading> batch)
    {
        var recorded = new List<Recorded>(batch.Count);
        using var transaction = _store.BeginReports();
        foreach (var report in batch)
        {
            recorded.Add(Record(transaction, report));
        }

        transaction.Commit();
        return recorded;
    }

    private async Task FinishAsync(List<Recorded> recorded)
    {
        List<string>? rotated = null;
        foreach (var ((report, deviceId, leaf, _, _), outcome, followUp) in recorded)
        {
            switch (outcome)
            {
                case Outcome.Recorded:
                    _metrics.CountRecorded(leaf);
                    break;
                case Outcome.UnknownDevice:
                    _metrics.CountDropped(leaf, FleetMetrics.UnknownDevice);
                    LogUnknownDevice(deviceId, leaf);
                    break;
                case Outcome.Malformed:
                    _metrics.CountDropped(leaf, FleetMetrics.Malformed);
                    LogMalformed(deviceId, leaf, report.Payload.Length);
                    break;
                case Outcome.Failed:
                    _metrics.CountDropped(leaf, FleetMetrics.RecordFailed);
                    break;
                case Outcome.Repeated:
                    _metrics.CountDropped(leaf, FleetMetrics.Repeated);
                    LogRepeated(deviceId);
                    break;
            }

            switch (followUp)
            {
                case ConfigAck ack:
                    LogSecretRotated(deviceId, ack.Version);
                    (rotated ??= []).Add(deviceId);
                    break;
                case (ServiceReport service, string serviceOutcome):
                    _metrics.CountServiceRequest(service.Action);
                    LogServiceRequest(deviceId, service.Line ?? 0, service.ServiceCode, service.Action, serviceOutcome);
                    break;
                case ReportedCall call:
                    _calls.Metrics.Observe(call.Quality);
                    break;
                case long droppedByAdapter:
                    _metrics.CountDroppedByAdapter(droppedByAdapter);
                    LogDroppedByAdapter(deviceId, droppedByAdapter);
                    break;
            }
        }

        if (rotated is not null)
        {
            _ = _broker.ApplyDeviceLoginsAsync(rotated, recorded: false, _stopping.Token);
        }

        foreach (var entry in recorded)
        {
            try
            {
                await entry.Reading.Report.Acknowledge(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !_stopping.IsCancellationRequested)
            {
                // The session that delivered it is gone; the broker delivers it again on the next one.
                LogAcknowledgeFailed(exception.Message);
                break;
            }
        }
    }

    /// <summary>
    /// Reads a report's topic and payload (outside the writer, on the session's receiving thread):
    /// its content is the contract's record for the leaf, <see cref="Malformed"/> when the payload is
    /// not what the contract says, or null for a leaf the gateway does not record.
    /// </summary>
    private static Reading Read(ReceivedReport report, DateTimeOffset receivedAt)
    {
        if (!MqttTopics.TryParse(report.Topic, out var deviceId, out var leaf))
        {
            return new Reading(report, report.Topic, report.Topic, null, receivedAt);
        }

        var payload = report.Payload;
        object? content = leaf switch
        {
            MqttTopics.Status => DeviceReports.ReadStatus(payload) is { } online ? online : Malformed,
            MqttTopics.Hello => DeviceReports.TryReadHello(payload, out var hello) ? hello : Malformed,
            MqttTopics.Health => DeviceReports.TryReadHealth(payload, out var health) ? health : Malformed,
            MqttTopics.Fault => DeviceReports.TryReadFaultTopic(payload, out var fault) ? fault : Malformed,
            MqttTopics.ConfigAck => DeviceReports.TryReadConfigAck(payload, out var ack) ? ack : Malformed,
            MqttTopics.Service => DeviceReports.TryReadService(payload, out var service) ? service : Malformed,
            MqttTopics.Call => ReportedCall.TryRead(payload, out var call) ? call : Malformed,
            MqttTopics.CommandResult => Commands.CommandResult.TryRead(payload, out var result) ? result : Malformed,
            _ => null,
        };
        return new Reading(report, deviceId, leaf, content, receivedAt);
    }

    private Recorded Record(ReportBatch store, Reading reading)
    {
        var deviceId = reading.DeviceId;
        object? followUp = null;
        bool known;
        switch (reading.Content)
        {
            case bool online:
                known = store.RecordStatus(deviceId, online);
                break;
            case HelloReport hello:
                known = store.RecordHello(deviceId, hello);
                break;
            case HealthReport health:
                known = store.RecordHealth(deviceId, health);
                break;
            case ReportedFault fault:
                return Of(reading, store.RecordFault(deviceId, fault, reading.ReceivedAt), null);
            case FaultSnapshot snapshot:
                var taken = store.RecordFaultSnapshot(deviceId, snapshot, reading.ReceivedAt, out var droppedByAdapter);
                return Of(reading, taken, droppedByAdapter > 0 ? droppedByAdapter : null);
            case ConfigAck ack:
                known = store.RecordConfigAck(deviceId, ack, out var rotated);
                followUp = rotated ? ack : null;
                break;
            case ServiceReport service:
                var outcome = ServiceRequests.OutcomeOf(service.Action);
                known = store.RecordServiceRequest(deviceId, service, outcome);
                followUp = known ? (service, outcome) : null;
                break;
            case ReportedCall call:
                return Of(reading, _calls.Record(store.Connection, deviceId, call, reading.ReceivedAt, _time.GetUtcNow()), call);
            case Commands.CommandResult result:
                known = store.RecordCommandResult(deviceId, result);
                break;
            case MalformedPayload:
                return new Recorded(reading, Outcome.Malformed, null);
            default:
                return new Recorded(reading, Outcome.Ignored, null);
        }

        return new Recorded(reading, known ? Outcome.Recorded : Outcome.UnknownDevice, followUp);
    }

    private static Recorded Of(Reading reading, FaultReportOutcome outcome, object? followUp) => outcome switch
    {
        FaultReportOutcome.Recorded => new Recorded(reading, Outcome.Recorded, followUp),
        FaultReportOutcome.Repeated => new Recorded(reading, Outcome.Repeated, null),
        _ => new Recorded(reading, Outcome.UnknownDevice, null),
    };

    /// <summary>
    /// Whether an exception means the database cannot be written now (disk full, read-only, I/O
    /// error, locked), as opposed to one report the store cannot take.
    /// </summary>
    /// <param name="exception">What recording a batch threw.</param>
    public static bool IsStoreUnwritable(Exception exception) => exception switch
    {
        DbException database => StoreDatabase.IsUnwritable(database),
        IOException or UnauthorizedAccessException => true,
        _ => false,
    };

    private void StoreFailed(Exception exception, int waiting)
    {
        var problem = $"the database cannot be written: {exception.Message}";
        if (_storeProblem is null)
        {
            LogStoreUnwritable(exception.Message, waiting);
        }

        _storeProblem = problem;
    }

    private void StoreRecovered()
    {
        if (_storeProblem is not null)
        {
            _storeProblem = null;
            LogStoreWritable();
        }
    }

    private static readonly MalformedPayload Malformed = new();

    private enum Outcome
    {
        Ignored,
        Recorded,
        UnknownDevice,
        Malformed,
        Failed,
        Repeated,
    }

    /// <summary>A report with its topic and payload read: the adapter, the leaf, what the payload says, and when the session received it.</summary>
    private sealed record Reading(ReceivedReport Report, string DeviceId, string Leaf, object? Content, DateTimeOffset ReceivedAt);

    /// <summary>The content of a payload that is not what the contract says for its leaf.</summary>
    private sealed class MalformedPayload;

    private readonly record struct Recorded(Reading Reading, Outcome Outcome, object? FollowUp);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dropped {Leaf} from unknown adapter {DeviceId}")]
    private partial void LogUnknownDevice(string deviceId, string leaf);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped malformed {Leaf} from {DeviceId} ({Length} bytes)")]
    private partial void LogMalformed(string deviceId, string leaf, int length);

    [LoggerMessage(Level = LogLevel.Information, Message = "Adapter {DeviceId} applied config v{Version} with its new broker credential; the old one no longer works")]
    private partial void LogSecretRotated(string deviceId, int version);

    [LoggerMessage(Level = LogLevel.Debug, Message = "A fault report from {DeviceId} came again (resent after a lost acknowledgement) and was taken once")]
    private partial void LogRepeated(string deviceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Adapter {DeviceId} dropped {Count} reports while the gateway was unreachable (its queue was full); its snapshot says which faults are open")]
    private partial void LogDroppedByAdapter(string deviceId, long count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Adapter {DeviceId} line {Line}: {ServiceCode} dialled ({Action}); {Outcome}")]
    private partial void LogServiceRequest(string deviceId, int line, string serviceCode, string action, string outcome);

    [LoggerMessage(Level = LogLevel.Error, Message = "Recording {Leaf} from {DeviceId} failed; it is dropped")]
    private partial void LogRecordFailed(Exception exception, string deviceId, string leaf);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording a batch of {Count} reports failed; recording them one by one")]
    private partial void LogBatchFailed(Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Recording {Count} adapter reports lost a race with another writer ({Reason}); running it again (attempt {Attempt})")]
    private partial void LogConflict(string reason, int count, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "The database cannot be written ({Reason}); {Waiting} adapter reports wait unacknowledged with the broker, retrying")]
    private partial void LogStoreUnwritable(string reason, int waiting);

    [LoggerMessage(Level = LogLevel.Information, Message = "The database can be written again; adapter reports are recorded and acknowledged")]
    private partial void LogStoreWritable();

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not acknowledge recorded reports ({Reason}); the broker delivers them again")]
    private partial void LogAcknowledgeFailed(string reason);
}
