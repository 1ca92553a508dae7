using System.Diagnostics;

namespace Ata.Bench;

/// <summary>How the benchmarks time a piece of work.</summary>
public static class Timing
{
    /// <summary>Runs <paramref name="run"/> once to warm up, then five times; the best time in seconds.</summary>
    public static double Best(Action run)
    {
        run();
        double best = double.MaxValue;
        for (int i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            run();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }

        return best;
    }
}
