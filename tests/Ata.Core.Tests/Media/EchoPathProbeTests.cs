using Ata.Core.Media;
using Xunit.Abstractions;

namespace Ata.Core.Tests.Media;

/// <summary>
/// The echo path probe against the echo tests' hybrid models behind a known flat delay (the board's playback and
/// capture buffering), with line noise at the near end: the echo's start found within ±1 ms, the bulk delay a few
/// samples and a call's framing (one frame) before it, never after; no echo, a line that is not quiet and a microphone that stays silent each fail
/// with their reason.
/// </summary>
public class EchoPathProbeTests(ITestOutputHelper output)
{
    private const int Step = 80;
    private const int OneMs = 8;

    /// <summary>
    /// Runs a measurement as a host does, 10 ms at a time: the probe's samples played, the microphone's 10 ms (the
    /// echo of what was played, <paramref name="delay"/> samples later through <paramref name="taps"/>, plus
    /// <paramref name="near"/>) heard, the probe ticked; then ticked on until it finished.
    /// </summary>
    internal static EchoPathProbe Measure(int delay, double[] taps, Func<int, double> near, bool microphone = true)
    {
        var probe = new EchoPathProbe();
        long now = 1000;
        probe.Start(1, now);
        var played = new List<short>();
        var block = new short[Step];
        var heard = new short[Step];
        for (int ticks = 0; ticks < 10000 && probe.IsRunning; ticks++)
        {
            now += 10;
            if (probe.IsListening)
            {
                probe.Fill(block, 0, Step);
                played.AddRange(block);
                for (int i = 0; i < Step; i++)
                {
                    int n = played.Count - Step + i;
                    double echo = 0;
                    for (int k = 0; k < taps.Length; k++)
                    {
                        int at = n - delay - k;
                        echo += at >= 0 ? taps[k] * played[at] : 0;
                    }

                    heard[i] = (short)Math.Clamp(Math.Round(echo + near(n)), short.MinValue, short.MaxValue);
                }

                if (microphone)
                {
                    probe.Hear(heard, 0, Step);
                }
            }

            probe.Tick(now);
        }

        Assert.False(probe.IsRunning);
        return probe;
    }

    private static Func<int, double> Noise(double peakToPeak)
    {
        double[] noise = EchoSignals.NearEnd(EchoPathProbe.TotalSamples + 1000, null, 0, peakToPeak);
        return n => noise[n];
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(20)]
    [InlineData(40)]
    public void The_echo_s_start_is_found_within_1_ms_behind_each_bulk_delay_on_a_noisy_line(int delayMs)
    {
        int delay = delayMs * OneMs;
        var hybrids = new (string Name, int Delay, double[] Taps)[]
        {
            ("hybrid (8 taps, 12 dB)", delay, EchoSignals.HybridTaps),
            ("other hybrid (7 taps, 10 dB, other sign)", delay, EchoSignals.OtherHybridTaps),
            ("long ring (80 taps)", delay, EchoSignals.LongPathTaps),
        };
        foreach (var (name, at, taps) in hybrids)
        {
            EchoPathProbe probe = Measure(at, taps, Noise(EchoSignals.NoisyLine));
            output.WriteLine($"{delayMs} ms, {name}: echo at {probe.EchoDelaySamples} (true {at}), bulk delay {probe.BulkDelaySamples}, noise RMS {probe.NoiseRms}");
            Assert.Equal(EchoPathProbe.Measured, probe.State);
            Assert.InRange(probe.EchoDelaySamples, at - OneMs, at + OneMs);
            Assert.Equal(Math.Max(0, probe.EchoDelaySamples - EchoPathProbe.MarginSamples - EchoPathProbe.FramingSamples), probe.BulkDelaySamples);
            Assert.InRange(probe.BulkDelaySamples, 0, Math.Max(0, at - EchoPathProbe.FramingSamples));
            Assert.Null(probe.Failure);
        }
    }

    [Fact]
    public void A_weak_echo_of_30_dB_return_loss_is_still_found()
    {
        EchoPathProbe probe = Measure(160, [0.03, -0.01, 0.005], Noise(EchoSignals.NoisyLine));
        output.WriteLine($"echo at {probe.EchoDelaySamples}, bulk {probe.BulkDelaySamples}");
        Assert.Equal(EchoPathProbe.Measured, probe.State);
        Assert.InRange(probe.EchoDelaySamples, 160 - OneMs, 160 + OneMs);
    }

    [Fact]
    public void No_echo_on_a_noisy_line_fails_asking_whether_a_phone_is_connected()
    {
        EchoPathProbe probe = Measure(160, [0.0], Noise(EchoSignals.NoisyLine));
        Assert.Equal(EchoPathProbe.Failed, probe.State);
        Assert.Equal("no echo found on line 1: is a phone connected and off hook?", probe.Failure);
        Assert.Equal(-1, probe.BulkDelaySamples);
        Assert.Equal(-1, probe.EchoDelaySamples);
        Assert.Equal(1, probe.Finished);
    }

    [Fact]
    public void No_echo_on_a_silent_line_fails_too()
    {
        EchoPathProbe probe = Measure(160, [0.0], _ => 0);
        Assert.Equal(EchoPathProbe.Failed, probe.State);
        Assert.StartsWith("no echo found", probe.Failure);
    }

    [Fact]
    public void A_tone_heard_before_the_burst_fails_the_measurement_without_playing_it()
    {
        // The echo of a dial tone still sounding (-30 dBm0): as loud as a voice in the room would be.
        short[] tone = Enumerable.Range(0, EchoPathProbe.QuietSamples).Select(n => (short)(700 * Math.Sin(2 * Math.PI * 425 * n / 8000))).ToArray();
        var probe = new EchoPathProbe();
        probe.Start(2, 0);
        var block = new short[Step];
        bool burstPlayed = false;
        for (int at = 0; at < EchoPathProbe.QuietSamples && probe.IsListening; at += Step)
        {
            probe.Fill(block, 0, Step);
            burstPlayed |= block.Any(s => s != 0);
            probe.Hear(tone, at, Step);
        }

        Assert.Equal(EchoPathProbe.Failed, probe.State);
        Assert.StartsWith("line 2 is not quiet", probe.Failure);
        Assert.False(burstPlayed);
    }

    [Fact]
    public void A_microphone_that_never_delivers_fails_after_the_timeout()
    {
        EchoPathProbe probe = Measure(160, EchoSignals.HybridTaps, _ => 0, microphone: false);
        Assert.Equal(EchoPathProbe.Failed, probe.State);
        Assert.Equal("no audio came from line 1's microphone", probe.Failure);
    }

    [Fact]
    public void The_burst_is_100_ms_of_quiet_noise_at_minus_20_dBm0_after_300_ms_of_silence()
    {
        var probe = new EchoPathProbe();
        probe.Start(1, 0);
        var all = new short[EchoPathProbe.TotalSamples];
        probe.Fill(all, 0, all.Length);
        Assert.All(all.Take(EchoPathProbe.QuietSamples), s => Assert.Equal(0, s));
        Assert.All(all.Skip(EchoPathProbe.QuietSamples + EchoPathProbe.ProbeSamples), s => Assert.Equal(0, s));
        short[] burst = all.Skip(EchoPathProbe.QuietSamples).Take(EchoPathProbe.ProbeSamples).ToArray();
        double rms = Math.Sqrt(burst.Skip(EchoPathProbe.FadeSamples).Take(burst.Length - (2 * EchoPathProbe.FadeSamples)).Average(s => (double)s * s));
        double dbm0 = 20 * Math.Log10(rms / 16037.0);
        output.WriteLine($"burst RMS {rms:F0} ({dbm0:F1} dBm0), peak {burst.Max(s => Math.Abs((int)s))}");
        Assert.InRange(dbm0, -21, -19);
        Assert.True(Math.Abs((int)burst[0]) < 100 && Math.Abs((int)burst[^1]) < 100, "faded in and out");

        // Band-limited: nothing at DC.
        Assert.InRange(burst.Average(s => (double)s), -50, 50);
    }
}
