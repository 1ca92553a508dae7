using System.Diagnostics;
using Ata.Lab;

namespace Ata.EndToEnd.Tests.Console;

/// <summary>
/// The technician console end to end: Ata.Sim offers it on a pseudo-terminal, and a terminal (this
/// test, or tools/console) drives it there, as a technician would over the board's USB serial port.
/// </summary>
public sealed class TechnicianConsolePtyTests : IAsyncLifetime
{
    private const string SipPassword = "sip-pass-77aa";
    private const string DeviceSecret = "dev-secret-99zz";

    private readonly RepoLayout _layout = RepoLayout.Find();
    private readonly string _store = Path.Combine(Path.GetTempPath(), "ata-console-" + Guid.NewGuid().ToString("N")[..8]);
    private ManagedProcess _sim = null!;
    private string _pty = null!;

    public async Task InitializeAsync() => (_sim, _pty) = await StartSimAsync();

    public async Task DisposeAsync()
    {
        await _sim.DisposeAsync();
        if (Directory.Exists(_store))
        {
            Directory.Delete(_store, recursive: true);
        }
    }

    [Fact]
    public async Task Status_leds_and_provisioning_answer_over_the_pty_with_secrets_masked()
    {
        using var terminal = new PtyTerminal(_pty);

        string status = await terminal.CommandAsync("status");
        Assert.Contains("device id:  console-1", status);
        Assert.Contains("line 1:", status);
        Assert.Contains("line 2:     unprovisioned", status);

        Assert.Contains("pwr: ", await terminal.CommandAsync("leds"));

        string provisioning = await terminal.CommandAsync("show provisioning");
        Assert.Contains("line 1: user 1001, password ********", provisioning);
        Assert.DoesNotContain(SipPassword, provisioning);

        Assert.Contains("error: unknown command 'fly'", await terminal.CommandAsync("fly"));
        Assert.DoesNotContain(SipPassword, terminal.Received);
    }

    [Fact]
    public async Task Settings_are_set_masked_and_survive_a_restart_of_the_simulator()
    {
        using (var terminal = new PtyTerminal(_pty))
        {
            Assert.Contains("device.secret = ******** (saved", await terminal.CommandAsync("set device.secret " + DeviceSecret));
            Assert.Contains("gateway.host = gw.example.net", await terminal.CommandAsync("set gateway.host gw.example.net"));
            Assert.Contains("error: gateway.port must be a number", await terminal.CommandAsync("set gateway.port 70000"));
            string shown = await terminal.CommandAsync("show settings");
            Assert.Contains("device.secret = ********", shown);
            Assert.DoesNotContain(DeviceSecret, shown);
            Assert.Contains("console: gateway.host changed", await terminal.CommandAsync("log 5"));
            Assert.DoesNotContain(DeviceSecret, terminal.Received);
        }

        await _sim.DisposeAsync();
        (_sim, _pty) = await StartSimAsync();
        using (var terminal = new PtyTerminal(_pty))
        {
            string shown = await terminal.CommandAsync("show gateway");
            Assert.Contains("gateway.host = gw.example.net", shown);
            Assert.Contains("reset every setting", (await terminal.CommandAsync("factory-reset")).Replace("erases every setting", "reset every setting"));
            Assert.Contains("factory reset done", await terminal.CommandAsync("factory-reset confirm"));
            Assert.Contains("gateway.host = (not set)", await terminal.CommandAsync("show gateway"));
        }

        Assert.DoesNotContain(_sim.Lines, l => l.Text.Contains(DeviceSecret, StringComparison.Ordinal) || l.Text.Contains(SipPassword, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Tools_console_runs_one_command_against_the_pty()
    {
        var psi = new ProcessStartInfo(Path.Combine(_layout.Root, "tools", "console"), ["--port", _pty, "--run", "show provisioning"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process process = Process.Start(psi)!;
        string output = await process.StandardOutput.ReadToEndAsync();
        string error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 0, error);
        Assert.StartsWith("version 0\n", output);
        Assert.Contains("password ********", output);
        Assert.DoesNotContain(SipPassword, output);
    }

    private async Task<(ManagedProcess, string)> StartSimAsync()
    {
        int deadPort = FreePort.Udp();
        ManagedProcess sim = ManagedProcess.StartDotnet(_layout.SimAssembly,
            ["--device-id", "console-1", "--sip-user", "1001", "--registrar", "127.0.0.1:" + deadPort,
             "--local-address", "127.0.0.1", "--events", "json", "--console-pty", "--store", _store],
            new ManagedProcessOptions { Name = "sim-console", Environment = new Dictionary<string, string?> { ["ATA_SIM_SIP_PASSWORD"] = SipPassword } });
        string line = await sim.WaitForOutputLineAsync(l => l.Contains("\"console-pty\"", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        const string marker = "\"detail\":\"";
        int at = line.IndexOf(marker, StringComparison.Ordinal) + marker.Length;
        return (sim, line[at..line.IndexOf('"', at)]);
    }
}
