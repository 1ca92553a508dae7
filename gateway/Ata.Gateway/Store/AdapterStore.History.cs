using System.Globalization;
using System.Text.Json;
using Ata.Gateway.Broker;
using Ata.Gateway.Fleet;
using Ata.Gateway.Incidents;
using System.Data.Common;

using static Ata.Gateway.Store.StoreDatabase;

namespace Ata.Gateway.Store;

/// <summary>Each adapter's history (config versions, health samples, the fault timeline) and the gateway's own faults (offline, silent).</summary>
public sealed partial class AdapterStore
{
    /// <summary>The adapter's config versions, newest first, with what became of each.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    public IReadOnlyList<ConfigVersionView> ListConfigVersions(string deviceId)
    {
        using var connection = Open();
        using var command = Command(connection,
            "SELECT version, created_at, actor, status, reason FROM config_versions WHERE device_id = @id ORDER BY version DESC LIMIT 100",
            ("@id", deviceId));
        using var reader = command.ExecuteReader();
        var versions = new List<ConfigVersionView>();
        while (reader.Read())
        {
            versions.Add(new ConfigVersionView(reader.GetInt32(0), ParseTime(reader.GetString(1)), reader.GetString(2),
                reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }

        return versions;
    }

    /// <summary>The adapter's recent health samples, oldest first (at most <see cref="HealthHistoryLength"/>).</summary>
    /// <param name="deviceId">The adapter's id.</param>
    public IReadOnlyList<HealthSample> ListHealthHistory(string deviceId)
    {
        using var connection = Open();
        using var command = Command(connection,
            "SELECT at, uptime_ms, rssi, free_heap FROM health_history WHERE device_id = @id ORDER BY seq",
            ("@id", deviceId));
        using var reader = command.ExecuteReader();
        var samples = new List<HealthSample>();
        while (reader.Read())
        {
            samples.Add(new HealthSample(ParseTime(reader.GetString(0)),
                reader.IsDBNull(1) ? null : reader.GetInt64(1),
                reader.IsDBNull(2) ? null : reader.GetInt32(2),
                reader.IsDBNull(3) ? null : reader.GetInt64(3)));
        }

        return samples;
    }

    /// <summary>
    /// Adapters whose last health report is older than <paramref name="silentSince"/>, whose
    /// connection was never seen to end (an adapter offline by its Last Will is offline, not silent)
    /// and that are not marked silent yet. An adapter that never reported (provisioned ahead of its
    /// installation) is not silent: nobody is missing it yet.
    /// </summary>
    /// <param name="silentSince">The moment before which no report means silence.</param>
    public IReadOnlyList<string> ListNewlySilent(DateTimeOffset silentSince)
    {
        using var connection = Open();
        using var command = Command(connection,
            """
            SELECT a.device_id FROM adapters a JOIN adapter_state s ON s.device_id = a.device_id
            WHERE s.silent = 0 AND s.health_at IS NOT NULL AND s.health_at < @since
            AND NOT EXISTS (SELECT 1 FROM active_faults f WHERE f.device_id = a.device_id AND f.code = @offline)
            ORDER BY a.device_id
            """,
            ("@since", silentSince.ToString("O", CultureInfo.InvariantCulture)), ("@offline", FaultDescriptions.Offline));
        return ReadStrings(command);
    }

    /// <summary>
    /// Opens the incident of every adapter offline since before <paramref name="offlineSince"/> that
    /// has none open: an adapter that reboots, or loses power for a moment, is offline on the
    /// dashboard at once but becomes support's incident only when it stays away.
    /// </summary>
    /// <param name="offlineSince">The moment before which going offline makes an incident.</param>
    /// <returns>The adapters whose incident opened.</returns>
    public IReadOnlyList<string> ReportLongOffline(DateTimeOffset offlineSince) =>
        StoreDatabase.RunAgainOnConflict(() => ReportLongOfflineOnce(offlineSince));

    private List<string> ReportLongOfflineOnce(DateTimeOffset offlineSince)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        var due = new List<(string DeviceId, string Since)>();
        using (var command = Command(connection,
            """
            SELECT f.device_id, f.since FROM active_faults f
            WHERE f.code = @code AND f.since < @before AND NOT EXISTS (SELECT 1 FROM incidents i
                WHERE i.kind = 'adapter' AND i.device_id = f.device_id AND i.code = @code AND i.ended_at IS NULL)
            ORDER BY f.device_id
            """,
            ("@code", FaultDescriptions.Offline), ("@before", offlineSince.ToString("O", CultureInfo.InvariantCulture))))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                due.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        foreach (var (deviceId, since) in due)
        {
            _incidents?.Raised(connection, deviceId, FaultDescriptions.Offline, 0, _time.GetUtcNow(), ParseTime(since));
        }

        transaction.Commit();
        return [.. due.Select(d => d.DeviceId)];
    }

    /// <summary>Marks an adapter silent (no health for too long) with a fault of the gateway's own.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="detail">Since when, in words.</param>
    public void MarkSilent(string deviceId, string detail) =>
        StoreDatabase.RunAgainOnConflict(() => MarkSilentOnce(deviceId, detail));

    private void MarkSilentOnce(string deviceId, string detail)
    {
        var now = Now();
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        if (Execute(connection, "UPDATE adapter_state SET silent = 1 WHERE device_id = @id AND silent = 0", ("@id", deviceId)) > 0)
        {
            OpenOwnFault(connection, deviceId, FaultDescriptions.Silent, detail, now);
            _incidents?.Raised(connection, deviceId, FaultDescriptions.Silent, 0, _time.GetUtcNow());
        }

        transaction.Commit();
    }

    /// <summary>The adapter's fault timeline (raised and cleared), newest first.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    public IReadOnlyList<FaultEvent> ListFaultEvents(string deviceId)
    {
        using var connection = Open();
        using var command = Command(connection,
            "SELECT at, code, line, raised, sip_code, detail FROM fault_events WHERE device_id = @id ORDER BY at DESC, seq DESC",
            ("@id", deviceId));
        using var reader = command.ExecuteReader();
        var events = new List<FaultEvent>();
        while (reader.Read())
        {
            var code = reader.GetString(1);
            events.Add(new FaultEvent(ParseTime(reader.GetString(0)), code, reader.GetInt32(2) is var line and > 0 ? line : null,
                reader.GetFlag(3), reader.IsDBNull(4) ? null : reader.GetInt32(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                FaultDescriptions.Describe(code)));
        }

        return events;
    }

    /// <summary>
    /// Opens one of the gateway's own faults (<see cref="FaultDescriptions.IsGatewaysOwn"/>, adapter-wide)
    /// with its timeline entry; false when it was open already. Its incident is the caller's to raise.
    /// </summary>
    internal static bool OpenOwnFault(DbConnection connection, string deviceId, string code, string detail, string at)
    {
        if (Execute(connection,
            "INSERT INTO active_faults (device_id, code, line, detail, since) VALUES (@id, @code, 0, @detail, @now) ON CONFLICT (device_id, code, line) DO NOTHING",
            ("@id", deviceId), ("@code", code), ("@detail", detail), ("@now", at)) == 0)
        {
            return false;
        }

        AddFaultEvent(connection, deviceId, code, 0, true, null, detail, at);
        return true;
    }

    /// <summary>Closes one of the gateway's own faults with its timeline entry and its incident's clearing; false when it was not open.</summary>
    internal static bool CloseOwnFault(DbConnection connection, string deviceId, string code, string detail, string at, DateTimeOffset now)
    {
        if (Execute(connection, "DELETE FROM active_faults WHERE device_id = @id AND code = @code AND line = 0", ("@id", deviceId), ("@code", code)) == 0)
        {
            return false;
        }

        AddFaultEvent(connection, deviceId, code, 0, false, null, detail, at);
        IncidentBook.Cleared(connection, deviceId, code, 0, now);
        return true;
    }

    /// <summary>Adds a fault raised or cleared at <paramref name="now"/> to the adapter's timeline (its last <see cref="FaultHistoryLength"/> are kept).</summary>
    internal static void AddFaultEvent(DbConnection connection, string deviceId, string code, int line, bool raised, int? sipCode, string? detail, string now)
    {
        Execute(connection,
            "INSERT INTO fault_events (device_id, at, code, line, raised, sip_code, detail) VALUES (@id, @now, @code, @line, @raised, @sip, @detail)",
            ("@id", deviceId), ("@now", now), ("@code", code), ("@line", line), ("@raised", raised), ("@sip", sipCode), ("@detail", detail));
        Execute(connection,
            $"DELETE FROM fault_events WHERE device_id = @id AND seq <= (SELECT seq FROM fault_events WHERE device_id = @id ORDER BY seq DESC LIMIT 1 OFFSET {FaultHistoryLength})",
            ("@id", deviceId));
    }
}
