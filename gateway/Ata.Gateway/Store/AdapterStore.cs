using System.Globalization;
using Ata.Gateway.Broker;
using Ata.Gateway.Fleet;
using Ata.Gateway.Provisioning;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Store;

/// <summary>
/// The gateway's SQLite store (<c>{Gateway:DataDirectory}/gateway.db</c>, WAL): adapters, their
/// lines, and the last state each reported. Device secrets are kept only as broker password hashes.
/// </summary>
public sealed class AdapterStore : IDisposable
{
    /// <summary>The database file's name inside the data directory.</summary>
    public const string FileName = "gateway.db";

    private const int SchemaVersion = 1;

    private readonly string _connectionString;
    private readonly TimeProvider _time;

    /// <summary>Opens (and on first use creates) the store in the configured data directory.</summary>
    /// <param name="options">The gateway options.</param>
    /// <param name="time">The clock.</param>
    public AdapterStore(IOptions<GatewayOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time;
        var directory = options.Value.FullDataDirectory;
        PrivateFile.EnsureDirectory(directory);
        Path = System.IO.Path.Combine(directory, FileName);
        CreatePrivately(Path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            ForeignKeys = true,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        CreateSchema();
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>Creates or updates an adapter; bumps its config version when anything changed.</summary>
    /// <param name="deviceId">The adapter's id (already validated).</param>
    /// <param name="specification">Its secret and lines (already validated).</param>
    public SaveOutcome Save(string deviceId, AdapterSpecification specification)
    {
        ArgumentNullException.ThrowIfNull(specification);
        var now = Now();
        using var connection = Open();
        using var transaction = connection.BeginTransaction();

        string? secretHash = null;
        var version = 0;
        using (var read = Command(connection, "SELECT secret_hash, config_version FROM adapters WHERE device_id = $id", ("$id", deviceId)))
        using (var reader = read.ExecuteReader())
        {
            if (reader.Read())
            {
                secretHash = reader.GetString(0);
                version = reader.GetInt32(1);
            }
        }

        if (secretHash is null)
        {
            Execute(connection,
                "INSERT INTO adapters (device_id, secret_hash, config_version, published_version, created_at, updated_at) VALUES ($id, $hash, 1, 0, $now, $now)",
                ("$id", deviceId), ("$hash", MosquittoPasswordHash.Create(specification.Secret)), ("$now", now));
            Execute(connection, "INSERT INTO adapter_state (device_id) VALUES ($id)", ("$id", deviceId));
            WriteLines(connection, deviceId, specification.Lines);
            transaction.Commit();
            return new SaveOutcome(Created: true, ConfigVersion: 1, Changed: true, CredentialsChanged: true);
        }

        var secretChanged = !MosquittoPasswordHash.Verify(specification.Secret, secretHash);
        var linesChanged = !ReadLines(connection, deviceId).SequenceEqual(specification.Lines);
        if (!secretChanged && !linesChanged)
        {
            return new SaveOutcome(Created: false, ConfigVersion: version, Changed: false, CredentialsChanged: false);
        }

        version++;
        Execute(connection, "UPDATE adapters SET config_version = $version, updated_at = $now WHERE device_id = $id",
            ("$id", deviceId), ("$version", version), ("$now", now));
        if (secretChanged)
        {
            Execute(connection, "UPDATE adapters SET secret_hash = $hash WHERE device_id = $id",
                ("$id", deviceId), ("$hash", MosquittoPasswordHash.Create(specification.Secret)));
        }

        if (linesChanged)
        {
            Execute(connection, "DELETE FROM adapter_lines WHERE device_id = $id", ("$id", deviceId));
            WriteLines(connection, deviceId, specification.Lines);
        }

        transaction.Commit();
        return new SaveOutcome(Created: false, ConfigVersion: version, Changed: true, CredentialsChanged: secretChanged);
    }

    /// <summary>The current config document of an adapter, with its SIP passwords; null when unknown.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    public AdapterConfig? FindConfig(string deviceId)
    {
        using var connection = Open();
        using var command = Command(connection, "SELECT config_version FROM adapters WHERE device_id = $id", ("$id", deviceId));
        return command.ExecuteScalar() is long version
            ? new AdapterConfig(deviceId, (int)version, ReadLines(connection, deviceId))
            : null;
    }

    /// <summary>Every adapter's broker user name and password hash.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ListBrokerAccounts()
    {
        using var connection = Open();
        using var command = Command(connection, "SELECT device_id, secret_hash FROM adapters ORDER BY device_id");
        using var reader = command.ExecuteReader();
        var accounts = new List<KeyValuePair<string, string>>();
        while (reader.Read())
        {
            accounts.Add(new(reader.GetString(0), reader.GetString(1)));
        }

        return accounts;
    }

    /// <summary>Adapters whose current config has not reached the broker.</summary>
    public IReadOnlyList<string> ListUnpublishedConfigs()
    {
        using var connection = Open();
        using var command = Command(connection, "SELECT device_id FROM adapters WHERE published_version < config_version ORDER BY device_id");
        using var reader = command.ExecuteReader();
        var ids = new List<string>();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    /// <summary>Notes that the broker holds <paramref name="version"/> of the adapter's config.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="version">The version it acknowledged.</param>
    public void MarkConfigPublished(string deviceId, int version)
    {
        using var connection = Open();
        Execute(connection, "UPDATE adapters SET published_version = $version WHERE device_id = $id AND published_version < $version",
            ("$id", deviceId), ("$version", version));
    }

    /// <summary>Forgets what the broker holds, so every config is published again (after the broker lost retained messages).</summary>
    public void MarkAllConfigsUnpublished()
    {
        using var connection = Open();
        Execute(connection, "UPDATE adapters SET published_version = 0");
    }

    /// <summary>Records an adapter's <c>status</c>.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="online">Whether it is online.</param>
    /// <returns>False when the adapter is unknown.</returns>
    public bool RecordStatus(string deviceId, bool online)
    {
        using var connection = Open();
        return Execute(connection, "UPDATE adapter_state SET online = $online, last_seen = $now WHERE device_id = $id",
            ("$id", deviceId), ("$online", online), ("$now", Now())) > 0;
    }

    /// <summary>Records an adapter's <c>hello</c>.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="hello">The report.</param>
    /// <returns>False when the adapter is unknown.</returns>
    public bool RecordHello(string deviceId, HelloReport hello)
    {
        ArgumentNullException.ThrowIfNull(hello);
        using var connection = Open();
        return Execute(connection,
            """
            UPDATE adapter_state SET firmware = $firmware, hardware = $hardware, reset_reason = $reset, mac = $mac,
                hello_at = $now, last_seen = $now
            WHERE device_id = $id
            """,
            ("$id", deviceId), ("$firmware", hello.Firmware), ("$hardware", hello.Hardware),
            ("$reset", hello.ResetReason), ("$mac", hello.Mac), ("$now", Now())) > 0;
    }

    /// <summary>Records an adapter's <c>health</c>: LEDs, WAN and per-line registration.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="health">The report.</param>
    /// <returns>False when the adapter is unknown.</returns>
    public bool RecordHealth(string deviceId, HealthReport health)
    {
        ArgumentNullException.ThrowIfNull(health);
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        var updated = Execute(connection,
            """
            UPDATE adapter_state SET health_at = $now, last_seen = $now, uptime_ms = $uptime, rssi = $rssi,
                free_heap = $heap, wan = $wan, wan_address = $address, running_config_version = $running,
                led_pwr = $pwr, led_wan = $ledWan, led_tel1 = $tel1, led_tel2 = $tel2
            WHERE device_id = $id
            """,
            ("$id", deviceId), ("$now", Now()), ("$uptime", health.UptimeMs), ("$rssi", health.Rssi),
            ("$heap", health.FreeHeap), ("$wan", health.Wan), ("$address", health.WanAddress),
            ("$running", health.ConfigVersion), ("$pwr", health.Leds.Pwr), ("$ledWan", health.Leds.Wan),
            ("$tel1", health.Leds.Tel1), ("$tel2", health.Leds.Tel2));
        if (updated == 0)
        {
            return false;
        }

        Execute(connection, "DELETE FROM line_health WHERE device_id = $id", ("$id", deviceId));
        foreach (var line in health.Lines.DistinctBy(l => l.Line))
        {
            Execute(connection,
                "INSERT INTO line_health (device_id, line, registration, sip_code, line_state) VALUES ($id, $line, $registration, $code, $state)",
                ("$id", deviceId), ("$line", line.Line), ("$registration", line.Registration),
                ("$code", line.SipCode), ("$state", line.LineState));
        }

        transaction.Commit();
        return true;
    }

    /// <summary>Raises or clears a fault (keyed by code and line).</summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="fault">The report.</param>
    /// <returns>False when the adapter is unknown.</returns>
    public bool RecordFault(string deviceId, ReportedFault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        var now = Now();
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        if (Execute(connection, "UPDATE adapter_state SET last_seen = $now WHERE device_id = $id", ("$id", deviceId), ("$now", now)) == 0)
        {
            return false;
        }

        if (fault.Raised)
        {
            Execute(connection,
                """
                INSERT INTO active_faults (device_id, code, line, sip_code, detail, seq, since)
                VALUES ($id, $code, $line, $sip, $detail, $seq, $now)
                ON CONFLICT (device_id, code, line) DO UPDATE SET sip_code = excluded.sip_code, detail = excluded.detail, seq = excluded.seq
                """,
                ("$id", deviceId), ("$code", fault.Code), ("$line", fault.Line ?? 0), ("$sip", fault.SipCode),
                ("$detail", fault.Detail), ("$seq", fault.Sequence), ("$now", now));
        }
        else
        {
            Execute(connection, "DELETE FROM active_faults WHERE device_id = $id AND code = $code AND line = $line",
                ("$id", deviceId), ("$code", fault.Code), ("$line", fault.Line ?? 0));
        }

        transaction.Commit();
        return true;
    }

    /// <summary>Records an adapter's answer to a config version.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="ack">The answer.</param>
    /// <returns>False when the adapter is unknown.</returns>
    public bool RecordConfigAck(string deviceId, ConfigAck ack)
    {
        ArgumentNullException.ThrowIfNull(ack);
        using var connection = Open();
        return ack.Applied
            ? Execute(connection,
                """
                UPDATE adapter_state SET applied_config_version = $version, refused_config_version = NULL,
                    refused_reason = NULL, last_seen = $now
                WHERE device_id = $id
                """,
                ("$id", deviceId), ("$version", ack.Version), ("$now", Now())) > 0
            : Execute(connection,
                """
                UPDATE adapter_state SET last_seen = $now,
                    refused_config_version = CASE WHEN $version >= coalesce(applied_config_version, 0) THEN $version ELSE refused_config_version END,
                    refused_reason = CASE WHEN $version >= coalesce(applied_config_version, 0) THEN $reason ELSE refused_reason END
                WHERE device_id = $id
                """,
                ("$id", deviceId), ("$version", ack.Version), ("$reason", ack.Reason ?? "refused"), ("$now", Now())) > 0;
    }

    /// <summary>One adapter as support sees it; null when unknown.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    public AdapterView? Find(string deviceId) => Query(deviceId).SingleOrDefault();

    /// <summary>Every adapter as support sees it, by id.</summary>
    public IReadOnlyList<AdapterView> List() => Query(null);

    /// <summary>Closes the pooled connections to the file.</summary>
    public void Dispose()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    private List<AdapterView> Query(string? deviceId)
    {
        var filter = deviceId is null ? string.Empty : "WHERE a.device_id = $id";
        var parameters = deviceId is null ? [] : new[] { ("$id", (object?)deviceId) };
        using var connection = Open();

        var lines = new Dictionary<string, List<LineView>>(StringComparer.Ordinal);
        using (var command = Command(connection,
            $"""
            SELECT a.device_id, a.line, a.username, a.registrar, h.registration, h.sip_code
            FROM adapter_lines a LEFT JOIN line_health h ON h.device_id = a.device_id AND h.line = a.line
            {filter} ORDER BY a.device_id, a.line
            """, parameters))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                Add(lines, reader.GetString(0), new LineView(
                    reader.GetInt32(1), reader.GetString(2), reader.GetString(3),
                    reader.IsDBNull(4) ? DeviceReports.Unknown : reader.GetString(4),
                    reader.IsDBNull(5) ? null : reader.GetInt32(5)));
            }
        }

        var faults = new Dictionary<string, List<FaultView>>(StringComparer.Ordinal);
        using (var command = Command(connection,
            $"SELECT a.device_id, a.code, a.line, a.sip_code, a.detail, a.since FROM active_faults a {filter} ORDER BY a.device_id, a.since, a.code, a.line",
            parameters))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var code = reader.GetString(1);
                Add(faults, reader.GetString(0), new FaultView(
                    code,
                    reader.GetInt32(2) is var line and > 0 ? line : null,
                    reader.IsDBNull(3) ? null : reader.GetInt32(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4),
                    ParseTime(reader.GetString(5)),
                    FaultDescriptions.Describe(code)));
            }
        }

        var views = new List<AdapterView>();
        using (var command = Command(connection,
            $"""
            SELECT a.device_id, s.online, s.last_seen, s.health_at, s.firmware, a.config_version,
                s.applied_config_version, s.refused_reason, s.led_pwr, s.led_wan, s.led_tel1, s.led_tel2
            FROM adapters a JOIN adapter_state s ON s.device_id = a.device_id
            {filter} ORDER BY a.device_id
            """, parameters))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var id = reader.GetString(0);
                views.Add(new AdapterView(
                    id,
                    reader.GetBoolean(1),
                    reader.IsDBNull(2) ? null : ParseTime(reader.GetString(2)),
                    reader.IsDBNull(3) ? null : ParseTime(reader.GetString(3)),
                    reader.IsDBNull(4) ? null : reader.GetString(4),
                    reader.GetInt32(5),
                    reader.IsDBNull(6) ? null : reader.GetInt32(6),
                    reader.IsDBNull(7) ? null : reader.GetString(7),
                    new LedStates(reader.GetString(8), reader.GetString(9), reader.GetString(10), reader.GetString(11)),
                    lines.GetValueOrDefault(id) ?? [],
                    faults.GetValueOrDefault(id) ?? []));
            }
        }

        return views;
    }

    private static void Add<T>(Dictionary<string, List<T>> groups, string key, T item)
    {
        if (!groups.TryGetValue(key, out var list))
        {
            groups[key] = list = [];
        }

        list.Add(item);
    }

    private static List<SipAccount> ReadLines(SqliteConnection connection, string deviceId)
    {
        using var command = Command(connection,
            "SELECT username, password, registrar FROM adapter_lines WHERE device_id = $id ORDER BY line", ("$id", deviceId));
        using var reader = command.ExecuteReader();
        var lines = new List<SipAccount>();
        while (reader.Read())
        {
            lines.Add(new SipAccount(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }

        return lines;
    }

    private static void WriteLines(SqliteConnection connection, string deviceId, IReadOnlyList<SipAccount> lines)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            Execute(connection,
                "INSERT INTO adapter_lines (device_id, line, username, password, registrar) VALUES ($id, $line, $user, $password, $registrar)",
                ("$id", deviceId), ("$line", i + 1), ("$user", lines[i].Username),
                ("$password", lines[i].Password), ("$registrar", lines[i].Registrar));
        }
    }

    private void CreateSchema()
    {
        using var connection = Open();
        Execute(connection, "PRAGMA journal_mode = WAL");
        using var versionCommand = Command(connection, "PRAGMA user_version");
        var current = Convert.ToInt32(versionCommand.ExecuteScalar(), CultureInfo.InvariantCulture);
        if (current > SchemaVersion)
        {
            throw new InvalidOperationException($"{Path} was written by a newer gateway (schema {current}, this one knows {SchemaVersion}).");
        }

        using var transaction = connection.BeginTransaction();
        Execute(connection,
            $"""
            CREATE TABLE IF NOT EXISTS adapters (
                device_id TEXT PRIMARY KEY NOT NULL,
                secret_hash TEXT NOT NULL,
                config_version INTEGER NOT NULL,
                published_version INTEGER NOT NULL DEFAULT 0,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            ) STRICT;
            CREATE TABLE IF NOT EXISTS adapter_lines (
                device_id TEXT NOT NULL REFERENCES adapters (device_id) ON DELETE CASCADE,
                line INTEGER NOT NULL,
                username TEXT NOT NULL,
                password TEXT NOT NULL,
                registrar TEXT NOT NULL,
                PRIMARY KEY (device_id, line)
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
                refused_reason TEXT
            ) STRICT;
            CREATE TABLE IF NOT EXISTS line_health (
                device_id TEXT NOT NULL REFERENCES adapters (device_id) ON DELETE CASCADE,
                line INTEGER NOT NULL,
                registration TEXT NOT NULL,
                sip_code INTEGER,
                line_state TEXT,
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
            PRAGMA user_version = {SchemaVersion};
            """);
        transaction.Commit();
    }

    private static void CreatePrivately(string path)
    {
        if (OperatingSystem.IsWindows() || File.Exists(path))
        {
            return;
        }

        using var _ = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    private string Now() => _time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    private static SqliteCommand Command(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private static int Execute(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, sql, parameters);
        return command.ExecuteNonQuery();
    }
}
