namespace Ata.Gateway.Store;

/// <summary>Which database the store lives in (<c>Store</c> section).</summary>
public sealed class StoreOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Store";

    /// <summary><c>Sqlite</c> (default: <c>gateway.db</c> in the data directory) or <c>PostgreSql</c> (case-insensitive).</summary>
    public string Provider { get; set; } = nameof(StoreProvider.Sqlite);

    /// <summary>
    /// PostgreSQL's connection string (Npgsql keywords: <c>Host=db;Port=5432;Database=ata;Username=ata;Password=…</c>);
    /// <c>ConnectionStrings:Gateway</c> when empty. Not used for SQLite.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>The provider named, or null when <see cref="Provider"/> names none.</summary>
    public StoreProvider? Kind => Provider?.Trim().ToUpperInvariant() switch
    {
        "SQLITE" or "" or null => StoreProvider.Sqlite,
        "POSTGRESQL" or "POSTGRES" => StoreProvider.PostgreSql,
        _ => null,
    };
}

/// <summary>The databases the store can live in.</summary>
public enum StoreProvider
{
    /// <summary>One SQLite file in the data directory (WAL), in process: one gateway.</summary>
    Sqlite,

    /// <summary>A PostgreSQL database, which several gateways can share.</summary>
    PostgreSql,
}
