using Ata.Gateway.Tests.Support;

namespace Ata.Gateway.Tests.Instances;

/// <summary>
/// A test that makes its own PostgreSQL database whatever the run's store (<see cref="TestStores"/>):
/// it runs once, in the default pass, and is skipped when <c>tools/test</c> runs the gateway's tests
/// again on PostgreSQL.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class OwnDatabaseFactAttribute : FactAttribute
{
    public OwnDatabaseFactAttribute()
    {
        if (TestStores.PostgreSql)
        {
            Skip = "runs on its own PostgreSQL database in the default pass already";
        }
    }
}
