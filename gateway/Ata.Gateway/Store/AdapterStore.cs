using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Ata.Gateway.Broker;
using Ata.Gateway.Fleet;
using Ata.Gateway.Incidents;
using Ata.Gateway.Provisioning;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Store;

/// <summary>
/// The gateway's SQLite store (<c>{Gateway:DataDirectory}/gateway.db</c>, WAL): adapters, their
/// lines, and the last state each reported. Device secrets are kept as broker password hashes (and,
/// while a rotation is pending, the new one encrypted); SIP passwords are encrypted with
/// <see cref="SecretBox"/>.
/// </summary>
public sealed partial class AdapterStore : IDisposable
{
    /// <summary>The database file's name inside the data directory.</summary>
    public const string FileName = "gateway.db";

    /// <summary>Fault events kept per adapter; older ones are dropped.</summary>
    public const int FaultHistoryLength = 500;

    /// <summary>Service requests kept per adapter; older ones are dropped.</summary>
    public const int ServiceHistoryLength = 100;

    /// <summary>Service requests shown with an adapter (<see cref="AdapterView.RecentServiceRequests"/>).</summary>
    public const int RecentServiceRequests = 5;

    /// <summary>The audit log's role for what an adapter did itself (e.g. a service code dialled on it).</summary>
    public const string DeviceRole = "device";

    /// <summary>Audit entries kept per adapter of what it did itself (<see cref="DeviceRole"/>); older ones are dropped.</summary>
    public const int DeviceAuditLength = ServiceHistoryLength;

    /// <summary>Health reports kept per adapter; older ones are dropped.</summary>
    public const int HealthHistoryLength = 720;

    /// <summary>Statements prepared once per connection while it records a <see cref="ReportBatch"/>, by SQL text.</summary>
    private static readonly ConditionalWeakTable<SqliteConnection, Dictionary<string, SqliteCommand>> Prepared = [];

    private readonly string _connectionString;
    private readonly TimeProvider _time;
    private readonly SecretBox _secrets;
    private readonly IncidentBook? _incidents;

    /// <summary>Opens (and on first use creates) the store in the configured data directory.</summary>
    /// <param name="options">The gateway options.</param>
    /// <param name="time">The clock.</param>
    /// <param name="secrets">Encrypts SIP passwords and pending device secrets.</param>
    /// <param name="incidents">Turns recorded faults into incidents and outbox messages, in the same transaction; none in unit tests of the store alone.</param>
    public AdapterStore(IOptions<GatewayOptions> options, TimeProvider time, SecretBox secrets, IncidentBook? incidents = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time;
        _secrets = secrets;
        _incidents = incidents;
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
    /// <param name="actor">Who asked, for the config history.</param>
    /// <param name="brokerAccounts">
    /// When the adapter's broker login is new or changed, called inside the transaction, before the
    /// commit, with every adapter's broker account as it will be (see <see cref="IBroker.WriteDeviceAccounts"/>);
    /// if it throws, nothing is saved.
    /// </param>
    public SaveOutcome Save(
        string deviceId, AdapterSpecification specification, string actor = "system", Action<IReadOnlyList<KeyValuePair<string, string>>>? brokerAccounts = null)
    {
        ArgumentNullException.ThrowIfNull(specification);
        var now = Now();
        using var connection = Open();
        using var transaction = connection.BeginTransaction();

        string? secretHash = null;
        var version = 0;
        string? customer = null;
        var sendHa1 = false;
        using (var read = Command(connection, "SELECT secret_hash, config_version, customer_ref, send_ha1 FROM adapters WHERE device_id = $id", ("$id", deviceId)))
        using (var reader = read.ExecuteReader())
        {
            if (reader.Read())
            {
                secretHash = reader.GetString(0);
                version = reader.GetInt32(1);
                customer = reader.IsDBNull(2) ? null : reader.GetString(2);
                sendHa1 = reader.GetBoolean(3);
            }
        }

        if (secretHash is null)
        {
            if (specification.KeepsSecret)
            {
                throw new InvalidOperationException($"Adapter '{deviceId}' does not exist: a new adapter needs its device secret.");
            }

            Insert(connection, deviceId, specification, actor, now);
            brokerAccounts?.Invoke(ListBrokerAccounts(connection));
            transaction.Commit();
            return new SaveOutcome(Created: true, ConfigVersion: 1, Changed: true, CredentialsChanged: true) { ChangedParts = ["created"] };
        }

        var secretChanged = !specification.KeepsSecret && !MosquittoPasswordHash.Verify(specification.Secret, secretHash);
        var linesChanged = !ReadLines(connection, deviceId).SequenceEqual(specification.Lines);
        var ha1Changed = sendHa1 != specification.SendHa1;
        var customerChanged = customer != specification.CustomerReference;
        var parts = new List<string>();
        if (secretChanged)
        {
            parts.Add(AdapterRequest.SecretKey);
        }

        if (linesChanged)
        {
            parts.Add(Ata.Core.Contract.Fields.Lines);
        }

        if (ha1Changed)
        {
            parts.Add(AdapterRequest.SendHa1Key);
        }

        if (customerChanged)
        {
            Execute(connection, "UPDATE adapters SET customer_ref = $customer, updated_at = $now WHERE device_id = $id",
                ("$id", deviceId), ("$customer", specification.CustomerReference), ("$now", now));
            parts.Add(AdapterRequest.CustomerReferenceKey);
        }

        if (!secretChanged && !linesChanged && !ha1Changed)
        {
            transaction.Commit();
            return new SaveOutcome(Created: false, ConfigVersion: version, Changed: false, CredentialsChanged: false) { ChangedParts = parts };
        }

        version++;
        Execute(connection, "UPDATE adapters SET config_version = $version, updated_at = $now, send_ha1 = $ha1 WHERE device_id = $id",
            ("$id", deviceId), ("$version", version), ("$now", now), ("$ha1", specification.SendHa1));
        if (secretChanged)
        {
            Execute(connection, "UPDATE adapters SET secret_hash = $hash, pending_secret = NULL, pending_secret_version = NULL WHERE device_id = $id",
                ("$id", deviceId), ("$hash", MosquittoPasswordHash.Create(specification.Secret)));
        }

        if (linesChanged)
        {
            Execute(connection, "DELETE FROM adapter_lines WHERE device_id = $id", ("$id", deviceId));
            WriteLines(connection, deviceId, specification.Lines);
        }

        AddConfigVersion(connection, deviceId, version, actor, now);
        if (secretChanged)
        {
            brokerAccounts?.Invoke(ListBrokerAccounts(connection));
        }

        transaction.Commit();
        return new SaveOutcome(Created: false, ConfigVersion: version, Changed: true, CredentialsChanged: secretChanged) { ChangedParts = parts };
    }

    /// <summary>
    /// Adds many new adapters in one transaction (an import, or a benchmark's fleet): each as
    /// <see cref="Save"/> creates one, config version 1. Their broker logins are the caller's to
    /// write afterwards (<see cref="ListBrokerAccounts()"/>), once for all of them.
    /// </summary>
    /// <param name="adapters">New adapters' ids (already validated, none stored yet) and specifications.</param>
    /// <param name="actor">Who asked, for the config history.</param>
    /// <returns>How many were added.</returns>
    public int SaveMany(IEnumerable<KeyValuePair<string, AdapterSpecification>> adapters, string actor = "system")
    {
        ArgumentNullException.ThrowIfNull(adapters);
        var now = Now();
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        KeepStatements(connection);
        try
        {
            var added = 0;
            foreach (var (deviceId, specification) in adapters)
            {
                Insert(connection, deviceId, specification, actor, now);
                added++;
            }

            transaction.Commit();
            return added;
        }
        finally
        {
            ForgetStatements(connection);
        }
    }

    private void Insert(SqliteConnection connection, string deviceId, AdapterSpecification specification, string actor, string now)
    {
        Execute(connection,
            """
            INSERT INTO adapters (device_id, secret_hash, config_version, published_version, created_at, updated_at, customer_ref, send_ha1)
            VALUES ($id, $hash, 1, 0, $now, $now, $customer, $ha1)
            """,
            ("$id", deviceId), ("$hash", MosquittoPasswordHash.Create(specification.Secret)), ("$now", now),
            ("$customer", specification.CustomerReference), ("$ha1", specification.SendHa1));
        Execute(connection, "INSERT INTO adapter_state (device_id) VALUES ($id)", ("$id", deviceId));
        WriteLines(connection, deviceId, specification.Lines);
        AddConfigVersion(connection, deviceId, 1, actor, now);
    }

    /// <summary>
    /// Starts rotating an adapter's device secret: the new one goes (encrypted here) into a new config
    /// version; the broker keeps accepting the old one until the adapter applies that version.
    /// </summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="newSecret">The new secret.</param>
    /// <param name="actor">Who asked.</param>
    /// <returns>The config version carrying the new secret; null when the adapter is unknown.</returns>
    public int? StartSecretRotation(string deviceId, string newSecret, string actor) =>
        NextConfigVersion(deviceId, actor, "pending_secret = $value, pending_secret_version = $version", _secrets.Protect(newSecret), null);

    /// <summary>
    /// Revokes an adapter's device secret at once (after a suspected leak): <paramref name="newSecret"/>
    /// replaces it as the only one the broker accepts, a rotation under way is abandoned, and a new
    /// config version (without any device secret) is made for the adapter once it is onboarded again.
    /// </summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="newSecret">The new secret, shown only to the admin who revokes.</param>
    /// <param name="actor">Who asked.</param>
    /// <param name="brokerAccounts">Called inside the transaction, before the commit, with every adapter's broker account as it will be.</param>
    /// <returns>The new config version; null when the adapter is unknown.</returns>
    public int? RevokeSecret(string deviceId, string newSecret, string actor, Action<IReadOnlyList<KeyValuePair<string, string>>>? brokerAccounts = null) =>
        NextConfigVersion(deviceId, actor, "secret_hash = $value, pending_secret = NULL, pending_secret_version = NULL",
            MosquittoPasswordHash.Create(newSecret), brokerAccounts);

    /// <summary>
    /// Makes the adapter's next config version in one transaction, changing its row with
    /// <paramref name="assignments"/> (SQL, with <c>$version</c> and <c>$value</c>).
    /// </summary>
    /// <returns>The new version; null when the adapter is unknown.</returns>
    private int? NextConfigVersion(
        string deviceId, string actor, string assignments, string value, Action<IReadOnlyList<KeyValuePair<string, string>>>? brokerAccounts)
    {
        var now = Now();
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        using var read = Command(connection, "SELECT config_version FROM adapters WHERE device_id = $id", ("$id", deviceId));
        if (read.ExecuteScalar() is not long current)
        {
            return null;
        }

        var version = (int)current + 1;
        Execute(connection, $"UPDATE adapters SET config_version = $version, updated_at = $now, {assignments} WHERE device_id = $id",
            ("$id", deviceId), ("$version", version), ("$now", now), ("$value", value));
        AddConfigVersion(connection, deviceId, version, actor, now);
        brokerAccounts?.Invoke(ListBrokerAccounts(connection));
        transaction.Commit();
        return version;
    }

    /// <summary>Deletes an adapter and everything recorded about it.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="brokerAccounts">Called inside the transaction, before the commit, with every remaining adapter's broker account.</param>
    /// <returns>False when it was unknown.</returns>
    public bool Delete(string deviceId, Action<IReadOnlyList<KeyValuePair<string, string>>>? brokerAccounts = null)
    {
        var now = Now();
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        if (Execute(connection, "DELETE FROM adapters WHERE device_id = $id", ("$id", deviceId)) == 0)
        {
            return false;
        }

        Execute(connection, "UPDATE incidents SET ended_at = $now WHERE device_id = $id AND ended_at IS NULL", ("$id", deviceId), ("$now", now));
        Execute(connection,
            "UPDATE outbox SET cancelled = 1 WHERE incident_id IN (SELECT id FROM incidents WHERE device_id = $id) AND id IN (SELECT outbox_id FROM outbox_deliveries WHERE delivered_at IS NULL)",
            ("$id", deviceId));
        brokerAccounts?.Invoke(ListBrokerAccounts(connection));
        transaction.Commit();
        return true;
    }

    /// <summary>The adapter's config versions, newest first, with what became of each.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    public IReadOnlyList<ConfigVersionView> ListConfigVersions(string deviceId)
    {
        using var connection = Open();
        using var command = Command(connection,
            "SELECT version, created_at, actor, status, reason FROM config_versions WHERE device_id = $id ORDER BY version DESC LIMIT 100",
            ("$id", deviceId));
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
            "SELECT at, uptime_ms, rssi, free_heap FROM health_history WHERE device_id = $id ORDER BY seq",
            ("$id", deviceId));
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
            WHERE s.silent = 0 AND s.health_at IS NOT NULL AND s.health_at < $since
            AND NOT EXISTS (SELECT 1 FROM active_faults f WHERE f.device_id = a.device_id AND f.code = $offline)
            ORDER BY a.device_id
            """,
            ("$since", silentSince.ToString("O", CultureInfo.InvariantCulture)), ("$offline", FaultDescriptions.Offline));
        using var reader = command.ExecuteReader();
        var ids = new List<string>();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    /// <summary>
    /// Opens the incident of every adapter offline since before <paramref name="offlineSince"/> that
    /// has none open: an adapter that reboots, or loses power for a moment, is offline on the
    /// dashboard at once but becomes support's incident only when it stays away.
    /// </summary>
    /// <param name="offlineSince">The moment before which going offline makes an incident.</param>
    /// <returns>The adapters whose incident opened.</returns>
    public IReadOnlyList<string> ReportLongOffline(DateTimeOffset offlineSince)
    {
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        var due = new List<(string DeviceId, string Since)>();
        using (var command = Command(connection,
            """
            SELECT f.device_id, f.since FROM active_faults f
            WHERE f.code = $code AND f.since < $before AND NOT EXISTS (SELECT 1 FROM incidents i
                WHERE i.kind = 'adapter' AND i.device_id = f.device_id AND i.code = $code AND i.ended_at IS NULL)
            ORDER BY f.device_id
            """,
            ("$code", FaultDescriptions.Offline), ("$before", offlineSince.ToString("O", CultureInfo.InvariantCulture))))
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
    public void MarkSilent(string deviceId, string detail)
    {
        var now = Now();
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        if (Execute(connection, "UPDATE adapter_state SET silent = 1 WHERE device_id = $id AND silent = 0", ("$id", deviceId)) > 0)
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
            "SELECT at, code, line, raised, sip_code, detail FROM fault_events WHERE device_id = $id ORDER BY at DESC, seq DESC",
            ("$id", deviceId));
        using var reader = command.ExecuteReader();
        var events = new List<FaultEvent>();
        while (reader.Read())
        {
            var code = reader.GetString(1);
            events.Add(new FaultEvent(ParseTime(reader.GetString(0)), code, reader.GetInt32(2) is var line and > 0 ? line : null,
                reader.GetBoolean(3), reader.IsDBNull(4) ? null : reader.GetInt32(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                FaultDescriptions.Describe(code)));
        }

        return events;
    }

    /// <summary>
    /// Opens one of the gateway's own faults (<see cref="FaultDescriptions.IsGatewaysOwn"/>, adapter-wide)
    /// with its timeline entry; false when it was open already. Its incident is the caller's to raise.
    /// </summary>
    internal static bool OpenOwnFault(SqliteConnection connection, string deviceId, string code, string detail, string at)
    {
        if (Execute(connection,
            "INSERT INTO active_faults (device_id, code, line, detail, since) VALUES ($id, $code, 0, $detail, $now) ON CONFLICT (device_id, code, line) DO NOTHING",
            ("$id", deviceId), ("$code", code), ("$detail", detail), ("$now", at)) == 0)
        {
            return false;
        }

        AddFaultEvent(connection, deviceId, code, 0, true, null, detail, at);
        return true;
    }

    /// <summary>Closes one of the gateway's own faults with its timeline entry and its incident's clearing; false when it was not open.</summary>
    internal static bool CloseOwnFault(SqliteConnection connection, string deviceId, string code, string detail, string at, DateTimeOffset now)
    {
        if (Execute(connection, "DELETE FROM active_faults WHERE device_id = $id AND code = $code AND line = 0", ("$id", deviceId), ("$code", code)) == 0)
        {
            return false;
        }

        AddFaultEvent(connection, deviceId, code, 0, false, null, detail, at);
        IncidentBook.Cleared(connection, deviceId, code, 0, now);
        return true;
    }

    /// <summary>Adds a fault raised or cleared at <paramref name="now"/> to the adapter's timeline (its last <see cref="FaultHistoryLength"/> are kept).</summary>
    internal static void AddFaultEvent(SqliteConnection connection, string deviceId, string code, int line, bool raised, int? sipCode, string? detail, string now)
    {
        Execute(connection,
            "INSERT INTO fault_events (device_id, at, code, line, raised, sip_code, detail) VALUES ($id, $now, $code, $line, $raised, $sip, $detail)",
            ("$id", deviceId), ("$now", now), ("$code", code), ("$line", line), ("$raised", raised), ("$sip", sipCode), ("$detail", detail));
        Execute(connection,
            $"DELETE FROM fault_events WHERE device_id = $id AND seq <= (SELECT seq FROM fault_events WHERE device_id = $id ORDER BY seq DESC LIMIT 1 OFFSET {FaultHistoryLength})",
            ("$id", deviceId));
    }

    /// <summary>The current config document of an adapter, with its SIP passwords; null when unknown.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    public AdapterConfig? FindConfig(string deviceId)
    {
        using var connection = Open();
        using var command = Command(connection, "SELECT config_version, send_ha1, pending_secret FROM adapters WHERE device_id = $id", ("$id", deviceId));
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        return new AdapterConfig(deviceId, reader.GetInt32(0), ReadLines(connection, deviceId))
        {
            SendHa1 = reader.GetBoolean(1),
            PendingSecret = reader.IsDBNull(2) ? null : _secrets.Unprotect(reader.GetString(2)),
        };
    }

    /// <summary>Every adapter's broker user name and password hash.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ListBrokerAccounts()
    {
        using var connection = Open();
        return ListBrokerAccounts(connection);
    }

    private static List<KeyValuePair<string, string>> ListBrokerAccounts(SqliteConnection connection)
    {
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
    public bool RecordStatus(string deviceId, bool online) => RecordAlone(batch => batch.RecordStatus(deviceId, online));

    /// <summary>
    /// Takes an adapter's status: offline (its Last Will or goodbye) raises the gateway's own fault
    /// <see cref="FaultDescriptions.Offline"/> at once; online clears it.
    /// </summary>
    internal bool RecordStatus(SqliteConnection connection, string deviceId, bool online)
    {
        var now = Now();
        if (Execute(connection, "UPDATE adapter_state SET online = $online, last_seen = $now WHERE device_id = $id",
            ("$id", deviceId), ("$online", online), ("$now", now)) == 0)
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

    internal bool RecordHello(SqliteConnection connection, string deviceId, HelloReport hello)
    {
        ArgumentNullException.ThrowIfNull(hello);
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
    public bool RecordHealth(string deviceId, HealthReport health) => RecordAlone(batch => batch.RecordHealth(deviceId, health));

    /// <summary>
    /// Takes a health report's state (LEDs, WAN, lines; clears <c>silent</c>) as the adapter's current
    /// one, without adding it to the history (see <see cref="AddHealthSample"/>).
    /// </summary>
    /// <returns>False when the adapter is unknown.</returns>
    internal bool UpdateHealthState(SqliteConnection connection, string deviceId, HealthReport health)
    {
        ArgumentNullException.ThrowIfNull(health);
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

        if (Execute(connection, "UPDATE adapter_state SET silent = 0 WHERE device_id = $id AND silent = 1", ("$id", deviceId)) > 0)
        {
            CloseOwnFault(connection, deviceId, FaultDescriptions.Silent, "health reports again", Now(), _time.GetUtcNow());
        }

        // Written only where it changed: the fleet's counts and change feed follow these rows (FleetIndex).
        var reported = health.Lines.DistinctBy(l => l.Line).ToList();
        Execute(connection, "DELETE FROM line_health WHERE device_id = $id AND line NOT IN (SELECT value FROM json_each($lines))",
            ("$id", deviceId), ("$lines", JsonSerializer.Serialize(reported.Select(l => l.Line))));
        foreach (var line in reported)
        {
            Execute(connection,
                """
                INSERT INTO line_health (device_id, line, registration, sip_code, line_state) VALUES ($id, $line, $registration, $code, $state)
                ON CONFLICT (device_id, line) DO UPDATE SET registration = excluded.registration, sip_code = excluded.sip_code, line_state = excluded.line_state
                WHERE registration IS NOT excluded.registration OR sip_code IS NOT excluded.sip_code OR line_state IS NOT excluded.line_state
                """,
                ("$id", deviceId), ("$line", line.Line), ("$registration", line.Registration),
                ("$code", line.SipCode), ("$state", line.LineState));
        }

        return true;
    }

    /// <summary>Adds a health report of a known adapter to its history (trimmed by <see cref="TrimHealthHistory"/>).</summary>
    internal void AddHealthSample(SqliteConnection connection, string deviceId, HealthReport health) =>
        Execute(connection,
            "INSERT INTO health_history (device_id, at, uptime_ms, rssi, free_heap) VALUES ($id, $now, $uptime, $rssi, $heap)",
            ("$id", deviceId), ("$now", Now()), ("$uptime", health.UptimeMs), ("$rssi", health.Rssi), ("$heap", health.FreeHeap));

    /// <summary>Keeps an adapter's last <see cref="HealthHistoryLength"/> health samples.</summary>
    internal static void TrimHealthHistory(SqliteConnection connection, string deviceId) =>
        Execute(connection,
            $"DELETE FROM health_history WHERE device_id = $id AND seq <= (SELECT seq FROM health_history WHERE device_id = $id ORDER BY seq DESC LIMIT 1 OFFSET {HealthHistoryLength})",
            ("$id", deviceId));

    /// <summary>Raises or clears a fault (keyed by code and line).</summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="fault">The report.</param>
    /// <returns>False when the adapter is unknown.</returns>
    public bool RecordFault(string deviceId, ReportedFault fault) => RecordAlone(batch => batch.RecordFault(deviceId, fault));

    internal FaultReportOutcome RecordFault(SqliteConnection connection, string deviceId, ReportedFault fault, DateTimeOffset? receivedAt) =>
        FaultRecords.Change(connection, _incidents, deviceId, FaultDescriptions.Known(fault), receivedAt ?? _time.GetUtcNow(), _time.GetUtcNow());

    internal FaultReportOutcome RecordFaultSnapshot(SqliteConnection connection, string deviceId, FaultSnapshot snapshot, DateTimeOffset receivedAt, out long newlyDropped) =>
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

    internal bool RecordConfigAck(SqliteConnection connection, string deviceId, ConfigAck ack, out bool rotated)
    {
        ArgumentNullException.ThrowIfNull(ack);
        rotated = false;
        using (var issued = Command(connection, "SELECT config_version FROM adapters WHERE device_id = $id", ("$id", deviceId)))
        {
            if (issued.ExecuteScalar() is not long current)
            {
                return false;
            }

            if (ack.Version > current)
            {
                // A version the gateway never issued: whatever the adapter applied, it did not come from here.
                Execute(connection, "UPDATE adapter_state SET last_seen = $now WHERE device_id = $id", ("$id", deviceId), ("$now", Now()));
                return true;
            }
        }

        Execute(connection, "UPDATE config_versions SET status = $status, reason = $reason WHERE device_id = $id AND version = $version",
            ("$id", deviceId), ("$version", ack.Version), ("$status", ack.Applied ? ConfigStatus.Applied : ConfigStatus.Refused),
            ("$reason", ack.Applied ? null : ack.Reason ?? "refused"));
        if (ack.Applied)
        {
            using var pending = Command(connection,
                "SELECT pending_secret FROM adapters WHERE device_id = $id AND pending_secret IS NOT NULL AND pending_secret_version <= $version",
                ("$id", deviceId), ("$version", ack.Version));
            if (pending.ExecuteScalar() is string protectedSecret)
            {
                Execute(connection, "UPDATE adapters SET secret_hash = $hash, pending_secret = NULL, pending_secret_version = NULL WHERE device_id = $id",
                    ("$id", deviceId), ("$hash", MosquittoPasswordHash.Create(_secrets.Unprotect(protectedSecret))));
                rotated = true;
            }
        }

        var known = ack.Applied
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

    internal bool RecordServiceRequest(SqliteConnection connection, string deviceId, ServiceReport service, string outcome)
    {
        ArgumentNullException.ThrowIfNull(service);
        var now = Now();
        if (Execute(connection, "UPDATE adapter_state SET last_seen = $now WHERE device_id = $id", ("$id", deviceId), ("$now", now)) == 0)
        {
            return false;
        }

        Execute(connection,
            "INSERT INTO service_requests (device_id, at, line, service_code, action, outcome) VALUES ($id, $now, $line, $code, $action, $outcome)",
            ("$id", deviceId), ("$now", now), ("$line", service.Line), ("$code", service.ServiceCode), ("$action", service.Action), ("$outcome", outcome));
        Execute(connection,
            $"DELETE FROM service_requests WHERE device_id = $id AND seq <= (SELECT seq FROM service_requests WHERE device_id = $id ORDER BY seq DESC LIMIT 1 OFFSET {ServiceHistoryLength})",
            ("$id", deviceId));
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
            "SELECT device_id, at, line, service_code, action, outcome FROM service_requests WHERE device_id = $id ORDER BY seq DESC",
            ("$id", deviceId));
        return AdapterViews.ReadServiceRequests(command).GetValueOrDefault(deviceId) ?? [];
    }

    /// <summary>One adapter as support sees it; null when unknown.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    public AdapterView? Find(string deviceId) => FindMany([deviceId]).SingleOrDefault();

    /// <summary>Adapters as support sees them, in the order asked for; those unknown are left out.</summary>
    /// <param name="deviceIds">The adapters' ids.</param>
    public IReadOnlyList<AdapterView> FindMany(IReadOnlyCollection<string> deviceIds)
    {
        using var connection = Open();
        using var snapshot = connection.BeginTransaction(deferred: true);
        return AdapterViews.Load(connection, deviceIds);
    }

    /// <summary>
    /// Every adapter as support sees it, by id. At 100,000 adapters this is about 100 MB of views:
    /// pages (<see cref="Page"/>) and counts (<see cref="Counts"/>) are what scale.
    /// </summary>
    public IReadOnlyList<AdapterView> List()
    {
        using var connection = Open();
        using var snapshot = connection.BeginTransaction(deferred: true);
        return AdapterViews.Load(connection, null);
    }

    /// <summary>Every adapter's id, in order.</summary>
    public IReadOnlyList<string> ListDeviceIds()
    {
        using var connection = Open();
        using var command = Command(connection, "SELECT device_id FROM adapters ORDER BY device_id");
        using var reader = command.ExecuteReader();
        var ids = new List<string>();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    /// <summary>Adapters found by a search (<see cref="FleetSearch"/>), by id, served by the search index.</summary>
    /// <param name="query">What support typed (trimmed, not empty).</param>
    public IReadOnlyList<AdapterView> Search(string query)
    {
        using var connection = Open();
        using var snapshot = connection.BeginTransaction(deferred: true);
        var filter = new FleetFilter { Query = query };
        return AdapterViews.Load(connection, [.. FleetQuery.Matching(connection, filter, null).Order(StringComparer.Ordinal)]);
    }

    /// <summary>One page of the fleet, filtered and sorted (see <see cref="FleetQuery"/>).</summary>
    /// <param name="filter">What is asked.</param>
    /// <exception cref="FleetFilterException">A state, sort, limit or cursor the store cannot take.</exception>
    public FleetPage Page(FleetFilter filter)
    {
        using var connection = Open();
        using var snapshot = connection.BeginTransaction(deferred: true);
        var (ids, next) = FleetQuery.PageIds(connection, filter);
        return new FleetPage(AdapterViews.Load(connection, ids), next, FleetQuery.Total(connection, filter));
    }

    /// <summary>The ids of one page of the fleet (see <see cref="Page"/>).</summary>
    /// <param name="filter">What is asked.</param>
    public IReadOnlyList<string> PageIds(FleetFilter filter)
    {
        using var connection = Open();
        return FleetQuery.PageIds(connection, filter).Ids;
    }

    /// <summary>Which of <paramref name="deviceIds"/> match <paramref name="filter"/> (not its cursor).</summary>
    /// <param name="filter">What is asked.</param>
    /// <param name="deviceIds">Adapters to check.</param>
    public IReadOnlySet<string> Matching(FleetFilter filter, IReadOnlyCollection<string> deviceIds)
    {
        using var connection = Open();
        return FleetQuery.Matching(connection, filter, deviceIds);
    }

    /// <summary>The fleet's counts, as the database keeps them (one small table, not a scan).</summary>
    public FleetCounts Counts()
    {
        using var connection = Open();
        return FleetCounts.Read(connection);
    }

    /// <summary>Closes the pooled connections to the file.</summary>
    public void Dispose()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    private List<SipAccount> ReadLines(SqliteConnection connection, string deviceId)
    {
        using var command = Command(connection,
            "SELECT password, settings FROM adapter_lines WHERE device_id = $id ORDER BY line", ("$id", deviceId));
        using var reader = command.ExecuteReader();
        var lines = new List<SipAccount>();
        while (reader.Read())
        {
            lines.Add(ReadSettings(reader.GetString(1), _secrets.Unprotect(reader.GetString(0))));
        }

        return lines;
    }

    internal static SipAccount ReadSettings(string settings, string password) =>
        (JsonSerializer.Deserialize<SipAccount>(settings, JsonSerializerOptions.Web)
            ?? throw new InvalidDataException("A stored line has no settings.")).WithPassword(password);

    private void WriteLines(SqliteConnection connection, string deviceId, IReadOnlyList<SipAccount> lines)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            Execute(connection,
                $"""
                INSERT INTO adapter_lines (device_id, line, username, password, registrar, settings, number, registration)
                VALUES ($id, $line, $user, $password, $registrar, $settings, $number,
                    coalesce((SELECT registration FROM line_health WHERE device_id = $id AND line = $line), '{DeviceReports.Unknown}'))
                """,
                ("$id", deviceId), ("$line", i + 1), ("$user", lines[i].Username), ("$number", FleetSearch.NumberOf(lines[i].Username)),
                ("$password", _secrets.Protect(lines[i].Password)), ("$registrar", lines[i].Registrar),
                ("$settings", JsonSerializer.Serialize(lines[i].WithPassword(string.Empty), JsonSerializerOptions.Web)));
        }
    }

    private static void AddConfigVersion(SqliteConnection connection, string deviceId, int version, string actor, string now) =>
        Execute(connection,
            "INSERT OR REPLACE INTO config_versions (device_id, version, created_at, actor, status) VALUES ($id, $version, $now, $actor, $status)",
            ("$id", deviceId), ("$version", version), ("$now", now), ("$actor", actor), ("$status", ConfigStatus.Pending));

    private static void CreatePrivately(string path)
    {
        if (!File.Exists(path))
        {
            PrivateFile.CreateNew(path, []);
        }
    }

    /// <summary>Opens a connection to the store (for the audit log and API keys, which share the file).</summary>
    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    /// <summary>The time now as the store writes it.</summary>
    public string Now() => _time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);

    /// <summary>Reads a time the store wrote.</summary>
    /// <param name="text">The text.</param>
    public static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    /// <summary>A command with named parameters (null as DBNull).</summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="sql">The SQL.</param>
    /// <param name="parameters">Its parameters.</param>
    public static SqliteCommand Command(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    /// <summary>
    /// Runs a statement with named parameters; returns the rows changed. On a connection that records
    /// a <see cref="ReportBatch"/>, each statement is prepared once and run again with new values.
    /// </summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="sql">The SQL.</param>
    /// <param name="parameters">Its parameters.</param>
    public static int Execute(SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!Prepared.TryGetValue(connection, out var statements))
        {
            using var command = Command(connection, sql, parameters);
            return command.ExecuteNonQuery();
        }

        if (!statements.TryGetValue(sql, out var prepared))
        {
            prepared = Command(connection, sql, parameters);
            prepared.Prepare();
            statements[sql] = prepared;
        }
        else
        {
            foreach (var (name, value) in parameters)
            {
                prepared.Parameters[name].Value = value ?? DBNull.Value;
            }
        }

        return prepared.ExecuteNonQuery();
    }

    /// <summary>Keeps the statements <see cref="Execute"/> runs on <paramref name="connection"/> prepared until <see cref="ForgetStatements"/>.</summary>
    /// <param name="connection">A connection in a transaction that records many reports.</param>
    internal static void KeepStatements(SqliteConnection connection) => Prepared.AddOrUpdate(connection, new(StringComparer.Ordinal));

    /// <summary>Releases the statements kept for <paramref name="connection"/>.</summary>
    /// <param name="connection">The connection.</param>
    internal static void ForgetStatements(SqliteConnection connection)
    {
        if (Prepared.TryGetValue(connection, out var statements))
        {
            Prepared.Remove(connection);
            foreach (var statement in statements.Values)
            {
                statement.Dispose();
            }
        }
    }
}
