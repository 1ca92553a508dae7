using System.Globalization;
using System.Text;
using Ata.Gateway.Access;
using Ata.Gateway.Broker;
using Ata.Gateway.Calls;
using Ata.Gateway.Fleet;
using Ata.Gateway.Incidents;
using Ata.Gateway.Store;

namespace Ata.Gateway.Apis;

/// <summary><c>GET /metrics</c>: the fleet and the gateway's report counters in Prometheus text format.</summary>
public static class MetricsEndpoint
{
    /// <summary>Maps <c>/metrics</c> (support role; Prometheus sends the key as a bearer token).</summary>
    /// <param name="app">The route builder.</param>
    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder app)
    {
        app.MapGet("/metrics", (AdapterStore store, FleetMetrics metrics, FleetChannel channel, ReportIngest ingest, IBroker broker, FaultRelay relay, AccessThrottles throttles, CallMetrics calls, RefusedLogins refused) =>
            {
                FleetCounts counts;
                IReadOnlyDictionary<string, long> incidents;
                using (var connection = store.Open())
                {
                    counts = FleetCounts.Read(connection);
                    incidents = IncidentBook.CountOpen(connection);
                }

                var text = Render(counts, metrics, channel.IsConnected) + RenderIngest(metrics, ingest, broker) + RenderRelay(incidents, relay.Pending()) + RenderAccess(throttles) + calls.Render() + RenderRefusedLogins(refused) + RenderProcess();
                return TypedResults.Text(text, "text/plain; version=0.0.4; charset=utf-8");
            })
            .RequireAuthorization(Roles.SupportPolicy)
            .ExcludeFromDescription();
        return app;
    }

    /// <summary>The exposition text of the fleet, from the counts the store maintains (no scan of the fleet).</summary>
    /// <param name="counts">The fleet's counts.</param>
    /// <param name="metrics">Report counters.</param>
    /// <param name="brokerConnected">Whether the gateway's MQTT session is up.</param>
    public static string Render(FleetCounts counts, FleetMetrics metrics, bool brokerConnected)
    {
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(metrics);
        var text = new StringBuilder();
        Gauge(text, "ata_adapters", "Provisioned adapters.", counts[FleetCounts.Adapters]);
        Gauge(text, "ata_adapters_online", "Adapters whose last status was online.", counts[FleetCounts.OnlineFlag]);
        Gauge(text, "ata_adapters_offline", "Adapters whose connection ended (Last Will or goodbye) and that did not come back.",
            counts[FleetCounts.FaultPrefix + FaultDescriptions.Offline]);
        Gauge(text, "ata_adapters_silent", "Connected adapters with no health report for too long.", counts[FleetCounts.SilentFlag]);
        Gauge(text, "ata_adapters_faulted", "Adapters with at least one active fault.", counts[FleetCounts.Faulted]);
        Header(text, "ata_adapters_config", "gauge", "Adapters by the status of their current config version.");
        foreach (var status in new[] { ConfigStatus.Pending, ConfigStatus.Applied, ConfigStatus.Refused })
        {
            Sample(text, "ata_adapters_config", counts[FleetCounts.ConfigPrefix + status], ("status", status));
        }

        Header(text, "ata_lines", "gauge", "Provisioned lines by last reported registration state.");
        foreach (var (registration, count) in counts.Under(FleetCounts.LinePrefix))
        {
            Sample(text, "ata_lines", count, ("registration", registration));
        }

        Header(text, "ata_faults_active", "gauge", "Active faults by code.");
        foreach (var (code, count) in counts.Under(FleetCounts.FaultPrefix))
        {
            Sample(text, "ata_faults_active", count, ("code", code));
        }

        Header(text, "ata_reports_recorded_total", "counter", "Adapter reports recorded.");
        Sample(text, "ata_reports_recorded_total", metrics.Recorded);
        Header(text, "ata_reports_dropped_total", "counter", "Adapter reports dropped, by reason.");
        foreach (var reason in FleetMetrics.DropReasons)
        {
            Sample(text, "ata_reports_dropped_total", metrics.Dropped(reason), ("reason", reason));
        }

        Header(text, "ata_service_requests_total", "counter", "Service codes dialled on adapters (e.g. #21#) and recorded, by action.");
        foreach (var (action, count) in metrics.ServiceRequestsByAction.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            Sample(text, "ata_service_requests_total", count, ("action", action));
        }

        Gauge(text, "ata_broker_connected", "1 while the gateway's MQTT session is connected.", brokerConnected ? 1 : 0);
        return text.ToString();
    }

    /// <summary>
    /// The ingest part of the exposition text: reports waiting to be recorded, whether the database
    /// can be written, and what the broker dropped (its queues full).
    /// </summary>
    /// <param name="metrics">Report counters.</param>
    /// <param name="ingest">The report ingest.</param>
    /// <param name="broker">The broker.</param>
    public static string RenderIngest(FleetMetrics metrics, ReportIngest ingest, IBroker broker)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(ingest);
        ArgumentNullException.ThrowIfNull(broker);
        var text = new StringBuilder();
        Gauge(text, "ata_reports_unacknowledged", "Adapter reports received and not yet recorded (the broker keeps them until they are).", ingest.Unacknowledged);
        Gauge(text, "ata_store_writable", "1 while the database can be written; 0 while reports wait unacknowledged for it.", ingest.StoreProblem is null ? 1 : 0);
        Header(text, "ata_broker_messages_dropped_total", "counter", "Messages the broker dropped because a client's queue was full ($SYS/broker/publish/messages/dropped, over broker restarts).");
        Sample(text, "ata_broker_messages_dropped_total", metrics.BrokerDropped);
        Header(text, "ata_broker_queue_overflows_total", "counter", "Times the broker logged that it drops outgoing messages for a client (its queue full).");
        Sample(text, "ata_broker_queue_overflows_total", broker.QueueOverflows);
        Header(text, "ata_retained_removed_total", "counter", "Messages adapters retained where they may not (anything but their status), removed from the broker.");
        Sample(text, "ata_retained_removed_total", metrics.RetainedRemoved);
        return text.ToString();
    }

    /// <summary>The incident and relay part of the exposition text.</summary>
    /// <param name="openIncidents">Open incidents by kind.</param>
    /// <param name="pending">Undelivered messages per channel.</param>
    public static string RenderRelay(IReadOnlyDictionary<string, long> openIncidents, IReadOnlyDictionary<string, long> pending)
    {
        ArgumentNullException.ThrowIfNull(openIncidents);
        ArgumentNullException.ThrowIfNull(pending);
        var text = new StringBuilder();
        Header(text, "ata_incidents_open", "gauge", "Open incidents by kind.");
        foreach (var kind in new[] { IncidentBook.AdapterKind, IncidentBook.RegistrarKind })
        {
            Sample(text, "ata_incidents_open", openIncidents.GetValueOrDefault(kind), ("kind", kind));
        }

        Header(text, "ata_outbox_pending", "gauge", "Reports not delivered yet, by channel.");
        foreach (var (channel, count) in pending.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            Sample(text, "ata_outbox_pending", count, ("channel", channel));
        }

        return text.ToString();
    }

    /// <summary>The access part of the exposition text: what the failure throttles refused.</summary>
    /// <param name="throttles">The sign-in and API key throttles.</param>
    public static string RenderAccess(AccessThrottles throttles)
    {
        ArgumentNullException.ThrowIfNull(throttles);
        var text = new StringBuilder();
        Header(text, "ata_access_lockouts_total", "counter", "Client addresses locked out after too many failures, by what failed.");
        Sample(text, "ata_access_lockouts_total", throttles.SignIn.Lockouts, ("kind", "sign-in"));
        Sample(text, "ata_access_lockouts_total", throttles.ApiKey.Lockouts, ("kind", "api-key"));
        Header(text, "ata_access_throttled_total", "counter", "Requests refused with 429 during a lockout, by what had failed.");
        Sample(text, "ata_access_throttled_total", throttles.SignIn.Refused, ("kind", "sign-in"));
        Sample(text, "ata_access_throttled_total", throttles.ApiKey.Refused, ("kind", "api-key"));
        return text.ToString();
    }

    /// <summary>The broker's refused logins, by whether the login is a provisioned adapter's.</summary>
    /// <param name="refused">The refused logins seen.</param>
    public static string RenderRefusedLogins(RefusedLogins refused)
    {
        ArgumentNullException.ThrowIfNull(refused);
        var text = new StringBuilder();
        Header(text, "ata_broker_logins_refused_total", "counter", "Logins the broker refused, by whether the login is a provisioned adapter's (known) or not (unknown, not stored).");
        Sample(text, "ata_broker_logins_refused_total", refused.Known, ("login", "known"));
        Sample(text, "ata_broker_logins_refused_total", refused.Unknown, ("login", "unknown"));
        return text.ToString();
    }

    /// <summary>
    /// The process part: its resident memory and the .NET GC's heap, commitment and collections, so an
    /// operator sees what the gateway holds and whether a grown figure is live data or a collection
    /// budget not yet used (the fleet benchmark reads these too).
    /// </summary>
    public static string RenderProcess()
    {
        var text = new StringBuilder();
        var gc = GC.GetGCMemoryInfo();
        Gauge(text, "process_resident_memory_bytes", "The gateway's resident memory (RSS).", Environment.WorkingSet);
        Gauge(text, "dotnet_gc_heap_bytes", "The managed heap after the last collection (live objects and fragmentation).", gc.HeapSizeBytes);
        Gauge(text, "dotnet_gc_committed_bytes", "Memory the garbage collector has committed (the heap and the room it keeps to allocate in).", gc.TotalCommittedBytes);
        Header(text, "dotnet_gc_collections_total", "counter", "Garbage collections by generation (a collection of generation 1 or 2 counts under the lower ones too).");
        for (var generation = 0; generation <= GC.MaxGeneration; generation++)
        {
            Sample(text, "dotnet_gc_collections_total", GC.CollectionCount(generation), ("generation", generation.ToString(CultureInfo.InvariantCulture)));
        }

        return text.ToString();
    }

    private static void Gauge(StringBuilder text, string name, string help, long value)
    {
        Header(text, name, "gauge", help);
        Sample(text, name, value);
    }

    private static void Header(StringBuilder text, string name, string type, string help) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Sample(StringBuilder text, string name, long value, params (string Name, string Value)[] labels)
    {
        text.Append(name);
        if (labels.Length > 0)
        {
            text.Append('{').AppendJoin(',', labels.Select(l => $"{l.Name}=\"{Escape(l.Value)}\"")).Append('}');
        }

        text.Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
