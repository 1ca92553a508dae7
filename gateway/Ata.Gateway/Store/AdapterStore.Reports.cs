using System.Globalization;
using System.Text.Json;
using Ata.Gateway.Broker;
using Ata.Gateway.Fleet;
using Ata.Gateway.Incidents;
using System.Data.Common;

using static Ata.Gateway.Store.StoreDatabase;

namespace Ata.Gateway.Store;

/// <summary>What adapters report (status, hello, health, faults, config answers, service codes), recorded alone or in a <see cref="ReportBatch"/>.</summary>
public sealed partial class AdapterStore
{
    /// <summary>Records an adapter's <c>status</c>.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="online">Whether it is online.</param>
    /// <returns>False when the adapter is unknown.</returns>
    public bool RecordStatus(string deviceId, bool online) => RecordAlone(batch => batch.RecordStatus(deviceId, online));

    /// <summary>
    /// Takes an adapter's status: offline (its Last Will or goodbye) raises the gateway's own fault
    /// <see cref="FaultDescriptions.Offline"/> at once; online clears it.
    /// </summary>
    internal bool RecordStatus(DbConnection connection, string deviceId, bool online)
    {
        var now = Now();
        if (Execute(connection, "UPDATE adapter_state SET online = @online, last_seen = @now WHERE device_id = @id",
            ("@id", deviceId), ("@online", online), ("@now", now)) == 0)
        {
            return false;
        }

        if (online)
        {
            CloseOwnFault(connection, deviceId, FaultDescriptions.Offline, "connected again", now, _time.GetUtcNow());
        }
        else
        {
            OpenOwnFault(connection, deviceId, FaultDescriptions.Offline, "its connection to the gateway ended", now);
        }

        return true;
    }

    /// <summary>Records an adapter's <c>hello</c>.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="hello">The report.</param>
    /// <returns>False when the adapter is unknown.</returns>
    public bool RecordHello(string deviceId, HelloReport hello) => RecordAlone(batch => batch.RecordHello(deviceId, hello));

    internal bool RecordHello(DbConnection connection, string deviceId, HelloReport hello)
    {
        ArgumentNullException.ThrowIfNull(hello);
        if (Execute(connection,
            """
            UPDATE adapter_state SET firmware = @firmware, hardware = @hardware, reset_reason = @reset, mac = @mac,
                hello_at = @now, last_seen = @now
            WHERE device_id = @id
            """,
            ("@id", deviceId), ("@firmware", hello.Firmware), ("@hardware", hello.Hardware),
            ("@reset", hello.ResetReason), ("@mac", hello.Mac), ("@now", Now())) == 0)
        {
            return false;
        }

        SeenConnected(connection, deviceId);
        return true;
    }

    /// <summary>
    /// A report other than its status comes only over a live connection, so an adapter marked offline
    /// that sends one is online: its offline status was an earlier connection's Last Will, recorded after
    /// the new connection's <c>online</c> (with several gateway instances, each records what it takes, and
    /// the two may commit in either order). Clears the offline fault as the <c>online</c> would.
    /// </summary>
    private void SeenConnected(DbConnection connection, string deviceId)
    {
        if (Execute(connection, "UPDATE adapter_state SET online = 1 WHERE device_id = @id AND online = 0", ("@id", deviceId)) > 0)
        {
            CloseOwnFault(connection, deviceId, FaultDescriptions.Offline, "reports over a live connection", Now(), _time.GetUtcNow());
        }
    }

    /// <summary>Records an adapter's <c>health</c>: LEDs, WAN and per-line registration.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="health">The report.</param>
    /// <returns>False when the adapter is unknown.</returns>
    public bool RecordHealth(string deviceId, HealthReport health) => RecordAlone(batch => batch.RecordHealth(deviceId, health));

    /// <summary>
    /// Takes a health report's state (LEDs, WAN, lines; clears <c>silent</c>) as the adapter's current
    /// one, without adding it to the history (see <see cref="AddHealthSample"/>).
    /// </summary>
    /// <returns>False when the adapter is unknown.</returns>
    internal bool UpdateHealthState(DbConnection connection, string deviceId, HealthReport health)
    {
        ArgumentNullException.ThrowIfNull(health);
        var updated = Execute(connection,
            """
            UPDATE adapter_state SET health_at = @now, last_seen = @now, uptime_ms = @uptime, rssi = @rssi,
                free_heap = @heap, wan = @wan, wan_address = @address, running_config_version = @running,
                led_pwr = @pwr, led_wan = @ledWan, led_tel1 = @tel1, led_tel2 = @tel2
            WHERE device_id = @id
            """,
            ("@id", deviceId), ("@now", Now()), ("@uptime", health.UptimeMs), ("@rssi", health.Rssi),
            ("@heap", health.FreeHeap), ("@wan", health.Wan), ("@address", health.WanAddress),
            ("@running", health.ConfigVersion), ("@pwr", health.Leds.Pwr), ("@ledWan", health.Leds.Wan),
            ("@tel1", health.Leds.Tel1), ("@tel2", health.Leds.Tel2));
        if (updated == 0)
        {
            return false;
        }

        SeenConnected(connection, deviceId);
        if (Execute(connection, "UPDATE adapter_state SET silent = 0 WHERE device_id = @id AND silent = 1", ("@id", deviceId)) > 0)
        {
            CloseOwnFault(connection, deviceId, FaultDescriptions.Silent, "health reports again", Now(), _time.GetUtcNow());
        }

        // Written only where it changed: the fleet's counts and change feed follow these rows (FleetIndex).
        var reported = health.Lines.DistinctBy(l => l.Line).ToList();
        Execute(connection, _deleteUnreportedLines,
            ("@id", deviceId), ("@lines", JsonSerializer.Serialize(reported.Select(l => l.Line))));
        foreach (var line in reported)
        {
            Execute(connection,
                """
                INSERT INTO line_health (device_id, line, registration, sip_code, line_state, voicemail) VALUES (@id, @line, @registration, @code, @state, @voicemail)
                ON CONFLICT (device_id, line) DO UPDATE SET registration = excluded.registration, sip_code = excluded.sip_code, line_state = excluded.line_state,
                    voicemail = excluded.voicemail
                WHERE line_health.registration IS DISTINCT FROM excluded.registration OR line_health.sip_code IS DISTINCT FROM excluded.sip_code
                    OR line_health.line_state IS DISTINCT FROM excluded.line_state OR line_health.voicemail IS DISTINCT FROM excluded.voicemail
                """,
                ("@id", deviceId), ("@line", line.Line), ("@registration", line.Registration),
                ("@code", line.SipCode), ("@state", line.LineState), ("@voicemail", line.Voicemail));
        }

        return true;
    }

    /// <summary>Adds a health report of a known adapter to its history (trimmed by <see cref="TrimHealthHistory"/>).</summary>
    internal void AddHealthSample(DbConnection connection, string deviceId, HealthReport health) =>
        Execute(connection,
            "INSERT INTO health_history (device_id, at, uptime_ms, rssi, free_heap) VALUES (@id, @now, @uptime, @rssi, @heap)",
            ("@id", deviceId), ("@now", Now()), ("@uptime", health.UptimeMs), ("@rssi", health.Rssi), ("@heap", health.FreeHeap));

    /// <summary>Keeps an adapter's last <see cref="HealthHistoryLength"/> health samples.</summary>
    internal static void TrimHealthHistory(DbConnection connection, string deviceId) =>
        Execute(connection,
            $"DELETE FROM health_history WHERE device_id = @id AND seq <= (SELECT seq FROM health_history WHERE device_id = @id ORDER BY seq DESC LIMIT 1 OFFSET {HealthHistoryLength})",
            ("@id", deviceId));

    /// <summary>Raises or clears a fault (keyed by code and line).</summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="fault">The report.</param>
    /// <returns>False when the adapter is unknown.</returns>
    public bool RecordFault(string deviceId, ReportedFault fault) => RecordAlone(batch => batch.RecordFault(deviceId, fault));

    internal FaultReportOutcome RecordFault(DbConnection connection, string deviceId, ReportedFault fault, DateTimeOffset? receivedAt) =>
        FaultRecords.Change(connection, _incidents, deviceId, FaultDescriptions.Known(fault), receivedAt ?? _time.GetUtcNow(), _time.GetUtcNow());

    internal FaultReportOutcome RecordFaultSnapshot(DbConnection connection, string deviceId, FaultSnapshot snapshot, DateTimeOffset receivedAt, out long newlyDropped) =>
        FaultRecords.Snapshot(connection, _incidents, deviceId, snapshot with { Active = [.. snapshot.Active.Select(FaultDescriptions.Known)] }, receivedAt, _time.GetUtcNow(), out newlyDropped);

    /// <summary>Records an adapter's answer to a config version.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="ack">The answer.</param>
    /// <returns>False when the adapter is unknown.</returns>
    public bool RecordConfigAck(string deviceId, ConfigAck ack) => RecordConfigAck(deviceId, ack, out _);

    /// <summary>Records an adapter's answer to a config version; completes a secret rotation it applied.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="ack">The answer.</param>
    /// <param name="rotated">Whether the adapter's broker secret changed now (the broker must reload).</param>
    /// <returns>False when the adapter is unknown.</returns>
    public bool RecordConfigAck(string deviceId, ConfigAck ack, out bool rotated)
    {
        var secretChanged = false;
        var known = RecordAlone(batch => batch.RecordConfigAck(deviceId, ack, out secretChanged));
        rotated = secretChanged;
        return known;
    }

    internal bool RecordConfigAck(DbConnection connection, string deviceId, ConfigAck ack, out bool rotated)
    {
        ArgumentNullException.ThrowIfNull(ack);
        rotated = false;
        using (var issued = Command(connection, "SELECT config_version FROM adapters WHERE device_id = @id", ("@id", deviceId)))
        {
            if (issued.ExecuteScalar() is not long current)
            {
                return false;
            }

            if (ack.Version > current)
            {
                // A version the gateway never issued: whatever the adapter applied, it did not come from here.
                Execute(connection, "UPDATE adapter_state SET last_seen = @now WHERE device_id = @id", ("@id", deviceId), ("@now", Now()));
                return true;
            }
        }

        Execute(connection, "UPDATE config_versions SET status = @status, reason = @reason WHERE device_id = @id AND version = @version",
            ("@id", deviceId), ("@version", ack.Version), ("@status", ack.Applied ? ConfigStatus.Applied : ConfigStatus.Refused),
            ("@reason", ack.Applied ? null : ack.Reason ?? "refused"));
        if (ack.Applied)
        {
            using var pending = Command(connection,
                "SELECT pending_secret FROM adapters WHERE device_id = @id AND pending_secret IS NOT NULL AND pending_secret_version <= @version",
                ("@id", deviceId), ("@version", ack.Version));
            if (pending.ExecuteScalar() is string protectedSecret)
            {
                Execute(connection, "UPDATE adapters SET secret_hash = @hash, pending_secret = NULL, pending_secret_version = NULL WHERE device_id = @id",
                    ("@id", deviceId), ("@hash", MosquittoPasswordHash.Create(_secrets.Unprotect(protectedSecret))));
                rotated = true;
            }
        }

        var known = ack.Applied
            ? Execute(connection,
                """
                UPDATE adapter_state SET applied_config_version = @version, refused_config_version = NULL,
                    refused_reason = NULL, last_seen = @now
                WHERE device_id = @id
                """,
                ("@id", deviceId), ("@version", ack.Version), ("@now", Now())) > 0
            : Execute(connection,
                """
                UPDATE adapter_state SET last_seen = @now,
                    refused_config_version = CASE WHEN @version >= coalesce(applied_config_version, 0) THEN @version ELSE refused_config_version END,
                    refused_reason = CASE WHEN @version >= coalesce(applied_config_version, 0) THEN @reason ELSE refused_reason END
                WHERE device_id = @id
                """,
                ("@id", deviceId), ("@version", ack.Version), ("@reason", ack.Reason ?? "refused"), ("@now", Now())) > 0;
        return known;
    }

    /// <summary>
    /// Records a service code dialled on an adapter's line, with what the gateway did about it, in
    /// its service history and in the audit log (actor: the adapter).
    /// </summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="service">The report.</param>
    /// <param name="outcome">What the gateway did.</param>
    /// <returns>False when the adapter is unknown.</returns>
    public bool RecordServiceRequest(string deviceId, ServiceReport service, string outcome) =>
        RecordAlone(batch => batch.RecordServiceRequest(deviceId, service, outcome));

    internal bool RecordServiceRequest(DbConnection connection, string deviceId, ServiceReport service, string outcome)
    {
        ArgumentNullException.ThrowIfNull(service);
        var now = Now();
        if (Execute(connection, "UPDATE adapter_state SET last_seen = @now WHERE device_id = @id", ("@id", deviceId), ("@now", now)) == 0)
        {
            return false;
        }

        Execute(connection,
            "INSERT INTO service_requests (device_id, at, line, service_code, action, outcome) VALUES (@id, @now, @line, @code, @action, @outcome)",
            ("@id", deviceId), ("@now", now), ("@line", service.Line), ("@code", service.ServiceCode), ("@action", service.Action), ("@outcome", outcome));
        Execute(connection,
            $"DELETE FROM service_requests WHERE device_id = @id AND seq <= (SELECT seq FROM service_requests WHERE device_id = @id ORDER BY seq DESC LIMIT 1 OFFSET {ServiceHistoryLength})",
            ("@id", deviceId));
        AuditLog.Append(connection, now, deviceId, DeviceRole, "adapter.service", deviceId,
            $"{(service.Line is { } line ? $"line {line}: " : string.Empty)}{service.ServiceCode} ({service.Action}); {outcome}");
        AuditLog.TrimDeviceEntries(connection, deviceId, DeviceAuditLength);
        return true;
    }

    /// <summary>
    /// Starts one transaction for a batch of adapter reports: what is recorded through it is
    /// committed together by <see cref="ReportBatch.Commit"/>, or not at all.
    /// </summary>
    public ReportBatch BeginReports() => new(this, Open());

    private bool RecordAlone(Func<ReportBatch, bool> record)
    {
        using var batch = BeginReports();
        var known = record(batch);
        batch.Commit();
        return known;
    }

    /// <summary>The adapter's service requests (at most <see cref="ServiceHistoryLength"/>), newest first.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    public IReadOnlyList<ServiceRequestView> ListServiceRequests(string deviceId)
    {
        using var connection = Open();
        using var command = Command(connection,
            "SELECT device_id, at, line, service_code, action, outcome FROM service_requests WHERE device_id = @id ORDER BY seq DESC",
            ("@id", deviceId));
        return AdapterViews.ReadServiceRequests(command).GetValueOrDefault(deviceId) ?? [];
    }
}
