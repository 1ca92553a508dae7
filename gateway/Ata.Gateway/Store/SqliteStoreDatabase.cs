using System.Data.Common;
using System.Globalization;
using Ata.Gateway.Broker;
using Microsoft.Data.Sqlite;

namespace Ata.Gateway.Store;

/// <summary>
/// The default store: one SQLite file, <c>{Gateway:DataDirectory}/gateway.db</c>, in WAL mode, made
/// private (0600) before SQLite first opens it. The only file besides the SQLite tests that names
/// Microsoft.Data.Sqlite's types.
/// </summary>
public sealed class SqliteStoreDatabase : StoreDatabase
{
    /// <summary>
    /// SQLite's page cache per pooled connection, in KiB (SQLite's default is 2,000). Every query is an
    /// index range read of a few pages and the operating system caches the file anyway, so a bigger
    /// cache per connection only held memory that grew with the fleet (see the README's "The fleet at scale").
    /// </summary>
    public const int PageCacheKilobytes = 256;

    private readonly string _connectionString;

    /// <summary>Opens (and on first use creates, privately) the database file.</summary>
    /// <param name="path">The file.</param>
    public SqliteStoreDatabase(string path)
    {
        Path = path;
        if (!File.Exists(path))
        {
            PrivateFile.CreateNew(path, []);
        }

        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            ForeignKeys = true,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <inheritdoc/>
    public override StoreDialect Dialect => StoreDialect.Sqlite;

    /// <inheritdoc/>
    public override string Description => Path;

    /// <summary>Whether <paramref name="connection"/> is a SQLite one.</summary>
    /// <param name="connection">A connection.</param>
    internal static bool Owns(DbConnection connection) => connection is SqliteConnection;

    /// <inheritdoc/>
    public override DbConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, $"PRAGMA cache_size = -{PageCacheKilobytes}");
        return connection;
    }

    /// <inheritdoc/>
    public override DbTransaction BeginSnapshot(DbConnection connection) => ((SqliteConnection)connection).BeginTransaction(deferred: true);

    /// <inheritdoc/>
    internal override DbTransaction BeginMigration(DbConnection connection)
    {
        Execute(connection, "PRAGMA journal_mode = WAL");
        return connection.BeginTransaction();
    }

    /// <inheritdoc/>
    internal override int ReadSchemaVersion(DbConnection connection)
    {
        using var command = Command(connection, "PRAGMA user_version");
        return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <inheritdoc/>
    internal override void WriteSchemaVersion(DbConnection connection, int version) =>
        Execute(connection, $"PRAGMA user_version = {version.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>Whether the error means the database cannot be written now (see <see cref="StoreDatabase.IsUnwritable"/>).</summary>
    /// <param name="exception">What a write threw.</param>
    // SQLITE_PERM 3, BUSY 5, LOCKED 6, NOMEM 7, READONLY 8, IOERR 10, FULL 13, CANTOPEN 14, PROTOCOL 15.
    internal static bool IsUnwritableError(DbException exception) =>
        exception is SqliteException sqlite && (sqlite.SqliteErrorCode & 0xFF) is 3 or 5 or 6 or 7 or 8 or 10 or 13 or 14 or 15;

    /// <summary>Closes the pooled connections to the file.</summary>
    public override void Dispose()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }
}
