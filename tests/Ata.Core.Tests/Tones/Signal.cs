namespace Ata.Core.Tests.Tones;

/// <summary>Measurements taken back from generated audio, with plain double arithmetic.</summary>
internal static class Signal
{
    /// <summary>Power of <paramref name="hz"/> in a stretch of samples, relative to the stretch's energy (1 for a pure tone).</summary>
    public static double Share(short[] samples, int from, int count, double hz)
    {
        double re = 0, im = 0, energy = 0;
        for (int i = 0; i < count; i++)
        {
            double x = samples[from + i];
            double phase = 2 * Math.PI * hz * i / 8000;
            re += x * Math.Cos(phase);
            im += x * Math.Sin(phase);
            energy += x * x;
        }

        return energy == 0 ? 0 : (re * re + im * im) * 2 / count / energy;
    }

    /// <summary>The frequency of a single tone from its zero crossings.</summary>
    public static double ZeroCrossingHz(short[] samples, int from, int count)
    {
        int first = -1, last = -1, crossings = 0;
        for (int i = from + 1; i < from + count; i++)
        {
            if (samples[i - 1] < 0 && samples[i] >= 0)
            {
                if (first < 0)
                {
                    first = i;
                }
                else
                {
                    crossings++;
                }

                last = i;
            }
        }

        return crossings * 8000.0 / (last - first);
    }

    /// <summary>Runs of sound and silence in milliseconds (a millisecond sounds when any of its 8 samples is above a floor).</summary>
    public static List<(bool On, int Ms)> Runs(short[] samples)
    {
        var runs = new List<(bool On, int Ms)>();
        for (int ms = 0; ms < samples.Length / 8; ms++)
        {
            bool on = false;
            for (int i = 0; i < 8; i++)
            {
                on |= Math.Abs((int)samples[(ms * 8) + i]) > 64;
            }

            if (runs.Count > 0 && runs[^1].On == on)
            {
                runs[^1] = (on, runs[^1].Ms + 1);
            }
            else
            {
                runs.Add((on, 1));
            }
        }

        return runs;
    }
}
