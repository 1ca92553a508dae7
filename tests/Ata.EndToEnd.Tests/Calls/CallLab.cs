using System.Text.Json;
using Ata.Lab;
using Ata.Tests.Audio;

namespace Ata.EndToEnd.Tests.Calls;

/// <summary>
/// Two simulated adapters (2001, 2002) on a real Kamailio that routes calls between its subscribers,
/// each recording its earpiece: what the call tests share.
/// </summary>
public sealed class CallLab : IAsyncDisposable
{
    public const string UserA = "2001";
    public const string UserB = "2002";

    /// <summary>The lab's extensions (2xxx) and the national numbers.</summary>
    public const string DialPlan = "(2xxx|[3-9]xxxxxxx|00x.)";
    private static readonly Dictionary<string, string> Subscribers = new()
    {
        [UserA] = "lab-pass-2001",
        [UserB] = "lab-pass-2002",
        ["2003"] = "lab-pass-2003",
    };

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ata-calls-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly List<SimAdapter> _sims = [];

    private CallLab(KamailioRegistrar registrar)
    {
        Registrar = registrar;
    }

    public KamailioRegistrar Registrar { get; }

    public static async Task<CallLab> StartAsync(KamailioRegistrarOptions? options = null) =>
        new(await KamailioRegistrar.StartAsync(Subscribers, options ?? new KamailioRegistrarOptions()));

    /// <summary>Starts a standalone simulator registered as <paramref name="user"/>, recording into its own folder.</summary>
    public async Task<SimAdapter> StartAdapterAsync(string user, params string[] extra)
    {
        var sim = SimAdapter.StartStandalone(user, Subscribers[user], Registrar.Address,
            ["--local-address", "127.0.0.1", "--tones-wav", Recordings(user), "--dial-plan", DialPlan, .. extra]);
        _sims.Add(sim);
        await sim.WaitForEventAsync("registration", e => e.GetProperty("state").GetString() == "registered");
        return sim;
    }

    /// <summary>Where <paramref name="user"/>'s simulator writes its earpiece recordings.</summary>
    public string Recordings(string user) => Path.Combine(_directory, user);

    /// <summary>The newest call recording of <paramref name="user"/>'s line 1.</summary>
    public WavFile LastCallRecording(string user) =>
        WavFile.Read(Directory.GetFiles(Recordings(user), "*-line1-call.wav").Order().Last());

    public static bool Is(JsonElement e, string property, string value) =>
        e.TryGetProperty(property, out var p) && p.ValueKind == JsonValueKind.String && p.GetString() == value;

    /// <summary>Waits for line 1's call to reach <paramref name="state"/>.</summary>
    public static Task<JsonElement> CallState(SimAdapter sim, string state, TimeSpan? timeout = null, Func<JsonElement, bool>? also = null) =>
        sim.WaitForEventAsync("call", e => Is(e, "state", state) && (also is null || also(e)), timeout ?? TimeSpan.FromSeconds(15));

    /// <summary>Lifts line 1's handset, waits for dial tone and dials <paramref name="number"/>.</summary>
    public static async Task DialAsync(SimAdapter sim, string number)
    {
        long since = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 5;
        await sim.Process.WriteLineAsync("offhook 1");
        await sim.WaitForEventAsync("tone", e => Is(e, "tone", "dial") && Is(e, "state", "started") && e.GetProperty("t").GetInt64() >= since);
        await sim.Process.WriteLineAsync($"dial {number} 1");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var sim in _sims)
        {
            await sim.DisposeAsync();
        }

        await Registrar.DisposeAsync();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
