using Ata.Gateway.Incidents;
using Ata.Gateway.Store;
using System.Data.Common;

namespace Ata.Gateway.Fleet;

/// <summary>What became of a fault report.</summary>
public enum FaultReportOutcome
{
    /// <summary>No such adapter is provisioned; nothing was written.</summary>
    UnknownAdapter,

    /// <summary>Recorded.</summary>
    Recorded,

    /// <summary>
    /// Already taken: a fault change of a boot and sequence number recorded before (sent again after
    /// a lost acknowledgement), or a snapshot older than what was recorded since.
    /// </summary>
    Repeated,
}

/// <summary>
/// The gateway's record of each adapter's open faults (<c>active_faults</c>) and their timeline
/// (<c>fault_events</c>), kept converging on the adapter's own view: a change is dated when it
/// happened (received minus its <c>ageMs</c>), a change sent again (same boot and sequence number) is
/// taken once, and a snapshot is the truth: what the gateway holds open and the snapshot lacks is
/// closed, what it lists and the gateway lacks is opened. Incidents follow every opening and closing.
/// Runs inside the store's transaction that records the report; <c>fault_boots</c> remembers, per
/// adapter and boot, the last sequence number taken and the reports the adapter said it dropped.
/// </summary>
public static class FaultRecords
{
    /// <summary>Boots remembered per adapter; a repeat from an older one is no longer recognised.</summary>
    public const int BootsKept = 4;

    /// <summary>The timeline's detail of a fault the adapter's snapshot no longer lists.</summary>
    public const string ClosedBySnapshot = "no longer open on the adapter (its snapshot after connecting)";

    /// <summary>Creates the table of boots.</summary>
    /// <param name="connection">An open connection (in the schema transaction).</param>
    public static void CreateSchema(DbConnection connection) =>
        StoreDatabase.Execute(connection, StoreSql.Tables(StoreDatabase.DialectOf(connection),
            """
            CREATE TABLE IF NOT EXISTS fault_boots (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                device_id TEXT NOT NULL REFERENCES adapters (device_id) ON DELETE CASCADE,
                boot TEXT NOT NULL,
                seq INTEGER NOT NULL DEFAULT 0,
                reports_dropped INTEGER NOT NULL DEFAULT 0,
                UNIQUE (device_id, boot)
            ) STRICT;
            """));

    /// <summary>Records a fault raised or cleared, dated <paramref name="receivedAt"/> minus its age.</summary>
    /// <param name="connection">The store's connection, inside the transaction recording the report.</param>
    /// <param name="incidents">Opens and clears incidents in the same transaction; none in unit tests of the store alone.</param>
    /// <param name="deviceId">The adapter.</param>
    /// <param name="fault">The change.</param>
    /// <param name="receivedAt">When the gateway's session received it.</param>
    /// <param name="now">The time now.</param>
    public static FaultReportOutcome Change(
        DbConnection connection, IncidentBook? incidents, string deviceId, ReportedFault fault, DateTimeOffset receivedAt, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(fault);
        if (!Heard(connection, deviceId, now))
        {
            return FaultReportOutcome.UnknownAdapter;
        }

        if (fault.Boot is { } boot && fault.Sequence is { } sequence)
        {
            // Several instances may record two changes of one adapter at once: they take turns, so the later sees the earlier.
            Instances.Leases.Lock(connection, Instances.Leases.FaultsLockPrefix + deviceId);
            var known = Boot(connection, deviceId, boot);
            if (known?.Sequence >= sequence)
            {
                return FaultReportOutcome.Repeated;
            }

            Remember(connection, deviceId, boot, sequence, 0, newBoot: known is null);
        }

        var at = receivedAt - TimeSpan.FromMilliseconds(fault.AgeMs);
        var line = fault.Line ?? 0;
        if (fault.Raised)
        {
            Open(connection, incidents, deviceId, new ActiveFault(fault.Code, fault.Line, fault.SipCode, fault.Detail, fault.AgeMs), fault.Sequence, at, now);
        }
        else
        {
            Close(connection, deviceId, fault.Code, line, fault.SipCode, fault.Detail, at);
        }

        return FaultReportOutcome.Recorded;
    }

    /// <summary>
    /// Takes an adapter's snapshot as the truth, at <paramref name="receivedAt"/>: closes every fault
    /// held open for it that the snapshot lacks (but the gateway's own, <see cref="FaultDescriptions.IsGatewaysOwn"/>)
    /// and opens each listed one it lacks, dated by its age. A snapshot of a boot older than the last
    /// one heard, or older than a change of its boot already recorded, changes nothing.
    /// </summary>
    /// <param name="connection">The store's connection, inside the transaction recording the report.</param>
    /// <param name="incidents">Opens and clears incidents in the same transaction; none in unit tests of the store alone.</param>
    /// <param name="deviceId">The adapter.</param>
    /// <param name="snapshot">The snapshot.</param>
    /// <param name="receivedAt">When the gateway's session received it.</param>
    /// <param name="now">The time now.</param>
    /// <param name="newlyDropped">Reports the adapter dropped that no earlier snapshot of its boot counted.</param>
    public static FaultReportOutcome Snapshot(
        DbConnection connection, IncidentBook? incidents, string deviceId, FaultSnapshot snapshot, DateTimeOffset receivedAt, DateTimeOffset now,
        out long newlyDropped)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        newlyDropped = 0;
        if (!Heard(connection, deviceId, now))
        {
            return FaultReportOutcome.UnknownAdapter;
        }

        if (snapshot.Boot is { } boot)
        {
            var known = Boot(connection, deviceId, boot);
            if (known is { Latest: false } || known?.Sequence > snapshot.Sequence)
            {
                return FaultReportOutcome.Repeated;
            }

            newlyDropped = Math.Max(0, snapshot.ReportsDropped - (known?.ReportsDropped ?? 0));
            Remember(connection, deviceId, boot, snapshot.Sequence ?? 0, snapshot.ReportsDropped, newBoot: known is null);
        }

        var listed = snapshot.Active.DistinctBy(f => (f.Code, f.Line ?? 0)).ToList();
        var held = new List<(string Code, int Line)>();
        using (var command = StoreDatabase.Command(connection,
            "SELECT code, line FROM active_faults WHERE device_id = @id AND code NOT IN (@silent, @offline, @refused)",
            ("@id", deviceId), ("@silent", FaultDescriptions.Silent), ("@offline", FaultDescriptions.Offline),
            ("@refused", FaultDescriptions.LoginRefusedAtBroker)))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                held.Add((reader.GetString(0), reader.GetInt32(1)));
            }
        }

        foreach (var (code, line) in held.Where(h => !listed.Any(f => f.Code == h.Code && (f.Line ?? 0) == h.Line)))
        {
            Close(connection, deviceId, code, line, null, ClosedBySnapshot, receivedAt);
        }

        foreach (var fault in listed.Where(f => !held.Contains((f.Code, f.Line ?? 0))))
        {
            Open(connection, incidents, deviceId, fault, null, receivedAt - TimeSpan.FromMilliseconds(fault.AgeMs), now);
        }

        return FaultReportOutcome.Recorded;
    }

    private static void Open(
        DbConnection connection, IncidentBook? incidents, string deviceId, ActiveFault fault, long? sequence, DateTimeOffset at, DateTimeOffset now)
    {
        var line = fault.Line ?? 0;
        var since = IncidentBook.Text(at);
        AdapterStore.AddFaultEvent(connection, deviceId, fault.Code, line, true, fault.SipCode, fault.Detail, since);
        incidents?.Raised(connection, deviceId, fault.Code, line, now, at);
        StoreDatabase.Execute(connection,
            """
            INSERT INTO active_faults (device_id, code, line, sip_code, detail, seq, since)
            VALUES (@id, @code, @line, @sip, @detail, @seq, @since)
            ON CONFLICT (device_id, code, line) DO UPDATE SET sip_code = excluded.sip_code, detail = excluded.detail, seq = excluded.seq
            """,
            ("@id", deviceId), ("@code", fault.Code), ("@line", line), ("@sip", fault.SipCode),
            ("@detail", fault.Detail), ("@seq", sequence), ("@since", since));
    }

    private static void Close(DbConnection connection, string deviceId, string code, int line, int? sipCode, string? detail, DateTimeOffset at)
    {
        AdapterStore.AddFaultEvent(connection, deviceId, code, line, false, sipCode, detail, IncidentBook.Text(at));
        IncidentBook.Cleared(connection, deviceId, code, line, at);
        StoreDatabase.Execute(connection, "DELETE FROM active_faults WHERE device_id = @id AND code = @code AND line = @line",
            ("@id", deviceId), ("@code", code), ("@line", line));
    }

    /// <summary>Notes that the adapter was heard from; false when it is unknown.</summary>
    private static bool Heard(DbConnection connection, string deviceId, DateTimeOffset now) =>
        StoreDatabase.Execute(connection, "UPDATE adapter_state SET last_seen = @now WHERE device_id = @id",
            ("@id", deviceId), ("@now", IncidentBook.Text(now))) > 0;

    /// <summary>What is remembered of one boot of the adapter, and whether it is the last boot heard; null when none.</summary>
    private static KnownBoot? Boot(DbConnection connection, string deviceId, string boot)
    {
        using var command = StoreDatabase.Command(connection,
            """
            SELECT seq, reports_dropped, id = (SELECT max(id) FROM fault_boots WHERE device_id = @id)
            FROM fault_boots WHERE device_id = @id AND boot = @boot
            """,
            ("@id", deviceId), ("@boot", boot));
        using var reader = command.ExecuteReader();
        return reader.Read() ? new KnownBoot(reader.GetInt64(0), reader.GetInt64(1), reader.GetFlag(2)) : null;
    }

    /// <summary>Remembers the last sequence number and dropped count taken of a boot; a new one makes the adapter's oldest beyond <see cref="BootsKept"/> forgotten.</summary>
    private static void Remember(DbConnection connection, string deviceId, string boot, long sequence, long reportsDropped, bool newBoot)
    {
        StoreDatabase.Execute(connection,
            """
            INSERT INTO fault_boots (device_id, boot, seq, reports_dropped) VALUES (@id, @boot, @seq, @dropped)
            ON CONFLICT (device_id, boot) DO UPDATE SET
                seq = CASE WHEN excluded.seq > fault_boots.seq THEN excluded.seq ELSE fault_boots.seq END,
                reports_dropped = CASE WHEN excluded.reports_dropped > fault_boots.reports_dropped THEN excluded.reports_dropped ELSE fault_boots.reports_dropped END
            """,
            ("@id", deviceId), ("@boot", boot), ("@seq", sequence), ("@dropped", reportsDropped));
        if (!newBoot)
        {
            return;
        }

        StoreDatabase.Execute(connection,
            $"DELETE FROM fault_boots WHERE device_id = @id AND id <= (SELECT id FROM fault_boots WHERE device_id = @id ORDER BY id DESC LIMIT 1 OFFSET {BootsKept})",
            ("@id", deviceId));
    }

    private sealed record KnownBoot(long Sequence, long ReportsDropped, bool Latest);
}
