using System.Security.Cryptography;
using System.Text;
using Ata.Gateway.Broker;
using Ata.Gateway.Store;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Access;

/// <summary>A named API key's role (the key itself is only ever shown once, when created).</summary>
/// <param name="Name">Who holds it.</param>
/// <param name="Role">A <see cref="Roles"/> name.</param>
/// <param name="CreatedAt">When it was made.</param>
/// <param name="CreatedBy">Who made it.</param>
public sealed record ApiKeyView(string Name, string Role, DateTimeOffset CreatedAt, string CreatedBy);

/// <summary>
/// API keys: the configured bootstrap keys (<see cref="AccessOptions"/>) and named keys made by an
/// admin, kept in the store as SHA-256 hashes.
/// </summary>
public sealed partial class ApiKeys
{
    /// <summary>The file a generated bootstrap admin key is written to, inside the data directory.</summary>
    public const string GeneratedAdminKeyFile = "admin.key";

    /// <summary>The holder name of the configured admin key.</summary>
    public const string ConfiguredAdmin = "admin";

    /// <summary>The holder name of the configured support key.</summary>
    public const string ConfiguredSupport = "support";

    private readonly AdapterStore _store;
    private readonly AccessOptions _options;
    private readonly string _generatedKeyPath;
    private readonly ILogger<ApiKeys> _logger;
    private readonly DashboardSessions _sessions;
    private readonly Lazy<string?> _generatedKey;

    /// <summary>Creates the key registry.</summary>
    /// <param name="store">The store (table <c>api_keys</c>).</param>
    /// <param name="options">Bootstrap keys.</param>
    /// <param name="gateway">The data directory.</param>
    /// <param name="logger">Where the generated key's file is announced (never the key).</param>
    /// <param name="sessions">The dashboard sessions, ended with their key.</param>
    public ApiKeys(AdapterStore store, IOptions<AccessOptions> options, IOptions<GatewayOptions> gateway, ILogger<ApiKeys> logger, DashboardSessions sessions)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(gateway);
        _store = store;
        _options = options.Value;
        _logger = logger;
        _sessions = sessions;
        _generatedKeyPath = Path.Combine(gateway.Value.FullDataDirectory, GeneratedAdminKeyFile);
        _generatedKey = new Lazy<string?>(LoadOrGenerateAdminKey);
    }

    /// <summary>Makes sure some admin key exists (generating one into a file if none does).</summary>
    public void EnsureAdminKey() => _ = _generatedKey.Value;

    /// <summary>Finds who holds <paramref name="key"/>.</summary>
    /// <param name="key">A presented key.</param>
    /// <param name="name">The holder.</param>
    /// <param name="role">Their role.</param>
    public bool TryAuthenticate(string key, out string name, out string role)
    {
        ArgumentNullException.ThrowIfNull(key);
        name = string.Empty;
        role = string.Empty;
        if (key.Length is 0 or > 256)
        {
            return false;
        }

        if (Matches(key, _options.AdminKey) || Matches(key, _generatedKey.Value))
        {
            (name, role) = (ConfiguredAdmin, Roles.Admin);
            return true;
        }

        if (Matches(key, _options.SupportKey))
        {
            (name, role) = (ConfiguredSupport, Roles.Support);
            return true;
        }

        using var connection = _store.Open();
        using var command = StoreDatabase.Command(connection, "SELECT name, role FROM api_keys WHERE key_hash = @hash", ("@hash", Hash(key)));
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return false;
        }

        (name, role) = (reader.GetString(0), reader.GetString(1));
        return true;
    }

    /// <summary>Makes a named key; returns it (shown once) or null when the name is taken.</summary>
    /// <param name="name">The holder.</param>
    /// <param name="role">Their role.</param>
    /// <param name="createdBy">The admin making it.</param>
    public string? Create(string name, string role, string createdBy)
    {
        var key = "ata_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        using var connection = _store.Open();
        var added = StoreDatabase.Execute(connection,
            "INSERT INTO api_keys (name, role, key_hash, created_at, created_by) VALUES (@name, @role, @hash, @now, @by) ON CONFLICT (name) DO NOTHING",
            ("@name", name), ("@role", role), ("@hash", Hash(key)), ("@now", _store.Now()), ("@by", createdBy));
        return added > 0 ? key : null;
    }

    /// <summary>Revokes a named key and ends the dashboard sessions signed in with it.</summary>
    /// <param name="name">The holder.</param>
    public bool Revoke(string name)
    {
        using var connection = _store.Open();
        var revoked = StoreDatabase.Execute(connection, "DELETE FROM api_keys WHERE name = @name", ("@name", name)) > 0;
        if (revoked)
        {
            _sessions.EndSessionsOf(name);
        }

        return revoked;
    }

    /// <summary>Whether <paramref name="name"/> still holds a key with <paramref name="role"/> (a dashboard session's check on every request).</summary>
    /// <param name="name">The holder.</param>
    /// <param name="role">The role their session was signed in with.</param>
    public bool IsHeld(string name, string role)
    {
        if (IsConfiguredHolder(name))
        {
            return name == ConfiguredAdmin
                ? role == Roles.Admin && (!string.IsNullOrEmpty(_options.AdminKey) || _generatedKey.Value is not null)
                : role == Roles.Support && !string.IsNullOrEmpty(_options.SupportKey);
        }

        using var connection = _store.Open();
        using var command = StoreDatabase.Command(connection, "SELECT 1 FROM api_keys WHERE name = @name AND role = @role", ("@name", name), ("@role", role));
        return command.ExecuteScalar() is not null;
    }

    /// <summary>Whether <paramref name="name"/> is the holder name of a configured key, which a named key may not take.</summary>
    /// <param name="name">A holder name.</param>
    public static bool IsConfiguredHolder(string name) => name is ConfiguredAdmin or ConfiguredSupport;

    /// <summary>The named keys (without the keys).</summary>
    public IReadOnlyList<ApiKeyView> List()
    {
        using var connection = _store.Open();
        using var command = StoreDatabase.Command(connection, "SELECT name, role, created_at, created_by FROM api_keys ORDER BY name");
        using var reader = command.ExecuteReader();
        var keys = new List<ApiKeyView>();
        while (reader.Read())
        {
            keys.Add(new ApiKeyView(reader.GetString(0), reader.GetString(1), AdapterStore.ParseTime(reader.GetString(2)), reader.GetString(3)));
        }

        return keys;
    }

    private static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static bool Matches(string presented, string? expected) =>
        expected is { Length: > 0 }
        && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    private string? LoadOrGenerateAdminKey()
    {
        if (File.Exists(_generatedKeyPath))
        {
            return File.ReadAllText(_generatedKeyPath).Trim();
        }

        if (!string.IsNullOrEmpty(_options.AdminKey) || List().Any(k => k.Role == Roles.Admin))
        {
            return null;
        }

        var key = "ata_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        PrivateFile.Write(_generatedKeyPath, key + "\n");
        LogGenerated(_generatedKeyPath);
        return key;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No admin API key was configured (Auth:AdminKey); one was generated into {Path}")]
    private partial void LogGenerated(string path);
}
