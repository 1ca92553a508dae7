using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Ata.Portability.Tests;

/// <summary>
/// The device project's files agree with each other and with the hardware: the pin constants with
/// <c>hardware/pinmap.json</c>, the <c>.nfproj</c> with the sources on disk, and the references and
/// <c>packages.config</c> with the nanoFramework assemblies the code uses and the versions listed.
/// </summary>
public sealed partial class DeviceProjectTests
{
    private static string Root => RepositoryLayout.RequireRepoRoot();

    private static string DeviceDirectory => Path.Combine(Root, "firmware", "Ata.Device");

    /// <summary>Every application pin and shift-register bit in the pin map is a constant in Pins.cs with the same number, and nothing else is.</summary>
    [Fact]
    public void Pin_constants_match_the_pin_map()
    {
        using JsonDocument map = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "hardware", "pinmap.json")));
        var expected = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (JsonElement pin in map.RootElement.GetProperty("pins").EnumerateArray())
        {
            if (pin.GetProperty("owner").GetString() == "app")
            {
                expected.Add(pin.GetProperty("name").GetString()!, pin.GetProperty("gpio").GetInt32());
            }
        }

        foreach (JsonElement bit in map.RootElement.GetProperty("shiftRegister").GetProperty("bits").EnumerateArray())
        {
            expected.Add(bit.GetProperty("name").GetString()!, bit.GetProperty("bit").GetInt32());
        }

        Assert.Equal(expected.OrderBy(p => p.Key), PinConstants().OrderBy(p => p.Key));
    }

    /// <summary>No GPIO is given two jobs in the pin map, and none of the ESP32's flash pins (6–11) is used.</summary>
    [Fact]
    public void The_pin_map_uses_each_gpio_once_and_not_the_flash_pins()
    {
        using JsonDocument map = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "hardware", "pinmap.json")));
        int[] gpios = map.RootElement.GetProperty("pins").EnumerateArray().Select(p => p.GetProperty("gpio").GetInt32()).ToArray();
        Assert.Equal(gpios.Length, gpios.Distinct().Count());
        Assert.DoesNotContain(gpios, g => g is >= 6 and <= 11);
        int[] inputOnly = [34, 35, 36, 39];
        Assert.All(map.RootElement.GetProperty("pins").EnumerateArray()
            .Where(p => inputOnly.Contains(p.GetProperty("gpio").GetInt32())),
            p => Assert.Equal("in", p.GetProperty("direction").GetString()));
    }

    /// <summary>The .nfproj compiles exactly the device's sources on disk and links every core source.</summary>
    [Fact]
    public void The_nfproj_compiles_every_device_source_and_links_the_core()
    {
        XDocument project = XDocument.Load(Path.Combine(DeviceDirectory, "Ata.Device.nfproj"));
        XNamespace ns = project.Root!.Name.Namespace;
        string[] includes = project.Descendants(ns + "Compile").Select(c => (string)c.Attribute("Include")!).ToArray();
        string[] listed = includes.Where(i => !i.StartsWith("..", StringComparison.Ordinal)).Select(i => i.Replace('\\', '/')).OrderBy(i => i, StringComparer.Ordinal).ToArray();
        string[] onDisk = Directory.EnumerateFiles(DeviceDirectory, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(DeviceDirectory, f).Replace('\\', '/'))
            .Where(f => !f.StartsWith("bin/", StringComparison.Ordinal) && !f.StartsWith("obj/", StringComparison.Ordinal) && !f.StartsWith("packages/", StringComparison.Ordinal))
            .OrderBy(f => f, StringComparer.Ordinal).ToArray();
        Assert.Equal(onDisk, listed);
        Assert.Contains(@"..\Ata.Core\**\*.cs", includes);
        Assert.Equal("false", project.Descendants(ns + "ImportDirectoryBuildProps").Single().Value);
        Assert.Equal("7.3", project.Descendants(ns + "LangVersion").Single().Value);
    }

    /// <summary>
    /// Every nanoFramework assembly the device code uses is referenced from the package that ships it,
    /// that package is in packages.config at a version of the line the API listing was read from, and
    /// each reference's hint path names that same version.
    /// </summary>
    [NanoFrameworkApiFact]
    public void References_and_packages_match_the_assemblies_used_and_the_listed_versions()
    {
        Dictionary<string, (string Package, string Line)> listed = ListedPackages();
        XDocument packagesConfig = XDocument.Load(Path.Combine(DeviceDirectory, "packages.config"));
        var pinned = packagesConfig.Descendants("package").ToDictionary(p => (string)p.Attribute("id")!, p => (string)p.Attribute("version")!);
        XDocument project = XDocument.Load(Path.Combine(DeviceDirectory, "Ata.Device.nfproj"));
        XNamespace ns = project.Root!.Name.Namespace;
        var references = project.Descendants(ns + "Reference").ToDictionary(r => (string)r.Attribute("Include")!, r => r.Element(ns + "HintPath")!.Value);

        foreach ((string id, string version) in pinned)
        {
            (string Package, string Line) entry = listed.Values.First(v => v.Package == id);
            Assert.True(version.StartsWith(entry.Line + ".", StringComparison.Ordinal), $"{id} {version} is not in the listed line {entry.Line}");
        }

        foreach ((string assembly, string hint) in references)
        {
            Assert.True(listed.ContainsKey(assembly), $"reference {assembly} is not a listed nanoFramework assembly");
            string package = listed[assembly].Package;
            Assert.True(pinned.ContainsKey(package), $"{assembly} comes from {package}, which packages.config lacks");
            Assert.Equal($@"packages\{package}.{pinned[package]}\lib\{assembly}.dll", hint);
        }

        PortabilityReport report = DeviceBuild.CheckDevice();
        foreach (string assembly in report.UsedAssemblies)
        {
            Assert.True(references.ContainsKey(assembly), $"the device uses {assembly} but Ata.Device.nfproj does not reference it");
        }
    }

    private static Dictionary<string, int> PinConstants()
    {
        SyntaxTree tree = CSharpSyntaxTree.ParseText(File.ReadAllText(Path.Combine(DeviceDirectory, "Board", "Pins.cs")));
        return tree.GetRoot().DescendantNodes().OfType<FieldDeclarationSyntax>()
            .SelectMany(f => f.Declaration.Variables)
            .ToDictionary(v => v.Identifier.Text, v => int.Parse(v.Initializer!.Value.ToString(), System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The README's table: assembly → (NuGet package, version line).</summary>
    private static Dictionary<string, (string Package, string Line)> ListedPackages()
    {
        string readme = File.ReadAllText(Path.Combine(Path.GetDirectoryName(RepositoryLayout.ApiListingPath!)!, "README.md"));
        var result = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (Match row in TableRow().Matches(readme))
        {
            foreach (string assembly in row.Groups["assemblies"].Value.Split(',', StringSplitOptions.TrimEntries))
            {
                result[assembly] = (row.Groups["package"].Value.Trim(), row.Groups["line"].Value.Trim());
            }
        }

        return result;
    }

    [GeneratedRegex(@"^\| (?<assemblies>[^|]+?) \| (?<package>[\w.]+) \| [^|]+ \| (?<line>\d+\.\d+) \|$", RegexOptions.Multiline)]
    private static partial Regex TableRow();
}
