using Ata.Core.Dtmf;
using Ata.Tests.Audio;

namespace Ata.EndToEnd.Tests.Calls;

/// <summary>
/// What a listener hears in a call recording (the adapter's earpiece WAV, or baresip's record of the
/// far end): the tone's frequency from the spectrum's peak (a jitter buffer that drops or inserts a
/// 10 ms block shifts zero crossings, not the spectrum's peak), its level, the DTMF keys that sound
/// in it (the core's own detector), and whether a stretch is quiet.
/// </summary>
public static class Earpiece
{
    /// <summary>The peak amplitude of the tones played into microphones (the simulator's <c>mic tone</c> and the WAVs for baresip).</summary>
    public const short MicrophoneAmplitude = 8000;

    /// <summary>The level of such a tone, in dBFS (a full-scale sine is 0 dBFS): about −12.3.</summary>
    public static readonly double MicrophoneDbfs = 20 * Math.Log10(MicrophoneAmplitude / 32768.0);

    /// <summary>Samples per millisecond at 8 kHz.</summary>
    public const int PerMs = 8;

    /// <summary>
    /// The frequency with the most energy between 100 Hz and 3.9 kHz over <paramref name="count"/>
    /// samples from <paramref name="from"/>: a 5 Hz scan, then 0.1 Hz around the best.
    /// </summary>
    public static double PeakHz(short[] samples, int from, int count)
    {
        double best = 0, bestShare = -1;
        for (double hz = 100; hz <= 3900; hz += 5)
        {
            double share = ToneMeasurement.Share(samples, from, count, hz);
            if (share > bestShare)
            {
                (best, bestShare) = (hz, share);
            }
        }

        double coarse = best;
        for (double hz = coarse - 5; hz <= coarse + 5; hz += 0.1)
        {
            double share = ToneMeasurement.Share(samples, from, count, hz);
            if (share > bestShare)
            {
                (best, bestShare) = (hz, share);
            }
        }

        return best;
    }

    /// <summary>
    /// Asserts that the half second of <paramref name="recording"/> that ends <paramref name="endMarginMs"/>
    /// before its end carries <paramref name="hz"/> (spectral peak within 1 %) at the microphone's level
    /// (within 3 dB): the tone sent at the far end, as heard here. Half a second, so that a recording a
    /// busy machine cost frames (the simulator skips what it could not play in time) still serves.
    /// </summary>
    public static void AssertHeard(WavFile recording, double hz, string who, int endMarginMs = 200, double? dbfs = null)
    {
        int window = recording.SampleRate / 2;
        int end = recording.Samples.Length - (endMarginMs * PerMs);
        Assert.True(end >= window, $"{who}: the recording holds only {recording.DurationMs:F0} ms");
        AssertTone(recording, end - window, window, hz, dbfs ?? MicrophoneDbfs, who);
    }

    /// <summary>
    /// Asserts the stretch of <paramref name="count"/> samples from <paramref name="from"/> is a tone of
    /// <paramref name="hz"/> (1 %) at <paramref name="dbfs"/> (3 dB), or at least audible (over −40 dBFS) when no level is given.
    /// </summary>
    public static void AssertTone(WavFile recording, int from, int count, double hz, double? dbfs, string who)
    {
        Assert.True(from >= 0 && from + count <= recording.Samples.Length, $"{who}: the recording holds {recording.DurationMs:F0} ms, not {(from + count) / PerMs} ms");
        double heard = PeakHz(recording.Samples, from, count);
        double level = ToneMeasurement.LevelDbfs(recording.Samples, from, count);
        Assert.True(Math.Abs(heard - hz) <= hz * 0.01, $"{who}: heard {heard:F1} Hz at {from / PerMs} ms, expected {hz} Hz (±1 %)");
        Assert.True(dbfs is null ? level > -40 : Math.Abs(level - dbfs.Value) <= 3, $"{who}: level {level:F1} dBFS at {from / PerMs} ms, expected {dbfs?.ToString("F1") ?? "over -40"} dBFS (±3 dB)");
    }

    /// <summary>The DTMF keys that sound in <paramref name="samples"/>, in order, as the core's detector hears them.</summary>
    public static string Keys(short[] samples)
    {
        var detector = new DtmfDetector();
        detector.Feed(samples, 0, samples.Length - (samples.Length % DtmfDetector.BlockSize));
        var keys = new System.Text.StringBuilder();
        while (detector.TryTake(out char key))
        {
            keys.Append(key);
        }

        return keys.ToString();
    }

    /// <summary>The RMS level of <paramref name="count"/> samples from <paramref name="from"/>, in dBFS (−∞ for silence).</summary>
    public static double LevelDbfs(short[] samples, int from, int count) => ToneMeasurement.LevelDbfs(samples, from, count);
}
