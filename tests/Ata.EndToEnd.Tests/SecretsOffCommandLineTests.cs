using System.Diagnostics;
using Ata.Lab;

namespace Ata.EndToEnd.Tests;

/// <summary>
/// No secret on a command line (issue 15, item 4): <c>ps</c> shows every process's arguments to
/// every user of the machine. Before, the simulator took <c>--secret</c> and <c>--sip-password</c>
/// and every test and the lab passed them, so these failed.
/// </summary>
[Collection(FirstLightCollection.Name)]
public sealed class SecretsOffCommandLineTests(FirstLightFixture lab)
{
    [Fact]
    public async Task Ps_shows_no_secret_while_the_gateway_its_broker_the_registrar_and_simulators_run()
    {
        string id = "e2e-ps-" + Guid.NewGuid().ToString("N")[..6];
        string secret = "ps-secret-" + Guid.NewGuid().ToString("N");
        string broker = await lab.ProvisionAsync(id, secret, FirstLightFixture.GoodUser, FirstLightFixture.GoodPassword, lab.Registrar.Address);
        await using var sim = lab.StartSim(id, secret, broker);
        await using var standalone = SimAdapter.StartStandalone(FirstLightFixture.SecondUser, FirstLightFixture.SecondPassword, lab.Registrar.Address);
        await sim.WaitForEventAsync("registration", e => e.GetProperty("state").GetString() == "registered");
        await standalone.WaitForEventAsync("registration", e => e.GetProperty("state").GetString() == "registered");

        string table = await PsAsync();
        Assert.Contains(id, table, StringComparison.Ordinal);
        Assert.Contains("mosquitto", table, StringComparison.Ordinal);
        Assert.Contains("kamailio", table, StringComparison.Ordinal);
        foreach (string known in new[] { secret, FirstLightFixture.GoodPassword, FirstLightFixture.SecondPassword, FirstLightFixture.AdminKey })
        {
            Assert.False(table.Contains(known, StringComparison.Ordinal), $"ps shows a secret:\n{string.Join('\n', table.Split('\n').Where(l => l.Contains(known, StringComparison.Ordinal)))}");
        }
    }

    [Theory]
    [InlineData("--secret")]
    [InlineData("--sip-password")]
    public async Task The_simulator_refuses_a_secret_on_its_command_line_and_says_where_it_goes(string option)
    {
        var layout = RepoLayout.Find();
        await using var sim = ManagedProcess.StartDotnet(layout.SimAssembly,
            ["--device-id", "ps-1", option, "never-shown", "--broker", "127.0.0.1:1"], new ManagedProcessOptions { Name = "sim-argv" });
        await sim.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        string said = string.Join('\n', sim.StandardErrorLines.Concat(sim.StandardOutputLines));
        Assert.Contains("not taken on the command line", said, StringComparison.Ordinal);
        Assert.Contains(option == "--secret" ? "ATA_SIM_SECRET" : "ATA_SIM_SIP_PASSWORD", said, StringComparison.Ordinal);
        Assert.Contains(option + "-file", said, StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_secret_file_others_may_read_is_refused_and_one_of_mode_0600_is_taken()
    {
        var layout = RepoLayout.Find();
        string file = Path.Combine(Path.GetTempPath(), "ata-ps-secret-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            await File.WriteAllTextAsync(file, "file-secret\n");
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            await using (var loose = ManagedProcess.StartDotnet(layout.SimAssembly,
                ["--device-id", "ps-2", "--secret-file", file, "--broker", "127.0.0.1:1", "--events", "json"], new ManagedProcessOptions { Name = "sim-loose" }))
            {
                await loose.Completion.WaitAsync(TimeSpan.FromSeconds(30));
                Assert.Contains(loose.StandardErrorLines.Concat(loose.StandardOutputLines), l => l.Contains("may be read by others: chmod 600", StringComparison.Ordinal));
            }

            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            await using var strict = ManagedProcess.StartDotnet(layout.SimAssembly,
                ["--device-id", "ps-2", "--secret-file", file, "--broker", "127.0.0.1:1", "--events", "json"], new ManagedProcessOptions { Name = "sim-strict" });
            await strict.WaitForOutputLineAsync(l => l.Contains("\"gateway\"", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            Assert.False(strict.HasExited);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task<string> PsAsync()
    {
        var start = new ProcessStartInfo("ps", ["-eww", "-o", "args"]) { RedirectStandardOutput = true };
        using var ps = Process.Start(start)!;
        string table = await ps.StandardOutput.ReadToEndAsync();
        await ps.WaitForExitAsync();
        return table;
    }
}
