using System.Collections.Concurrent;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Ata.Portability.Tests;

/// <summary>
/// What <see cref="PortabilityChecker"/> compiles: C# sources, the reference assemblies to bind them
/// against, and the <see cref="BuildSettings"/> to compile them with. The core and the device project
/// are compiled as <c>Ata.Device.nfproj</c> builds (<see cref="NfprojReader"/>), against nanoFramework's
/// real mscorlib and stubs of its other assemblies (<see cref="NanoFrameworkStubs"/>); loose snippets
/// that test the checker itself use the running .NET's reference assemblies (<see cref="DotNetReferences"/>)
/// and <see cref="BuildSettings.Default"/>.
/// </summary>
public sealed class PortabilitySources
{
    private static readonly Lazy<IReadOnlyList<MetadataReference>> DotNet = new(LoadDotNetReferences);

    private PortabilitySources(string name, IReadOnlyList<SyntaxTree> trees, IReadOnlyList<MetadataReference> references, BuildSettings settings)
    {
        Name = name;
        Trees = trees;
        References = references;
        Settings = settings;
    }

    /// <summary>What is being checked, for the report's first line.</summary>
    public string Name { get; }

    /// <summary>The parsed sources; each tree's path is the one findings show.</summary>
    public IReadOnlyList<SyntaxTree> Trees { get; }

    /// <summary>The assemblies the sources are compiled against.</summary>
    public IReadOnlyList<MetadataReference> References { get; }

    /// <summary>How the sources are compiled (language version, symbols, warnings, documentation file, …).</summary>
    public BuildSettings Settings { get; }

    /// <summary>
    /// The reference assemblies of the running .NET: the targeting pack
    /// (<c>packs/Microsoft.NETCore.App.Ref/{version}/ref/net{major}.{minor}</c> under the dotnet root)
    /// when installed, else the framework's own assemblies from <c>TRUSTED_PLATFORM_ASSEMBLIES</c>.
    /// Loaded once per process.
    /// </summary>
    public static IReadOnlyList<MetadataReference> DotNetReferences => DotNet.Value;

    /// <summary>
    /// Every <c>*.cs</c> under <paramref name="directories"/> except <c>bin/</c> and <c>obj/</c>,
    /// with paths shown relative to <paramref name="displayRoot"/>, to be compiled with
    /// <paramref name="settings"/> (<see cref="BuildSettings.Default"/> when null).
    /// </summary>
    public static PortabilitySources FromDirectories(
        string name,
        string displayRoot,
        IEnumerable<string> directories,
        IEnumerable<MetadataReference> references,
        BuildSettings? settings = null)
    {
        settings ??= BuildSettings.Default;
        CSharpParseOptions options = settings.ParseOptions;
        var trees = new ConcurrentBag<SyntaxTree>();
        string[] files = directories
            .SelectMany(directory => Directory.EnumerateFiles(directory, "*.cs", SearchOption.AllDirectories))
            .Where(file => !IsBuildOutput(Path.GetRelativePath(displayRoot, file)))
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        Parallel.ForEach(files, file =>
        {
            string display = Path.GetRelativePath(displayRoot, file).Replace('\\', '/');
            trees.Add(CSharpSyntaxTree.ParseText(File.ReadAllText(file), options, display));
        });
        return new PortabilitySources(name, trees.OrderBy(t => t.FilePath, StringComparer.Ordinal).ToList(), references.ToList(), settings);
    }

    /// <summary>In-memory sources (path, text), compiled against the running .NET.</summary>
    public static PortabilitySources FromText(string name, params (string Path, string Text)[] files) =>
        FromText(name, DotNetReferences, files);

    /// <summary>In-memory sources (path, text) compiled against <paramref name="references"/> with <see cref="BuildSettings.Default"/>.</summary>
    public static PortabilitySources FromText(string name, IEnumerable<MetadataReference> references, params (string Path, string Text)[] files) =>
        FromText(name, references, BuildSettings.Default, files);

    /// <summary>In-memory sources (path, text) compiled against <paramref name="references"/> with <paramref name="settings"/>.</summary>
    public static PortabilitySources FromText(string name, IEnumerable<MetadataReference> references, BuildSettings settings, params (string Path, string Text)[] files)
    {
        CSharpParseOptions options = settings.ParseOptions;
        return new PortabilitySources(
            name,
            files.Select(f => CSharpSyntaxTree.ParseText(f.Text, options, f.Path)).ToList(),
            references.ToList(),
            settings);
    }

    private static bool IsBuildOutput(string relativePath)
    {
        string[] parts = relativePath.Split('/', '\\');
        return parts.Any(part => part == "bin" || part == "obj");
    }

    private static IReadOnlyList<MetadataReference> LoadDotNetReferences()
    {
        string runtimeDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        string? refPack = FindReferencePack(runtimeDirectory);
        IEnumerable<string> files = refPack != null
            ? Directory.EnumerateFiles(refPack, "*.dll")
            : ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? string.Empty)
                .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Where(path => string.Equals(Path.GetDirectoryName(path), runtimeDirectory, StringComparison.Ordinal));
        return files.OrderBy(f => f, StringComparer.Ordinal).Select(f => (MetadataReference)MetadataReference.CreateFromFile(f)).ToList();
    }

    /// <summary>
    /// The targeting pack matching the running runtime: <c>{dotnet}/shared/Microsoft.NETCore.App/{version}</c>
    /// maps to <c>{dotnet}/packs/Microsoft.NETCore.App.Ref/{version}/ref/net{major}.{minor}</c>; the newest
    /// pack of the same major.minor is taken when the exact one is absent.
    /// </summary>
    private static string? FindReferencePack(string runtimeDirectory)
    {
        DirectoryInfo runtime = new(runtimeDirectory);
        DirectoryInfo? dotnetRoot = runtime.Parent?.Parent?.Parent;
        if (dotnetRoot == null || !Version.TryParse(runtime.Name.Split('-')[0], out Version? version))
        {
            return null;
        }

        string packs = Path.Combine(dotnetRoot.FullName, "packs", "Microsoft.NETCore.App.Ref");
        if (!Directory.Exists(packs))
        {
            return null;
        }

        string tfm = "net" + version.Major + "." + version.Minor;
        return Directory.EnumerateDirectories(packs)
            .Select(dir => (Dir: dir, Ok: Version.TryParse(Path.GetFileName(dir).Split('-')[0], out Version? v), V: v))
            .Where(p => p.Ok && p.V!.Major == version.Major && p.V.Minor == version.Minor)
            .OrderByDescending(p => p.V == version)
            .ThenByDescending(p => p.V)
            .Select(p => Path.Combine(p.Dir, "ref", tfm))
            .FirstOrDefault(Directory.Exists);
    }
}
