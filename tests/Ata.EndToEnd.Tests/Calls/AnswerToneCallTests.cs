using Ata.Tests.Audio;
using static Ata.EndToEnd.Tests.Calls.CallLab;

namespace Ata.EndToEnd.Tests.Calls;

/// <summary>
/// A fax machine or modem answers the adapter's call: baresip answers with the V.25 answer tone (2100 Hz,
/// phase reversed every 450 ms), its RTP through a relay that drops 5 % of the packets after the first 10.
/// The adapter hears the tone and switches the call to pass-through: no loss is concealed (the missing
/// packets stay silence), though the relay dropped some and the adapter counted them. (The same relay
/// without the tone gives concealment: LossyNetworkCallTests.)
/// </summary>
public sealed class AnswerToneCallTests(SharedCallLab shared) : IClassFixture<SharedCallLab>
{
    private CallLab Lab => shared.Lab;

    [Fact]
    public async Task A_modem_answer_tone_from_the_far_end_switches_the_call_to_pass_through_nothing_is_concealed()
    {
        using var relay = new LossyMediaRelay(loss: 0.05, delayMs: 20, jitterMs: 0, seed: 25);
        await using var call = await RelayedBaresipCall.StartAsync(Lab, relay, WriteAnswerTone());
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

    /// <summary>ANS with phase reversals every 450 ms (/ANS) for 4 s, then silence, at −12 dBFS-ish.</summary>
    private string WriteAnswerTone()
    {
        var samples = new short[8000 * 30];
        for (int n = 0; n < 4 * 8000; n++)
        {
            double phase = (2 * Math.PI * 2100 * n / 8000) + ((n / 3600) % 2 == 1 ? Math.PI : 0);
            samples[n] = (short)Math.Round(8000 * Math.Sin(phase));
        }

        Directory.CreateDirectory(Lab.Directory);
        string path = Path.Combine(Lab.Directory, "answer-tone.wav");
        new WavFile(samples, 8000).Write(path);
        return path;
    }
}
