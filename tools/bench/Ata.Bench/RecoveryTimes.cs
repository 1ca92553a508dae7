using System.Diagnostics;
using System.Text.Json;
using Ata.Lab;

namespace Ata.Bench;

/// <summary>
/// Recovery of one real adapter (Ata.Sim) against a real Kamailio: from the link coming back, and
/// from the registrar coming back after an outage, to TEL1 solid.
/// </summary>
internal sealed class RecoveryTimes : IAsyncDisposable
{
    private const string User = "4001";
    private const string Password = "bench-pass";
    private readonly KamailioRegistrar _registrar;
    private readonly ManagedProcess _sim;

    private RecoveryTimes(KamailioRegistrar registrar, ManagedProcess sim)
    {
        _registrar = registrar;
        _sim = sim;
    }

    public static async Task<RecoveryTimes> StartAsync(params string[] simOptions)
    {
        var registrar = await KamailioRegistrar.StartAsync(new Dictionary<string, string> { [User] = Password },
            new KamailioRegistrarOptions { MinExpires = 10, MaxExpires = 20 });
        var sim = ManagedProcess.StartDotnet(RepoLayout.Find().SimAssembly,
            ["--sip-user", User, "--registrar", registrar.Address, "--events", "json", "--keepalive", "0", .. simOptions],
            new ManagedProcessOptions { Name = "sim", Environment = new Dictionary<string, string?> { ["ATA_SIM_SIP_PASSWORD"] = Password } });
        var bench = new RecoveryTimes(registrar, sim);
        await bench.WaitTel1Async("solid", TimeSpan.FromSeconds(20), includeEarlier: true);
        return bench;
    }

    /// <summary>Link down until TEL1 shows it, then up: milliseconds until TEL1 is solid again.</summary>
    public async Task<long> LinkBackAsync()
    {
        var down = WaitTel1Async("code-1", TimeSpan.FromSeconds(10));
        await _sim.WriteLineAsync("wan down");
        await down;
        var solid = WaitTel1Async("solid", TimeSpan.FromSeconds(30));
        long upAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await _sim.WriteLineAsync("wan up");
        return (await solid).GetProperty("t").GetInt64() - upAt;
    }

    /// <summary>Registrar stopped until the adapter notices (TEL1 blink code), then started: milliseconds until TEL1 is solid.</summary>
    public async Task<long> RegistrarBackAsync()
    {
        var noticed = WaitTel1Async("code-4", TimeSpan.FromSeconds(90));
        await _registrar.StopAsync();
        await noticed;
        var solid = WaitTel1Async("solid", TimeSpan.FromSeconds(120));
        var clock = Stopwatch.StartNew();
        await _registrar.StartAsync();
        long startedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - clock.ElapsedMilliseconds;
        return (await solid).GetProperty("t").GetInt64() - startedAt;
    }

    private async Task<JsonElement> WaitTel1Async(string pattern, TimeSpan timeout, bool includeEarlier = false)
    {
        string line = await _sim.WaitForOutputLineAsync(l =>
        {
            if (!l.StartsWith('{'))
            {
                return false;
            }

            var e = JsonDocument.Parse(l).RootElement;
            return e.GetProperty("event").GetString() == "led" && e.GetProperty("led").GetString() == "tel1"
                && e.GetProperty("pattern").GetString() == pattern;
        }, timeout, includeEarlierLines: includeEarlier);
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        await _sim.DisposeAsync();
        await _registrar.DisposeAsync();
    }
}
