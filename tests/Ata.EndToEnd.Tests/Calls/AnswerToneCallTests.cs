using System.Text.Json;
using Ata.Tests.Audio;
using static Ata.EndToEnd.Tests.Calls.CallLab;

namespace Ata.EndToEnd.Tests.Calls;

/// <summary>
/// A fax machine or modem answers the adapter's call: baresip answers with the V.25 answer tone (2100 Hz,
/// phase reversed every 450 ms), its RTP through a relay that drops 5 % of the packets after the first 10.
/// The adapter hears the tone and switches the call to pass-through: no loss is concealed (the missing
/// packets stay silence), though the relay dropped some and the adapter counted them. (The same relay
/// without the tone gives concealment: LossyNetworkCallTests.) When the line goes quiet both ways, the echo
/// canceller comes back on (G.168's tone disabler), while the call stays in pass-through until it ends: a fax
/// waits seconds between its phases.
/// </summary>
public sealed class AnswerToneCallTests(SharedCallLab shared) : IClassFixture<SharedCallLab>
{
    private CallLab Lab => shared.Lab;

    [Fact]
    public async Task A_modem_answer_tone_from_the_far_end_switches_the_call_to_pass_through_nothing_is_concealed()
    {
        using var relay = new LossyMediaRelay(loss: 0.05, delayMs: 20, jitterMs: 0, seed: 25);
        await using var call = await RelayedBaresipCall.StartAsync(Lab, relay, WriteFarEnd("answer-tone-carrier.wav", AnswerTone(), Carrier(26)));
        var (adapter, caller) = (call.Adapter, call.AdapterUser);
        await Task.Delay(TimeSpan.FromSeconds(5));
        await adapter.Process.WriteLineAsync("onhook 1");
        var ended = await CallState(adapter, "ended");

        Assert.True(relay.BToA.Dropped >= 3, $"the relay dropped {relay.BToA.Dropped} of the modem's packets");
        Assert.True(ended.GetProperty("packetsLost").GetInt64() > 0, ended.ToString());
        Assert.Equal(0, ended.GetProperty("concealedMs").GetInt64());
        var heard = Lab.LastCallRecording(caller);
        // The tone reached the earpiece: some 200 ms stretch (between reversals) is nearly all 2100 Hz.
        double share = Enumerable.Range(0, (heard.Samples.Length - 1600) / 400).Max(i => ToneMeasurement.Share(heard.Samples, i * 400, 1600, 2100));
        Assert.True(share > 0.8, $"2100 Hz is at most {share:P0} of the earpiece's sound");
    }

    [Fact]
    public async Task When_the_line_goes_quiet_after_the_tone_the_echo_canceller_comes_back_on_and_pass_through_stays()
    {
        // The far end: /ANS for 4 s, 1.5 s of silence, then someone talks.
        using var relay = new LossyMediaRelay(loss: 0, delayMs: 20, jitterMs: 0, seed: 26);
        await using var call = await RelayedBaresipCall.StartAsync(Lab, relay, WriteFarEnd("answer-tone-quiet-talk.wav", AnswerTone(), new short[1500 * 8], Talk(20)));
        var adapter = call.Adapter;

        static long t(JsonElement e) => e.GetProperty("t").GetInt64();
        var passThrough = await adapter.WaitForEventAsync("passThrough", e => e.GetProperty("on").GetBoolean(), TimeSpan.FromSeconds(10));
        var echoOff = await adapter.WaitForEventAsync("passThrough", e => !e.GetProperty("echoCanceller").GetBoolean(), TimeSpan.FromSeconds(10));
        var back = await adapter.WaitForEventAsync("passThrough", e => e.GetProperty("echoCanceller").GetBoolean() && t(e) > t(echoOff), TimeSpan.FromSeconds(10));
        await Task.Delay(TimeSpan.FromSeconds(3));
        await adapter.Process.WriteLineAsync("onhook 1");
        await CallState(adapter, "ended");

        // Back 250 ± 150 ms after the 4 s tone stopped (it was heard 200 to 500 ms after it started), still in pass-through,
        // and the talk that followed changed nothing.
        Assert.True(back.GetProperty("on").GetBoolean(), back.ToString());
        Assert.InRange(t(back) - t(passThrough), 4000 - 500 + 100, 4000 - 200 + 400 + 200);
        Assert.InRange(t(echoOff) - t(passThrough), 0, 700);
        var after = adapter.Events.Where(e => e.GetProperty("event").GetString() == "passThrough" && t(e) > t(back)).ToList();
        Assert.Empty(after);
    }

    /// <summary>Writes the far end's sound, <paramref name="parts"/> one after another, as a WAV in the lab's folder.</summary>
    private string WriteFarEnd(string name, params short[][] parts)
    {
        Directory.CreateDirectory(Lab.Directory);
        string path = Path.Combine(Lab.Directory, name);
        new WavFile(parts.SelectMany(p => p).ToArray(), 8000).Write(path);
        return path;
    }

    /// <summary>ANS with phase reversals every 450 ms (/ANS) for 4 s at −12 dBFS-ish.</summary>
    private static short[] AnswerTone()
    {
        var samples = new short[4 * 8000];
        for (int n = 0; n < samples.Length; n++)
        {
            double phase = (2 * Math.PI * 2100 * n / 8000) + ((n / 3600) % 2 == 1 ? Math.PI : 0);
            samples[n] = (short)Math.Round(8000 * Math.Sin(phase));
        }

        return samples;
    }

    /// <summary>A modem's carrier after the answer tone (1800 Hz, steady), <paramref name="seconds"/> long: the line never goes quiet.</summary>
    private static short[] Carrier(int seconds) =>
        Enumerable.Range(0, seconds * 8000).Select(n => (short)Math.Round(4000 * Math.Sin(2 * Math.PI * 1800 * n / 8000))).ToArray();

    /// <summary>Speech-like sound for <paramref name="seconds"/>: a 150 Hz voice's harmonics up to 1.8 kHz in 250 ms syllables with 80 ms pauses.</summary>
    private static short[] Talk(int seconds) =>
        Enumerable.Range(0, seconds * 8000).Select(n =>
        {
            int inSyllable = n % (330 * 8);
            if (inSyllable >= 250 * 8)
            {
                return (short)0;
            }

            double envelope = Math.Sin(Math.PI * inSyllable / (250 * 8));
            double voice = Enumerable.Range(1, 12).Sum(h => Math.Sin(2 * Math.PI * 150 * h * n / 8000) / h);
            return (short)Math.Round(3000 * envelope * voice);
        }).ToArray();
}
