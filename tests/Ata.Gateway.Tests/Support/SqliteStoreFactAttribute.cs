namespace Ata.Gateway.Tests.Support;

/// <summary>
/// A test of the SQLite file itself (its migrations from older versions written with SQLite, its
/// WAL): skipped when the run's store is PostgreSQL (<see cref="TestStores"/>), whose migration has
/// its own tests (<c>PostgreSqlStoreTests</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class SqliteStoreFactAttribute : FactAttribute
{
    public SqliteStoreFactAttribute()
    {
        if (TestStores.PostgreSql)
        {
            Skip = "a test of the SQLite file's own migrations; this run's store is PostgreSQL";
        }
    }
}
