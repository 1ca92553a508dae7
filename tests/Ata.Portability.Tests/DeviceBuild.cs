namespace Ata.Portability.Tests;

/// <summary>
/// <c>firmware/Ata.Device</c> as the board build compiles it: the settings of <c>Ata.Device.nfproj</c>
/// (<see cref="NfprojReader"/>, configuration <see cref="Configuration"/>), nanoFramework's real mscorlib,
/// and declarations generated from the API listing for the project's other references (the
/// registry here serves none of them). Built once per test run.
/// </summary>
public static class DeviceBuild
{
    /// <summary>The configuration checked: the one Visual Studio builds and deploys by default.</summary>
    public const string Configuration = "Debug";

    private static readonly Lazy<BuildSettings> ProjectSettings = new(() => NfprojReader.Read(ProjectPath, Configuration));

    private static readonly Lazy<NanoFrameworkStubs.Build> Generated = new(() => NanoFrameworkStubs.Create(
        NanoFrameworkApi.Load(RepositoryLayout.ApiListingPath!), NanoFrameworkCoreLibrary.Reference, StubbedAssemblies));

    private static readonly Lazy<PortabilityReport> DeviceReport = new(() =>
        new PortabilityChecker(NanoFrameworkApi.Load(RepositoryLayout.ApiListingPath!)).Check(Device()));

    /// <summary>The core's sources.</summary>
    public static string CoreDirectory => Path.Combine(RepositoryLayout.RequireRepoRoot(), "firmware", "Ata.Core");

    /// <summary>The device project's folder.</summary>
    public static string DeviceDirectory => Path.Combine(RepositoryLayout.RequireRepoRoot(), "firmware", "Ata.Device");

    /// <summary><c>firmware/Ata.Device/Ata.Device.nfproj</c>.</summary>
    public static string ProjectPath => Path.Combine(DeviceDirectory, "Ata.Device.nfproj");

    /// <summary>How the project compiles in <see cref="Configuration"/>.</summary>
    public static BuildSettings Settings => ProjectSettings.Value;

    /// <summary>The project's references other than mscorlib: each is declared from the API listing.</summary>
    public static IReadOnlyList<string> StubbedAssemblies => Settings.References.Select(r => r.Name).Where(n => n != "mscorlib").ToList();

    /// <summary>The real mscorlib and the generated declarations.</summary>
    public static NanoFrameworkStubs.Build Stubs => Generated.Value;

    /// <summary>The core on its own, as the device project compiles it (a library: the entry point is the device's).</summary>
    public static PortabilitySources Core() => PortabilitySources.FromDirectories(
        "firmware/Ata.Core", RepositoryLayout.RequireRepoRoot(), new[] { CoreDirectory }, Stubs.References, Settings.AsLibrary());

    /// <summary>The device's sources with the core's it links, compiled as the project is.</summary>
    public static PortabilitySources Device() => PortabilitySources.FromDirectories(
        "firmware/Ata.Device (with Ata.Core)", RepositoryLayout.RequireRepoRoot(), new[] { DeviceDirectory, CoreDirectory }, Stubs.References, Settings);

    /// <summary>The check of <see cref="Device"/>, run once and shared by the tests that read it.</summary>
    public static PortabilityReport CheckDevice() => DeviceReport.Value;
}
