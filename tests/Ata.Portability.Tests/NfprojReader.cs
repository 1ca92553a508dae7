using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Ata.Portability.Tests;

/// <summary>
/// Reads how a nanoFramework project (<c>.nfproj</c>) compiles, for one configuration, so that the
/// portability check compiles exactly the same way. It evaluates the project's property groups in
/// order as MSBuild does (global <c>Configuration</c> and <c>Platform</c>, <c>$(…)</c> expansion, simple
/// conditions) and fails, naming the property, when the project sets something whose effect on
/// compilation the check does not model: a setting the check silently ignored would let the check and
/// the board build disagree.
/// </summary>
/// <remarks>
/// The nanoFramework project system's imports (<c>$(NanoFrameworkProjectSystemPath)…</c>) are not on this
/// machine; their <c>Exists(…)</c> conditions are false here as on any machine without the extension.
/// What they set that changes compilation (<c>DefineConstants</c> per configuration, in
/// <c>NFProjectSystem.Default.props</c>) must therefore be spelled out in the project itself, and the reader
/// refuses a project that leaves <c>DefineConstants</c> unset.
/// </remarks>
public static partial class NfprojReader
{
    /// <summary>Properties that do not change what the compiler accepts or reports, with why.</summary>
    public static readonly IReadOnlyDictionary<string, string> WithoutEffect = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["Configuration"] = "selects the property groups; given to the reader",
        ["Platform"] = "AnyCPU is the only nanoFramework platform",
        ["NanoFrameworkProjectSystemPath"] = "where the project system's imports are",
        ["ImportDirectoryBuildProps"] = "keeps the repository's SDK build rules out; the reader never imports them",
        ["ImportDirectoryPackagesProps"] = "the same for central package versions",
        ["ProjectTypeGuids"] = "tells Visual Studio which project system opens the file",
        ["ProjectGuid"] = "identifies the project in a solution",
        ["AppDesignerFolder"] = "Visual Studio's Properties folder",
        ["FileAlignment"] = "PE section alignment of the output",
        ["RootNamespace"] = "the namespace Visual Studio gives new files",
        ["TargetFrameworkVersion"] = "nanoFramework v1.0 is what the real mscorlib is",
        ["OutputPath"] = "where the output goes",
        ["DebugSymbols"] = "whether a PDB is written",
        ["DebugType"] = "which PDB format",
    };

    /// <summary>Reads <paramref name="path"/> as built in <paramref name="configuration"/> (Debug, Release) for AnyCPU.</summary>
    public static BuildSettings Read(string path, string configuration) =>
        Parse(XDocument.Load(path), Path.GetDirectoryName(Path.GetFullPath(path))!, Path.GetFileNameWithoutExtension(path), configuration);

    /// <summary>Reads a project's text (for tests), as if it were in <paramref name="directory"/>.</summary>
    public static BuildSettings Parse(XDocument project, string directory, string projectName, string configuration)
    {
        var globals = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Configuration"] = configuration,
            ["Platform"] = "AnyCPU",
        };
        var properties = new Dictionary<string, string>(globals, StringComparer.OrdinalIgnoreCase)
        {
            ["MSBuildProjectDirectory"] = directory,
            ["MSBuildThisFileDirectory"] = directory + Path.DirectorySeparatorChar,
            ["MSBuildProjectName"] = projectName,
        };
        var set = new List<string>();
        var references = new List<AssemblyReference>();
        var refused = new List<string>();
        XNamespace ns = project.Root!.Name.Namespace;

        foreach (XElement element in project.Root.Elements())
        {
            switch (element.Name.LocalName)
            {
                case "PropertyGroup":
                    if (!Holds(element, properties))
                    {
                        break;
                    }

                    foreach (XElement property in element.Elements())
                    {
                        string name = property.Name.LocalName;
                        if (globals.ContainsKey(name) || !Holds(property, properties))
                        {
                            continue;
                        }

                        properties[name] = Expand(property.Value.Trim(), properties);
                        set.Add(name);
                    }

                    break;
                case "ItemGroup":
                    if (!Holds(element, properties))
                    {
                        break;
                    }

                    foreach (XElement item in element.Elements(ns + "Reference").Where(i => Holds(i, properties)))
                    {
                        string include = Expand((string?)item.Attribute("Include") ?? string.Empty, properties);
                        XElement? hint = item.Element(ns + "HintPath");
                        references.Add(new AssemblyReference(include.Split(',')[0].Trim(), hint == null ? null : Expand(hint.Value.Trim(), properties)));
                    }

                    break;
                case "Import":
                    if (Holds(element, properties))
                    {
                        refused.Add("Import " + (string?)element.Attribute("Project") + " (what it sets is not read)");
                    }

                    break;
                case "ProjectExtensions":
                    break;
                default:
                    refused.Add("<" + element.Name.LocalName + "> (a target or choice may change how it compiles)");
                    break;
            }
        }

        refused.AddRange(set.Distinct(StringComparer.OrdinalIgnoreCase)
            .Where(name => !WithoutEffect.ContainsKey(name) && !Applied.Contains(name))
            .Select(name => name + " = '" + properties[name] + "'"));
        if (!properties.ContainsKey("DefineConstants"))
        {
            refused.Add("DefineConstants is not set for " + configuration + ": the nanoFramework project system sets it in NFProjectSystem.Default.props"
                + " (DEBUG;TRACE for Debug, TRACE for Release), which is not on this machine; spell it out in the project");
        }

        if (refused.Count > 0)
        {
            throw new InvalidOperationException(projectName + ": the portability check cannot compile the way this project builds, because of: "
                + string.Join("; ", refused) + ". Apply the setting in NfprojReader/BuildSettings, or list it in NfprojReader.WithoutEffect with the reason.");
        }

        return Settings(properties, projectName, references);
    }

    /// <summary>The properties the check applies to its compilation.</summary>
    public static readonly IReadOnlySet<string> Applied = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "AssemblyName", "OutputType", "LangVersion", "DefineConstants", "TreatWarningsAsErrors", "WarningLevel", "NoWarn",
        "WarningsAsErrors", "WarningsNotAsErrors", "DocumentationFile", "Nullable", "AllowUnsafeBlocks",
        "CheckForOverflowUnderflow", "Optimize",
    };

    private static BuildSettings Settings(Dictionary<string, string> p, string projectName, List<AssemblyReference> references)
    {
        string Get(string name) => p.TryGetValue(name, out string? value) ? value : string.Empty;
        bool Flag(string name) => string.Equals(Get(name), "true", StringComparison.OrdinalIgnoreCase);

        string langVersion = Get("LangVersion");
        if (!LanguageVersionFacts.TryParse(langVersion.Length == 0 ? "default" : langVersion, out LanguageVersion language))
        {
            throw new InvalidOperationException(projectName + ": LangVersion '" + langVersion + "' is not a C# language version");
        }

        return new BuildSettings
        {
            AssemblyName = Get("AssemblyName").Length > 0 ? Get("AssemblyName") : projectName,
            OutputKind = Get("OutputType").ToLowerInvariant() switch
            {
                "exe" => OutputKind.ConsoleApplication,
                "winexe" => OutputKind.WindowsApplication,
                "library" or "" => OutputKind.DynamicallyLinkedLibrary,
                string other => throw new InvalidOperationException(projectName + ": OutputType '" + other + "' is not known to the check"),
            },
            LanguageVersion = language.MapSpecifiedToEffectiveVersion(),
            PreprocessorSymbols = Get("DefineConstants").Split(new[] { ';', ',' }, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            TreatWarningsAsErrors = Flag("TreatWarningsAsErrors"),
            WarningLevel = Get("WarningLevel").Length > 0 ? int.Parse(Get("WarningLevel"), CultureInfo.InvariantCulture) : 4,
            NoWarn = BuildSettings.WarningIds(Get("NoWarn")),
            WarningsAsErrors = BuildSettings.WarningIds(Get("WarningsAsErrors")),
            WarningsNotAsErrors = BuildSettings.WarningIds(Get("WarningsNotAsErrors")),
            DocumentationFile = Get("DocumentationFile").Length > 0 ? Get("DocumentationFile") : null,
            Nullable = Get("Nullable").ToLowerInvariant() switch
            {
                "enable" => NullableContextOptions.Enable,
                "warnings" => NullableContextOptions.Warnings,
                "annotations" => NullableContextOptions.Annotations,
                "disable" or "" => NullableContextOptions.Disable,
                string other => throw new InvalidOperationException(projectName + ": Nullable '" + other + "' is not known to the check"),
            },
            AllowUnsafeBlocks = Flag("AllowUnsafeBlocks"),
            CheckForOverflowUnderflow = Flag("CheckForOverflowUnderflow"),
            Optimize = Flag("Optimize"),
            References = references,
        };
    }

    /// <summary>An element's <c>Condition</c>: <c>'a' == 'b'</c>, <c>!=</c>, <c>Exists('path')</c>, joined by <c>and</c>/<c>or</c>.</summary>
    private static bool Holds(XElement element, Dictionary<string, string> properties)
    {
        string? condition = (string?)element.Attribute("Condition");
        if (string.IsNullOrWhiteSpace(condition))
        {
            return true;
        }

        return OrSplit().Split(condition).Any(any => AndSplit().Split(any).All(term => Term(term.Trim(), properties, condition)));
    }

    private static bool Term(string term, Dictionary<string, string> properties, string condition)
    {
        Match exists = ExistsTerm().Match(term);
        if (exists.Success)
        {
            string path = Expand(exists.Groups["path"].Value, properties).Replace('\\', Path.DirectorySeparatorChar);
            string full = Path.IsPathRooted(path) ? path : Path.Combine(properties["MSBuildProjectDirectory"], path);
            bool found = File.Exists(full) || Directory.Exists(full);
            return exists.Groups["not"].Success ? !found : found;
        }

        Match comparison = ComparisonTerm().Match(term);
        if (!comparison.Success)
        {
            throw new InvalidOperationException("the condition \"" + condition + "\" is beyond what the portability check evaluates");
        }

        bool equal = string.Equals(
            Expand(comparison.Groups["left"].Value, properties).Trim(),
            Expand(comparison.Groups["right"].Value, properties).Trim(),
            StringComparison.OrdinalIgnoreCase);
        return comparison.Groups["op"].Value == "==" ? equal : !equal;
    }

    /// <summary><c>$(Name)</c> → its value, empty when unset (as MSBuild); property functions are refused.</summary>
    private static string Expand(string text, Dictionary<string, string> properties)
    {
        if (text.Contains("$([", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("the property function in \"" + text + "\" is beyond what the portability check evaluates");
        }

        return PropertyReference().Replace(text, m => properties.TryGetValue(m.Groups["name"].Value, out string? value) ? value : string.Empty);
    }

    [GeneratedRegex(@"\s+or\s+", RegexOptions.IgnoreCase)]
    private static partial Regex OrSplit();

    [GeneratedRegex(@"\s+and\s+", RegexOptions.IgnoreCase)]
    private static partial Regex AndSplit();

    [GeneratedRegex(@"^(?<not>!)?Exists\(\s*'(?<path>[^']*)'\s*\)$", RegexOptions.IgnoreCase)]
    private static partial Regex ExistsTerm();

    [GeneratedRegex(@"^'(?<left>[^']*)'\s*(?<op>==|!=)\s*'(?<right>[^']*)'$")]
    private static partial Regex ComparisonTerm();

    [GeneratedRegex(@"\$\((?<name>[A-Za-z_][A-Za-z0-9_.-]*)\)")]
    private static partial Regex PropertyReference();
}
