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
    private long _recordedCount;
    private long _unknownDeviceCount;
    private long _malformedCount;
    private long _oversizedCount;

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
    public long DroppedUnknownDevice => Interlocked.Read(ref _unknownDeviceCount);

    /// <summary>Reports dropped because the payload was not what the contract says.</summary>
    public long DroppedMalformed => Interlocked.Read(ref _malformedCount);

    /// <summary>Reports dropped because they were larger than the gateway accepts.</summary>
    public long DroppedOversized => Interlocked.Read(ref _oversizedCount);

    /// <summary>Counts an oversized report.</summary>
    /// <param name="leaf">The topic leaf.</param>
    public void CountOversized(string leaf)
    {
        Interlocked.Increment(ref _oversizedCount);
        _dropped.Add(1, new KeyValuePair<string, object?>("leaf", leaf), new KeyValuePair<string, object?>("reason", "oversized"));
    }

    /// <summary>Counts a recorded report.</summary>
    /// <param name="leaf">The topic leaf.</param>
    public void CountRecorded(string leaf)
    {
        Interlocked.Increment(ref _recordedCount);
        _recorded.Add(1, new KeyValuePair<string, object?>("leaf", leaf));
    }

    /// <summary>Counts a report from an adapter that is not provisioned.</summary>
    /// <param name="leaf">The topic leaf.</param>
    public void CountUnknownDevice(string leaf)
    {
        Interlocked.Increment(ref _unknownDeviceCount);
        _dropped.Add(1, new KeyValuePair<string, object?>("leaf", leaf), new KeyValuePair<string, object?>("reason", "unknown-device"));
    }

    /// <summary>Counts a malformed report.</summary>
    /// <param name="leaf">The topic leaf.</param>
    public void CountMalformed(string leaf)
    {
        Interlocked.Increment(ref _malformedCount);
        _dropped.Add(1, new KeyValuePair<string, object?>("leaf", leaf), new KeyValuePair<string, object?>("reason", "malformed"));
    }
}
