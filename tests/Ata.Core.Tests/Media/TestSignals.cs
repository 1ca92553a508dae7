using System.Diagnostics;
using Ata.Core.Dtmf;
using Ata.Tests.Audio;

namespace Ata.Core.Tests.Media;

/// <summary>Reproducible 8 kHz test audio: recorded (synthesised) speech, speech-like vowels, DTMF at the edges of the specs, noise.</summary>
internal static class TestSignals
{
    private static readonly Lazy<short[]> SpokenSentences = new(Speak);

    /// <summary>
    /// Real speech: two sentences spoken by espeak-ng (Debian package, installed by ./tools/test),
    /// resampled to 8 kHz and raised to a telephone level.
    /// </summary>
    public static short[] Speech => SpokenSentences.Value;

    /// <summary>Vowel-like sound: a glottal pulse train (pitch gliding 90–220 Hz) through three formant resonators, with syllable envelopes.</summary>
    public static short[] Vowels(int seed, int ms)
    {
        var random = new Random(seed);
        var samples = new short[ms * 8];
        double[] formants = [700, 1220, 2600];
        double[] y1 = new double[3], y2 = new double[3];
        double phase = 0;
        for (int n = 0; n < samples.Length; n++)
        {
            double t = n / 8000.0;
            double pitch = 155 + (65 * Math.Sin(2 * Math.PI * 0.7 * t));
            phase += pitch / 8000;
            double source = phase >= 1 ? 1 : 0;
            phase -= Math.Floor(phase);
            source += (random.NextDouble() - 0.5) * 0.02;
            double sum = 0;
            for (int f = 0; f < 3; f++)
            {
                double r = 0.97, w = 2 * Math.PI * (formants[f] * (1 + (0.2 * Math.Sin(t * (f + 1))))) / 8000;
                double y = source + (2 * r * Math.Cos(w) * y1[f]) - (r * r * y2[f]);
                y2[f] = y1[f];
                y1[f] = y;
                sum += y / (f + 1);
            }

            double envelope = Math.Max(0, Math.Sin(Math.PI * t * 4));
            samples[n] = (short)Math.Clamp(sum * 900 * envelope, short.MinValue, short.MaxValue);
        }

        return samples;
    }

    /// <summary>Uniform white noise between ±<paramref name="amplitude"/> (full scale includes both 16-bit extremes).</summary>
    public static short[] Noise(int seed, int ms, int amplitude)
    {
        var random = new Random(seed);
        var samples = new short[ms * 8];
        for (int i = 0; i < samples.Length; i++)
        {
            samples[i] = (short)Math.Clamp(random.Next(-amplitude, amplitude + 1), short.MinValue, short.MaxValue);
        }

        return samples;
    }

    /// <summary>Every 16-bit sample value once, in order.</summary>
    public static short[] EveryValue()
    {
        var samples = new short[65536];
        for (int i = 0; i < samples.Length; i++)
        {
            samples[i] = (short)(i - 32768);
        }

        return samples;
    }

    /// <summary>
    /// DTMF near the edges of the timing and level specs (ITU-T Q.24), per key: 40 ms just above the weakest
    /// level accepted (heard), 23 ms (too short: not heard), 6 dB normal twist and 3 dB reverse twist near
    /// full scale (heard), frequencies 1.5 % off (heard), frequencies 3.5 % off (not heard), and under noise (heard);
    /// 40 ms pauses between.
    /// </summary>
    public static short[] DtmfEdges()
    {
        var parts = new List<short[]>();
        var random = new Random(11);
        foreach (char key in DtmfKeypad.Keys)
        {
            parts.Add(Key(key, 40, 450, 450, 1, 1));
            parts.Add(new short[320]);
            parts.Add(Key(key, 23, 8000, 8000, 1, 1));
            parts.Add(new short[320]);
            parts.Add(Key(key, 60, 16000, 16000 / 2.0, 1, 1));
            parts.Add(new short[320]);
            parts.Add(Key(key, 60, 16000 / 1.41, 16000, 1, 1));
            parts.Add(new short[320]);
            parts.Add(Key(key, 60, 5000, 5000, 1.015, 0.985));
            parts.Add(new short[320]);
            parts.Add(Key(key, 60, 8000, 8000, 0.965, 1.035));
            parts.Add(new short[320]);
            short[] noisy = Key(key, 45, 6000, 6000, 1, 1);
            for (int i = 0; i < noisy.Length; i++)
            {
                noisy[i] = (short)Math.Clamp(noisy[i] + random.Next(-1500, 1500), short.MinValue, short.MaxValue);
            }

            parts.Add(noisy);
            parts.Add(new short[320]);
        }

        return [.. parts.SelectMany(p => p)];
    }

    private static short[] Key(char key, int ms, double lowAmplitude, double highAmplitude, double lowFactor, double highFactor)
    {
        Assert.True(DtmfKeypad.TryFind(key, out int row, out int column));
        var samples = new short[ms * 8];
        for (int n = 0; n < samples.Length; n++)
        {
            double value = (lowAmplitude * Math.Sin(2 * Math.PI * DtmfKeypad.Rows[row] * lowFactor * n / 8000))
                + (highAmplitude * Math.Sin(2 * Math.PI * DtmfKeypad.Columns[column] * highFactor * n / 8000));
            samples[n] = (short)Math.Clamp(value, short.MinValue, short.MaxValue);
        }

        return samples;
    }

    private static short[] Speak()
    {
        string file = Path.Combine(Path.GetTempPath(), $"ata-speech-{Environment.ProcessId}.wav");
        try
        {
            var start = new ProcessStartInfo("espeak-ng")
            {
                ArgumentList = { "-v", "en", "-s", "150", "-w", file, "Lift the handset and dial the number. The quick brown fox jumps over the lazy dog, twice." },
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            Process process;
            try
            {
                process = Process.Start(start)!;
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new InvalidOperationException("espeak-ng is not installed (Debian package espeak-ng; ./tools/test installs it): " + e.Message, e);
            }

            using (process)
            {
                process.WaitForExit(60000);
                Assert.True(process.ExitCode == 0, "espeak-ng failed: " + process.StandardError.ReadToEnd());
            }

            short[] speech = WavFile.Read(file).Resample(8000).Samples;
            int peak = speech.Max(s => Math.Abs((int)s));
            double gain = peak == 0 ? 1 : 20000.0 / peak;
            return [.. speech.Select(s => (short)Math.Clamp(s * gain, short.MinValue, short.MaxValue))];
        }
        finally
        {
            File.Delete(file);
        }
    }
}
