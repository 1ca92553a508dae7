using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ata.Gateway.Fleet;
using Ata.Gateway.Store;
using System.Data.Common;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Incidents;

/// <summary>
/// Turns faults into incidents, inside the store's transaction that records the fault, and writes
/// every message for support to the outbox in that same transaction. A raised fault opens an
/// incident (a duplicate merges into it); a cleared one ends it only after
/// <see cref="IncidentOptions.QuietSeconds"/> without coming back (else it is a flap, reported once
/// as flapping at <see cref="IncidentOptions.FlapThreshold"/>); registrar-side faults wait
/// <see cref="IncidentOptions.FoldWindowSeconds"/> (at least the line's back-off cap) and fold into one
/// registrar incident when <see cref="IncidentOptions.FoldThreshold"/> adapters on the same registrar fail
/// the same way within it.
/// </summary>
public sealed class IncidentBook(IOptions<IncidentOptions> options, IOptions<RelayOptions> relay)
{
    /// <summary>An incident about one adapter.</summary>
    public const string AdapterKind = "adapter";

    /// <summary>An incident about a registrar, holding the adapters' incidents folded into it.</summary>
    public const string RegistrarKind = "registrar";

    /// <summary>Message events.</summary>
    public const string Opened = "opened";

    /// <summary>Message events.</summary>
    public const string Flapping = "flapping";

    /// <summary>Message events.</summary>
    public const string Resolved = "resolved";

    /// <summary>How long delivered (or cancelled) outbox messages of ended incidents are kept.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    private IncidentOptions Options => options.Value;

    /// <summary>Creates the incident and outbox tables.</summary>
    /// <param name="connection">An open connection (in the schema transaction).</param>
    public static void CreateSchema(DbConnection connection) =>
        StoreDatabase.Execute(connection, StoreSql.Tables(StoreDatabase.DialectOf(connection),
            """
            CREATE TABLE IF NOT EXISTS incidents (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                kind TEXT NOT NULL,
                device_id TEXT,
                registrar TEXT,
                code TEXT NOT NULL,
                line INTEGER NOT NULL DEFAULT 0,
                opened_at TEXT NOT NULL,
                cleared_at TEXT,
                ended_at TEXT,
                flaps INTEGER NOT NULL DEFAULT 0,
                flapping_reported INTEGER NOT NULL DEFAULT 0,
                parent_id INTEGER
            ) STRICT;
            CREATE INDEX IF NOT EXISTS incidents_open ON incidents (ended_at, device_id, code, line);
            """));

    /// <summary>A fault was raised: opens, merges into, or re-opens (a flap) an incident.</summary>
    /// <param name="connection">The store's connection, inside the transaction recording the fault.</param>
    /// <param name="deviceId">The adapter.</param>
    /// <param name="code">The fault code.</param>
    /// <param name="line">The line, 0 for none.</param>
    /// <param name="now">The time.</param>
    /// <param name="since">When the fault was raised, when earlier than <paramref name="now"/> (reported after an outage); a new incident opens then.</param>
    public void Raised(DbConnection connection, string deviceId, string code, int line, DateTimeOffset now, DateTimeOffset? since = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using (var find = StoreDatabase.Command(connection,
            "SELECT id, cleared_at, flaps, flapping_reported, parent_id FROM incidents WHERE kind = 'adapter' AND ended_at IS NULL AND device_id = @id AND code = @code AND line = @line",
            ("@id", deviceId), ("@code", code), ("@line", line)))
        using (var reader = find.ExecuteReader())
        {
            if (reader.Read())
            {
                var id = reader.GetInt64(0);
                if (reader.IsDBNull(1))
                {
                    return;
                }

                var flaps = reader.GetInt32(2) + 1;
                var alreadyReported = reader.GetFlag(3);
                var folded = !reader.IsDBNull(4);
                reader.Close();
                StoreDatabase.Execute(connection, "UPDATE incidents SET cleared_at = NULL, flaps = @flaps WHERE id = @incident",
                    ("@incident", id), ("@flaps", flaps));
                if (flaps >= Options.FlapThreshold && !alreadyReported && !folded)
                {
                    StoreDatabase.Execute(connection, "UPDATE incidents SET flapping_reported = 1 WHERE id = @incident", ("@incident", id));
                    Enqueue(connection, id, Flapping, now, now);
                }

                return;
            }
        }

        var registrar = RegistrarOf(connection, deviceId, line);
        var incident = InsertIncident(connection,
            "INSERT INTO incidents (kind, device_id, registrar, code, line, opened_at) VALUES ('adapter', @id, @registrar, @code, @line, @now) RETURNING id",
            ("@id", deviceId), ("@registrar", registrar), ("@code", code), ("@line", line), ("@now", Text(since ?? now)));
        if (LatestReported(connection, deviceId, incident, now) is { } storm)
        {
            StoreDatabase.Execute(connection, "UPDATE incidents SET parent_id = @parent WHERE id = @incident", ("@parent", storm), ("@incident", incident));
            return;
        }

        if (!NextSteps.IsRegistrarSide(code) || registrar is null)
        {
            Enqueue(connection, incident, Opened, now, now);
            return;
        }

        // Several instances record faults at once: one registrar's are folded one at a time, so one incident holds them.
        Instances.Leases.Lock(connection, $"{Instances.Leases.FoldLockPrefix}{registrar}|{code}");
        using (var open = StoreDatabase.Command(connection,
            "SELECT id FROM incidents WHERE kind = 'registrar' AND ended_at IS NULL AND registrar = @registrar AND code = @code",
            ("@registrar", registrar), ("@code", code)))
        {
            if (open.ExecuteScalar() is long parent)
            {
                StoreDatabase.Execute(connection, "UPDATE incidents SET parent_id = @parent WHERE id = @incident", ("@parent", parent), ("@incident", incident));
                return;
            }
        }

        var window = FoldWindow(connection, deviceId, line);
        Enqueue(connection, incident, Opened, now, now + window);
        Fold(connection, registrar, code, window, now);
    }

    /// <summary>
    /// How long a registrar-side fault of this line waits to fold: the configured window, and never
    /// less than the line's registration back-off cap, the spread with which adapters notice one outage.
    /// </summary>
    private TimeSpan FoldWindow(DbConnection connection, string deviceId, int line)
    {
        using var command = StoreDatabase.Command(connection,
            $"SELECT {StoreSql.JsonInteger(StoreDatabase.DialectOf(connection), "settings", "retryMaxSeconds")} FROM adapter_lines WHERE device_id = @id AND line = @line",
            ("@id", deviceId), ("@line", line == 0 ? 1 : line));
        var cap = command.ExecuteScalar() is long seconds ? seconds : Provisioning.LineDefaults.RetryMaxSeconds;
        return TimeSpan.FromSeconds(Math.Max(Options.FoldWindowSeconds, cap));
    }

    /// <summary>
    /// A fault was cleared: the incident ends once it stays cleared for the quiet time, counted from
    /// when it cleared (so a fault that cleared during an outage may end its incident at once).
    /// </summary>
    /// <param name="connection">The store's connection, inside the transaction recording the fault.</param>
    /// <param name="deviceId">The adapter.</param>
    /// <param name="code">The fault code.</param>
    /// <param name="line">The line, 0 for none.</param>
    /// <param name="now">When it cleared.</param>
    public static void Cleared(DbConnection connection, string deviceId, string code, int line, DateTimeOffset now) =>
        StoreDatabase.Execute(connection,
            "UPDATE incidents SET cleared_at = @now WHERE kind = 'adapter' AND ended_at IS NULL AND cleared_at IS NULL AND device_id = @id AND code = @code AND line = @line",
            ("@id", deviceId), ("@code", code), ("@line", line), ("@now", Text(now)));

    /// <summary>
    /// Ends incidents cleared for the quiet time (sending their resolution when their opening was
    /// sent) and registrar incidents whose adapters have all recovered.
    /// </summary>
    /// <param name="connection">A connection, inside a transaction.</param>
    /// <param name="now">The time.</param>
    public void Tick(DbConnection connection, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var quietSince = Text(now - TimeSpan.FromSeconds(Options.QuietSeconds));
        var ending = new List<(long Id, bool Folded)>();
        using (var command = StoreDatabase.Command(connection,
            "SELECT id, parent_id FROM incidents WHERE kind = 'adapter' AND ended_at IS NULL AND cleared_at IS NOT NULL AND cleared_at <= @since",
            ("@since", quietSince)))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                ending.Add((reader.GetInt64(0), !reader.IsDBNull(1)));
            }
        }

        foreach (var (id, folded) in ending)
        {
            StoreDatabase.Execute(connection, "UPDATE incidents SET ended_at = cleared_at WHERE id = @incident", ("@incident", id));
            if (!folded && Outbox.WasAnnounced(connection, id, now))
            {
                Enqueue(connection, id, Resolved, now, now);
            }
            else
            {
                Outbox.CancelNotDue(connection, id, now);
            }
        }

        var recovered = new List<long>();
        using (var command = StoreDatabase.Command(connection,
            """
            SELECT r.id FROM incidents r WHERE r.kind = 'registrar' AND r.ended_at IS NULL
            AND NOT EXISTS (SELECT 1 FROM incidents c WHERE c.parent_id = r.id AND c.ended_at IS NULL)
            """))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                recovered.Add(reader.GetInt64(0));
            }
        }

        foreach (var id in recovered)
        {
            StoreDatabase.Execute(connection, "UPDATE incidents SET ended_at = @now WHERE id = @incident", ("@incident", id), ("@now", Text(now)));
            Enqueue(connection, id, Resolved, now, now);
        }

        Outbox.Prune(connection, now - Retention);
    }

    /// <summary>Incidents, newest first.</summary>
    /// <param name="connection">A connection.</param>
    /// <param name="openOnly">Only those not ended.</param>
    public static IReadOnlyList<IncidentView> List(DbConnection connection, bool openOnly) =>
        Query(connection, openOnly ? "WHERE i.ended_at IS NULL" : string.Empty, null);

    /// <summary>Open incidents by kind, counted on the index of open incidents (not read).</summary>
    /// <param name="connection">A connection.</param>
    public static IReadOnlyDictionary<string, long> CountOpen(DbConnection connection)
    {
        using var command = StoreDatabase.Command(connection, "SELECT kind, count(*) FROM incidents WHERE ended_at IS NULL GROUP BY kind");
        using var reader = command.ExecuteReader();
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        while (reader.Read())
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }

        return counts;
    }

    /// <summary>One incident, or null.</summary>
    /// <param name="connection">A connection.</param>
    /// <param name="id">Its number.</param>
    public static IncidentView? Find(DbConnection connection, long id) =>
        Query(connection, "WHERE i.id = @incident", id).SingleOrDefault();

    private static List<IncidentView> Query(DbConnection connection, string filter, long? id)
    {
        using var command = StoreDatabase.Command(connection,
            $"""
            SELECT i.id, i.kind, i.device_id, i.registrar, i.code, i.line, i.opened_at, i.cleared_at, i.ended_at, i.flaps, i.parent_id,
                (SELECT count(*) FROM incidents c WHERE c.parent_id = i.id),
                (SELECT count(DISTINCT c.device_id) FROM incidents c WHERE c.parent_id = i.id),
                a.customer_ref, p.kind
            FROM incidents i
            LEFT JOIN adapters a ON a.device_id = i.device_id
            LEFT JOIN incidents p ON p.id = i.parent_id
            {filter} ORDER BY i.id DESC LIMIT 500
            """,
            ("@incident", id));
        using var reader = command.ExecuteReader();
        var incidents = new List<IncidentView>();
        while (reader.Read())
        {
            var code = reader.GetString(4);
            incidents.Add(new IncidentView(
                reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                code, reader.GetInt32(5) is var line and > 0 ? line : null, AdapterStore.ParseTime(reader.GetString(6)),
                reader.IsDBNull(7) ? null : AdapterStore.ParseTime(reader.GetString(7)), reader.IsDBNull(8) ? null : AdapterStore.ParseTime(reader.GetString(8)),
                reader.GetInt32(9), reader.IsDBNull(10) ? null : reader.GetInt64(10), reader.GetInt32(11),
                FaultDescriptions.Describe(code),
                reader.GetString(1) == RegistrarKind || (!reader.IsDBNull(14) && reader.GetString(14) == RegistrarKind) ? NextSteps.RegistrarIncident : NextSteps.For(code))
            {
                Adapters = reader.GetInt32(12),
                CustomerReference = reader.IsDBNull(13) ? null : reader.GetString(13),
            });
        }

        return incidents;
    }

    /// <summary>
    /// Opens a registrar incident when <see cref="IncidentOptions.FoldThreshold"/> adapters on
    /// <paramref name="registrar"/> failed with the same <paramref name="code"/> within
    /// <paramref name="window"/>, and folds their incidents (and the notices still waiting) into it.
    /// </summary>
    private void Fold(DbConnection connection, string registrar, string code, TimeSpan window, DateTimeOffset now)
    {
        var candidates = new List<(long Id, string DeviceId)>();
        using (var command = StoreDatabase.Command(connection,
            """
            SELECT id, device_id FROM incidents WHERE kind = 'adapter' AND ended_at IS NULL AND parent_id IS NULL
            AND registrar = @registrar AND code = @code AND opened_at >= @since
            """,
            ("@registrar", registrar), ("@code", code), ("@since", Text(now - window))))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                candidates.Add((reader.GetInt64(0), reader.GetString(1)));
            }
        }

        if (candidates.Select(c => c.DeviceId).Distinct(StringComparer.Ordinal).Count() < Options.FoldThreshold)
        {
            return;
        }

        var parent = InsertIncident(connection,
            "INSERT INTO incidents (kind, registrar, code, line, opened_at) VALUES ('registrar', @registrar, @code, 0, @now) RETURNING id",
            ("@registrar", registrar), ("@code", code), ("@now", Text(now)));
        foreach (var (id, _) in candidates)
        {
            StoreDatabase.Execute(connection, "UPDATE incidents SET parent_id = @parent WHERE id = @incident", ("@parent", parent), ("@incident", id));
            Outbox.CancelNotDue(connection, id, now);
        }

        Enqueue(connection, parent, Opened, now, now);
    }

    /// <summary>
    /// The adapter's latest incident reported on its own when it already opened
    /// <see cref="IncidentOptions.MaxPerAdapterPerHour"/> such incidents within the last hour; else null.
    /// </summary>
    private long? LatestReported(DbConnection connection, string deviceId, long incident, DateTimeOffset now)
    {
        using var command = StoreDatabase.Command(connection,
            """
            SELECT count(*), max(id) FROM incidents
            WHERE kind = 'adapter' AND device_id = @id AND parent_id IS NULL AND id <> @incident AND opened_at >= @since
            """,
            ("@id", deviceId), ("@incident", incident), ("@since", Text(now - TimeSpan.FromHours(1))));
        using var reader = command.ExecuteReader();
        return reader.Read() && reader.GetInt64(0) >= Options.MaxPerAdapterPerHour ? reader.GetInt64(1) : null;
    }

    private void Enqueue(DbConnection connection, long incident, string @event, DateTimeOffset now, DateTimeOffset notBefore)
    {
        var report = IncidentReport.Build(connection, incident, @event, now);
        Outbox.Enqueue(connection,
            new OutgoingMessage($"ata-incident-{incident}-{@event}", incident, @event, IncidentReport.Subject(report), report.ToJsonString(), now, notBefore),
            relay.Value.Channels);
    }

    private static string? RegistrarOf(DbConnection connection, string deviceId, int line)
    {
        using var command = StoreDatabase.Command(connection,
            "SELECT registrar FROM adapter_lines WHERE device_id = @id AND line = @line",
            ("@id", deviceId), ("@line", line == 0 ? 1 : line));
        return command.ExecuteScalar() as string;
    }

    private static long InsertIncident(DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = StoreDatabase.Command(connection, sql, parameters);
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>The store's time text.</summary>
    /// <param name="time">A time.</param>
    public static string Text(DateTimeOffset time) => time.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
}

/// <summary>An incident as support sees it.</summary>
/// <param name="Id">Its number.</param>
/// <param name="Kind"><c>adapter</c> or <c>registrar</c>.</param>
/// <param name="DeviceId">The adapter (adapter incidents).</param>
/// <param name="Registrar">The registrar the adapter's line uses, or the registrar of a registrar incident.</param>
/// <param name="Code">The fault code.</param>
/// <param name="Line">The line, if any.</param>
/// <param name="OpenedAt">When it started.</param>
/// <param name="ClearedAt">When the fault last cleared (the incident ends after the quiet time).</param>
/// <param name="EndedAt">When it ended.</param>
/// <param name="Flaps">How often it came back after clearing.</param>
/// <param name="ParentId">The incident it is folded into: a registrar incident, or its adapter's latest reported one when the adapter opened too many within an hour.</param>
/// <param name="Folded">Incidents folded into it: adapters' (registrar incidents), or the adapter's own beyond its hourly quota.</param>
/// <param name="Description">The fault in words.</param>
/// <param name="NextStep">What support should do (for an adapter's incident folded into a registrar incident, the registrar's step).</param>
public sealed record IncidentView(
    long Id, string Kind, string? DeviceId, string? Registrar, string Code, int? Line, DateTimeOffset OpenedAt,
    DateTimeOffset? ClearedAt, DateTimeOffset? EndedAt, int Flaps, long? ParentId, int Folded, string Description, string NextStep)
{
    /// <summary>Distinct adapters among the incidents folded into it (a registrar incident's adapters).</summary>
    public int Adapters { get; init; }

    /// <summary>The adapter's customer reference (adapter incidents), if it has one.</summary>
    public string? CustomerReference { get; init; }
}
