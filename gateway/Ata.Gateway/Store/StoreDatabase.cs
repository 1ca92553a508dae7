using System.Data.Common;
using System.Runtime.CompilerServices;

namespace Ata.Gateway.Store;

/// <summary>
/// The one thing features reach the database through: it opens a <see cref="DbConnection"/>, knows
/// its <see cref="Dialect"/> (for the few statements that must differ) and migrates the schema. Features
/// write their SQL once with <c>@name</c> parameters (both providers take them) and ask
/// <see cref="StoreSql"/> for the pieces that differ; only the backends name their provider's types.
/// </summary>
public abstract class StoreDatabase : IDisposable
{
    /// <summary>Statements prepared once per connection while it records many reports, by SQL text.</summary>
    private static readonly ConditionalWeakTable<DbConnection, Dictionary<string, DbCommand>> Prepared = [];

    /// <summary>The SQL dialect of this database.</summary>
    public abstract StoreDialect Dialect { get; }

    /// <summary>Where the store is, for people (a file, or host, port and database: never a password).</summary>
    public abstract string Description { get; }

    /// <summary>Opens a connection (from the provider's pool).</summary>
    public abstract DbConnection Open();

    /// <summary>A read-only transaction in which several queries see one state of the store.</summary>
    /// <param name="connection">An open connection of this database.</param>
    public abstract DbTransaction BeginSnapshot(DbConnection connection);

    /// <summary>The schema version the database is at (0 for a new one), read inside the migration's transaction.</summary>
    /// <param name="connection">A connection in the migration's transaction.</param>
    internal abstract int ReadSchemaVersion(DbConnection connection);

    /// <summary>Records the schema version reached, inside the migration's transaction.</summary>
    /// <param name="connection">A connection in the migration's transaction.</param>
    /// <param name="version">The version.</param>
    internal abstract void WriteSchemaVersion(DbConnection connection, int version);

    /// <summary>
    /// Begins the migration's transaction: SQLite first turns on WAL; PostgreSQL then takes a lock that holds
    /// other gateways starting at the same time until this one has migrated.
    /// </summary>
    /// <param name="connection">The migration's connection.</param>
    internal abstract DbTransaction BeginMigration(DbConnection connection);

    /// <summary>
    /// Whether an exception means the database cannot be written now (disk full, read-only, I/O error,
    /// locked, unreachable), as opposed to one statement it cannot take.
    /// </summary>
    /// <param name="exception">What a write threw.</param>
    public static bool IsUnwritable(DbException exception) =>
        SqliteStoreDatabase.IsUnwritableError(exception) || PostgreSqlStoreDatabase.IsUnwritableError(exception);

    /// <summary>
    /// Whether a transaction lost a race with another writer and can simply be run again: PostgreSQL
    /// chose it as a deadlock's victim (several gateway instances update the same <c>fleet_counts</c>
    /// rows, in whatever order their adapters' changes come) or could not serialize it.
    /// </summary>
    /// <param name="exception">What a write threw.</param>
    public static bool IsConflict(DbException exception) => PostgreSqlStoreDatabase.IsConflictError(exception);

    /// <summary>The most times <see cref="RunAgainOnConflict{T}"/> runs a transaction.</summary>
    public const int ConflictAttempts = 5;

    /// <summary>
    /// Runs <paramref name="work"/>, a whole transaction from its start to its commit, and runs it again
    /// when the database undid it for losing a race with another writer (<see cref="IsConflict"/>), up to
    /// <see cref="ConflictAttempts"/> times in all. Nothing of an undone transaction was kept; whatever it
    /// did outside the database before its commit must be safe to do again (a broker login written as it
    /// will be is).
    /// </summary>
    /// <typeparam name="T">What the transaction returns.</typeparam>
    /// <param name="work">The transaction.</param>
    /// <returns>What the transaction that committed returned.</returns>
    public static T RunAgainOnConflict<T>(Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return work();
            }
            catch (DbException exception) when (IsConflict(exception) && attempt < ConflictAttempts)
            {
            }
        }
    }

    /// <summary>Runs a transaction that returns nothing as <see cref="RunAgainOnConflict{T}"/> does.</summary>
    /// <param name="work">The transaction.</param>
    public static void RunAgainOnConflict(Action work)
    {
        ArgumentNullException.ThrowIfNull(work);
        RunAgainOnConflict(() =>
        {
            work();
            return true;
        });
    }

    /// <summary>Releases the pooled connections.</summary>
    public abstract void Dispose();

    /// <summary>The database the settings name: SQLite in the data directory, or PostgreSQL.</summary>
    /// <param name="gateway">The gateway options (the data directory).</param>
    /// <param name="options">The store options.</param>
    /// <param name="namedConnectionString"><c>ConnectionStrings:Gateway</c>, used when <see cref="StoreOptions.ConnectionString"/> is empty.</param>
    /// <exception cref="StoreUnusableException">The settings name no database this gateway can use (one line, never a password).</exception>
    public static StoreDatabase Create(GatewayOptions gateway, StoreOptions options, string? namedConnectionString)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(options);
        switch (options.Kind)
        {
            case StoreProvider.Sqlite:
                var directory = gateway.FullDataDirectory;
                Broker.PrivateFile.EnsureDirectory(directory);
                return new SqliteStoreDatabase(Path.Combine(directory, AdapterStore.FileName));
            case StoreProvider.PostgreSql:
                try
                {
                    return new PostgreSqlStoreDatabase(string.IsNullOrWhiteSpace(options.ConnectionString) ? namedConnectionString : options.ConnectionString);
                }
                catch (ArgumentException bad)
                {
                    throw new StoreUnusableException(bad.Message, bad);
                }

            default:
                throw new StoreUnusableException($"Store:Provider must be Sqlite or PostgreSql, not '{options.Provider}'.");
        }
    }

    /// <summary>The dialect of a connection opened by a <see cref="StoreDatabase"/>.</summary>
    /// <param name="connection">The connection.</param>
    public static StoreDialect DialectOf(DbConnection connection) =>
        SqliteStoreDatabase.Owns(connection) ? StoreDialect.Sqlite : StoreDialect.PostgreSql;

    /// <summary>Whether the table has the column (for migrations that add columns).</summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="table">The table.</param>
    /// <param name="column">The column.</param>
    public static bool HasColumn(DbConnection connection, string table, string column)
    {
        using var command = DialectOf(connection) == StoreDialect.Sqlite
            ? Command(connection, "SELECT 1 FROM pragma_table_xinfo(@table) WHERE name = @column", ("@table", table), ("@column", column))
            : Command(connection,
                "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = @table AND column_name = @column",
                ("@table", table), ("@column", column));
        return command.ExecuteScalar() is not null;
    }

    /// <summary>A command with named parameters (<c>@name</c>; null as DBNull, bool as 1 or 0).</summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="sql">The SQL.</param>
    /// <param name="parameters">Its parameters.</param>
    public static DbCommand Command(DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(parameters);
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = Stored(value);
            command.Parameters.Add(parameter);
        }

        return command;
    }

    /// <summary>
    /// Runs a statement with named parameters; returns the rows changed. On a connection that records
    /// many reports (<see cref="KeepStatements"/>), each statement is prepared once and run again with new values.
    /// </summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="sql">The SQL.</param>
    /// <param name="parameters">Its parameters.</param>
    public static int Execute(DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
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
                prepared.Parameters[name].Value = Stored(value);
            }
        }

        return prepared.ExecuteNonQuery();
    }

    /// <summary>The first column of every row a command reads, as text.</summary>
    /// <param name="command">A command that selects text first.</param>
    public static List<string> ReadStrings(DbCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    /// <summary>
    /// Keeps the statements <see cref="Execute"/> runs on <paramref name="connection"/> prepared until
    /// <see cref="ForgetStatements"/> (SQLite; Npgsql prepares statements it sees again by itself, see
    /// <see cref="PostgreSqlStoreDatabase"/>).
    /// </summary>
    /// <param name="connection">A connection in a transaction that records many reports.</param>
    internal static void KeepStatements(DbConnection connection)
    {
        if (DialectOf(connection) == StoreDialect.Sqlite)
        {
            Prepared.AddOrUpdate(connection, new(StringComparer.Ordinal));
        }
    }

    /// <summary>Releases the statements kept for <paramref name="connection"/>.</summary>
    /// <param name="connection">The connection.</param>
    internal static void ForgetStatements(DbConnection connection)
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

    // Flags are stored as integers 1 and 0 in both databases (SQLite has no boolean type).
    private static object Stored(object? value) => value switch
    {
        null => DBNull.Value,
        bool flag => flag ? 1L : 0L,
        _ => value,
    };
}

/// <summary>The SQL dialects the store speaks.</summary>
public enum StoreDialect
{
    /// <summary>SQLite 3, in process.</summary>
    Sqlite,

    /// <summary>PostgreSQL, over the network.</summary>
    PostgreSql,
}
