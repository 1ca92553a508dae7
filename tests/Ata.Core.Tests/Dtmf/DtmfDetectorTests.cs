using Ata.Core.Dtmf;

namespace Ata.Core.Tests.Dtmf;

public class DtmfDetectorTests
{
    private const double Amplitude = 5000;

    public static TheoryData<char> Keys() => new(DtmfKeypad.Keys.ToCharArray());

    /// <summary>A key's two tones, each with its own frequency factor and amplitude.</summary>
    private static short[] Key(char key, int ms, double lowFactor = 1, double highFactor = 1, double lowAmplitude = Amplitude, double highAmplitude = Amplitude)
    {
        Assert.True(DtmfKeypad.TryFind(key, out int row, out int column));
        double low = DtmfKeypad.Rows[row] * lowFactor;
        double high = DtmfKeypad.Columns[column] * highFactor;
        var samples = new short[ms * 8];
        for (int n = 0; n < samples.Length; n++)
        {
            samples[n] = (short)((lowAmplitude * Math.Sin(2 * Math.PI * low * n / 8000)) + (highAmplitude * Math.Sin(2 * Math.PI * high * n / 8000)));
        }

        return samples;
    }

    private static short[] Silence(int ms) => new short[ms * 8];

    private static string Detect(params short[][] parts)
    {
        var detector = new DtmfDetector();
        foreach (short[] part in parts)
        {
            // In uneven chunks, as audio arrives from a driver.
            for (int at = 0; at < part.Length; at += 37)
            {
                detector.Feed(part, at, Math.Min(37, part.Length - at));
            }
        }

        var keys = new System.Text.StringBuilder();
        while (detector.TryTake(out char key))
        {
            keys.Append(key);
        }

        return keys.ToString();
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public void Each_key_at_nominal_frequencies_is_heard_once(char key) =>
        Assert.Equal(key.ToString(), Detect(Silence(30), Key(key, 60), Silence(60)));

    [Theory]
    [MemberData(nameof(Keys))]
    public void Frequencies_within_1_5_percent_are_accepted(char key)
    {
        foreach (var (low, high) in new[] { (1.015, 1.015), (0.985, 0.985), (1.015, 0.985), (0.985, 1.015) })
        {
            Assert.Equal(key.ToString(), Detect(Silence(20), Key(key, 60, low, high), Silence(60)));
        }
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public void A_tone_off_by_3_5_percent_or_more_is_rejected(char key)
    {
        foreach (double off in new[] { 1.035, 0.965, 1.05, 0.95, 1.07 })
        {
            Assert.Equal("", Detect(Silence(20), Key(key, 80, lowFactor: off), Silence(60)));
            Assert.Equal("", Detect(Silence(20), Key(key, 80, highFactor: off), Silence(60)));
        }
    }

    [Fact]
    public void Twist_within_limits_is_accepted_and_beyond_is_rejected()
    {
        static double Db(double db) => Amplitude * Math.Pow(10, -db / 20);
        Assert.Equal("5", Detect(Key('5', 60, highAmplitude: Db(6)), Silence(60)));
        Assert.Equal("5", Detect(Key('5', 60, lowAmplitude: Db(3)), Silence(60)));
        Assert.Equal("", Detect(Key('5', 60, highAmplitude: Db(10)), Silence(60)));
        Assert.Equal("", Detect(Key('5', 60, lowAmplitude: Db(6)), Silence(60)));
    }

    [Fact]
    public void Forty_milliseconds_is_always_heard_and_twenty_never_whatever_the_alignment()
    {
        for (int lead = 0; lead < DtmfDetector.BlockSize; lead += 3)
        {
            var before = new short[lead];
            Assert.Equal("8", Detect(before, Key('8', 40), Silence(50)));
            Assert.Equal("", Detect(before, Key('8', 20), Silence(50)));
        }
    }

    [Fact]
    public void The_same_key_twice_with_a_40_ms_pause_is_two_digits_and_a_10_ms_break_is_not()
    {
        Assert.Equal("33", Detect(Key('3', 50), Silence(40), Key('3', 50), Silence(50)));
        Assert.Equal("3", Detect(Key('3', 50), Silence(10), Key('3', 50), Silence(50)));
        Assert.Equal("22334455", Detect("22334455".SelectMany(k => new[] { Key(k, 60), Silence(60) }).ToArray()));
    }

    [Fact]
    public void Weak_keys_down_to_about_minus_30_dBm0_are_heard_and_weaker_ones_are_not()
    {
        Assert.Equal("9", Detect(Key('9', 60, lowAmplitude: 700, highAmplitude: 700), Silence(60)));
        Assert.Equal("", Detect(Key('9', 60, lowAmplitude: 150, highAmplitude: 150), Silence(60)));
    }

    [Fact]
    public void Keys_are_heard_through_moderate_noise()
    {
        var random = new Random(7);
        short[] key = Key('0', 60);
        for (int i = 0; i < key.Length; i++)
        {
            // White noise about 20 dB below the tones.
            key[i] = (short)(key[i] + ((random.NextDouble() - 0.5) * 2 * Amplitude * 0.17));
        }

        Assert.Equal("0", Detect(Silence(20), key, Silence(60)));
    }

    [Fact]
    public void White_noise_is_not_taken_for_keys()
    {
        var random = new Random(11);
        var noise = new short[8000 * 10];
        for (int i = 0; i < noise.Length; i++)
        {
            noise[i] = (short)((random.NextDouble() - 0.5) * 20000);
        }

        Assert.Equal("", Detect(noise));
    }

    [Fact]
    public void Speech_like_sound_is_not_taken_for_keys()
    {
        // Voiced sound: harmonics of a gliding pitch (90–260 Hz) shaped by moving formants, as vowels are;
        // twenty seconds of it, in syllables with short pauses.
        var random = new Random(3);
        var speech = new short[8000 * 20];
        double phase = 0;
        double[] harmonicPhase = new double[40];
        for (int n = 0; n < speech.Length; n++)
        {
            double t = n / 8000.0;
            double pitch = 90 + (170 * (0.5 + (0.5 * Math.Sin(2 * Math.PI * 0.7 * t) * Math.Sin(2 * Math.PI * 0.13 * t))));
            double f1 = 500 + (300 * Math.Sin(2 * Math.PI * 2.1 * t));
            double f2 = 1500 + (700 * Math.Sin(2 * Math.PI * 1.3 * t + 1));
            phase += pitch / 8000;
            double sample = 0;
            for (int h = 1; h < 40 && h * pitch < 3800; h++)
            {
                harmonicPhase[h] += 2 * Math.PI * h * pitch / 8000;
                double gain = Formant(h * pitch, f1, 90) + (0.6 * Formant(h * pitch, f2, 120));
                sample += gain * Math.Sin(harmonicPhase[h]);
            }

            double syllable = Math.Max(0, Math.Sin(2 * Math.PI * 3 * t));
            speech[n] = (short)Math.Clamp(sample * 3000 * syllable + ((random.NextDouble() - 0.5) * 200), short.MinValue, short.MaxValue);
        }

        Assert.Equal("", Detect(speech));
    }

    private static double Formant(double hz, double center, double bandwidth) =>
        1 / (1 + Math.Pow((hz - center) / bandwidth, 2));

    [Fact]
    public void Detecting_does_not_allocate()
    {
        var detector = new DtmfDetector();
        short[] key = Key('1', 100);
        detector.Feed(key, 0, key.Length);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            detector.Feed(key, 0, key.Length);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }
}
