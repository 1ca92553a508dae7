using Ata.Tests.Audio;

namespace Ata.Core.Tests.Media;

/// <summary>
/// Echo made the way a two-wire hybrid makes it: recorded speech (Media/Speech, espeak-ng, committed with its
/// provenance) played to the earpiece comes back into the microphone after a flat delay, through a few
/// filter taps, attenuated (the echo return loss), over the near end's own sound.
/// </summary>
internal static class EchoSignals
{
    /// <summary>Flat delay of the hybrid model: 5 ms.</summary>
    public const int HybridDelay = 40;

    /// <summary>The hybrid's impulse response after the flat delay: about 12 dB of echo return loss (G.168 assumes at least 6 dB), dispersed over 1 ms.</summary>
    public static readonly double[] HybridTaps = [0.22, -0.11, 0.06, -0.03, 0.015, -0.008, 0.004, 0.002];

    private static readonly Lazy<short[]> Far = new(() => Read("far-end-speech.wav"));
    private static readonly Lazy<short[]> Near = new(() => Read("near-end-speech.wav"));

    /// <summary>The far end's voice (10.7 s).</summary>
    public static short[] FarSpeech => Far.Value;

    /// <summary>The near end's voice (6.6 s), another speaker.</summary>
    public static short[] NearSpeech => Near.Value;

    /// <summary>The far end's audio repeated to <paramref name="samples"/> long.</summary>
    public static short[] FarEnd(int samples)
    {
        short[] speech = FarSpeech;
        var result = new short[samples];
        for (int i = 0; i < samples; i++)
        {
            result[i] = speech[i % speech.Length];
        }

        return result;
    }

    /// <summary>A second hybrid (another line, another phone): 3 ms flat delay, about 10 dB of echo return loss, the other sign.</summary>
    public const int OtherHybridDelay = 24;

    /// <summary>The second hybrid's impulse response after its flat delay.</summary>
    public static readonly double[] OtherHybridTaps = [-0.28, 0.12, -0.06, 0.035, -0.02, 0.01, -0.005];

    /// <summary>
    /// A board with a long audio path: 20 ms of flat delay (playback and capture buffering) before a 10 ms
    /// tail, a decaying ring (about 12 dB of echo return loss) that reaches beyond the canceller's 16 ms on its own.
    /// </summary>
    public const int LongPathDelay = 160;

    /// <summary>The long path's 10 ms tail (80 taps).</summary>
    public static readonly double[] LongPathTaps = Ring(80, 0.12, 0.94, 0.07);

    /// <summary>The echo of <paramref name="farEnd"/> through the hybrid model (unquantised).</summary>
    public static double[] Echo(short[] farEnd) => Echo(farEnd, HybridDelay, HybridTaps);

    /// <summary>The echo of <paramref name="farEnd"/> through the hybrid model until sample <paramref name="change"/>, through the other hybrid from there on.</summary>
    public static double[] EchoWithPathChange(short[] farEnd, int change)
    {
        double[] echo = Echo(farEnd);
        double[] other = Echo(farEnd, OtherHybridDelay, OtherHybridTaps);
        Array.Copy(other, change, echo, change, echo.Length - change);
        return echo;
    }

    /// <summary>The echo of <paramref name="farEnd"/> after <paramref name="delay"/> samples of flat delay through <paramref name="taps"/> (unquantised).</summary>
    public static double[] Echo(short[] farEnd, int delay, double[] taps)
    {
        var echo = new double[farEnd.Length];
        for (int n = 0; n < farEnd.Length; n++)
        {
            double sum = 0;
            for (int k = 0; k < taps.Length; k++)
            {
                int at = n - delay - k;
                if (at >= 0)
                {
                    sum += taps[k] * farEnd[at];
                }
            }

            echo[n] = sum;
        }

        return echo;
    }

    /// <summary>Peak-to-peak of the near end's background noise on a quiet line: uniform, about −73 dBFS (−70 dBm0).</summary>
    public const double QuietLine = 26;

    /// <summary>Peak-to-peak of a noisy line's background: about −66 dBFS (−63 dBm0).</summary>
    public const double NoisyLine = 58;

    /// <summary>
    /// The near end's own sound: background noise (uniform, <paramref name="noise"/> peak to peak), with
    /// <paramref name="speech"/> from sample <paramref name="from"/> when given.
    /// </summary>
    public static double[] NearEnd(int samples, short[]? speech, int from, double noise = QuietLine)
    {
        var random = new Random(7);
        var near = new double[samples];
        for (int i = 0; i < samples; i++)
        {
            near[i] = (random.NextDouble() - 0.5) * noise;
            if (speech is not null && i >= from && i - from < speech.Length)
            {
                near[i] += speech[i - from];
            }
        }

        return near;
    }

    /// <summary>What the microphone path carries: echo plus near end, rounded to 16 bits.</summary>
    public static short[] Microphone(double[] echo, double[] near)
    {
        var mic = new short[echo.Length];
        for (int i = 0; i < mic.Length; i++)
        {
            mic[i] = (short)Math.Clamp(Math.Round(echo[i] + near[i]), short.MinValue, short.MaxValue);
        }

        return mic;
    }

    /// <summary>Energy of <paramref name="a"/> over [from, from + count).</summary>
    public static double Energy(Func<int, double> a, int from, int count)
    {
        double sum = 0;
        for (int i = from; i < from + count; i++)
        {
            double v = a(i);
            sum += v * v;
        }

        return sum;
    }

    private static double[] Ring(int length, double gain, double decay, double cyclesPerSample)
    {
        var taps = new double[length];
        for (int k = 0; k < length; k++)
        {
            taps[k] = gain * Math.Pow(decay, k) * Math.Cos(2 * Math.PI * cyclesPerSample * k);
        }

        return taps;
    }

    private static short[] Read(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Firmware.sln")))
        {
            dir = dir.Parent;
        }

        string path = Path.Combine(dir?.FullName ?? throw new InvalidOperationException("Firmware.sln not found above " + AppContext.BaseDirectory),
            "tests", "Ata.Core.Tests", "Media", "Speech", name);
        var wav = WavFile.Read(path);
        Assert.Equal(8000, wav.SampleRate);
        return wav.Samples;
    }
}
