using Ata.Gateway.Fleet;
using System.Data.Common;

namespace Ata.Gateway.Store;

/// <summary>
/// What keeps fleet queries off full scans at 100,000 adapters, maintained by the database itself
/// (triggers), so every writer keeps it true, whichever feature it is:
/// <list type="bullet">
/// <item>per adapter, in <c>adapter_state</c>: <c>presence</c> (online, offline, silent, never),
/// <c>registered</c>, <c>fault_count</c>, <c>line_count</c>, <c>lines_registered</c> and
/// <c>config_status</c>, each indexed with the device id for keyset paging;</item>
/// <item><c>fleet_counts</c>: the overview's and <c>/metrics</c>' counts (adapters by presence,
/// registered, faulted, config status, lines by registration, active faults by code);</item>
/// <item><c>search_terms</c> with a trigram index (SQLite: <c>search_trigrams</c>, FTS5; PostgreSQL: a GIN
/// index of <c>pg_trgm</c>): device id,
/// customer reference, SIP users, the MAC as hex digits and each line's number as digits, so a search
/// for any part of them is an index lookup;</item>
/// <item><c>fleet_changes</c>: the adapters whose visible state changed, in order, which
/// the fleet events (<c>GET /api/events</c>) pushes to dashboards.</item>
/// </list>
/// </summary>
public static partial class FleetIndex
{
    /// <summary>Change feed entries kept; older ones are trimmed (a reader further behind refetches its page).</summary>
    public const int ChangesKept = 50_000;

    /// <summary>The SQL of an adapter's presence from its <c>adapter_state</c> row.</summary>
    private const string PresenceSql =
        "CASE WHEN silent = 1 THEN 'silent' WHEN online = 1 THEN 'online' WHEN last_seen IS NULL THEN 'never' ELSE 'offline' END";

    /// <summary>The fixed counters, made at 0 so triggers only add to them.</summary>
    private static readonly string[] FixedCounters =
    [
        FleetCounts.Adapters, FleetCounts.OnlineFlag, FleetCounts.SilentFlag, FleetCounts.Faulted, FleetCounts.Registered,
        .. FleetCounts.Presences.Select(p => FleetCounts.PresencePrefix + p),
        .. new[] { ConfigStatus.Pending, ConfigStatus.Applied, ConfigStatus.Refused }.Select(s => FleetCounts.ConfigPrefix + s),
    ];

    /// <summary>
    /// Adds the derived columns, counters, search terms, change feed, their triggers and indexes (to a
    /// new store or one written before them, whose counts and terms are then built once from its rows).
    /// </summary>
    /// <param name="connection">A connection inside the schema transaction.</param>
    internal static void CreateSchema(DbConnection connection)
    {
        var dialect = StoreDatabase.DialectOf(connection);
        var added = AddColumn(connection, "adapter_state", "fault_count", "INTEGER NOT NULL DEFAULT 0");
        AddColumn(connection, "adapter_state", "line_count", "INTEGER NOT NULL DEFAULT 0");
        AddColumn(connection, "adapter_state", "lines_registered", "INTEGER NOT NULL DEFAULT 0");
        AddColumn(connection, "adapter_state", "config_status", $"TEXT NOT NULL DEFAULT '{ConfigStatus.Pending}'");
        AddColumn(connection, "adapter_state", "presence", $"TEXT GENERATED ALWAYS AS ({PresenceSql}) VIRTUAL");
        AddColumn(connection, "adapter_state", "registered",
            $"INTEGER GENERATED ALWAYS AS ({Flag("silent = 0 AND online = 1 AND line_count > 0 AND lines_registered = line_count")}) VIRTUAL");
        AddColumn(connection, "adapter_lines", "registration", $"TEXT NOT NULL DEFAULT '{DeviceReports.Unknown}'");
        AddColumn(connection, "adapter_lines", "number", "TEXT");

        StoreDatabase.Execute(connection, StoreSql.Tables(dialect,
            """
            CREATE TABLE IF NOT EXISTS fleet_counts (name TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL) STRICT, WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS search_terms (
                id INTEGER PRIMARY KEY,
                device_id TEXT NOT NULL REFERENCES adapters (device_id) ON DELETE CASCADE,
                kind TEXT NOT NULL,
                line INTEGER NOT NULL DEFAULT 0,
                term TEXT NOT NULL
            ) STRICT;
            CREATE INDEX IF NOT EXISTS search_terms_device ON search_terms (device_id, kind, line);
            CREATE INDEX IF NOT EXISTS search_terms_term ON search_terms (kind, term);
            CREATE TABLE IF NOT EXISTS fleet_changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, device_id TEXT NOT NULL) STRICT;

            CREATE INDEX IF NOT EXISTS adapter_state_presence ON adapter_state (presence, device_id);
            CREATE INDEX IF NOT EXISTS adapter_state_registered ON adapter_state (device_id) WHERE registered = 1;
            CREATE INDEX IF NOT EXISTS adapter_state_faulted ON adapter_state (device_id) WHERE fault_count > 0;
            CREATE INDEX IF NOT EXISTS adapter_state_firmware ON adapter_state (coalesce(firmware, ''), device_id);
            CREATE INDEX IF NOT EXISTS adapter_state_last_seen ON adapter_state (coalesce(last_seen, ''), device_id);
            CREATE INDEX IF NOT EXISTS active_faults_code ON active_faults (code, device_id);
            """));

        // Case-insensitive filters and sorts (customer, registrar), and the trigram search.
        StoreDatabase.Execute(connection, dialect == StoreDialect.Sqlite
            ? """
              CREATE INDEX IF NOT EXISTS adapters_customer ON adapters (coalesce(customer_ref, '') COLLATE NOCASE, device_id);
              CREATE INDEX IF NOT EXISTS adapter_lines_registrar ON adapter_lines (registrar COLLATE NOCASE, device_id);
              CREATE VIRTUAL TABLE IF NOT EXISTS search_trigrams USING fts5 (term, content = 'search_terms', content_rowid = 'id', tokenize = 'trigram');
              """
            : """
              CREATE INDEX IF NOT EXISTS adapters_customer ON adapters (lower(coalesce(customer_ref, '')), device_id);
              CREATE INDEX IF NOT EXISTS adapter_lines_registrar ON adapter_lines (lower(registrar), device_id);
              CREATE EXTENSION IF NOT EXISTS pg_trgm;
              CREATE INDEX IF NOT EXISTS search_terms_trigrams ON search_terms USING gin (lower(term) gin_trgm_ops);
              """);

        foreach (var name in FixedCounters)
        {
            StoreDatabase.Execute(connection, "INSERT INTO fleet_counts (name, value) VALUES (@name, 0) ON CONFLICT (name) DO NOTHING", ("@name", name));
        }

        CreateTriggers(connection);
        if (added)
        {
            Rebuild(connection);
        }
    }

    /// <summary>Makes every derived column, count and search term again from the rows (once, for a store written before them).</summary>
    /// <param name="connection">A connection inside a transaction.</param>
    internal static void Rebuild(DbConnection connection)
    {
        StoreDatabase.Execute(connection,
            $"""
            UPDATE adapter_lines SET registration = coalesce((SELECT h.registration FROM line_health h
                WHERE h.device_id = adapter_lines.device_id AND h.line = adapter_lines.line), '{DeviceReports.Unknown}');
            UPDATE adapter_state SET
                fault_count = (SELECT count(*) FROM active_faults f WHERE f.device_id = adapter_state.device_id),
                line_count = (SELECT count(*) FROM adapter_lines l WHERE l.device_id = adapter_state.device_id),
                lines_registered = (SELECT count(*) FROM adapter_lines l WHERE l.device_id = adapter_state.device_id AND l.registration = 'registered'),
                config_status = (SELECT {ConfigStatusSql("a.config_version", "adapter_state.applied_config_version", "adapter_state.refused_config_version")}
                    FROM adapters a WHERE a.device_id = adapter_state.device_id);
            DELETE FROM search_terms;
            INSERT INTO search_terms (device_id, kind, term) SELECT device_id, 'id', device_id FROM adapters;
            INSERT INTO search_terms (device_id, kind, term) SELECT device_id, 'customer', customer_ref FROM adapters WHERE customer_ref IS NOT NULL;
            INSERT INTO search_terms (device_id, kind, line, term) SELECT device_id, 'user', line, username FROM adapter_lines;
            INSERT INTO search_terms (device_id, kind, term) SELECT device_id, 'mac', {MacHexSql("mac")} FROM adapter_state WHERE mac IS NOT NULL;
            """);

        var lines = new List<(string DeviceId, int Line, string Username)>();
        using (var command = StoreDatabase.Command(connection, "SELECT device_id, line, username FROM adapter_lines"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                lines.Add((reader.GetString(0), reader.GetInt32(1), reader.GetString(2)));
            }
        }

        foreach (var (deviceId, line, username) in lines)
        {
            StoreDatabase.Execute(connection, "UPDATE adapter_lines SET number = @number WHERE device_id = @id AND line = @line",
                ("@id", deviceId), ("@line", line), ("@number", FleetSearch.NumberOf(username)));
        }

        StoreDatabase.Execute(connection,
            "INSERT INTO search_terms (device_id, kind, line, term) SELECT device_id, 'number', line, number FROM adapter_lines WHERE number IS NOT NULL");
        Recount(connection);
        StoreDatabase.Execute(connection, "DELETE FROM fleet_changes");
    }

    /// <summary>Counts everything again from the rows.</summary>
    /// <param name="connection">A connection inside a transaction.</param>
    internal static void Recount(DbConnection connection) =>
        StoreDatabase.Execute(connection,
            $"""
            UPDATE fleet_counts SET value = 0;
            DELETE FROM fleet_counts WHERE name LIKE '{FleetCounts.FaultPrefix}%' OR name LIKE '{FleetCounts.LinePrefix}%';
            UPDATE fleet_counts SET value = (SELECT count(*) FROM adapters) WHERE name = '{FleetCounts.Adapters}';
            UPDATE fleet_counts SET value = (SELECT count(*) FROM adapter_state WHERE online = 1) WHERE name = '{FleetCounts.OnlineFlag}';
            UPDATE fleet_counts SET value = (SELECT count(*) FROM adapter_state WHERE silent = 1) WHERE name = '{FleetCounts.SilentFlag}';
            UPDATE fleet_counts SET value = (SELECT count(*) FROM adapter_state WHERE fault_count > 0) WHERE name = '{FleetCounts.Faulted}';
            UPDATE fleet_counts SET value = (SELECT count(*) FROM adapter_state WHERE registered = 1) WHERE name = '{FleetCounts.Registered}';
            UPDATE fleet_counts SET value = (SELECT count(*) FROM adapter_state s WHERE '{FleetCounts.PresencePrefix}' || s.presence = fleet_counts.name)
                WHERE name LIKE '{FleetCounts.PresencePrefix}%';
            UPDATE fleet_counts SET value = (SELECT count(*) FROM adapter_state s WHERE '{FleetCounts.ConfigPrefix}' || s.config_status = fleet_counts.name)
                WHERE name LIKE '{FleetCounts.ConfigPrefix}%';
            INSERT INTO fleet_counts (name, value) SELECT '{FleetCounts.FaultPrefix}' || code, count(*) FROM active_faults GROUP BY code;
            INSERT INTO fleet_counts (name, value) SELECT '{FleetCounts.LinePrefix}' || registration, count(*) FROM adapter_lines GROUP BY registration;
            """);

    /// <summary>The config status (<see cref="ConfigStatus.Of"/>) in SQL.</summary>
    private static string ConfigStatusSql(string current, string applied, string refused) =>
        $"CASE WHEN {applied} >= {current} THEN '{ConfigStatus.Applied}' WHEN {refused} >= {current} THEN '{ConfigStatus.Refused}' ELSE '{ConfigStatus.Pending}' END";

    /// <summary>A MAC's hex digits in lower case, in SQL (the separators <see cref="FleetSearch"/> allows removed).</summary>
    private static string MacHexSql(string column) =>
        $"lower(replace(replace(replace(replace({column}, ':', ''), '-', ''), '.', ''), ' ', ''))";

    /// <summary>A condition as 1 or 0 (SQLite's comparisons are integers already; PostgreSQL's are booleans).</summary>
    private static string Flag(string condition) => $"(CASE WHEN {condition} THEN 1 ELSE 0 END)";

    private static string Add(string name, string delta) =>
        $"INSERT INTO fleet_counts (name, value) VALUES ({name}, {delta}) ON CONFLICT (name) DO UPDATE SET value = fleet_counts.value + excluded.value;";

    /// <summary>The counts an adapter's state row is in, added (<paramref name="sign"/> empty) or taken away (<c>-</c>).</summary>
    private static string StateCounts(string row, string sign) => string.Join("\n",
        Add($"'{FleetCounts.PresencePrefix}' || {row}.presence", sign + "1"),
        Add($"'{FleetCounts.ConfigPrefix}' || {row}.config_status", sign + "1"),
        Add($"'{FleetCounts.OnlineFlag}'", $"{sign}{row}.online"),
        Add($"'{FleetCounts.SilentFlag}'", $"{sign}{row}.silent"),
        Add($"'{FleetCounts.Faulted}'", $"{sign}{Flag($"{row}.fault_count > 0")}"),
        Add($"'{FleetCounts.Registered}'", $"{sign}{row}.registered"));

    /// <summary>Adds a column unless the table has it; true when it was added.</summary>
    private static bool AddColumn(DbConnection connection, string table, string column, string definition)
    {
        if (StoreDatabase.HasColumn(connection, table, column))
        {
            return false;
        }

        StoreDatabase.Execute(connection, $"ALTER TABLE {table} ADD COLUMN {column} {StoreSql.Tables(StoreDatabase.DialectOf(connection), definition)}");
        return true;
    }
}
