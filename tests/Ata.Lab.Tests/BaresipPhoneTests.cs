using Ata.Tests.Audio;

namespace Ata.Lab.Tests;

/// <summary>
/// A registrar with an emergency centre played by a baresip phone, two registered baresip phones
/// (each with its own tone as its microphone) and one that never registers.
/// </summary>
public sealed class BaresipLab : IAsyncLifetime
{
    public const double AliceTone = 1000;
    public const double BobTone = 440;
    public const short Amplitude = 8000;

    private readonly string folder = Directory.CreateTempSubdirectory("ata-lab-baresip-tests-").FullName;
    private readonly int centrePort = FreePort.UdpAndTcpPair();

    public KamailioRegistrar Registrar { get; private set; } = null!;

    public BaresipPhone Alice { get; private set; } = null!;

    public BaresipPhone Bob { get; private set; } = null!;

    public BaresipPhone Stranger { get; private set; } = null!;

    public BaresipPhone EmergencyCentre { get; private set; } = null!;

    /// <summary>A minute of a sine, as the phones' microphones play it (baresip ends a call when its file ends).</summary>
    public static string WriteTone(string folder, double hz)
    {
        var samples = new short[8000 * 60];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = (short)Math.Round(Amplitude * Math.Sin(2 * Math.PI * hz * i / 8000));
        }

        var path = Path.Combine(folder, $"tone-{hz}.wav");
        new WavFile(samples, 8000).Write(path);
        return path;
    }

    public async Task InitializeAsync()
    {
        Registrar = await KamailioRegistrar.StartAsync(
            new Dictionary<string, string> { ["2001"] = "pw-alice", ["2002"] = "pw-bob", ["2003"] = "pw-never-registered" },
            new KamailioRegistrarOptions { EmergencyCentre = $"127.0.0.1:{centrePort}" });
        var alice = WriteTone(folder, AliceTone);
        var bob = WriteTone(folder, BobTone);
        var phones = await Task.WhenAll(
            BaresipPhone.StartAsync(new BaresipPhoneOptions { User = "2001", Password = "pw-alice", Registrar = Registrar.Address, Microphone = alice }),
            BaresipPhone.StartAsync(new BaresipPhoneOptions { User = "2002", Password = "pw-bob", Registrar = Registrar.Address, Microphone = bob }),
            BaresipPhone.StartAsync(new BaresipPhoneOptions { User = "2999", Registrar = Registrar.Address, Register = false, Microphone = alice }),
            BaresipPhone.StartAsync(new BaresipPhoneOptions { User = "112", Port = centrePort, Microphone = bob }));
        (Alice, Bob, Stranger, EmergencyCentre) = (phones[0], phones[1], phones[2], phones[3]);
    }

    public async Task DisposeAsync()
    {
        foreach (var phone in new[] { Alice, Bob, Stranger, EmergencyCentre }.Where(phone => phone is not null))
        {
            await phone.DisposeAsync();
        }

        await Registrar.DisposeAsync();
        Directory.Delete(folder, recursive: true);
    }
}

/// <summary>Two baresip phones call each other through the lab registrar: audio, keys and hanging up, measured at the far end.</summary>
public sealed class BaresipPhoneTests(BaresipLab lab) : IClassFixture<BaresipLab>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Talk = TimeSpan.FromSeconds(1.5);

    [Fact]
    public async Task Alice_calls_Bob_her_tone_and_keys_reach_him_and_Bob_hangs_up()
    {
        var rings = lab.Bob.WaitForEventAsync(BaresipEvent.CallIncoming, Timeout, includeEarlier: false);
        var ringback = lab.Alice.WaitForEventAsync(BaresipEvent.CallRinging, Timeout, includeEarlier: false);
        await lab.Alice.DialAsync("2002");

        var incoming = await rings;
        await ringback;
        Assert.Equal(lab.Alice.Uri, incoming.PeerUri);
        var answered = await lab.Bob.AnswerAsync(Timeout);
        await lab.Alice.WaitForEventAsync(e => e.Type == BaresipEvent.CallEstablished && e.CallId == answered.CallId, Timeout);
        var keys = lab.Bob.WaitForEventAsync(e => e.Type == BaresipEvent.DtmfStart && e.CallId == answered.CallId && e.Param == "#", Timeout, includeEarlier: false);
        await Task.Delay(Talk);
        await lab.Alice.SendDigitsAsync("159#");
        await keys;
        var farEndClosed = lab.Alice.WaitForEventAsync(BaresipEvent.CallClosed, Timeout, includeEarlier: false);
        await lab.Bob.HangUpAsync(Timeout);
        await farEndClosed;

        Assert.Equal("159#", string.Concat(lab.Bob.Events.Where(e => e.Type == BaresipEvent.DtmfStart && e.CallId == answered.CallId).Select(e => e.Param)));
        AssertHeardTone(lab.Bob.FarEndRecording, BaresipLab.AliceTone);
        var decisions = lab.Registrar.CallDecisions.Where(d => d.CallId == answered.CallId).Select(d => (d.Kind, d.Method)).ToList();
        Assert.Contains((CallDecisionKind.Routed, "INVITE"), decisions);
        Assert.Contains((CallDecisionKind.Relayed, "BYE"), decisions);
    }

    [Fact]
    public async Task Bob_calls_Alice_his_tone_reaches_her_and_Bob_the_caller_hangs_up()
    {
        var answered = await TalkAsync(lab.Bob, lab.Alice, "2001");
        var farEndClosed = lab.Alice.WaitForEventAsync(BaresipEvent.CallClosed, Timeout, includeEarlier: false);
        await lab.Bob.HangUpAsync(Timeout);

        Assert.Equal(answered.CallId, (await farEndClosed).CallId);
        AssertHeardTone(lab.Alice.FarEndRecording, BaresipLab.BobTone);
    }

    [Fact]
    public async Task A_call_to_a_subscriber_who_is_not_registered_closes_with_480()
    {
        await lab.Alice.DialAsync("2003");

        var refused = await lab.Alice.WaitForEventAsync(e => e.Type == BaresipEvent.CallClosed && e.PeerUri == "sip:2003@" + lab.Registrar.Address, Timeout);

        Assert.Equal("480 Temporarily Unavailable", refused.Param);
    }

    [Fact]
    public async Task An_unregistered_phone_dialling_112_reaches_the_emergency_centre_and_is_heard_there()
    {
        var answered = await TalkAsync(lab.Stranger, lab.EmergencyCentre, "112");
        await lab.Stranger.HangUpAsync(Timeout);

        AssertHeardTone(lab.EmergencyCentre.FarEndRecording, BaresipLab.AliceTone);
        var decision = await lab.Registrar.WaitForCallDecisionAsync(d => d.CallId == answered.CallId && d.Kind == CallDecisionKind.Emergency, Timeout);
        Assert.Equal("2999", decision.From);
        Assert.DoesNotContain(lab.Registrar.CallDecisions, d => d.CallId == answered.CallId && d.Kind == CallDecisionKind.Challenged);
    }

    /// <summary><paramref name="caller"/> dials, <paramref name="callee"/> answers, and both talk for a while; returns the answer.</summary>
    private static async Task<BaresipEvent> TalkAsync(BaresipPhone caller, BaresipPhone callee, string number)
    {
        await caller.DialAsync(number);
        var answered = await callee.AnswerAsync(Timeout);
        await caller.WaitForEventAsync(e => e.Type == BaresipEvent.CallEstablished && e.CallId == answered.CallId, Timeout);
        await Task.Delay(Talk);
        return answered;
    }

    private static void AssertHeardTone(string? recording, double hz)
    {
        Assert.NotNull(recording);
        var heard = WavFile.Read(recording).Samples;
        var start = ToneMeasurement.FirstSoundAt(heard);
        Assert.True(start >= 0, $"{recording} is silent");

        // A second of the tone, after the first 100 ms of it.
        var from = start + 800;
        Assert.True(heard.Length >= from + 8000, $"{recording} holds {heard.Length} samples, {start} of them before the tone");
        var frequency = ToneMeasurement.FrequencyHz(heard, from, 8000);
        Assert.InRange(frequency, hz * 0.99, hz * 1.01);
        var sent = 20 * Math.Log10(BaresipLab.Amplitude / 32768.0);
        Assert.InRange(ToneMeasurement.LevelDbfs(heard, from, 8000), sent - 1, sent + 1);
        Assert.True(ToneMeasurement.Share(heard, from, 8000, hz) > 0.95, "the recording holds more than the tone");
    }
}
