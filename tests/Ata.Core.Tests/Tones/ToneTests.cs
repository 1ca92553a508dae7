using Ata.Core.Telephony;
using Ata.Core.Tones;

namespace Ata.Core.Tests.Tones;

public class ToneTests
{
    public static TheoryData<string> Countries() => new(Country.All);

    public static TheoryData<string, string> CountryTones()
    {
        var data = new TheoryData<string, string>();
        foreach (string country in Country.All)
        {
            foreach (string tone in ToneName.All)
            {
                if (tone != ToneName.Ring)
                {
                    data.Add(country, tone);
                }
            }
        }

        return data;
    }

    [Theory]
    [InlineData(new[] { 425 }, 320)]
    [InlineData(new[] { 350, 440 }, 800)]
    [InlineData(new[] { 400, 450 }, 160)]
    [InlineData(new[] { 480, 620 }, 400)]
    [InlineData(new[] { 1000 }, 8)]
    public void A_loop_buffer_is_exactly_one_period(int[] frequencies, int period)
    {
        var loop = new ToneLoop(frequencies, 5000);
        Assert.Equal(period, loop.Period);

        // The sample after the last is the first again: the loop joins without a click.
        double next = frequencies.Sum(f => Math.Sin(2 * Math.PI * f * period / 8000.0)) * 5000;
        Assert.InRange(next - loop.Pcm[0], -1.0, 1.0);
        for (int n = 0; n < period; n++)
        {
            double exact = frequencies.Sum(f => Math.Sin(2 * Math.PI * f * n / 8000.0)) * 5000;
            Assert.InRange(loop.Pcm[n] - exact, -1.0, 1.0);
        }
    }

    [Theory]
    [MemberData(nameof(CountryTones))]
    public void Every_tone_of_every_plan_sounds_its_cadence_and_frequencies_in_PCM_A_law_and_mu_law(string country, string name)
    {
        var plan = TonePlan.For(country);
        Tone tone = plan.Get(name)!;
        Assert.NotNull(tone);

        // Long enough for the once-part and two rounds of the repeating part.
        long total = tone.Durations.Sum(d => d == 0 ? 1000 : (long)d) * 2;
        int samples = (int)Math.Min(total * 8, 8000 * 30);
        var player = new TonePlayer();
        var pcm = new short[samples];
        player.Start(tone);
        for (int at = 0; at < samples; at += 160)
        {
            player.Fill(pcm, at, Math.Min(160, samples - at));
        }

        var alaw = new byte[samples];
        var mulaw = new byte[samples];
        player.Start(tone);
        player.FillALaw(alaw, 0, samples);
        player.Start(tone);
        player.FillMuLaw(mulaw, 0, samples);
        short[] fromALaw = alaw.Select(G711.FromALaw).ToArray();
        short[] fromMuLaw = mulaw.Select(G711.FromMuLaw).ToArray();

        foreach (short[] audio in new[] { pcm, fromALaw, fromMuLaw })
        {
            AssertCadence(tone, audio);
            AssertFrequencies(tone, audio);
        }
    }

    private static void AssertCadence(Tone tone, short[] audio)
    {
        // Expected runs of sound and silence, adjacent sounding segments merged (the three SIT tones are one run).
        var expected = new List<(bool On, long Ms)>();
        long t = 0;
        while (t < audio.Length / 8)
        {
            int segment = tone.SegmentAt(t);
            bool on = segment >= 0 && tone.Frequencies[segment].Length > 0;
            if (expected.Count > 0 && expected[^1].On == on)
            {
                expected[^1] = (on, expected[^1].Ms + 1);
            }
            else
            {
                expected.Add((on, 1));
            }

            t++;
        }

        var measured = Signal.Runs(audio);
        Assert.Equal(expected.Count, measured.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].On, measured[i].On);
            Assert.InRange(measured[i].Ms, expected[i].Ms - 1, expected[i].Ms + 1);
        }
    }

    private static void AssertFrequencies(Tone tone, short[] audio)
    {
        long start = 0;
        for (int s = 0; s < tone.SegmentCount && start * 8 < audio.Length; s++)
        {
            long ms = tone.Durations[s] == 0 ? 500 : tone.Durations[s];
            int from = (int)(start * 8);
            int count = (int)Math.Min(ms * 8, audio.Length - from);
            int[] hz = tone.Frequencies[s];
            if (hz.Length == 1 && count >= 400)
            {
                Assert.InRange(Signal.ZeroCrossingHz(audio, from, count), hz[0] * 0.99, hz[0] * 1.01);
            }
            else if (hz.Length > 1 && count >= 400)
            {
                double share = hz.Sum(f => Signal.Share(audio, from, count - (count % 8), f));
                Assert.InRange(share, 0.9, 1.1);
            }

            start += ms;
        }
    }

    [Fact]
    public void Norway_uses_425_Hz_and_the_national_cadences()
    {
        var plan = TonePlan.For(Country.Norway);
        Assert.Equal("425", plan.Get(ToneName.Dial)!.Spec);
        Assert.Equal("425:500 0:500", plan.Get(ToneName.Busy)!.Spec);
        Assert.Equal("425:1000 0:4000", plan.Get(ToneName.Ringback)!.Spec);
        Assert.Equal("25:1000 0:4000", plan.Get(ToneName.Ring)!.Spec);
        Assert.Equal("350+440", TonePlan.For(Country.UnitedStates).Get(ToneName.Dial)!.Spec);
    }

    [Fact]
    public void The_ring_cadence_is_a_pure_function_of_time()
    {
        Tone ring = TonePlan.For(Country.Norway).Get(ToneName.Ring)!;
        Assert.True(ring.IsOnAt(0));
        Assert.True(ring.IsOnAt(999));
        Assert.False(ring.IsOnAt(1000));
        Assert.False(ring.IsOnAt(4999));
        Assert.True(ring.IsOnAt(5000));
        Tone uk = TonePlan.For(Country.UnitedKingdom).Get(ToneName.Ring)!;
        Assert.Equal([true, false, true, false, true], new long[] { 0, 450, 650, 1100, 3000 }.Select(uk.IsOnAt));
    }

    [Theory]
    [InlineData("425:100 0:100 425:100 0:100 | 425", 4)]
    [InlineData("425:100 0:100 425:100 |", -1)]
    [InlineData("| 425:200 0:200", 0)]
    [InlineData("425:200, 0:200", 0)]
    public void Tone_text_parses_once_and_repeating_parts(string text, int loopFrom)
    {
        Tone tone = Tone.Parse("t", text, null, true, out string error)!;
        Assert.Null(error);
        Assert.Equal(loopFrom, tone.LoopFrom);
    }

    [Fact]
    public void A_cadence_that_does_not_repeat_ends_in_silence()
    {
        Tone tone = Tone.Parse("t", "425:100 0:100 425:100 |", null, true, out _)!;
        Assert.Equal(-1, tone.SegmentAt(300));
        var player = new TonePlayer();
        player.Start(tone);
        var pcm = new short[8 * 400];
        player.Fill(pcm, 0, pcm.Length);
        Assert.False(player.IsPlaying);
        Assert.All(pcm.Skip(8 * 300), s => Assert.Equal(0, s));
    }

    [Theory]
    [InlineData("", "empty tone")]
    [InlineData("425:abc", "'425:abc': the duration must be 1 to 60000 ms")]
    [InlineData("4000", "'4000': a frequency must be 1 to 3999 Hz (0 alone for silence)")]
    [InlineData("425 0:100", "only the last segment may last until stopped (segment 1 has no ':ms')")]
    [InlineData("425 |", "a segment that lasts until stopped cannot come before '|'")]
    [InlineData("1+2+3+4+5:100", "'1+2+3+4+5:100': at most 4 frequencies at once")]
    [InlineData("425:100 | 0:100 | 425", "more than one '|'")]
    public void Bad_tone_text_says_what_is_wrong(string text, string message)
    {
        Assert.Null(Tone.Parse("t", text, null, true, out string error));
        Assert.Equal(message, error);
    }

    [Fact]
    public void A_plan_with_a_bad_override_is_refused_and_names_the_tone()
    {
        var overrides = new System.Collections.Hashtable { ["busy"] = "425:0" };
        Assert.Null(TonePlan.Build(Country.Norway, overrides, out string error));
        Assert.StartsWith("busy: ", error);
        Assert.Null(TonePlan.Build(Country.Norway, new System.Collections.Hashtable { ["buzz"] = "425" }, out error));
        Assert.StartsWith("buzz: not a tone name", error);
        var plan = TonePlan.Build(Country.Norway, new System.Collections.Hashtable { ["busy"] = "425:250 0:250" }, out error)!;
        Assert.Equal("425:250 0:250", plan.Get(ToneName.Busy)!.Spec);
    }

    [Fact]
    public void Filling_does_not_allocate()
    {
        var player = new TonePlayer();
        player.Start(TonePlan.For(Country.UnitedKingdom).Get(ToneName.Ringback));
        var pcm = new short[160];
        var coded = new byte[160];
        player.Fill(pcm, 0, 160);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            player.Fill(pcm, 0, 160);
            player.FillALaw(coded, 0, 160);
            player.FillMuLaw(coded, 0, 160);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
