using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Ata.Gateway.Incidents;
using Ata.Gateway.Store;
using Ata.Lab;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Tests.Support;

/// <summary>
/// The one place the gateway tests choose their store: SQLite in each test's data directory (the
/// default), or, with <c>ATA_TEST_STORE=postgresql</c> (how <c>tools/test</c> runs the store tests a
/// second time), a database of one throwaway PostgreSQL cluster per test run, one database per data
/// directory (so a gateway started again on its directory finds its data again).
/// </summary>
internal static class TestStores
{
    /// <summary>The environment variable that picks the store.</summary>
    public const string Variable = "ATA_TEST_STORE";

    private static readonly Lazy<Task<PostgresCluster>> SharedCluster = new(StartClusterAsync);
    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> Databases = new(StringComparer.Ordinal);

    /// <summary>Whether this run's store is PostgreSQL.</summary>
    public static bool PostgreSql =>
        string.Equals(Environment.GetEnvironmentVariable(Variable), "postgresql", StringComparison.OrdinalIgnoreCase);

    /// <summary>The cluster of this test run, started on first use and stopped when the run ends.</summary>
    public static Task<PostgresCluster> ClusterAsync() => SharedCluster.Value;

    /// <summary>A new, empty database of the shared cluster (for tests that want their own besides the run's choice).</summary>
    /// <param name="name">A name unique in the run (letters, digits, underscores).</param>
    public static async Task<string> NewDatabaseAsync(string name) =>
        await (await ClusterAsync().ConfigureAwait(false)).CreateDatabaseAsync(name).ConfigureAwait(false);

    /// <summary>The gateway settings that put its store where this run wants it (none for SQLite).</summary>
    /// <param name="dataDirectory">The gateway's data directory.</param>
    public static async Task<IReadOnlyDictionary<string, string?>> SettingsAsync(string dataDirectory)
    {
        if (!PostgreSql)
        {
            return new Dictionary<string, string?>();
        }

        return new Dictionary<string, string?>
        {
            ["Store:Provider"] = "PostgreSql",
            ["Store:ConnectionString"] = await DatabaseForAsync(dataDirectory).ConfigureAwait(false),
        };
    }

    /// <summary>Opens the store of a data directory in this run's database.</summary>
    /// <param name="dataDirectory">The data directory (SQLite's file, and the key ring, are there).</param>
    /// <param name="time">The clock.</param>
    /// <param name="secrets">The secret box.</param>
    /// <param name="incidents">The incident book, if any.</param>
    public static AdapterStore Open(string dataDirectory, TimeProvider time, SecretBox secrets, IncidentBook? incidents = null)
    {
        var gateway = new GatewayOptions { DataDirectory = dataDirectory };
        if (!PostgreSql)
        {
            return new AdapterStore(Options.Create(gateway), time, secrets, incidents);
        }

        var connectionString = DatabaseForAsync(dataDirectory).GetAwaiter().GetResult();
        return new AdapterStore(new PostgreSqlStoreDatabase(connectionString), time, secrets, incidents);
    }

    /// <summary>The database a gateway on <paramref name="dataDirectory"/> uses in this run (to look into it).</summary>
    /// <param name="dataDirectory">The gateway's data directory.</param>
    public static StoreDatabase Database(string dataDirectory) =>
        PostgreSql
            ? new PostgreSqlStoreDatabase(DatabaseForAsync(dataDirectory).GetAwaiter().GetResult())
            : new SqliteStoreDatabase(Path.Combine(dataDirectory, AdapterStore.FileName));

    /// <summary>
    /// Everything the store keeps, as text, for "never at rest in clear" checks: SQLite's file and its
    /// WAL; every row of every table of the PostgreSQL database.
    /// </summary>
    /// <param name="store">The store.</param>
    public static string StoredText(AdapterStore store) => StoredText(store.Database);

    /// <summary>Everything a store's database keeps, as text (see <see cref="StoredText(AdapterStore)"/>).</summary>
    /// <param name="database">The database.</param>
    public static string StoredText(StoreDatabase database)
    {
        if (database is SqliteStoreDatabase { Path: var file })
        {
            return File.ReadAllText(file) + (File.Exists(file + "-wal") ? File.ReadAllText(file + "-wal") : string.Empty);
        }

        using var connection = database.Open();
        var tables = new List<string>();
        using (var list = StoreDatabase.Command(connection,
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"))
        {
            tables.AddRange(StoreDatabase.ReadStrings(list));
        }

        var text = new StringBuilder();
        foreach (var table in tables)
        {
            using var rows = StoreDatabase.Command(connection, $"SELECT CAST(t AS text) FROM \"{table}\" t");
            text.AppendJoin('\n', StoreDatabase.ReadStrings(rows)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>The database of a data directory, made on first use.</summary>
    private static Task<string> DatabaseForAsync(string dataDirectory) =>
        Databases.GetOrAdd(Path.GetFullPath(dataDirectory), directory => new Lazy<Task<string>>(async () =>
        {
            var name = "t_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(directory)))[..20];
            return await NewDatabaseAsync(name).ConfigureAwait(false);
        })).Value;

    private static async Task<PostgresCluster> StartClusterAsync()
    {
        var cluster = await PostgresCluster.StartAsync().ConfigureAwait(false);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(20));
        return cluster;
    }
}
