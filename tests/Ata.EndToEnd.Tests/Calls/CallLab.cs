using System.Text.Json;
using System.Text.RegularExpressions;
using Ata.Lab;
using Ata.Tests.Audio;

namespace Ata.EndToEnd.Tests.Calls;

/// <summary>
/// Simulated adapters on a real Kamailio that routes calls between its subscribers, each recording its
/// earpiece: what the call tests share. Subscribers 2001-2003 are fixed; a test that shares the lab
/// with others takes fresh ones (<see cref="NewUser"/>), so no stale binding of an earlier test's
/// adapter is ever forked to. Set <c>ATA_CALL_TESTS_KEEP=1</c> to keep the recordings and the
/// simulators' output (in <c>$TMPDIR/ata-calls-*</c>) for listening after a run.
/// </summary>
public sealed partial class CallLab : IAsyncDisposable
{
    public const string UserA = "2001";
    public const string UserB = "2002";

    /// <summary>The lab's extensions (2xxx) and the national numbers.</summary>
    public const string DialPlan = "(2xxx|[3-9]xxxxxxx|00x.)";

    private const int PoolStart = 2100;
    private const int PoolSize = 100;
    private static readonly Dictionary<string, string> Subscribers = MakeSubscribers();

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ata-calls-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly List<SimAdapter> _sims = [];
    private readonly bool _keep = Environment.GetEnvironmentVariable("ATA_CALL_TESTS_KEEP") is not null;
    private int _nextUser = PoolStart;

    private CallLab(KamailioRegistrar registrar)
    {
        Registrar = registrar;
    }

    public KamailioRegistrar Registrar { get; }

    /// <summary>The folder the lab's files go in (recordings, microphone WAVs).</summary>
    public string Directory => _directory;

    public static async Task<CallLab> StartAsync(KamailioRegistrarOptions? options = null) =>
        new(await KamailioRegistrar.StartAsync(Subscribers, options ?? new KamailioRegistrarOptions()));

    /// <summary>A subscriber no test of this lab has used yet.</summary>
    public string NewUser() =>
        _nextUser < PoolStart + PoolSize
            ? Interlocked.Increment(ref _nextUser).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : throw new InvalidOperationException("the lab's subscriber pool is used up");

    /// <summary>The password of <paramref name="user"/> at the lab registrar.</summary>
    public static string PasswordOf(string user) => Subscribers[user];

    /// <summary>Starts a standalone simulator registered as <paramref name="user"/>, recording into its own folder.</summary>
    public async Task<SimAdapter> StartAdapterAsync(string user, params string[] extra)
    {
        var sim = StartAdapter(user, Subscribers[user], Registrar.Address, extra);
        await sim.WaitForEventAsync("registration", e => e.GetProperty("state").GetString() == "registered");
        return sim;
    }

    /// <summary>Starts a simulator for <paramref name="user"/> with <paramref name="password"/> at <paramref name="registrar"/>, without waiting for anything.</summary>
    public SimAdapter StartAdapter(string user, string password, string registrar, params string[] extra)
    {
        var sim = SimAdapter.StartStandalone(user, password, registrar,
            ["--local-address", "127.0.0.1", "--tones-wav", Recordings(user), "--dial-plan", DialPlan, .. extra]);
        _sims.Add(sim);
        return sim;
    }

    /// <summary>Where <paramref name="user"/>'s simulator takes SIP requests (<c>127.0.0.1:port</c>), from its registration's contact.</summary>
    public string SipAddressOf(string user)
    {
        var accepted = Registrar.Decisions.Last(d => d.Kind == RegistrarDecisionKind.Accepted && d.User == user && d.Expires > 0);
        var match = ContactAddress().Match(accepted.Contact ?? string.Empty);
        return match.Success ? match.Groups[1].Value : throw new InvalidOperationException($"no address in contact '{accepted.Contact}'");
    }

    /// <summary>Where <paramref name="user"/>'s simulator writes its earpiece recordings.</summary>
    public string Recordings(string user) => Path.Combine(_directory, user);

    /// <summary>The newest call recording of <paramref name="user"/>'s line 1.</summary>
    public WavFile LastCallRecording(string user) =>
        WavFile.Read(System.IO.Directory.GetFiles(Recordings(user), "*-line1-call.wav").Order().Last());

    /// <summary>Writes a minute of a sine of <paramref name="hz"/> at peak <paramref name="amplitude"/> as a WAV (a microphone for baresip or a simulator).</summary>
    public string WriteTone(double hz, short amplitude = Earpiece.MicrophoneAmplitude)
    {
        System.IO.Directory.CreateDirectory(_directory);
        var samples = new short[8000 * 60];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = (short)Math.Round(amplitude * Math.Sin(2 * Math.PI * hz * i / 8000));
        }

        var path = Path.Combine(_directory, $"tone-{hz}-{amplitude}.wav");
        if (!File.Exists(path))
        {
            new WavFile(samples, 8000).Write(path);
        }

        return path;
    }

    public static bool Is(JsonElement e, string property, string value) =>
        e.TryGetProperty(property, out var p) && p.ValueKind == JsonValueKind.String && p.GetString() == value;

    /// <summary>Waits for line 1's call to reach <paramref name="state"/>.</summary>
    public static Task<JsonElement> CallState(SimAdapter sim, string state, TimeSpan? timeout = null, Func<JsonElement, bool>? also = null) =>
        sim.WaitForEventAsync("call", e => Is(e, "state", state) && (also is null || also(e)), timeout ?? TimeSpan.FromSeconds(15));

    /// <summary>Waits for line 1's tone <paramref name="tone"/> to start (after <paramref name="since"/>, Unix ms, when given).</summary>
    public static Task<JsonElement> ToneStarted(SimAdapter sim, string tone, long since = 0, TimeSpan? timeout = null) =>
        sim.WaitForEventAsync("tone", e => Is(e, "tone", tone) && Is(e, "state", "started") && e.GetProperty("t").GetInt64() >= since, timeout ?? TimeSpan.FromSeconds(15));

    /// <summary>Lifts line 1's handset, waits for <paramref name="tone"/> (dial tone; no-service on a line that is not registered) and dials <paramref name="number"/>.</summary>
    public static async Task DialAsync(SimAdapter sim, string number, string tone = "dial")
    {
        long since = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 5;
        await sim.Process.WriteLineAsync("offhook 1");
        await ToneStarted(sim, tone, since);
        await sim.Process.WriteLineAsync($"dial {number} 1");
    }

    public async ValueTask DisposeAsync()
    {
        for (int i = 0; i < _sims.Count; i++)
        {
            if (_keep)
            {
                System.IO.Directory.CreateDirectory(_directory);
                File.WriteAllLines(Path.Combine(_directory, $"sim-{i}.log"), _sims[i].Process.Lines.Select(l => $"{l.At:HH:mm:ss.fff} {l.Text}"));
            }

            await _sims[i].DisposeAsync();
        }

        await Registrar.DisposeAsync();
        if (!_keep && System.IO.Directory.Exists(_directory))
        {
            System.IO.Directory.Delete(_directory, recursive: true);
        }
    }

    private static Dictionary<string, string> MakeSubscribers()
    {
        var subscribers = new Dictionary<string, string>
        {
            [UserA] = "lab-pass-2001",
            [UserB] = "lab-pass-2002",
            ["2003"] = "lab-pass-2003",
        };
        for (int user = PoolStart + 1; user <= PoolStart + PoolSize; user++)
        {
            subscribers[user.ToString(System.Globalization.CultureInfo.InvariantCulture)] = $"lab-pass-{user}";
        }

        return subscribers;
    }

    [GeneratedRegex(@"@([0-9.]+:[0-9]+)")]
    private static partial Regex ContactAddress();
}

/// <summary>One <see cref="CallLab"/> for all the tests of a class: adapters are per test, on fresh subscribers.</summary>
public sealed class SharedCallLab : IAsyncLifetime
{
    public CallLab Lab { get; private set; } = null!;

    public async Task InitializeAsync() => Lab = await CallLab.StartAsync();

    public async Task DisposeAsync()
    {
        if (Lab is not null)
        {
            await Lab.DisposeAsync();
        }
    }
}
