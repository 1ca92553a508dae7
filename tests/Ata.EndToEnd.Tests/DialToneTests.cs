using Ata.Lab;

namespace Ata.EndToEnd.Tests;

/// <summary>
/// The telephone line end to end: Ata.Sim in standalone mode against a real Kamailio gives dial
/// tone only when its line is registered, takes a number in DTMF, and writes what it plays as WAV.
/// </summary>
public sealed class DialToneTests : IAsyncLifetime
{
    private const string User = "3001";
    private const string Password = "lab-pass-3001";

    private readonly RepoLayout _layout = RepoLayout.Find();
    private readonly string _wavDirectory = Path.Combine(Path.GetTempPath(), "ata-tones-" + Guid.NewGuid().ToString("N")[..8]);
    private KamailioRegistrar _registrar = null!;

    public async Task InitializeAsync() =>
        _registrar = await KamailioRegistrar.StartAsync(new Dictionary<string, string> { [User] = Password });

    public async Task DisposeAsync()
    {
        if (_registrar is not null)
        {
            await _registrar.DisposeAsync();
        }

        if (Directory.Exists(_wavDirectory))
        {
            Directory.Delete(_wavDirectory, recursive: true);
        }
    }

    private SimAdapter StartSim(string password, string name) =>
        new(ManagedProcess.StartDotnet(_layout.SimAssembly,
            ["--sip-user", User, "--registrar", _registrar.Address, "--events", "json",
             "--local-address", "127.0.0.1", "--tones-wav", Path.Combine(_wavDirectory, name)],
            new ManagedProcessOptions { Name = "sim-" + name, Environment = new Dictionary<string, string?> { ["ATA_SIM_SIP_PASSWORD"] = password } }));

    private static Task UntilCount(SimAdapter sim, Func<System.Text.Json.JsonElement, bool> match, int count) =>
        Eventually.Until(() => Task.FromResult(sim.Events.Count(match) >= count), TimeSpan.FromSeconds(15),
            () => $"fewer than {count} matching events:\n" + sim.Process.Tail());

    private static bool Is(System.Text.Json.JsonElement e, string property, string value) =>
        e.TryGetProperty(property, out var p) && p.GetString() == value;

    [Fact]
    public async Task A_registered_line_gives_dial_tone_and_takes_a_number()
    {
        await using var sim = StartSim(Password, "registered");
        await sim.WaitForEventAsync("registration", e => Is(e, "state", "registered"));

        await sim.Process.WriteLineAsync("offhook");
        await sim.WaitForEventAsync("tone", e => Is(e, "tone", "dial") && Is(e, "state", "started"));
        await sim.WaitForEventAsync("led", e => Is(e, "led", "tel1") && Is(e, "pattern", "slow-blink"));

        // Let a fifth of a second of dial tone reach the WAV file before the first key stops it.
        string wav = Path.Combine(_wavDirectory, "registered", "001-line1-dial.wav");
        await Eventually.Until(() => Task.FromResult(File.Exists(wav) && new FileInfo(wav).Length >= 44 + (1600 * 2)),
            TimeSpan.FromSeconds(10), () => "no dial tone was written to " + wav);

        // A rotary digit stops dial tone too; a hook flash (R) before a call gives it back.
        await sim.Process.WriteLineAsync("pulse 4");
        var pulsed = await sim.WaitForEventAsync("digit", e => Is(e, "method", "pulse"));
        Assert.Equal("4", pulsed.GetProperty("digit").GetString());
        await sim.WaitForEventAsync("tone", e => Is(e, "tone", "dial") && Is(e, "state", "stopped"));
        await sim.Process.WriteLineAsync("flash");
        await sim.WaitForEventAsync("flash", _ => true);
        await UntilCount(sim, e => Is(e, "event", "tone") && Is(e, "tone", "dial") && Is(e, "state", "started"), 2);

        await sim.Process.WriteLineAsync("dial 22334455");
        await UntilCount(sim, e => Is(e, "event", "tone") && Is(e, "tone", "dial") && Is(e, "state", "stopped"), 2);
        var dialled = await sim.WaitForEventAsync("dial", e => Is(e, "outcome", "call"));
        Assert.Equal("22334455", dialled.GetProperty("number").GetString());

        await sim.Process.WriteLineAsync("onhook");
        await sim.WaitForEventAsync("line", e => Is(e, "state", "idle"));
        Assert.DoesNotContain(sim.Events, e => Is(e, "event", "tone") && Is(e, "tone", "no-service"));

        // What the line played is on disk, and it is 425 Hz.
        byte[] bytes = await File.ReadAllBytesAsync(wav);
        Assert.Equal("RIFF", System.Text.Encoding.ASCII.GetString(bytes, 0, 4));
        short[] samples = new short[(bytes.Length - 44) / 2];
        Buffer.BlockCopy(bytes, 44, samples, 0, samples.Length * 2);
        Assert.True(samples.Length >= 800, $"only {samples.Length} samples of dial tone were written");
        int crossings = 0;
        for (int i = 1; i < samples.Length; i++)
        {
            if (samples[i - 1] < 0 && samples[i] >= 0)
            {
                crossings++;
            }
        }

        Assert.InRange(crossings * 8000.0 / samples.Length, 415, 435);
    }

    [Fact]
    public async Task A_line_that_is_not_registered_gives_the_no_service_signal_and_the_fault_code_not_dial_tone()
    {
        await using var sim = StartSim("not-the-password", "refused");
        await sim.WaitForEventAsync("fault", e => Is(e, "code", "sip.credentials") && Is(e, "state", "raised"));

        await sim.Process.WriteLineAsync("offhook");
        await sim.WaitForEventAsync("tone", e => Is(e, "tone", "no-service") && Is(e, "state", "started"));
        await sim.WaitForEventAsync("line", e => Is(e, "state", "no-service"));
        await sim.WaitForEventAsync("led", e => Is(e, "led", "tel1") && Is(e, "pattern", "code-2"));
        Assert.DoesNotContain(sim.Events, e => Is(e, "event", "tone") && Is(e, "tone", "dial"));
    }
}
