using Ata.Core.Dtmf;
using Ata.Core.Media;
using Ata.Native;
using Ata.Tests.Audio;

namespace Ata.Core.Tests.Media;

/// <summary>
/// The C kernels (firmware/Ata.Native, compiled here with gcc and loaded through P/Invoke) equal the
/// managed reference bit for bit on the same inputs: recorded speech, speech-like vowels, DTMF at the
/// edges of the specs, noise, every sample value.
/// </summary>
public class KernelEquivalenceTests
{
    private static readonly IMediaKernels Managed = new ManagedMediaKernels();
    private static readonly IMediaKernels Native = new NativeKernelLibrary();

    public static TheoryData<string> Signals() => new("speech", "vowels", "dtmf", "noise", "loud-noise", "every-value");

    private static short[] Signal(string name) => name switch
    {
        "speech" => TestSignals.Speech,
        "vowels" => TestSignals.Vowels(3, 3000),
        "dtmf" => TestSignals.DtmfEdges(),
        "noise" => TestSignals.Noise(5, 3000, 3000),
        "loud-noise" => TestSignals.Noise(6, 3000, 40000),
        "every-value" => TestSignals.EveryValue(),
        _ => throw new ArgumentException(name),
    };

    [Fact]
    public void The_speech_sample_is_real_speech_at_telephone_rate()
    {
        short[] speech = TestSignals.Speech;
        Assert.InRange(speech.Length, 8000 * 3, 8000 * 15);
        Assert.InRange(ToneMeasurement.LevelDbfs(speech, 0, speech.Length), -30, -6);
    }

    [Theory]
    [MemberData(nameof(Signals))]
    public void Companding_a_frame_is_identical_in_both_laws_and_directions(string name)
    {
        short[] pcm = Signal(name);
        foreach (bool aLaw in new[] { true, false })
        {
            var managedCoded = new byte[pcm.Length];
            var nativeCoded = new byte[pcm.Length];
            var managedPcm = new short[pcm.Length];
            var nativePcm = new short[pcm.Length];
            for (int at = 0; at + 160 <= pcm.Length; at += 160)
            {
                if (aLaw)
                {
                    Managed.EncodeALaw(pcm, at, managedCoded, at, 160);
                    Native.EncodeALaw(pcm, at, nativeCoded, at, 160);
                    Managed.DecodeALaw(managedCoded, at, managedPcm, at, 160);
                    Native.DecodeALaw(nativeCoded, at, nativePcm, at, 160);
                }
                else
                {
                    Managed.EncodeMuLaw(pcm, at, managedCoded, at, 160);
                    Native.EncodeMuLaw(pcm, at, nativeCoded, at, 160);
                    Managed.DecodeMuLaw(managedCoded, at, managedPcm, at, 160);
                    Native.DecodeMuLaw(nativeCoded, at, nativePcm, at, 160);
                }
            }

            Assert.Equal(managedCoded, nativeCoded);
            Assert.Equal(managedPcm, nativePcm);
        }
    }

    [Fact]
    public void Every_code_decodes_identically()
    {
        byte[] codes = [.. Enumerable.Range(0, 256).Select(i => (byte)i)];
        var managed = new short[256];
        var native = new short[256];
        Managed.DecodeALaw(codes, 0, managed, 0, 256);
        Native.DecodeALaw(codes, 0, native, 0, 256);
        Assert.Equal(managed, native);
        Managed.DecodeMuLaw(codes, 0, managed, 0, 256);
        Native.DecodeMuLaw(codes, 0, native, 0, 256);
        Assert.Equal(managed, native);
    }

    [Theory]
    [MemberData(nameof(Signals))]
    public void The_goertzel_bank_gives_the_same_state_energy_and_power_every_block(string name)
    {
        short[] samples = Signal(name);
        int[] coefficients = DtmfDetector.FilterCoefficients();
        int[] s1m = new int[24], s2m = new int[24], s1n = new int[24], s2n = new int[24];
        long[] pm = new long[24], pn = new long[24];
        var random = new Random(1);
        int inBlock = 0;
        for (int at = 0; at < samples.Length;)
        {
            // Uneven pieces, as audio arrives, but never across a block's end.
            int n = Math.Min(Math.Min(random.Next(1, 50), 80 - inBlock), samples.Length - at);
            Assert.Equal(Managed.GoertzelFeed(samples, at, n, coefficients, s1m, s2m), Native.GoertzelFeed(samples, at, n, coefficients, s1n, s2n));
            Assert.Equal(s1m, s1n);
            Assert.Equal(s2m, s2n);
            at += n;
            inBlock += n;
            if (inBlock == 80)
            {
                Managed.GoertzelPower(coefficients, s1m, s2m, pm);
                Native.GoertzelPower(coefficients, s1n, s2n, pn);
                Assert.Equal(pm, pn);
                Assert.All(s1n, s => Assert.Equal(0, s));
                inBlock = 0;
            }
        }
    }

    [Theory]
    [MemberData(nameof(Signals))]
    public void The_dtmf_receiver_hears_the_same_keys_on_either_kernels(string name)
    {
        short[] samples = Signal(name);
        Assert.Equal(Keys(new DtmfDetector(Managed), samples), Keys(new DtmfDetector(Native), samples));
    }

    [Fact]
    public void The_dtmf_edges_are_heard_as_the_spec_says()
    {
        // Per key: just above the weakest level, both twists, 1.5 % off and under noise are heard;
        // 23 ms and 3.5 % off are not.
        string expected = string.Concat(DtmfKeypad.Keys.Select(k => new string(k, 5)));
        Assert.Equal(expected, Keys(new DtmfDetector(Native), TestSignals.DtmfEdges()));
    }

    [Theory]
    [MemberData(nameof(Signals))]
    public void Mixing_a_tone_into_a_frame_saturates_identically(string name)
    {
        short[] frame = Signal(name);
        short[] tone = TestSignals.Noise(9, frame.Length / 8 + 1, 32767);
        foreach (int gain in new[] { 0, 1, 9000, 16384, 32768, 65536 })
        {
            short[] managed = (short[])frame.Clone(), native = (short[])frame.Clone();
            for (int at = 0; at + 160 <= frame.Length; at += 160)
            {
                Managed.MixScaled(tone, at + 3, managed, at, 160, gain);
                Native.MixScaled(tone, at + 3, native, at, 160, gain);
            }

            Assert.Equal(managed, native);
        }
    }

    [Theory]
    [MemberData(nameof(Signals))]
    public void Oscillators_add_the_same_tones(string name)
    {
        short[] table = SineTable.Build();
        short[] managed = (short[])Signal(name).Clone(), native = (short[])managed.Clone();
        int[] steps = [SineTable.StepFor(941), SineTable.StepFor(1336), SineTable.StepFor(3999)];
        int[] amplitudes = [12000, 9000, 32767];
        int[] pm = [0, 123456789, -5], pn = [0, 123456789, -5];
        for (int at = 0; at + 160 <= managed.Length; at += 160)
        {
            Managed.Oscillate(table, pm, steps, amplitudes, 3, managed, at, 160);
            Native.Oscillate(table, pn, steps, amplitudes, 3, native, at, 160);
        }

        Assert.Equal(pm, pn);
        Assert.Equal(managed, native);
    }

    [Theory]
    [MemberData(nameof(Signals))]
    public void Pitch_search_repetition_and_cross_fade_agree(string name)
    {
        short[] history = Signal(name);
        var random = new Random(name.Length);
        for (int end = 400; end <= history.Length; end += 397)
        {
            int lag = Managed.PitchLag(history, end, 160, 40, 120);
            Assert.Equal(lag, Native.PitchLag(history, end, 160, 40, 120));
            Assert.InRange(lag, 40, 120);

            int phase = random.Next(0, 500), from = random.Next(0, 32769), to = random.Next(0, 32769);
            short[] managed = new short[80], native = new short[80];
            Managed.Repeat(history, end - lag, lag, phase, managed, 0, 80, from, to);
            Native.Repeat(history, end - lag, lag, phase, native, 0, 80, from, to);
            Assert.Equal(managed, native);

            short[] fadeManaged = history[(end - 32)..end], fadeNative = (short[])fadeManaged.Clone();
            Managed.CrossFade(managed, 0, fadeManaged, 0, 32);
            Native.CrossFade(native, 0, fadeNative, 0, 32);
            Assert.Equal(fadeManaged, fadeNative);
        }
    }

    [Fact]
    public void Pitch_search_finds_the_period_of_a_voiced_sound()
    {
        // 125 Hz pulses through a resonance: a 64-sample period.
        var samples = new short[1000];
        double y1 = 0, y2 = 0;
        for (int n = 0; n < samples.Length; n++)
        {
            double y = (n % 64 == 0 ? 8000 : 0) + (1.8 * y1) - (0.9 * y2);
            y2 = y1;
            y1 = y;
            samples[n] = (short)y;
        }

        Assert.Equal(64, Native.PitchLag(samples, 1000, 160, 40, 120));
    }

    private static string Keys(DtmfDetector detector, short[] samples)
    {
        var keys = new System.Text.StringBuilder();
        for (int at = 0; at < samples.Length; at += 37)
        {
            detector.Feed(samples, at, Math.Min(37, samples.Length - at));
            while (detector.TryTake(out char key))
            {
                keys.Append(key);
            }
        }

        return keys.ToString();
    }
}
