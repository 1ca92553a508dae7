using Xunit.Abstractions;

namespace Ata.Portability.Tests;

/// <summary>
/// The adapter's core must build and run on nanoFramework 1.x: compiled as <c>Ata.Device.nfproj</c> compiles
/// it (against the real mscorlib) and checked against the shared API listing.
/// </summary>
public sealed class AtaCorePortabilityTests
{
    private readonly ITestOutputHelper output;

    /// <summary>Creates the test with xUnit's output sink.</summary>
    public AtaCorePortabilityTests(ITestOutputHelper output)
    {
        this.output = output;
    }

    /// <summary>
    /// Every symbol Ata.Core uses is on nanoFramework, and it uses no construct nanoFramework cannot run
    /// </summary>
    [NanoFrameworkApiFact]
    public void Ata_Core_uses_only_what_nanoFramework_1_x_has()
    {
        var checker = new PortabilityChecker(NanoFrameworkApi.Load(RepositoryLayout.ApiListingPath!));
        PortabilitySources sources = DeviceBuild.Core();
        Assert.NotEmpty(sources.Trees);

        PortabilityReport report = checker.Check(sources);

        output.WriteLine(report.Format());
        output.WriteLine("nanoFramework assemblies used: " + string.Join(", ", report.UsedAssemblies));
        output.WriteLine("APIs looked up (" + report.CheckedIds.Count + "):");
        output.WriteLine(string.Join(Environment.NewLine, report.CheckedIds));
        Assert.True(report.IsPortable, report.Format());
    }
}
