namespace Ata.Lab.Tests;

public sealed class RepoLayoutTests
{
    [Fact]
    public void The_repository_is_found_above_the_test_assembly()
    {
        var repo = RepoLayout.Find();

        Assert.True(File.Exists(Path.Combine(repo.Root, "Firmware.sln")));
        Assert.True(Directory.Exists(Path.Combine(repo.Root, "tools", "Ata.Lab")));
    }

    [Fact]
    public void Built_outputs_are_in_this_build_configuration()
    {
        var repo = RepoLayout.Find();

        Assert.Equal(
            Path.Combine(repo.Root, "firmware", "Ata.Sim", "bin", RepoLayout.Configuration, "net10.0", "Ata.Sim.dll"),
            repo.SimAssembly);
        Assert.Equal(
            Path.Combine(repo.Root, "gateway", "Ata.Gateway", "bin", RepoLayout.Configuration, "net10.0", "Ata.Gateway.dll"),
            repo.GatewayAssembly);
        Assert.Equal(Path.Combine(repo.Root, ".lab"), repo.DefaultLabDataDirectory);
    }

    [Fact]
    public void A_folder_without_the_solution_is_not_a_repository() =>
        Assert.Throws<DirectoryNotFoundException>(() => RepoLayout.At(Path.GetTempPath()));
}
