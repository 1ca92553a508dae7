using System.Data.Common;
using System.Globalization;
using Npgsql;

namespace Ata.Gateway.Store;

/// <summary>
/// The store in a PostgreSQL database (Npgsql), which several gateways can share. Statements that run
/// again and again (each batch of reports) are prepared by Npgsql itself after their second use
/// (<c>Max Auto Prepare</c>). The only file that names Npgsql's types.
/// </summary>
public sealed class PostgreSqlStoreDatabase : StoreDatabase
{
    /// <summary>The lock (<c>pg_advisory_xact_lock</c>) gateways hold while they migrate the schema.</summary>
    private const long MigrationLock = 0x41_54_41_5f_53_54_4f_52; // "ATA_STOR"

    private readonly NpgsqlDataSource _dataSource;

    /// <summary>Uses the database a connection string names.</summary>
    /// <param name="connectionString">Npgsql's connection string.</param>
    /// <exception cref="ArgumentException">The string cannot be read (the message names the keyword, never a password).</exception>
    public PostgreSqlStoreDatabase(string? connectionString)
    {
        var builder = Parse(connectionString);
        if (!builder.ContainsKey("Max Auto Prepare") || builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = 64;
        }

        builder.ApplicationName ??= "ata-gateway";
        Description = string.Create(CultureInfo.InvariantCulture, $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database ?? builder.Username}");
        _dataSource = NpgsqlDataSource.Create(builder);
    }

    /// <inheritdoc/>
    public override StoreDialect Dialect => StoreDialect.PostgreSql;

    /// <inheritdoc/>
    public override string Description { get; }

    /// <summary>Reads a connection string, or says in one line what is wrong with it (never echoing it: it may hold a password).</summary>
    /// <param name="connectionString">The string.</param>
    /// <exception cref="ArgumentException">It cannot be read, or names no host.</exception>
    public static NpgsqlConnectionStringBuilder Parse(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new ArgumentException("Store:ConnectionString (or ConnectionStrings:Gateway) is empty: Store:Provider=PostgreSql needs one, e.g. Host=db;Database=ata;Username=ata;Password=….");
        }

        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            // Npgsql's messages name the keyword ("Keyword not supported: 'hots'"), not the value.
            throw new ArgumentException($"Store:ConnectionString cannot be read: {exception.Message}", exception);
        }

        if (string.IsNullOrWhiteSpace(builder.Host))
        {
            throw new ArgumentException("Store:ConnectionString names no Host (e.g. Host=db or Host=/run/postgresql).");
        }

        return builder;
    }

    /// <inheritdoc/>
    public override DbConnection Open() => _dataSource.OpenConnection();

    /// <inheritdoc/>
    public override DbTransaction BeginSnapshot(DbConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var transaction = connection.BeginTransaction(System.Data.IsolationLevel.RepeatableRead);
        Execute(connection, "SET TRANSACTION READ ONLY");
        return transaction;
    }

    /// <inheritdoc/>
    internal override DbTransaction BeginMigration(DbConnection connection)
    {
        var transaction = connection.BeginTransaction();
        Execute(connection, "SELECT pg_advisory_xact_lock(@lock)", ("@lock", MigrationLock));
        return transaction;
    }

    /// <inheritdoc/>
    internal override int ReadSchemaVersion(DbConnection connection)
    {
        Execute(connection, "CREATE TABLE IF NOT EXISTS store_schema (version INTEGER NOT NULL)");
        using var command = Command(connection, "SELECT max(version) FROM store_schema");
        return command.ExecuteScalar() is int version ? version : 0;
    }

    /// <inheritdoc/>
    internal override void WriteSchemaVersion(DbConnection connection, int version)
    {
        Execute(connection, "DELETE FROM store_schema");
        Execute(connection, "INSERT INTO store_schema (version) VALUES (@version)", ("@version", version));
    }

    /// <summary>Whether the error means the database cannot be written now (see <see cref="StoreDatabase.IsUnwritable"/>).</summary>
    /// <param name="exception">What a write threw.</param>
    // Class 08 connection, 53 insufficient resources (disk full, out of memory), 57P operator intervention
    // (shut down), 58 system (I/O) errors; 25006 a read-only transaction (a standby); a lost connection.
    internal static bool IsUnwritableError(DbException exception) => exception switch
    {
        PostgresException postgres => postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
            || postgres.SqlState.StartsWith("53", StringComparison.Ordinal)
            || postgres.SqlState.StartsWith("57P", StringComparison.Ordinal)
            || postgres.SqlState.StartsWith("58", StringComparison.Ordinal)
            || postgres.SqlState == PostgresErrorCodes.ReadOnlySqlTransaction,
        NpgsqlException npgsql => npgsql.IsTransient,
        _ => false,
    };

    /// <summary>Whether the transaction lost a race and can be run again (see <see cref="StoreDatabase.IsConflict"/>).</summary>
    /// <param name="exception">What a write threw.</param>
    internal static bool IsConflictError(DbException exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure };

    /// <summary>Closes the pooled connections.</summary>
    public override void Dispose() => _dataSource.Dispose();
}
