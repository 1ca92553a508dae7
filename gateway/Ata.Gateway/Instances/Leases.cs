using Ata.Gateway.Incidents;
using Ata.Gateway.Store;

namespace Ata.Gateway.Instances;

/// <summary>
/// Leases in the store (<c>gateway_leases</c>): a named thing held by one gateway instance until a
/// time, which it renews while it is alive; once that time has passed, another instance may take it.
/// Several instances sharing one database use them to do a thing once between them: the periodic
/// scans (<see cref="GatewayInstance.ScansLease"/>), each outbox delivery
/// (<see cref="OutboxClaimPrefix"/>), and an instance's broker session
/// (<see cref="GatewayInstance.SessionLeasePrefix"/>). Each change is one conditional statement, so
/// the database decides who wins: SQLite runs one writer at a time, and PostgreSQL re-checks an
/// <c>UPDATE</c>'s condition on the row it waited for, so two instances can never both take a lease.
/// The SQL is the same on both (<c>@name</c> parameters, <c>ON CONFLICT … DO NOTHING</c>).
/// </summary>
/// <param name="store">The store holding the leases.</param>
/// <param name="time">The clock (the instances' clocks are assumed to agree within a lease's term).</param>
public sealed class Leases(AdapterStore store, TimeProvider time)
{
    /// <summary>The prefix of an outbox delivery's claim (<c>outbox:{id}:{channel}</c>).</summary>
    public const string OutboxClaimPrefix = "outbox:";

    /// <summary>The table.</summary>
    public const string Schema =
        "CREATE TABLE IF NOT EXISTS gateway_leases (name TEXT PRIMARY KEY NOT NULL, holder TEXT NOT NULL, expires_at TEXT NOT NULL)";

    /// <summary>The prefix of the lock row that makes several instances fold one registrar's faults one at a time.</summary>
    public const string FoldLockPrefix = "fold:";

    /// <summary>Creates the table (with the store's schema).</summary>
    /// <param name="connection">An open connection (in the schema transaction).</param>
    public static void CreateSchema(System.Data.Common.DbConnection connection) => StoreDatabase.Execute(connection, Schema);

    /// <summary>The prefix of the lock that makes several instances record one adapter's fault changes one at a time.</summary>
    public const string FaultsLockPrefix = "faults:";

    /// <summary>
    /// Inside a transaction, waits for and holds until its end the lock named <paramref name="name"/>,
    /// so that instances reading, then writing the same thing (a registrar's incidents, an adapter's
    /// faults) take turns: on PostgreSQL a transaction-scoped advisory lock on the name's hash; on
    /// SQLite nothing, as its write transactions (begun immediate) already run one at a time.
    /// </summary>
    /// <param name="connection">The transaction's connection.</param>
    /// <param name="name">The lock.</param>
    public static void Lock(System.Data.Common.DbConnection connection, string name)
    {
        if (StoreDatabase.DialectOf(connection) == StoreDialect.PostgreSql)
        {
            using var command = StoreDatabase.Command(connection, "SELECT pg_advisory_xact_lock(hashtextextended(@name, 0))", ("@name", name));
            command.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// Takes or renews <paramref name="name"/> for <paramref name="holder"/> until <paramref name="term"/>
    /// from now: true when it is new, already <paramref name="holder"/>'s, or its term has passed.
    /// </summary>
    /// <param name="name">The lease.</param>
    /// <param name="holder">Who takes it.</param>
    /// <param name="term">How long it is held without a renewal.</param>
    public bool TryHold(string name, string holder, TimeSpan term)
    {
        var now = time.GetUtcNow();
        using var connection = Open();
        return StoreDatabase.Execute(connection,
                "INSERT INTO gateway_leases (name, holder, expires_at) VALUES (@name, @holder, @until) ON CONFLICT (name) DO NOTHING",
                ("@name", name), ("@holder", holder), ("@until", IncidentBook.Text(now + term))) == 1
            || StoreDatabase.Execute(connection,
                "UPDATE gateway_leases SET holder = @holder, expires_at = @until WHERE name = @name AND (holder = @holder OR expires_at < @now)",
                ("@name", name), ("@holder", holder), ("@until", IncidentBook.Text(now + term)), ("@now", IncidentBook.Text(now))) == 1;
    }

    /// <summary>
    /// Takes <paramref name="name"/> from <paramref name="from"/> for <paramref name="holder"/>, only
    /// when <paramref name="from"/> held it last and let its term pass: of several instances trying,
    /// one gets it.
    /// </summary>
    /// <param name="name">The lease.</param>
    /// <param name="from">Who must have held it last.</param>
    /// <param name="holder">Who takes it.</param>
    /// <param name="term">How long it is held without a renewal.</param>
    public bool TryTakeOver(string name, string from, string holder, TimeSpan term)
    {
        var now = time.GetUtcNow();
        using var connection = Open();
        return StoreDatabase.Execute(connection,
            "UPDATE gateway_leases SET holder = @holder, expires_at = @until WHERE name = @name AND holder = @from AND expires_at < @now",
            ("@name", name), ("@from", from), ("@holder", holder), ("@until", IncidentBook.Text(now + term)), ("@now", IncidentBook.Text(now))) == 1;
    }

    /// <summary>Gives <paramref name="name"/> up at once (when <paramref name="holder"/> holds it), leaving <paramref name="next"/> as its last holder.</summary>
    /// <param name="name">The lease.</param>
    /// <param name="holder">Who holds it.</param>
    /// <param name="next">The holder it is left with (an instance's session lease is left with nobody, <c>""</c>, once its session is gone).</param>
    public void Release(string name, string holder, string next)
    {
        using var connection = Open();
        StoreDatabase.Execute(connection,
            "UPDATE gateway_leases SET holder = @next, expires_at = @now WHERE name = @name AND holder = @holder",
            ("@name", name), ("@holder", holder), ("@next", next), ("@now", IncidentBook.Text(time.GetUtcNow())));
    }

    /// <summary>Removes <paramref name="name"/> (a claim whose work is done).</summary>
    /// <param name="name">The lease.</param>
    public void Forget(string name)
    {
        using var connection = Open();
        StoreDatabase.Execute(connection, "DELETE FROM gateway_leases WHERE name = @name", ("@name", name));
    }

    /// <summary>The leases named <paramref name="prefix"/>… whose term has passed, with their last holders.</summary>
    /// <param name="prefix">The names' start (no <c>%</c> or <c>_</c> in it).</param>
    public IReadOnlyList<(string Name, string Holder)> Lapsed(string prefix)
    {
        using var connection = Open();
        using var command = StoreDatabase.Command(connection,
            "SELECT name, holder FROM gateway_leases WHERE name LIKE @prefix AND expires_at < @now ORDER BY name",
            ("@prefix", prefix + "%"), ("@now", IncidentBook.Text(time.GetUtcNow())));
        using var reader = command.ExecuteReader();
        var lapsed = new List<(string, string)>();
        while (reader.Read())
        {
            lapsed.Add((reader.GetString(0), reader.GetString(1)));
        }

        return lapsed;
    }

    private System.Data.Common.DbConnection Open() => store.Open();
}
