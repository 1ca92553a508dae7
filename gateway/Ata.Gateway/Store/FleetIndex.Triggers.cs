using System.Data.Common;
using System.Text.RegularExpressions;
using Ata.Gateway.Fleet;

namespace Ata.Gateway.Store;

/// <summary>
/// The fleet index's triggers, written once in SQLite's form and, on PostgreSQL, made into plpgsql
/// functions with the same statements (<c>IS NOT</c> there is <c>IS DISTINCT FROM</c>). The search
/// index needs none there: <c>pg_trgm</c>'s GIN index follows <c>search_terms</c> by itself.
/// </summary>
public static partial class FleetIndex
{
    private static void CreateTriggers(DbConnection connection)
    {
        var dialect = StoreDatabase.DialectOf(connection);
        const string changed = "INSERT INTO fleet_changes (device_id) VALUES";
        var stateChanged = string.Join(" OR ", new[]
        {
            "online", "silent", "presence", "firmware", "hardware", "mac", "led_pwr", "led_wan", "led_tel1", "led_tel2", "wan", "wan_address",
            "applied_config_version", "refused_config_version", "refused_reason", "fault_count", "line_count", "lines_registered", "config_status",
        }.Select(c => $"old.{c} IS NOT new.{c}"));

        var triggers =
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
                UPDATE fleet_counts SET value = value + {Flag("new.fault_count > 0")} - {Flag("old.fault_count > 0")}
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
                UPDATE adapter_state SET line_count = line_count + 1, lines_registered = lines_registered + {Flag("new.registration = 'registered'")}
                WHERE device_id = new.device_id;
                {Add($"'{FleetCounts.LinePrefix}' || new.registration", "1")}
                INSERT INTO search_terms (device_id, kind, line, term) VALUES (new.device_id, 'user', new.line, new.username);
                INSERT INTO search_terms (device_id, kind, line, term) SELECT new.device_id, 'number', new.line, new.number WHERE new.number IS NOT NULL;
                {changed} (new.device_id);
            END;
            CREATE TRIGGER IF NOT EXISTS fleet_line_removed AFTER DELETE ON adapter_lines BEGIN
                UPDATE adapter_state SET line_count = line_count - 1, lines_registered = lines_registered - {Flag("old.registration = 'registered'")}
                WHERE device_id = old.device_id;
                {Add($"'{FleetCounts.LinePrefix}' || old.registration", "-1")}
                DELETE FROM search_terms WHERE device_id = old.device_id AND kind IN ('user', 'number') AND line = old.line;
                {changed} (old.device_id);
            END;
            CREATE TRIGGER IF NOT EXISTS fleet_line_registration AFTER UPDATE OF registration ON adapter_lines
            WHEN old.registration IS NOT new.registration BEGIN
                UPDATE adapter_state SET lines_registered = lines_registered + {Flag("new.registration = 'registered'")} - {Flag("old.registration = 'registered'")}
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
            """;
        if (dialect == StoreDialect.Sqlite)
        {
            StoreDatabase.Execute(connection, triggers);
            return;
        }

        foreach (Match trigger in SqliteTrigger().Matches(triggers))
        {
            CreatePostgreSqlTrigger(connection, trigger);
        }
    }


    /// <summary>One SQLite trigger: name, event, table, optional WHEN condition, body.</summary>
    [GeneratedRegex(@"CREATE TRIGGER IF NOT EXISTS (?<name>\w+) (?<event>AFTER (?:INSERT|DELETE|UPDATE(?: OF [\w, ]+?)?)) ON (?<table>\w+)(?:\s+WHEN (?<when>.*?))?\s+BEGIN(?<body>.*?)\bEND;",
        RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex SqliteTrigger();

    [GeneratedRegex(@"\bIS NOT (?!NULL\b)", RegexOptions.CultureInvariant)]
    private static partial Regex IsNot();

    /// <summary>Makes a trigger as a plpgsql function and a row trigger calling it, unless it is there already.</summary>
    private static void CreatePostgreSqlTrigger(DbConnection connection, Match trigger)
    {
        var name = trigger.Groups["name"].Value;
        if (name.StartsWith("search_term_", StringComparison.Ordinal))
        {
            return;
        }

        using (var exists = StoreDatabase.Command(connection, "SELECT 1 FROM pg_trigger WHERE tgname = @name AND NOT tgisinternal", ("@name", name)))
        {
            if (exists.ExecuteScalar() is not null)
            {
                return;
            }
        }

        var body = IsNot().Replace(trigger.Groups["body"].Value, "IS DISTINCT FROM ");
        StoreDatabase.Execute(connection, $"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $body$ BEGIN {body} RETURN NULL; END $body$");
        var when = trigger.Groups["when"].Success ? $"WHEN ({IsNot().Replace(trigger.Groups["when"].Value, "IS DISTINCT FROM ")})" : string.Empty;
        StoreDatabase.Execute(connection,
            $"CREATE TRIGGER {name} {trigger.Groups["event"].Value} ON {trigger.Groups["table"].Value} FOR EACH ROW {when} EXECUTE FUNCTION {name}()");
    }
}
