using Ata.Core.Media;
using Ata.Native;

namespace Ata.Bench;

/// <summary>
/// What the line echo canceller costs per line-second, against baselines measured in the same run: the
/// canceller kernel (128 taps, two paths, adapting on speech-like audio with its echo) in C and managed, against G.711
/// companding of the same audio both ways (the per-sample work every call already does); and the core's
/// whole media path per call-second with the canceller on against the same path with it off.
/// </summary>
public static class EchoLoad
{
    private const int SampleRate = 8000;
    private const int Seconds = MediaLoad.Seconds;
    private const int Frame = 160;

    /// <summary>Runs the measurements and prints them.</summary>
    public static void Run()
    {
        short[] far = MediaLoad.Audio();
        short[] microphone = Echo(far);
        IMediaKernels managed = new ManagedMediaKernels();
        IMediaKernels native = new NativeKernelLibrary();
        int taps = EchoCanceller.DefaultTaps;
        Console.WriteLine($"Line echo canceller ({taps} taps, {taps / 8} ms tail, two-path: background adapting by proportionate NLMS, foreground cancelling; Geigel, NLP), {Seconds} s of audio per run (best of 5), host microseconds per line-second:");
        Console.WriteLine($"  {"work",-52} {"managed",10} {"C",10}");
        double cancelManaged = Timing.Best(() => Cancel(managed, far, microphone));
        double cancelNative = Timing.Best(() => Cancel(native, far, microphone));
        double companding = Timing.Best(() => Companding(native, far));
        double compandingManaged = Timing.Best(() => Companding(managed, far));
        Console.WriteLine($"  {"echo canceller",-52} {PerLineSecond(cancelManaged),10:F1} {PerLineSecond(cancelNative),10:F1}");
        Console.WriteLine($"  {"G.711 A-law encode + decode, both ways (baseline)",-52} {PerLineSecond(compandingManaged),10:F1} {PerLineSecond(companding),10:F1}");
        Console.WriteLine($"  the C canceller costs {cancelNative / companding:F1}x the C companding; per sample {taps * 9} multiplies (3 a tap for the background filter on the far end and its whitened copy and the foreground filter, 6 for the background's proportionate update: each tap's share twice, the normalisation, the step), {SampleRate * taps * 9 / 1e6:F1} M a line-second (before the proportionate update: {taps * 4}, {SampleRate * taps * 4 / 1e6:F1} M)");

        Console.WriteLine();
        Console.WriteLine($"Core media path per call-second of one line, {MediaLoad.Seconds} s call, echo canceller on and off (baseline):");
        Console.WriteLine($"  {"kernels",-30} {"canceller on",14} {"off (baseline)",15} {"added",8} {"bytes/packet on",16}");
        foreach (var (name, kernels) in new[] { ("managed reference", managed), ("C kernels via P/Invoke", native) })
        {
            var on = MediaLoad.CallPath(kernels, true);
            var off = MediaLoad.CallPath(kernels, false);
            double onUs = on.Seconds / MediaLoad.Seconds / 2 * 1e6;
            double offUs = off.Seconds / MediaLoad.Seconds / 2 * 1e6;
            Console.WriteLine($"  {name,-30} {onUs,14:F1} {offUs,15:F1} {onUs - offUs,8:F1} {on.BytesPerPacket,16:F2}");
        }

        Console.WriteLine("  on the board: not measured here (needs the ESP32); the C column is the figure to scale by the board's clock");
    }

    private static double PerLineSecond(double seconds) => seconds / Seconds * 1e6;

    private static void Cancel(IMediaKernels kernels, short[] far, short[] microphone)
    {
        var canceller = new EchoCanceller(kernels, EchoCanceller.DefaultTaps, Frame);
        var frame = new short[Frame];
        for (int at = 0; at + Frame <= far.Length; at += Frame)
        {
            Array.Copy(microphone, at, frame, 0, Frame);
            canceller.Played(far, at, Frame);
            canceller.Cancel(frame, 0, Frame);
        }
    }

    private static void Companding(IMediaKernels kernels, short[] audio)
    {
        var coded = new byte[Frame];
        var decoded = new short[Frame];
        for (int at = 0; at + Frame <= audio.Length; at += Frame)
        {
            kernels.EncodeALaw(audio, at, coded, 0, Frame);
            kernels.DecodeALaw(coded, 0, decoded, 0, Frame);
            kernels.EncodeALaw(decoded, 0, coded, 0, Frame);
            kernels.DecodeALaw(coded, 0, decoded, 0, Frame);
        }
    }

    /// <summary>The hybrid's echo (5 ms, about 12 dB down, dispersed over 1 ms) plus a little noise.</summary>
    private static short[] Echo(short[] far)
    {
        double[] taps = [0.22, -0.11, 0.06, -0.03, 0.015, -0.008, 0.004, 0.002];
        var random = new Random(9);
        var mic = new short[far.Length];
        for (int n = 0; n < far.Length; n++)
        {
            double sum = random.Next(-13, 14);
            for (int k = 0; k < taps.Length; k++)
            {
                int at = n - 40 - k;
                if (at >= 0)
                {
                    sum += taps[k] * far[at];
                }
            }

            mic[n] = (short)Math.Clamp(Math.Round(sum), short.MinValue, short.MaxValue);
        }

        return mic;
    }
}
