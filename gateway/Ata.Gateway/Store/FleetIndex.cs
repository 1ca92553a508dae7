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
/// <item><c>search_terms</c> with a trigram index (<c>search_trigrams</c>, FTS5): device id,
/// customer reference, SIP users, the MAC as hex digits and each line's number as digits, so a search
/// for any part of them is an index lookup;</item>
/// <item><c>fleet_changes</c>: the adapters whose visible state changed, in order, which
/// the fleet events (<c>GET /api/events</c>) pushes to dashboards.</item>
/// </list>
/// </summary>
public static class FleetIndex
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
        var added = AddColumn(connection, "adapter_state", "fault_count", "INTEGER NOT NULL DEFAULT 0");
        AddColumn(connection, "adapter_state", "line_count", "INTEGER NOT NULL DEFAULT 0");
        AddColumn(connection, "adapter_state", "lines_registered", "INTEGER NOT NULL DEFAULT 0");
        AddColumn(connection, "adapter_state", "config_status", $"TEXT NOT NULL DEFAULT '{ConfigStatus.Pending}'");
        AddColumn(connection, "adapter_state", "presence", $"TEXT GENERATED ALWAYS AS ({PresenceSql}) VIRTUAL");
        AddColumn(connection, "adapter_state", "registered",
            "INTEGER GENERATED ALWAYS AS (silent = 0 AND online = 1 AND line_count > 0 AND lines_registered = line_count) VIRTUAL");
        AddColumn(connection, "adapter_lines", "registration", $"TEXT NOT NULL DEFAULT '{DeviceReports.Unknown}'");
        AddColumn(connection, "adapter_lines", "number", "TEXT");

        StoreDatabase.Execute(connection,
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
            CREATE VIRTUAL TABLE IF NOT EXISTS search_trigrams USING fts5 (term, content = 'search_terms', content_rowid = 'id', tokenize = 'trigram');
            CREATE TABLE IF NOT EXISTS fleet_changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, device_id TEXT NOT NULL) STRICT;

            CREATE INDEX IF NOT EXISTS adapter_state_presence ON adapter_state (presence, device_id);
            CREATE INDEX IF NOT EXISTS adapter_state_registered ON adapter_state (device_id) WHERE registered = 1;
            CREATE INDEX IF NOT EXISTS adapter_state_faulted ON adapter_state (device_id) WHERE fault_count > 0;
            CREATE INDEX IF NOT EXISTS adapter_state_firmware ON adapter_state (coalesce(firmware, ''), device_id);
            CREATE INDEX IF NOT EXISTS adapter_state_last_seen ON adapter_state (coalesce(last_seen, ''), device_id);
            CREATE INDEX IF NOT EXISTS adapters_customer ON adapters (coalesce(customer_ref, '') COLLATE NOCASE, device_id);
            CREATE INDEX IF NOT EXISTS adapter_lines_registrar ON adapter_lines (registrar COLLATE NOCASE, device_id);
            CREATE INDEX IF NOT EXISTS active_faults_code ON active_faults (code, device_id);
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

    private static string Add(string name, string delta) =>
        $"INSERT INTO fleet_counts (name, value) VALUES ({name}, {delta}) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value;";

    /// <summary>The counts an adapter's state row is in, added (<paramref name="sign"/> empty) or taken away (<c>-</c>).</summary>
    private static string StateCounts(string row, string sign) => string.Join("\n",
        Add($"'{FleetCounts.PresencePrefix}' || {row}.presence", sign + "1"),
        Add($"'{FleetCounts.ConfigPrefix}' || {row}.config_status", sign + "1"),
        Add($"'{FleetCounts.OnlineFlag}'", $"{sign}{row}.online"),
        Add($"'{FleetCounts.SilentFlag}'", $"{sign}{row}.silent"),
        Add($"'{FleetCounts.Faulted}'", $"{sign}({row}.fault_count > 0)"),
        Add($"'{FleetCounts.Registered}'", $"{sign}{row}.registered"));

    private static void CreateTriggers(DbConnection connection)
    {
        const string changed = "INSERT INTO fleet_changes (device_id) VALUES";
        var stateChanged = string.Join(" OR ", new[]
        {
            "online", "silent", "presence", "firmware", "hardware", "mac", "led_pwr", "led_wan", "led_tel1", "led_tel2", "wan", "wan_address",
            "applied_config_version", "refused_config_version", "refused_reason", "fault_count", "line_count", "lines_registered", "config_status",
        }.Select(c => $"old.{c} IS NOT new.{c}"));

        StoreDatabase.Execute(connection,
            $"""
            CREATE TRIGGER IF NOT EXISTS fleet_adapter_added AFTER INSERT ON adapters BEGIN
                {Add($"'{FleetCounts.Adapters}'", "1")}
                INSERT INTO search_terms (device_id, kind, term) VALUES (new.device_id, 'id', new.device_id);
                INSERT INTO search_terms (device_id, kind, term) SELECT new.device_id, 'customer', new.customer_ref WHERE new.customer_ref IS NOT NULL;
                {changed} (new.device_id);
            END;
            CREATE TRIGGER IF NOT EXISTS fleet_adapter_removed AFTER DELETE ON adapters BEGIN
                {Add($"'{FleetCounts.Adapters}'", "-1")}
                {changed} (old.device_id);
            END;
            CREATE TRIGGER IF NOT EXISTS fleet_customer_changed AFTER UPDATE OF customer_ref ON adapters
            WHEN old.customer_ref IS NOT new.customer_ref BEGIN
                DELETE FROM search_terms WHERE device_id = new.device_id AND kind = 'customer';
                INSERT INTO search_terms (device_id, kind, term) SELECT new.device_id, 'customer', new.customer_ref WHERE new.customer_ref IS NOT NULL;
                {changed} (new.device_id);
            END;
            CREATE TRIGGER IF NOT EXISTS fleet_config_issued AFTER UPDATE OF config_version ON adapters
            WHEN old.config_version IS NOT new.config_version BEGIN
                UPDATE adapter_state SET config_status = {ConfigStatusSql("new.config_version", "applied_config_version", "refused_config_version")}
                WHERE device_id = new.device_id;
            END;
            CREATE TRIGGER IF NOT EXISTS fleet_config_answered AFTER UPDATE OF applied_config_version, refused_config_version ON adapter_state BEGIN
                UPDATE adapter_state SET config_status = (SELECT {ConfigStatusSql("a.config_version", "new.applied_config_version", "new.refused_config_version")}
                    FROM adapters a WHERE a.device_id = new.device_id)
                WHERE device_id = new.device_id;
            END;

            CREATE TRIGGER IF NOT EXISTS fleet_state_added AFTER INSERT ON adapter_state BEGIN
                {StateCounts("new", string.Empty)}
            END;
            CREATE TRIGGER IF NOT EXISTS fleet_state_removed AFTER DELETE ON adapter_state BEGIN
                {StateCounts("old", "-")}
            END;
            CREATE TRIGGER IF NOT EXISTS fleet_state_changed AFTER UPDATE ON adapter_state WHEN {stateChanged} BEGIN
                UPDATE fleet_counts SET value = value - 1 WHERE name = '{FleetCounts.PresencePrefix}' || old.presence AND old.presence IS NOT new.presence;
                UPDATE fleet_counts SET value = value + 1 WHERE name = '{FleetCounts.PresencePrefix}' || new.presence AND old.presence IS NOT new.presence;
                UPDATE fleet_counts SET value = value - 1 WHERE name = '{FleetCounts.ConfigPrefix}' || old.config_status AND old.config_status IS NOT new.config_status;
                UPDATE fleet_counts SET value = value + 1 WHERE name = '{FleetCounts.ConfigPrefix}' || new.config_status AND old.config_status IS NOT new.config_status;
                UPDATE fleet_counts SET value = value + new.online - old.online WHERE name = '{FleetCounts.OnlineFlag}' AND old.online IS NOT new.online;
                UPDATE fleet_counts SET value = value + new.silent - old.silent WHERE name = '{FleetCounts.SilentFlag}' AND old.silent IS NOT new.silent;
                UPDATE fleet_counts SET value = value + (new.fault_count > 0) - (old.fault_count > 0)
                    WHERE name = '{FleetCounts.Faulted}' AND (old.fault_count > 0) IS NOT (new.fault_count > 0);
                UPDATE fleet_counts SET value = value + new.registered - old.registered WHERE name = '{FleetCounts.Registered}' AND old.registered IS NOT new.registered;
                {changed} (new.device_id);
            END;
            CREATE TRIGGER IF NOT EXISTS fleet_mac_changed AFTER UPDATE OF mac ON adapter_state WHEN old.mac IS NOT new.mac BEGIN
                DELETE FROM search_terms WHERE device_id = new.device_id AND kind = 'mac';
                INSERT INTO search_terms (device_id, kind, term) SELECT new.device_id, 'mac', {MacHexSql("new.mac")} WHERE new.mac IS NOT NULL;
            END;

            CREATE TRIGGER IF NOT EXISTS fleet_fault_opened AFTER INSERT ON active_faults BEGIN
                UPDATE adapter_state SET fault_count = fault_count + 1 WHERE device_id = new.device_id;
                {Add($"'{FleetCounts.FaultPrefix}' || new.code", "1")}
                {changed} (new.device_id);
            END;
            CREATE TRIGGER IF NOT EXISTS fleet_fault_closed AFTER DELETE ON active_faults BEGIN
                UPDATE adapter_state SET fault_count = fault_count - 1 WHERE device_id = old.device_id;
                {Add($"'{FleetCounts.FaultPrefix}' || old.code", "-1")}
                {changed} (old.device_id);
            END;
            CREATE TRIGGER IF NOT EXISTS fleet_fault_changed AFTER UPDATE ON active_faults BEGIN
                {changed} (new.device_id);
            END;

            CREATE TRIGGER IF NOT EXISTS fleet_line_added AFTER INSERT ON adapter_lines BEGIN
                UPDATE adapter_state SET line_count = line_count + 1, lines_registered = lines_registered + (new.registration = 'registered')
                WHERE device_id = new.device_id;
                {Add($"'{FleetCounts.LinePrefix}' || new.registration", "1")}
                INSERT INTO search_terms (device_id, kind, line, term) VALUES (new.device_id, 'user', new.line, new.username);
                INSERT INTO search_terms (device_id, kind, line, term) SELECT new.device_id, 'number', new.line, new.number WHERE new.number IS NOT NULL;
                {changed} (new.device_id);
            END;
            CREATE TRIGGER IF NOT EXISTS fleet_line_removed AFTER DELETE ON adapter_lines BEGIN
                UPDATE adapter_state SET line_count = line_count - 1, lines_registered = lines_registered - (old.registration = 'registered')
                WHERE device_id = old.device_id;
                {Add($"'{FleetCounts.LinePrefix}' || old.registration", "-1")}
                DELETE FROM search_terms WHERE device_id = old.device_id AND kind IN ('user', 'number') AND line = old.line;
                {changed} (old.device_id);
            END;
            CREATE TRIGGER IF NOT EXISTS fleet_line_registration AFTER UPDATE OF registration ON adapter_lines
            WHEN old.registration IS NOT new.registration BEGIN
                UPDATE adapter_state SET lines_registered = lines_registered + (new.registration = 'registered') - (old.registration = 'registered')
                WHERE device_id = new.device_id;
                {Add($"'{FleetCounts.LinePrefix}' || old.registration", "-1")}
                {Add($"'{FleetCounts.LinePrefix}' || new.registration", "1")}
                {changed} (new.device_id);
            END;

            CREATE TRIGGER IF NOT EXISTS fleet_line_reported AFTER INSERT ON line_health BEGIN
                UPDATE adapter_lines SET registration = new.registration
                WHERE device_id = new.device_id AND line = new.line AND registration IS NOT new.registration;
                {changed} (new.device_id);
            END;
            CREATE TRIGGER IF NOT EXISTS fleet_line_report_changed AFTER UPDATE ON line_health BEGIN
                UPDATE adapter_lines SET registration = new.registration
                WHERE device_id = new.device_id AND line = new.line AND registration IS NOT new.registration;
                {changed} (new.device_id);
            END;
            CREATE TRIGGER IF NOT EXISTS fleet_line_report_removed AFTER DELETE ON line_health BEGIN
                UPDATE adapter_lines SET registration = '{DeviceReports.Unknown}'
                WHERE device_id = old.device_id AND line = old.line AND registration IS NOT '{DeviceReports.Unknown}';
            END;

            CREATE TRIGGER IF NOT EXISTS search_term_added AFTER INSERT ON search_terms BEGIN
                INSERT INTO search_trigrams (rowid, term) VALUES (new.id, new.term);
            END;
            CREATE TRIGGER IF NOT EXISTS search_term_removed AFTER DELETE ON search_terms BEGIN
                INSERT INTO search_trigrams (search_trigrams, rowid, term) VALUES ('delete', old.id, old.term);
            END;
            """);
    }

    /// <summary>Adds a column unless the table has it; true when it was added.</summary>
    private static bool AddColumn(DbConnection connection, string table, string column, string definition)
    {
        if (StoreDatabase.HasColumn(connection, table, column))
        {
            return false;
        }

        StoreDatabase.Execute(connection, $"ALTER TABLE {table} ADD COLUMN {column} {definition}");
        return true;
    }
}
