using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Ata.Gateway.Fleet;

/// <summary>Counts of adapter reports the gateway took in or dropped (meter <c>Ata.Gateway.Fleet</c>).</summary>
public sealed class FleetMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Ata.Gateway.Fleet";

    private readonly Counter<long> _recorded;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _services;
    private readonly ConcurrentDictionary<string, long> _serviceCounts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _droppedCounts = new(StringComparer.Ordinal);
    private readonly Lock _brokerLock = new();
    private long _recordedCount;
    private long _retainedRemoved;
    private long _brokerDropped;
    private long _lastBrokerCount;

    /// <summary>Dropped: no such adapter is provisioned.</summary>
    public const string UnknownDevice = "unknown-device";

    /// <summary>Dropped: the payload is not what the contract says.</summary>
    public const string Malformed = "malformed";

    /// <summary>Dropped: larger than <see cref="FleetChannel.MaxPayloadBytes"/>.</summary>
    public const string Oversized = "oversized";

    /// <summary>Dropped: a health report (QoS 0) while too many reports wait to be recorded.</summary>
    public const string Backlog = "backlog";

    /// <summary>Dropped: the store refused this one report (not the database being unwritable, which is retried).</summary>
    public const string RecordFailed = "record-failed";

    /// <summary>Dropped: a fault report taken before (the same boot and sequence number, sent again after a lost acknowledgement).</summary>
    public const string Repeated = "repeated";

    /// <summary>
    /// Dropped by the adapter itself: its queue for an unreachable gateway was full (the snapshot's
    /// <c>reportsDropped</c>, summed over adapters: no label names an adapter).
    /// </summary>
    public const string AdapterQueueFull = "adapter-queue-full";

    /// <summary>Every reason a report is dropped for, as <c>/metrics</c> labels them.</summary>
    public static IReadOnlyList<string> DropReasons { get; } = [UnknownDevice, Malformed, Oversized, Backlog, RecordFailed, Repeated, AdapterQueueFull];

    /// <summary>Creates the meter's instruments.</summary>
    /// <param name="meterFactory">The host's meter factory.</param>
    public FleetMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _recorded = meter.CreateCounter<long>("ata.gateway.reports.recorded", description: "Adapter reports recorded in the store.");
        _dropped = meter.CreateCounter<long>("ata.gateway.reports.dropped", description: "Adapter reports dropped, by reason.");
        _services = meter.CreateCounter<long>("ata.gateway.service_requests", description: "Service codes dialled on adapters and recorded, by action.");
    }

    /// <summary>Service requests recorded, by action label (see <see cref="ServiceRequests.MetricLabel"/>).</summary>
    public IReadOnlyDictionary<string, long> ServiceRequestsByAction =>
        ServiceRequests.KnownActions.Append(ServiceRequests.OtherAction)
            .ToDictionary(a => a, a => _serviceCounts.GetValueOrDefault(a), StringComparer.Ordinal);

    /// <summary>Counts a recorded service request.</summary>
    /// <param name="action">The reported action.</param>
    public void CountServiceRequest(string action)
    {
        var label = ServiceRequests.MetricLabel(action);
        _serviceCounts.AddOrUpdate(label, 1, (_, count) => count + 1);
        _services.Add(1, new KeyValuePair<string, object?>("action", label));
    }

    /// <summary>Reports recorded.</summary>
    public long Recorded => Interlocked.Read(ref _recordedCount);

    /// <summary>Reports dropped because no such adapter is provisioned.</summary>
    public long DroppedUnknownDevice => Dropped(UnknownDevice);

    /// <summary>Reports dropped because the payload was not what the contract says.</summary>
    public long DroppedMalformed => Dropped(Malformed);

    /// <summary>Reports dropped because they were larger than the gateway accepts.</summary>
    public long DroppedOversized => Dropped(Oversized);

    /// <summary>
    /// Messages the broker dropped (its queues full: <c>$SYS/broker/publish/messages/dropped</c>),
    /// summed over broker restarts.
    /// </summary>
    public long BrokerDropped => Interlocked.Read(ref _brokerDropped);

    /// <summary>Reports dropped for <paramref name="reason"/> (one of <see cref="DropReasons"/>).</summary>
    /// <param name="reason">The reason.</param>
    public long Dropped(string reason) => _droppedCounts.GetValueOrDefault(reason);

    /// <summary>Counts a report the gateway dropped.</summary>
    /// <param name="leaf">The topic leaf.</param>
    /// <param name="reason">One of <see cref="DropReasons"/>.</param>
    public void CountDropped(string leaf, string reason)
    {
        _droppedCounts.AddOrUpdate(reason, 1, (_, count) => count + 1);
        _dropped.Add(1, new KeyValuePair<string, object?>("leaf", leaf), new KeyValuePair<string, object?>("reason", reason));
    }

    /// <summary>Counts reports an adapter said it dropped (<see cref="AdapterQueueFull"/>).</summary>
    /// <param name="count">How many more than it said before.</param>
    public void CountDroppedByAdapter(long count)
    {
        _droppedCounts.AddOrUpdate(AdapterQueueFull, count, (_, total) => total + count);
        _dropped.Add(count, new KeyValuePair<string, object?>("reason", AdapterQueueFull));
    }

    /// <summary>Messages adapters retained where they may not (anything but their status), which the gateway removed from the broker.</summary>
    public long RetainedRemoved => Interlocked.Read(ref _retainedRemoved);

    /// <summary>Counts a message an adapter retained where it may not.</summary>
    public void CountRetainedRemoved() => Interlocked.Increment(ref _retainedRemoved);

    /// <summary>Counts an oversized report.</summary>
    /// <param name="leaf">The topic leaf.</param>
    public void CountOversized(string leaf) => CountDropped(leaf, Oversized);

    /// <summary>Counts a recorded report.</summary>
    /// <param name="leaf">The topic leaf.</param>
    public void CountRecorded(string leaf)
    {
        Interlocked.Increment(ref _recordedCount);
        _recorded.Add(1, new KeyValuePair<string, object?>("leaf", leaf));
    }

    /// <summary>
    /// Takes the broker's count of dropped messages (<c>$SYS/broker/publish/messages/dropped</c>, which
    /// starts again from 0 when the broker restarts) into <see cref="BrokerDropped"/>.
    /// </summary>
    /// <param name="sinceBrokerStart">The broker's count.</param>
    /// <returns>How many more the broker dropped since its last count.</returns>
    public long TakeBrokerDropped(long sinceBrokerStart)
    {
        lock (_brokerLock)
        {
            var more = sinceBrokerStart >= _lastBrokerCount ? sinceBrokerStart - _lastBrokerCount : sinceBrokerStart;
            _lastBrokerCount = sinceBrokerStart;
            Interlocked.Add(ref _brokerDropped, more);
            return more;
        }
    }
}
