using System.Diagnostics;
using Ata.Core.Dtmf;

namespace Ata.Bench;

/// <summary>
/// What the DTMF detector costs per second of handset audio: filter updates (the figure to compare
/// with the board's interpreter speed) and host time, for the detector as it runs while a handset is
/// off hook, against a baseline measured in the same run: a plain floating-point Goertzel bank with
/// the same 24 filters (what a straightforward port would run).
/// </summary>
public static class DtmfLoad
{
    private const int SampleRate = 8000;
    private const int Filters = DtmfDetector.Filters;

    /// <summary>Seconds of audio analysed per measurement.</summary>
    public const int Seconds = 60;

    /// <summary>Runs the measurement and prints it.</summary>
    public static void Run()
    {
        short[] audio = Audio();
        Console.WriteLine($"DTMF detector, {Seconds} s of handset audio (keys, pauses, noise) per run:");
        Console.WriteLine($"  work per line-second off hook: {SampleRate * Filters:N0} filter updates ({Filters} Goertzel filters x {SampleRate} samples); on hook: none (the adapter only runs it off hook)");

        var detector = new DtmfDetector();
        int keys = 0;
        double ours = Timing.Best(() => keys = Analyse(detector, audio));

        var baseline = new FloatGoertzel();
        double naive = Timing.Best(() => baseline.Run(audio));
        Console.WriteLine($"  {"detector",-44} {"host us per line-second",24} {"x real time",12}");
        Print("integer Goertzel, 10 ms blocks (ours)", ours);
        Print("double Goertzel, same filters (baseline)", naive);
        Console.WriteLine($"  keys recognised per run: {keys} (of {Keys.Length} played)");
        Console.WriteLine($"  ours takes {ours / naive:F2}x the baseline's host time; allocations while running: {Allocations(detector, audio)} bytes");
        Console.WriteLine("  on the board: not measured here (needs the ESP32); compare its figure with the updates per line-second above");
    }

    private static readonly string Keys = "0123456789*#ABCD";

    private static void Print(string name, double seconds)
    {
        double perLineSecond = seconds / Seconds * 1e6;
        Console.WriteLine($"  {name,-44} {perLineSecond,24:F1} {1e6 / perLineSecond,12:N0}");
    }

    /// <summary>Feeds <paramref name="audio"/> in 10 ms blocks, as the adapter does; returns the keys recognised.</summary>
    private static int Analyse(DtmfDetector detector, short[] audio)
    {
        detector.Reset();
        int keys = 0;
        for (int at = 0; at < audio.Length; at += DtmfDetector.BlockSize)
        {
            detector.Feed(audio, at, DtmfDetector.BlockSize);
            while (detector.TryTake(out _))
            {
                keys++;
            }
        }

        return keys;
    }

    private static long Allocations(DtmfDetector detector, short[] audio)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        Analyse(detector, audio);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    /// <summary>Keys of 60 ms with 60 ms pauses, then noise, repeated for <see cref="Seconds"/>.</summary>
    private static short[] Audio()
    {
        var audio = new short[SampleRate * Seconds];
        var random = new Random(7);
        int at = 0;
        foreach (char key in Keys)
        {
            DtmfKeypad.Synthesize(key, 4000, audio, at, 480, 0);
            at += 960;
        }

        for (int i = at; i < audio.Length; i++)
        {
            audio[i] = (short)random.Next(-1500, 1500);
        }

        return audio;
    }

    /// <summary>The baseline: the textbook Goertzel in doubles, nominal and ±5 % per DTMF frequency.</summary>
    private sealed class FloatGoertzel
    {
        private readonly double[] _coefficients = new double[Filters];
        private readonly double[] _power = new double[Filters];

        public FloatGoertzel()
        {
            int[] frequencies = [.. DtmfKeypad.Rows, .. DtmfKeypad.Columns];
            for (int t = 0; t < 8; t++)
            {
                for (int k = 0; k < 3; k++)
                {
                    double f = frequencies[t] * (k == 0 ? 1.0 : k == 1 ? 0.95 : 1.05);
                    _coefficients[(t * 3) + k] = 2 * Math.Cos(2 * Math.PI * f / SampleRate);
                }
            }
        }

        public double Run(short[] audio)
        {
            double total = 0;
            for (int block = 0; block + 80 <= audio.Length; block += 80)
            {
                for (int f = 0; f < Filters; f++)
                {
                    double s1 = 0, s2 = 0, c = _coefficients[f];
                    for (int i = block; i < block + 80; i++)
                    {
                        double s0 = audio[i] + (c * s1) - s2;
                        s2 = s1;
                        s1 = s0;
                    }

                    _power[f] = (s1 * s1) + (s2 * s2) - (c * s1 * s2);
                    total += _power[f];
                }
            }

            return total;
        }
    }
}
