using System.Diagnostics;
using Ata.Lab;

namespace Ata.Lab.Tests;

/// <summary>
/// sipp's digest password is not on its command line (issue 15, item 4): it went there as
/// <c>-ap</c>, which every user's <c>ps</c> shows; now it is in a private copy of the scenario.
/// </summary>
public sealed class SippCredentialsTests
{
    [Fact]
    public async Task A_running_sipp_shows_no_digest_password_in_ps()
    {
        string password = "sipp-never-in-ps-" + Guid.NewGuid().ToString("N")[..8];
        await using var sipp = SippScenario.Start("register.xml", new SippOptions
        {
            Remote = "127.0.0.1:" + FreePort.Udp(),
            Service = "2001",
            AuthUser = "2001",
            AuthPassword = password,
            Keys = new Dictionary<string, string> { ["contact"] = "127.0.0.1:1", ["expires"] = "60" },
            Timeout = TimeSpan.FromSeconds(10),
        });

        string table = string.Empty;
        for (int i = 0; i < 50 && !table.Contains("register.xml", StringComparison.Ordinal); i++)
        {
            table = await PsAsync();
            await Task.Delay(100);
        }

        Assert.Contains("register.xml", table, StringComparison.Ordinal);
        Assert.DoesNotContain(password, table, StringComparison.Ordinal);
    }

    private static async Task<string> PsAsync()
    {
        using var ps = Process.Start(new ProcessStartInfo("ps", ["-eww", "-o", "args"]) { RedirectStandardOutput = true })!;
        string table = await ps.StandardOutput.ReadToEndAsync();
        await ps.WaitForExitAsync();
        return table;
    }
}
