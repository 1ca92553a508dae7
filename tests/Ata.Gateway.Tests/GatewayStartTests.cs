using Ata.Gateway.Tests.Support;
using Ata.Lab;

namespace Ata.Gateway.Tests;

/// <summary>A gateway that cannot start says why in one line on stderr and exits non-zero; no stack trace.</summary>
public sealed class GatewayStartTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Restarting_on_a_read_only_data_directory_ends_with_one_line_and_a_non_zero_exit_code()
    {
        using var data = new TempDirectory();
        await using (var first = await GatewayProcess.StartAsync(data.Path, FreePort.Tcp()))
        {
            await first.ProvisionAsync("start-1", "secret-start-1");
        }

        // The same directory, mounted read-only for the restarted gateway alone (its own mount namespace, gone with it).
        await using var gateway = ManagedProcess.Start("unshare",
            ["-rm", "sh", "-c", "mount --bind -o ro \"$0\" \"$0\" && exec \"$@\"", data.Path, .. GatewayCommand(data.Path)],
            new ManagedProcessOptions { Name = "gateway", Environment = AdminKey });

        await AssertCannotStartAsync(gateway, data.Path);
    }

    [Fact]
    public async Task A_data_directory_that_cannot_be_created_ends_the_gateway_with_one_line()
    {
        using var parent = new TempDirectory();
        var file = Path.Combine(parent.Path, "not-a-directory");
        await File.WriteAllTextAsync(file, "a file where the data directory's parent should be");
        var data = Path.Combine(file, "data");

        await using var gateway = ManagedProcess.Start(ManagedProcess.DotnetHost, GatewayCommand(data)[1..], new ManagedProcessOptions { Name = "gateway", Environment = AdminKey });

        await AssertCannotStartAsync(gateway, data);
    }

    private static string[] GatewayCommand(string dataDirectory) =>
    [
        ManagedProcess.DotnetHost, GatewayProcess.Assembly,
        "--urls", $"http://127.0.0.1:{FreePort.Tcp()}",
        $"--Gateway:DataDirectory={dataDirectory}",
    ];

    private static readonly Dictionary<string, string?> AdminKey = new() { ["Auth__AdminKey"] = RunningGateway.AdminKey };

    private static async Task AssertCannotStartAsync(ManagedProcess gateway, string dataDirectory)
    {
        var exitCode = await gateway.Completion.WaitAsync(ExitTimeout);

        var output = string.Join(Environment.NewLine, gateway.Lines.Select(l => l.Text));
        Assert.True(exitCode != 0, $"exit code 0:{Environment.NewLine}{output}");
        var errors = gateway.StandardErrorLines.Where(l => l.Trim().Length > 0).ToList();
        var line = Assert.Single(errors);
        Assert.Contains(dataDirectory, line, StringComparison.Ordinal);
        Assert.Contains("Gateway:DataDirectory", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
    }
}
