namespace Ata.Gateway;

/// <summary>Settings of the gateway itself, bound from the <c>Gateway</c> configuration section.</summary>
public sealed class GatewayOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Gateway";

    /// <summary>
    /// Where the gateway keeps its state: <c>gateway.db</c> and, with the embedded broker,
    /// <c>broker/</c>. Relative paths are resolved against the current directory. Default <c>./data</c>.
    /// </summary>
    public string DataDirectory { get; set; } = "./data";

    /// <summary>The data directory as an absolute path.</summary>
    public string FullDataDirectory => Path.GetFullPath(DataDirectory);
}
