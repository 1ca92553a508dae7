using System.Globalization;
using System.Text.Json;
using Ata.Gateway.Fleet;
using Ata.Gateway.Incidents;
using Ata.Gateway.Provisioning;
using System.Data.Common;

using static Ata.Gateway.Store.StoreDatabase;

namespace Ata.Gateway.Store;

/// <summary>The store's schema and its migrations; each feature's own tables are made by its <c>CreateSchema</c>.</summary>
public sealed partial class AdapterStore
{
    private const int SchemaVersion = 6;

    private void CreateSchema()
    {
        using var connection = Open();
        using var transaction = Database.BeginMigration(connection);
        var current = Database.ReadSchemaVersion(connection);
        if (current > SchemaVersion)
        {
            throw new InvalidOperationException($"{Database.Description} was written by a newer gateway (schema {current}, this one knows {SchemaVersion}).");
        }

        if (current == 1)
        {
            MigrateFromVersion1(connection);
        }

        // Version 3 added service_requests (created below, like every table) and the optional line
        // settings flashMs, tones, shortTimerMs and longTimerMs, which a version-2 line's settings
        // JSON lacks and so reads as "the adapter's default": nothing to rewrite.
        // Version 4 added fault_boots (FaultRecords.CreateSchema, below): a version-3 store has heard
        // of no boot yet, so its first change of each adapter is taken as new. It also added the
        // optional line settings registrarProbeSeconds and noAnswerSeconds, which a version-3 line
        // lacks and so reads as "the adapter's default", as above.
        // Version 5 added call_records (Calls.CallBook.CreateSchema, below): a version-4 store has no call records yet;
        // and people, person_tokens (People.PeopleDirectory.CreateSchema) and commands (Commands.CommandBook.CreateSchema); and refused_logins (Broker.RefusedLoginRecords.CreateSchema).
        // onboarding_codes (Provisioning.OnboardingCodes.CreateSchema) came later, within version 5: a new table, made on start if missing.
        // Version 6 added the fleet index (FleetIndex.CreateSchema): derived columns, counts, search terms and the change
        // feed, kept by triggers; a version-5 store gets them built once from its rows.

        Execute(connection, StoreSql.Tables(Dialect,
            $"""
            CREATE TABLE IF NOT EXISTS adapters (
                device_id TEXT PRIMARY KEY NOT NULL,
                secret_hash TEXT NOT NULL,
                config_version INTEGER NOT NULL,
                published_version INTEGER NOT NULL DEFAULT 0,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                customer_ref TEXT,
                send_ha1 INTEGER NOT NULL DEFAULT 0,
                pending_secret TEXT,
                pending_secret_version INTEGER
            ) STRICT;
            CREATE TABLE IF NOT EXISTS adapter_lines (
                device_id TEXT NOT NULL REFERENCES adapters (device_id) ON DELETE CASCADE,
                line INTEGER NOT NULL,
                username TEXT NOT NULL,
                password TEXT NOT NULL,
                registrar TEXT NOT NULL,
                settings TEXT NOT NULL DEFAULT '{"{}"}',
                PRIMARY KEY (device_id, line)
            ) STRICT;
            CREATE TABLE IF NOT EXISTS config_versions (
                device_id TEXT NOT NULL REFERENCES adapters (device_id) ON DELETE CASCADE,
                version INTEGER NOT NULL,
                created_at TEXT NOT NULL,
                actor TEXT NOT NULL,
                status TEXT NOT NULL,
                reason TEXT,
                PRIMARY KEY (device_id, version)
            ) STRICT;
            CREATE TABLE IF NOT EXISTS health_history (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                device_id TEXT NOT NULL REFERENCES adapters (device_id) ON DELETE CASCADE,
                at TEXT NOT NULL,
                uptime_ms INTEGER,
                rssi INTEGER,
                free_heap INTEGER
            ) STRICT;
            CREATE INDEX IF NOT EXISTS health_history_device ON health_history (device_id, seq);
            CREATE TABLE IF NOT EXISTS fault_events (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                device_id TEXT NOT NULL REFERENCES adapters (device_id) ON DELETE CASCADE,
                at TEXT NOT NULL,
                code TEXT NOT NULL,
                line INTEGER NOT NULL,
                raised INTEGER NOT NULL,
                sip_code INTEGER,
                detail TEXT
            ) STRICT;
            CREATE INDEX IF NOT EXISTS fault_events_device ON fault_events (device_id, seq);
            CREATE TABLE IF NOT EXISTS service_requests (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                device_id TEXT NOT NULL REFERENCES adapters (device_id) ON DELETE CASCADE,
                at TEXT NOT NULL,
                line INTEGER,
                service_code TEXT NOT NULL,
                action TEXT NOT NULL,
                outcome TEXT NOT NULL
            ) STRICT;
            CREATE INDEX IF NOT EXISTS service_requests_device ON service_requests (device_id, seq);
            CREATE TABLE IF NOT EXISTS audit_log (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                at TEXT NOT NULL,
                actor TEXT NOT NULL,
                role TEXT NOT NULL,
                action TEXT NOT NULL,
                target TEXT,
                detail TEXT
            ) STRICT;
            CREATE TABLE IF NOT EXISTS api_keys (
                name TEXT PRIMARY KEY NOT NULL,
                role TEXT NOT NULL,
                key_hash TEXT NOT NULL UNIQUE,
                created_at TEXT NOT NULL,
                created_by TEXT NOT NULL
            ) STRICT;
            CREATE TABLE IF NOT EXISTS adapter_state (
                device_id TEXT PRIMARY KEY NOT NULL REFERENCES adapters (device_id) ON DELETE CASCADE,
                online INTEGER NOT NULL DEFAULT 0,
                last_seen TEXT,
                firmware TEXT,
                hardware TEXT,
                reset_reason TEXT,
                mac TEXT,
                hello_at TEXT,
                health_at TEXT,
                uptime_ms INTEGER,
                rssi INTEGER,
                free_heap INTEGER,
                wan TEXT,
                wan_address TEXT,
                running_config_version INTEGER,
                led_pwr TEXT NOT NULL DEFAULT '{LedStates.Off}',
                led_wan TEXT NOT NULL DEFAULT '{LedStates.Off}',
                led_tel1 TEXT NOT NULL DEFAULT '{LedStates.Off}',
                led_tel2 TEXT NOT NULL DEFAULT '{LedStates.Off}',
                applied_config_version INTEGER,
                refused_config_version INTEGER,
                refused_reason TEXT,
                silent INTEGER NOT NULL DEFAULT 0
            ) STRICT;
            CREATE TABLE IF NOT EXISTS line_health (
                device_id TEXT NOT NULL REFERENCES adapters (device_id) ON DELETE CASCADE,
                line INTEGER NOT NULL,
                registration TEXT NOT NULL,
                sip_code INTEGER,
                line_state TEXT,
                voicemail TEXT,
                PRIMARY KEY (device_id, line)
            ) STRICT;
            CREATE TABLE IF NOT EXISTS active_faults (
                device_id TEXT NOT NULL REFERENCES adapters (device_id) ON DELETE CASCADE,
                code TEXT NOT NULL,
                line INTEGER NOT NULL DEFAULT 0,
                sip_code INTEGER,
                detail TEXT,
                seq INTEGER,
                since TEXT NOT NULL,
                PRIMARY KEY (device_id, code, line)
            ) STRICT;
            """));

        // line_health.voicemail came later within version 5: a store made before it gets the column (the next
        // health report of each adapter fills it).
        if (!HasColumn(connection, "line_health", "voicemail"))
        {
            Execute(connection, "ALTER TABLE line_health ADD COLUMN voicemail TEXT");
        }

        IncidentBook.CreateSchema(connection);
        Outbox.CreateSchema(connection);
        FaultRecords.CreateSchema(connection);
        Calls.CallBook.CreateSchema(connection);
        People.PeopleDirectory.CreateSchema(connection);
        Commands.CommandBook.CreateSchema(connection);
        Broker.RefusedLoginRecords.CreateSchema(connection);
        Provisioning.OnboardingCodes.CreateSchema(connection);
        FleetIndex.CreateSchema(connection);
        Instances.Leases.CreateSchema(connection);
        Access.DashboardSessions.CreateSchema(connection); // a new table, made on start if missing: sessions on every instance
        Database.WriteSchemaVersion(connection, SchemaVersion);
        transaction.Commit();
    }

    private void MigrateFromVersion1(DbConnection connection)
    {
        Execute(connection,
            """
            ALTER TABLE adapters ADD COLUMN customer_ref TEXT;
            ALTER TABLE adapters ADD COLUMN send_ha1 INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE adapters ADD COLUMN pending_secret TEXT;
            ALTER TABLE adapters ADD COLUMN pending_secret_version INTEGER;
            ALTER TABLE adapter_lines ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
            ALTER TABLE adapter_state ADD COLUMN silent INTEGER NOT NULL DEFAULT 0;
            """);
        var rows = new List<(string DeviceId, int Line, string Username, string Password, string Registrar)>();
        using (var command = Command(connection, "SELECT device_id, line, username, password, registrar FROM adapter_lines"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                rows.Add((reader.GetString(0), reader.GetInt32(1), reader.GetString(2), reader.GetString(3), reader.GetString(4)));
            }
        }

        foreach (var row in rows)
        {
            Execute(connection, "UPDATE adapter_lines SET password = @password, settings = @settings WHERE device_id = @id AND line = @line",
                ("@id", row.DeviceId), ("@line", row.Line), ("@password", _secrets.Protect(row.Password)),
                ("@settings", JsonSerializer.Serialize(new SipAccount(row.Username, string.Empty, row.Registrar), JsonSerializerOptions.Web)));
        }
    }
}
