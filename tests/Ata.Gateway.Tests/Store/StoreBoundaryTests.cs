using System.Text.RegularExpressions;

namespace Ata.Gateway.Tests.Store;

/// <summary>
/// Features reach the database only through the store's abstraction (<c>StoreDatabase</c>): no file
/// of the gateway but the SQLite backend names Microsoft.Data.Sqlite's types, and none but the
/// PostgreSQL backend names Npgsql's.
/// </summary>
public sealed partial class StoreBoundaryTests
{
    [Fact]
    public void OnlyTheBackendsNameTheirProvidersTypes()
    {
        var gateway = Path.Combine(RepositoryRoot(), "gateway", "Ata.Gateway");
        var sources = Directory.GetFiles(gateway, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        Assert.True(sources.Count > 50, $"found only {sources.Count} sources under {gateway}");

        var sqlite = sources.Where(f => SqliteTypes().IsMatch(File.ReadAllText(f))).Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.Equal(["SqliteStoreDatabase.cs"], sqlite);
        var npgsql = sources.Where(f => NpgsqlTypes().IsMatch(File.ReadAllText(f))).Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.Equal(["PostgreSqlStoreDatabase.cs"], npgsql);
    }

    [GeneratedRegex(@"Microsoft\.Data\.Sqlite|\bSqlite(Connection|Command|DataReader|Transaction|Exception|Parameter|OpenMode|ConnectionStringBuilder)\b")]
    private static partial Regex SqliteTypes();

    [GeneratedRegex(@"using Npgsql|\bNpgsql[A-Z]\w*|\bPostgresException\b")]
    private static partial Regex NpgsqlTypes();

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Firmware.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Firmware.sln not found above " + AppContext.BaseDirectory);
    }
}
