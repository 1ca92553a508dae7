namespace Ata.Gateway.Access;

/// <summary>Bootstrap API keys, bound from the <c>Auth</c> configuration section.</summary>
public sealed class AccessOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Auth";

    /// <summary>Shortest key accepted from configuration.</summary>
    public const int MinKeyLength = 16;

    /// <summary>
    /// An admin key from configuration (e.g. <c>--Auth:AdminKey=…</c> or <c>Auth__AdminKey</c>).
    /// When neither this nor any stored admin key exists, the gateway generates one into
    /// <c>{DataDirectory}/admin.key</c> (mode 0600) on first start.
    /// </summary>
    public string? AdminKey { get; set; }

    /// <summary>An optional support key from configuration.</summary>
    public string? SupportKey { get; set; }
}
