namespace Ata.Lab;

/// <summary>
/// Where things are in the repository: its root (the folder holding Firmware.sln) and the built
/// outputs the lab starts, in the configuration this assembly was built with.
/// </summary>
public sealed class RepoLayout
{
    /// <summary>The file that marks the repository root.</summary>
    public const string SolutionFileName = "Firmware.sln";

    private RepoLayout(string root) => Root = root;

    /// <summary>The build configuration of this assembly (Debug or Release); built outputs are looked up in it.</summary>
    public static string Configuration =>
#if DEBUG
        "Debug";
#else
        "Release";
#endif

    /// <summary>The repository root: the folder that holds Firmware.sln.</summary>
    public string Root { get; }

    /// <summary>The built adapter simulator: firmware/Ata.Sim/bin/{Configuration}/net10.0/Ata.Sim.dll.</summary>
    public string SimAssembly => BuiltAssembly("firmware", "Ata.Sim");

    /// <summary>The built fleet gateway: gateway/Ata.Gateway/bin/{Configuration}/net10.0/Ata.Gateway.dll.</summary>
    public string GatewayAssembly => BuiltAssembly("gateway", "Ata.Gateway");

    /// <summary>The gateway's project folder, used as its content root (so it finds wwwroot as with dotnet run).</summary>
    public string GatewayProjectDirectory => Path.Combine(Root, "gateway", "Ata.Gateway");

    /// <summary>The lab's default data folder: &lt;repo&gt;/.lab (ignored by git).</summary>
    public string DefaultLabDataDirectory => Path.Combine(Root, ".lab");

    /// <summary>
    /// Finds the repository by walking up from this assembly's folder, then from the current folder.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">Neither folder is inside the repository.</exception>
    public static RepoLayout Find()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            var root = FindRootAbove(start);
            if (root is not null)
            {
                return new RepoLayout(root);
            }
        }

        throw new DirectoryNotFoundException(
            $"{SolutionFileName} not found above {AppContext.BaseDirectory} or {Environment.CurrentDirectory}");
    }

    /// <summary>The layout of the repository rooted at <paramref name="root"/>.</summary>
    /// <param name="root">A folder holding Firmware.sln.</param>
    /// <exception cref="DirectoryNotFoundException">The folder holds no Firmware.sln.</exception>
    public static RepoLayout At(string root)
    {
        var full = Path.GetFullPath(root);
        return File.Exists(Path.Combine(full, SolutionFileName))
            ? new RepoLayout(full)
            : throw new DirectoryNotFoundException($"{SolutionFileName} not found in {full}");
    }

    private static string? FindRootAbove(string start)
    {
        for (var folder = new DirectoryInfo(Path.GetFullPath(start)); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, SolutionFileName)))
            {
                return folder.FullName;
            }
        }

        return null;
    }

    private string BuiltAssembly(string area, string project) =>
        Path.Combine(Root, area, project, "bin", Configuration, "net10.0", project + ".dll");
}
