namespace Ata.Tests.Audio;

/// <summary>
/// Measurements of recorded audio, for tests that check what a listener would hear: the frequency of a
/// tone, its level, how much of a stretch one frequency carries, and the longest gap.
/// </summary>
public static class ToneMeasurement
{
    /// <summary>
    /// The frequency of a single tone in Hz, from its rising zero crossings (interpolated between
    /// samples), over <paramref name="count"/> samples from <paramref name="from"/>; 0 when there are fewer than two crossings.
    /// </summary>
    public static double FrequencyHz(short[] samples, int from, int count, int sampleRate = 8000)
    {
        double first = -1, last = -1;
        int crossings = 0;
        for (int i = from + 1; i < from + count; i++)
        {
            if (samples[i - 1] < 0 && samples[i] >= 0)
            {
                double at = i - 1 + ((double)-samples[i - 1] / (samples[i] - samples[i - 1]));
                if (first < 0)
                {
                    first = at;
                }
                else
                {
                    crossings++;
                }

                last = at;
            }
        }

        return crossings == 0 ? 0 : crossings * sampleRate / (last - first);
    }

    /// <summary>The RMS level in dBFS, where a full-scale sine is 0 dBFS (AES17); −∞ for digital silence.</summary>
    public static double LevelDbfs(short[] samples, int from, int count)
    {
        double sum = 0;
        for (int i = from; i < from + count; i++)
        {
            sum += (double)samples[i] * samples[i];
        }

        double rms = Math.Sqrt(sum / count);
        return 20 * Math.Log10(rms * Math.Sqrt(2) / 32768);
    }

    /// <summary>
    /// The share of the stretch's energy at <paramref name="hz"/> (a single-bin DFT, Goertzel's result):
    /// 1 for a pure tone of that frequency, near 0 for anything else.
    /// </summary>
    public static double Share(short[] samples, int from, int count, double hz, int sampleRate = 8000)
    {
        double re = 0, im = 0, energy = 0;
        for (int i = 0; i < count; i++)
        {
            double x = samples[from + i];
            double phase = 2 * Math.PI * hz * i / sampleRate;
            re += x * Math.Cos(phase);
            im += x * Math.Sin(phase);
            energy += x * x;
        }

        return energy == 0 ? 0 : ((re * re) + (im * im)) * 2 / count / energy;
    }

    /// <summary>
    /// The longest run, in milliseconds, of whole milliseconds in which no sample's magnitude exceeds
    /// <paramref name="floor"/> (default about −50 dBFS): a dropout in a tone that should be continuous.
    /// </summary>
    public static int LongestGapMs(short[] samples, int from, int count, int floor = 100, int sampleRate = 8000)
    {
        int perMs = sampleRate / 1000;
        int longest = 0, run = 0;
        for (int ms = 0; ms < count / perMs; ms++)
        {
            bool quiet = true;
            for (int i = 0; i < perMs && quiet; i++)
            {
                quiet = Math.Abs((int)samples[from + (ms * perMs) + i]) <= floor;
            }

            run = quiet ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }

        return longest;
    }

    /// <summary>The first sample from which <paramref name="samples"/> is audible (a magnitude over <paramref name="floor"/>), or -1.</summary>
    public static int FirstSoundAt(short[] samples, int floor = 100)
    {
        for (int i = 0; i < samples.Length; i++)
        {
            if (Math.Abs((int)samples[i]) > floor)
            {
                return i;
            }
        }

        return -1;
    }
}
