using System.Globalization;
using System.Text.Json;
using Ata.Gateway.Broker;
using Ata.Gateway.Fleet;
using Ata.Gateway.Incidents;
using Ata.Gateway.Provisioning;
using System.Data.Common;
using Microsoft.Extensions.Options;

using static Ata.Gateway.Store.StoreDatabase;

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

    private readonly TimeProvider _time;
    private readonly SecretBox _secrets;
    private readonly IncidentBook? _incidents;

    // A health report's statement that differs per dialect, made once (it is prepared per batch by its text).
    private readonly string _deleteUnreportedLines;

    /// <summary>Opens (and on first use creates) the store in the configured data directory (SQLite).</summary>
    /// <param name="options">The gateway options.</param>
    /// <param name="time">The clock.</param>
    /// <param name="secrets">Encrypts SIP passwords and pending device secrets.</param>
    /// <param name="incidents">Turns recorded faults into incidents and outbox messages, in the same transaction; none in unit tests of the store alone.</param>
    public AdapterStore(IOptions<GatewayOptions> options, TimeProvider time, SecretBox secrets, IncidentBook? incidents = null)
        : this(StoreDatabase.Create(options?.Value!, new StoreOptions(), null), time, secrets, incidents)
    {
    }

    /// <summary>Opens the store in <paramref name="database"/> and migrates its schema to this gateway's.</summary>
    /// <param name="database">The database (SQLite or PostgreSQL); the store disposes of it.</param>
    /// <param name="time">The clock.</param>
    /// <param name="secrets">Encrypts SIP passwords and pending device secrets.</param>
    /// <param name="incidents">Turns recorded faults into incidents and outbox messages, in the same transaction; none in unit tests of the store alone.</param>
    public AdapterStore(StoreDatabase database, TimeProvider time, SecretBox secrets, IncidentBook? incidents = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        Database = database;
        _time = time;
        _secrets = secrets;
        _incidents = incidents;
        _deleteUnreportedLines = $"DELETE FROM line_health WHERE device_id = @id AND line NOT IN ({StoreSql.JsonIntegers(Dialect, "@lines")})";
        CreateSchema();
    }

    /// <summary>The database the store is in.</summary>
    public StoreDatabase Database { get; }

    /// <summary>The SQL dialect of <see cref="Database"/>.</summary>
    public StoreDialect Dialect => Database.Dialect;

    /// <summary>The SQLite file (<see cref="FileName"/> in the data directory); null on PostgreSQL.</summary>
    public string? Path => (Database as SqliteStoreDatabase)?.Path;

    /// <summary>Creates or updates an adapter; bumps its config version when anything changed.</summary>
    /// <param name="deviceId">The adapter's id (already validated).</param>
    /// <param name="specification">Its secret and lines (already validated).</param>
    /// <param name="actor">Who asked, for the config history.</param>
    /// <param name="brokerAccounts">
    /// When the adapter's broker login is new or changed, called inside the transaction, before the
    /// commit, with the adapter's broker login as it will be (see <see cref="IBroker.WriteDeviceAccounts"/>);
    /// if it throws, nothing is saved.
    /// </param>
    public SaveOutcome Save(
        string deviceId, AdapterSpecification specification, string actor = "system", Action<IReadOnlyList<BrokerAccount>>? brokerAccounts = null)
    {
        ArgumentNullException.ThrowIfNull(specification);
        return StoreDatabase.RunAgainOnConflict(() => SaveOnce(deviceId, specification, actor, brokerAccounts));
    }

    private SaveOutcome SaveOnce(string deviceId, AdapterSpecification specification, string actor, Action<IReadOnlyList<BrokerAccount>>? brokerAccounts)
    {
        var now = Now();
        using var connection = Open();
        using var transaction = connection.BeginTransaction();

        string? secretHash = null;
        var version = 0;
        string? customer = null;
        var sendHa1 = false;
        using (var read = Command(connection, "SELECT secret_hash, config_version, customer_ref, send_ha1 FROM adapters WHERE device_id = @id", ("@id", deviceId)))
        using (var reader = read.ExecuteReader())
        {
            if (reader.Read())
            {
                secretHash = reader.GetString(0);
                version = reader.GetInt32(1);
                customer = reader.IsDBNull(2) ? null : reader.GetString(2);
                sendHa1 = reader.GetFlag(3);
            }
        }

        if (secretHash is null)
        {
            if (specification.KeepsSecret)
            {
                throw new InvalidOperationException($"Adapter '{deviceId}' does not exist: a new adapter needs its device secret.");
            }

            var newHash = Insert(connection, deviceId, specification, actor, now);
            brokerAccounts?.Invoke([new BrokerAccount(deviceId, newHash)]);
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
            Execute(connection, "UPDATE adapters SET customer_ref = @customer, updated_at = @now WHERE device_id = @id",
                ("@id", deviceId), ("@customer", specification.CustomerReference), ("@now", now));
            parts.Add(AdapterRequest.CustomerReferenceKey);
        }

        if (!secretChanged && !linesChanged && !ha1Changed)
        {
            transaction.Commit();
            return new SaveOutcome(Created: false, ConfigVersion: version, Changed: false, CredentialsChanged: false) { ChangedParts = parts };
        }

        version++;
        Execute(connection, "UPDATE adapters SET config_version = @version, updated_at = @now, send_ha1 = @ha1 WHERE device_id = @id",
            ("@id", deviceId), ("@version", version), ("@now", now), ("@ha1", specification.SendHa1));
        var changedHash = secretChanged ? MosquittoPasswordHash.Create(specification.Secret) : null;
        if (secretChanged)
        {
            Execute(connection, "UPDATE adapters SET secret_hash = @hash, pending_secret = NULL, pending_secret_version = NULL WHERE device_id = @id",
                ("@id", deviceId), ("@hash", changedHash));
        }

        if (linesChanged)
        {
            Execute(connection, "DELETE FROM adapter_lines WHERE device_id = @id", ("@id", deviceId));
            WriteLines(connection, deviceId, specification.Lines);
        }

        AddConfigVersion(connection, deviceId, version, actor, now);
        if (secretChanged)
        {
            brokerAccounts?.Invoke([new BrokerAccount(deviceId, changedHash)]);
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
        var all = adapters as IReadOnlyCollection<KeyValuePair<string, AdapterSpecification>> ?? [.. adapters];
        return StoreDatabase.RunAgainOnConflict(() => SaveManyOnce(all, actor));
    }

    private int SaveManyOnce(IReadOnlyCollection<KeyValuePair<string, AdapterSpecification>> adapters, string actor)
    {
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

    /// <returns>The new adapter's broker password hash.</returns>
    private string Insert(DbConnection connection, string deviceId, AdapterSpecification specification, string actor, string now)
    {
        var hash = MosquittoPasswordHash.Create(specification.Secret);
        Execute(connection,
            """
            INSERT INTO adapters (device_id, secret_hash, config_version, published_version, created_at, updated_at, customer_ref, send_ha1)
            VALUES (@id, @hash, 1, 0, @now, @now, @customer, @ha1)
            """,
            ("@id", deviceId), ("@hash", hash), ("@now", now),
            ("@customer", specification.CustomerReference), ("@ha1", specification.SendHa1));
        Execute(connection, "INSERT INTO adapter_state (device_id) VALUES (@id)", ("@id", deviceId));
        WriteLines(connection, deviceId, specification.Lines);
        AddConfigVersion(connection, deviceId, 1, actor, now);
        return hash;
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
        NextConfigVersion(deviceId, actor, "pending_secret = @value, pending_secret_version = @version", _secrets.Protect(newSecret), null);

    /// <summary>
    /// Revokes an adapter's device secret at once (after a suspected leak): <paramref name="newSecret"/>
    /// replaces it as the only one the broker accepts, a rotation under way is abandoned, and a new
    /// config version (without any device secret) is made for the adapter once it is onboarded again.
    /// </summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="newSecret">The new secret, shown only to the admin who revokes.</param>
    /// <param name="actor">Who asked.</param>
    /// <param name="brokerAccounts">Called inside the transaction, before the commit, with the adapter's broker login as it will be.</param>
    /// <returns>The new config version; null when the adapter is unknown.</returns>
    public int? RevokeSecret(string deviceId, string newSecret, string actor, Action<IReadOnlyList<BrokerAccount>>? brokerAccounts = null) =>
        NextConfigVersion(deviceId, actor, "secret_hash = @value, pending_secret = NULL, pending_secret_version = NULL",
            MosquittoPasswordHash.Create(newSecret), brokerAccounts);

    /// <summary>
    /// Makes the adapter's next config version in one transaction, changing its row with
    /// <paramref name="assignments"/> (SQL, with <c>@version</c> and <c>@value</c>).
    /// </summary>
    /// <returns>The new version; null when the adapter is unknown.</returns>
    private int? NextConfigVersion(
        string deviceId, string actor, string assignments, string value, Action<IReadOnlyList<BrokerAccount>>? brokerAccounts) =>
        StoreDatabase.RunAgainOnConflict(() => NextConfigVersionOnce(deviceId, actor, assignments, value, brokerAccounts));

    private int? NextConfigVersionOnce(
        string deviceId, string actor, string assignments, string value, Action<IReadOnlyList<BrokerAccount>>? brokerAccounts)
    {
        var now = Now();
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        using var read = Command(connection, "SELECT config_version FROM adapters WHERE device_id = @id", ("@id", deviceId));
        if (read.ExecuteScalar() is not long current)
        {
            return null;
        }

        var version = (int)current + 1;
        Execute(connection, $"UPDATE adapters SET config_version = @version, updated_at = @now, {assignments} WHERE device_id = @id",
            ("@id", deviceId), ("@version", version), ("@now", now), ("@value", value));
        AddConfigVersion(connection, deviceId, version, actor, now);
        brokerAccounts?.Invoke([new BrokerAccount(deviceId, value)]);
        transaction.Commit();
        return version;
    }

    /// <summary>Deletes an adapter and everything recorded about it.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="brokerAccounts">Called inside the transaction, before the commit, with the adapter's broker login removed.</param>
    /// <returns>False when it was unknown.</returns>
    public bool Delete(string deviceId, Action<IReadOnlyList<BrokerAccount>>? brokerAccounts = null) =>
        StoreDatabase.RunAgainOnConflict(() => DeleteOnce(deviceId, brokerAccounts));

    private bool DeleteOnce(string deviceId, Action<IReadOnlyList<BrokerAccount>>? brokerAccounts)
    {
        var now = Now();
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        if (Execute(connection, "DELETE FROM adapters WHERE device_id = @id", ("@id", deviceId)) == 0)
        {
            return false;
        }

        Execute(connection, "UPDATE incidents SET ended_at = @now WHERE device_id = @id AND ended_at IS NULL", ("@id", deviceId), ("@now", now));
        Outbox.CancelForAdapter(connection, deviceId);
        brokerAccounts?.Invoke([new BrokerAccount(deviceId, null)]);
        transaction.Commit();
        return true;
    }

    /// <summary>The current config document of an adapter, with its SIP passwords; null when unknown.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    public AdapterConfig? FindConfig(string deviceId)
    {
        using var connection = Open();
        int version;
        bool sendHa1;
        string? pendingSecret;
        using (var command = Command(connection, "SELECT config_version, send_ha1, pending_secret FROM adapters WHERE device_id = @id", ("@id", deviceId)))
        using (var reader = command.ExecuteReader())
        {
            // Read whole before the lines are: a PostgreSQL connection runs one command at a time.
            if (!reader.Read())
            {
                return null;
            }

            (version, sendHa1, pendingSecret) = (reader.GetInt32(0), reader.GetFlag(1), reader.IsDBNull(2) ? null : reader.GetString(2));
        }

        return new AdapterConfig(deviceId, version, ReadLines(connection, deviceId))
        {
            SendHa1 = sendHa1,
            PendingSecret = pendingSecret is null ? null : _secrets.Unprotect(pendingSecret),
        };
    }

    /// <summary>An adapter's broker password hash, or null when it is unknown.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    public string? FindBrokerAccount(string deviceId)
    {
        using var connection = Open();
        using var command = Command(connection, "SELECT secret_hash FROM adapters WHERE device_id = @id", ("@id", deviceId));
        return command.ExecuteScalar() as string;
    }

    /// <summary>Every adapter's broker user name and password hash.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ListBrokerAccounts()
    {
        using var connection = Open();
        return ListBrokerAccounts(connection);
    }

    private static List<KeyValuePair<string, string>> ListBrokerAccounts(DbConnection connection)
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
        return ReadStrings(command);
    }

    /// <summary>Notes that the broker holds <paramref name="version"/> of the adapter's config.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="version">The version it acknowledged.</param>
    public void MarkConfigPublished(string deviceId, int version)
    {
        using var connection = Open();
        Execute(connection, "UPDATE adapters SET published_version = @version WHERE device_id = @id AND published_version < @version",
            ("@id", deviceId), ("@version", version));
    }

    /// <summary>Forgets what the broker holds, so every config is published again (after the broker lost retained messages).</summary>
    public void MarkAllConfigsUnpublished()
    {
        using var connection = Open();
        Execute(connection, "UPDATE adapters SET published_version = 0");
    }

    /// <summary>Closes the pooled connections.</summary>
    public void Dispose() => Database.Dispose();

    private List<SipAccount> ReadLines(DbConnection connection, string deviceId)
    {
        using var command = Command(connection,
            "SELECT password, settings FROM adapter_lines WHERE device_id = @id ORDER BY line", ("@id", deviceId));
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

    private void WriteLines(DbConnection connection, string deviceId, IReadOnlyList<SipAccount> lines)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            Execute(connection,
                $"""
                INSERT INTO adapter_lines (device_id, line, username, password, registrar, settings, number, registration)
                VALUES (@id, @line, @user, @password, @registrar, @settings, @number,
                    coalesce((SELECT registration FROM line_health WHERE device_id = @id AND line = @line), '{DeviceReports.Unknown}'))
                """,
                ("@id", deviceId), ("@line", i + 1), ("@user", lines[i].Username), ("@number", FleetSearch.NumberOf(lines[i].Username)),
                ("@password", _secrets.Protect(lines[i].Password)), ("@registrar", lines[i].Registrar),
                ("@settings", JsonSerializer.Serialize(lines[i].WithPassword(string.Empty), JsonSerializerOptions.Web)));
        }
    }

    private static void AddConfigVersion(DbConnection connection, string deviceId, int version, string actor, string now) =>
        Execute(connection,
            "INSERT INTO config_versions (device_id, version, created_at, actor, status) VALUES (@id, @version, @now, @actor, @status) "
            + "ON CONFLICT (device_id, version) DO UPDATE SET created_at = excluded.created_at, actor = excluded.actor, status = excluded.status, reason = NULL",
            ("@id", deviceId), ("@version", version), ("@now", now), ("@actor", actor), ("@status", ConfigStatus.Pending));

    /// <summary>Opens a connection to the store (for features that keep their own tables in it).</summary>
    public DbConnection Open() => Database.Open();

    /// <summary>The time now as the store writes it.</summary>
    public string Now() => _time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);

    /// <summary>Reads a time the store wrote.</summary>
    /// <param name="text">The text.</param>
    public static DateTimeOffset ParseTime(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
}
