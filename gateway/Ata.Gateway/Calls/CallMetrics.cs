using System.Globalization;
using System.Text;

namespace Ata.Gateway.Calls;

/// <summary>
/// Histograms of the MOS and jitter of the calls recorded since the gateway started (each record once,
/// after it is committed), for <c>/metrics</c> in the Prometheus text format.
/// </summary>
public sealed class CallMetrics
{
    /// <summary>Upper bounds of the MOS buckets (3.6 is the poor call quality threshold's default).</summary>
    public static readonly double[] MosBuckets = [1.5, 2, 2.5, 3, 3.5, 3.6, 4, 4.2, 4.4, 4.5];

    /// <summary>Upper bounds of the jitter buckets, in ms.</summary>
    public static readonly double[] JitterBuckets = [1, 2, 5, 10, 20, 30, 50, 100, 200];

    private readonly Lock _lock = new();
    private readonly long[] _mos = new long[MosBuckets.Length];
    private readonly long[] _jitter = new long[JitterBuckets.Length];
    private long _count;
    private double _mosSum;
    private double _jitterSum;

    /// <summary>Counts a recorded call; one without media has no quality and is not counted.</summary>
    /// <param name="quality">Its quality, or null.</param>
    public void Observe(CallQuality? quality)
    {
        if (quality is null)
        {
            return;
        }

        lock (_lock)
        {
            _count++;
            _mosSum += quality.Mos;
            _jitterSum += quality.JitterMs;
            Count(_mos, MosBuckets, quality.Mos);
            Count(_jitter, JitterBuckets, quality.JitterMs);
        }
    }

    /// <summary>The exposition text: <c>ata_call_mos</c> and <c>ata_call_jitter_ms</c> histograms.</summary>
    public string Render()
    {
        var text = new StringBuilder();
        lock (_lock)
        {
            Histogram(text, "ata_call_mos", "Estimated MOS (ITU-T G.107 E-model, G.711) of the calls recorded.", MosBuckets, _mos, _mosSum);
            Histogram(text, "ata_call_jitter_ms", "RFC 3550 interarrival jitter of the calls recorded, in ms.", JitterBuckets, _jitter, _jitterSum);
        }

        return text.ToString();
    }

    private static void Count(long[] counts, double[] bounds, double value)
    {
        for (var i = 0; i < bounds.Length; i++)
        {
            if (value <= bounds[i])
            {
                counts[i]++;
            }
        }
    }

    private void Histogram(StringBuilder text, string name, string help, double[] bounds, long[] counts, double sum)
    {
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(" histogram\n");
        for (var i = 0; i < bounds.Length; i++)
        {
            text.Append(name).Append("_bucket{le=\"").Append(bounds[i].ToString(CultureInfo.InvariantCulture)).Append("\"} ")
                .Append(counts[i].ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        text.Append(name).Append("_bucket{le=\"+Inf\"} ").Append(_count.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append(name).Append("_sum ").Append(sum.ToString("R", CultureInfo.InvariantCulture)).Append('\n')
            .Append(name).Append("_count ").Append(_count.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }
}
