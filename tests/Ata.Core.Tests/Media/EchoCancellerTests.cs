using Ata.Core.Media;
using Ata.Native;
using Ata.Tests.Audio;
using Xunit.Abstractions;

namespace Ata.Core.Tests.Media;

/// <summary>
/// The line echo canceller against echo made from recorded speech through a hybrid model (5 ms flat
/// delay, 8 taps, about 9 dB echo return loss, room noise at the near end): echo return loss enhancement
/// (ERLE, the filter alone: non-linear processor off) of at least 30 dB once converged, converged within
/// half a second of the far end starting to talk (the issue asks for 1 s; within 1 s on a noisy line, 0.7 s after a change of the echo path), near-end speech passed at its level through double talk with the
/// non-linear processor on, and the native kernel equal to the managed one bit for bit.
/// </summary>
public class EchoCancellerTests(ITestOutputHelper output)
{
    private const int Frame = MediaSession.FrameSamples;
    private const int WindowMs = 100;

    /// <summary>Runs the canceller over whole frames: the far end's frame played, then the microphone's frame cancelled.</summary>
    internal static short[] Run(EchoCanceller canceller, short[] farEnd, short[] microphone)
    {
        var result = (short[])microphone.Clone();
        for (int at = 0; at + Frame <= farEnd.Length; at += Frame)
        {
            canceller.Played(farEnd, at, Frame);
            canceller.Cancel(result, at, Frame);
        }

        return result;
    }

    /// <summary>ERLE in dB over [from, from + count): echo energy over the residual echo's (what is left beyond the near end's own sound).</summary>
    private static double Erle(double[] echo, double[] near, short[] cancelled, int from, int count)
    {
        double echoEnergy = EchoSignals.Energy(i => echo[i], from, count);
        double residual = EchoSignals.Energy(i => cancelled[i] - near[i], from, count);
        return 10 * Math.Log10(echoEnergy / Math.Max(residual, 1e-9));
    }

    /// <summary>The windows where the far end talks (its echo above −50 dBFS).</summary>
    private static bool Talking(double[] echo, int from, int count) =>
        10 * Math.Log10(EchoSignals.Energy(i => echo[i], from, count) / count / (32768.0 * 32768.0)) > -50;

    [Fact]
    public void Echo_of_recorded_speech_is_cancelled_by_30_dB_converging_within_half_a_second()
    {
        var (erles, convergedMs, after) = Converge(EchoSignals.QuietLine);
        foreach (var (ms, erle) in erles)
        {
            output.WriteLine($"{ms,6} ms  ERLE {erle,6:F1} dB");
        }

        output.WriteLine($"quiet line (-70 dBm0 noise): converged (first 100 ms at 30 dB) after {convergedMs} ms; ERLE from 1 s on {after:F1} dB");
        var noisy = Converge(EchoSignals.NoisyLine);
        var silent = Converge(0);
        output.WriteLine($"noisy line (-63 dBm0): converged after {noisy.ConvergedMs} ms, ERLE from 1 s on {noisy.After:F1} dB; no near-end noise: {silent.ConvergedMs} ms, {silent.After:F1} dB");
        foreach (var (ms, erle) in noisy.Windows.Where(w => w.Ms < 1500))
        {
            output.WriteLine($"{ms,6} ms  ERLE {erle,6:F1} dB on the noisy line");
        }

        Assert.InRange(convergedMs, 0, 500);
        Assert.True(after >= 30, $"ERLE from 1 s on is {after:F1} dB");
        Assert.True(noisy.After >= 30, $"on the noisy line ERLE from 1 s on is {noisy.After:F1} dB");
        Assert.InRange(noisy.ConvergedMs, 0, 1000);

        // Every further second of far-end speech keeps 30 dB (the filter does not wander off).
        for (int second = 1; second < 9; second++)
        {
            double[] inSecond = [.. erles.Where(w => w.Ms >= second * 1000 && w.Ms < (second + 1) * 1000).Select(w => w.Erle)];
            Assert.True(inSecond.Length == 0 || Mean(inSecond) >= 30, $"second {second}: mean ERLE {Mean(inSecond):F1} dB");
        }

        // On the noisy line too, every second from the second on (energy over the second, as the figure above).
        for (int second = 2; second < 9; second++)
        {
            double[] inSecond = [.. noisy.Windows.Where(w => w.Ms >= second * 1000 && w.Ms < (second + 1) * 1000).Select(w => w.Erle)];
            Assert.True(inSecond.Length == 0 || Mean(inSecond) >= 30, $"noisy line, second {second}: mean ERLE {Mean(inSecond):F1} dB");
        }
    }

    [Fact]
    public void Near_end_speech_during_double_talk_passes_at_its_level_and_the_filter_holds()
    {
        int samples = 14 * 8000;
        int talkFrom = 4 * 8000;
        short[] far = EchoSignals.FarEnd(samples);
        double[] echo = EchoSignals.Echo(far);
        short[] speech = EchoSignals.NearSpeech;
        double[] near = EchoSignals.NearEnd(samples, speech, talkFrom);
        double[] nearAlone = EchoSignals.NearEnd(samples, null, 0);
        short[] mic = EchoSignals.Microphone(echo, near);
        var canceller = new EchoCanceller(new ManagedMediaKernels(), EchoCanceller.DefaultTaps, Frame);
        short[] cancelled = Run(canceller, far, mic);

        // Near-end speech in 20 ms pieces where it is above -40 dBFS: what was said against what was sent.
        int piece = 160;
        double said = 0, sent = 0, damage = 0;
        int pieces = 0, clipped = 0;
        for (int at = talkFrom; at + piece <= talkFrom + speech.Length; at += piece)
        {
            double energy = EchoSignals.Energy(i => near[i], at, piece);
            if (10 * Math.Log10(energy / piece / (32768.0 * 32768.0)) < -40)
            {
                continue;
            }

            double outEnergy = EchoSignals.Energy(i => cancelled[i], at, piece);
            said += energy;
            sent += outEnergy;
            damage += EchoSignals.Energy(i => cancelled[i] - near[i], at, piece);
            pieces++;
            if (10 * Math.Log10(outEnergy / energy) < -3)
            {
                clipped++;
            }
        }

        double levelDb = 10 * Math.Log10(sent / said);
        double cleanDb = 10 * Math.Log10(said / damage);
        output.WriteLine($"double talk: near-end speech sent at {levelDb:+0.00;-0.00} dB of its level ({pieces} pieces of 20 ms, {clipped} more than 3 dB down), "
            + $"speech to everything else {cleanDb:F1} dB; double talk held adaptation {canceller.DoubleTalkMs} ms, the non-linear processor replaced {canceller.SuppressedMs} ms");
        Assert.True(pieces > 100, $"only {pieces} pieces of near-end speech");
        Assert.InRange(levelDb, -1, 1);
        // Geigel misses the softest near-end sounds under loud far-end speech; the filter adapting through them leaves some echo.
        Assert.True(clipped <= pieces / 50, $"{clipped} of {pieces} pieces more than 3 dB down");
        Assert.True(cleanDb >= 10, $"near-end speech is only {cleanDb:F1} dB above what else was sent");

        // After the double talk the echo is still cancelled as before it: the background filter may have learnt from
        // the soft near-end sounds Geigel misses, but the foreground that cancels only takes its echo path once it is
        // proven better, which it cannot be while the near end talks.
        int after = talkFrom + speech.Length + 800;
        var filterOnly = new EchoCanceller(new ManagedMediaKernels(), EchoCanceller.DefaultTaps, Frame) { NonLinearProcessor = false };
        short[] linear = Run(filterOnly, far, mic);
        double erle = Erle(echo, nearAlone, linear, after, samples - after);
        output.WriteLine($"ERLE after the double talk (filter alone): {erle:F1} dB");
        Assert.True(erle >= 30, $"ERLE after the double talk is {erle:F1} dB");

        // ... and through it: the residual echo under the near end's speech stays down as well.
        double during = Erle(echo, near, linear, talkFrom, speech.Length);
        output.WriteLine($"ERLE during the double talk (filter alone): {during:F1} dB");
        Assert.True(during >= 25, $"ERLE during the double talk is {during:F1} dB");
    }

    [Fact]
    public void The_non_linear_processor_leaves_comfort_noise_at_the_line_s_level_instead_of_residual_echo()
    {
        int samples = 10 * 8000;
        short[] far = EchoSignals.FarEnd(samples);
        double[] echo = EchoSignals.Echo(far);
        double[] near = EchoSignals.NearEnd(samples, null, 0, EchoSignals.NoisyLine);
        short[] mic = EchoSignals.Microphone(echo, near);
        var canceller = new EchoCanceller(new ManagedMediaKernels(), EchoCanceller.DefaultTaps, Frame);
        short[] cancelled = Run(canceller, far, mic);

        int from = 2 * 8000;
        double echoDb = ToneMeasurement.LevelDbfs(mic, from, samples - from);
        double sentDb = ToneMeasurement.LevelDbfs(cancelled, from, samples - from);
        double noiseDb = 10 * Math.Log10(EchoSignals.Energy(i => near[i], from, samples - from) / (samples - from) / (32768.0 * 32768.0));
        output.WriteLine($"echo plus noise {echoDb:F1} dBFS, sent {sentDb:F1} dBFS, the line's noise {noiseDb:F1} dBFS; replaced {canceller.SuppressedMs} ms");
        Assert.True(echoDb - sentDb >= 25, $"only {echoDb - sentDb:F1} dB less than the echo");
        Assert.InRange(sentDb, noiseDb - 6, noiseDb + 3);
        Assert.True(canceller.SuppressedMs > 1000, $"the non-linear processor replaced {canceller.SuppressedMs} ms");
    }

    [Fact]
    public void Turned_off_the_canceller_leaves_the_microphone_untouched_and_on_again_starts_afresh()
    {
        short[] far = EchoSignals.FarEnd(8000);
        short[] mic = EchoSignals.Microphone(EchoSignals.Echo(far), EchoSignals.NearEnd(8000, null, 0));
        var canceller = new EchoCanceller(new ManagedMediaKernels(), EchoCanceller.DefaultTaps, Frame) { Enabled = false };
        Assert.Equal(mic, Run(canceller, far, mic));
        canceller.Enabled = true;
        Assert.NotEqual(mic, Run(canceller, far, mic));
    }

    [Fact]
    public void In_a_call_the_echo_of_the_earpiece_is_taken_out_of_what_the_line_sends()
    {
        // B talks (recorded speech); A's handset returns its earpiece through the hybrid model. The audio clock
        // hands A the microphone frame heard while the previous earpiece frame played.
        short[] speech = EchoSignals.FarEnd(8 * 8000);
        var first = new Loopback { MicrophoneB = speech };
        first.B.EchoCanceller.Enabled = false;
        first.Run(8000);
        var ear = new short[speech.Length];
        Array.Copy(first.EarpieceA, ear, ear.Length);
        var delayed = new short[ear.Length];
        Array.Copy(ear, 0, delayed, Frame, ear.Length - Frame);
        short[] microphone = EchoSignals.Microphone(EchoSignals.Echo(delayed), EchoSignals.NearEnd(ear.Length, null, 0));

        double Heard(bool cancelling)
        {
            var call = new Loopback { MicrophoneA = microphone, MicrophoneB = speech };
            call.A.EchoCanceller.Enabled = cancelling;
            call.B.EchoCanceller.Enabled = false;
            call.Run(8000);
            Assert.Equal(ear, call.EarpieceA.Take(ear.Length));
            return ToneMeasurement.LevelDbfs(call.EarpieceB, 2 * 8000, 5 * 8000);
        }

        double without = Heard(false);
        double with = Heard(true);
        output.WriteLine($"echo heard by the far end: {without:F1} dBFS without the canceller, {with:F1} dBFS with it");
        Assert.True(without > -45, $"the echo is only {without:F1} dBFS");
        Assert.True(without - with >= 30, $"the canceller took {without - with:F1} dB off the echo");
    }

    [Fact]
    public void When_the_echo_path_changes_mid_call_the_canceller_reconverges()
    {
        int samples = 12 * 8000;
        int change = 5 * 8000;
        short[] far = EchoSignals.FarEnd(samples);
        double[] echo = EchoSignals.EchoWithPathChange(far, change);
        double[] near = EchoSignals.NearEnd(samples, null, 0);
        short[] mic = EchoSignals.Microphone(echo, near);
        var canceller = new EchoCanceller(new ManagedMediaKernels(), EchoCanceller.DefaultTaps, Frame) { NonLinearProcessor = false };
        short[] cancelled = Run(canceller, far, mic);

        double before = Erle(echo, near, cancelled, change - 8000, 8000);
        var (erles, reconvergedMs) = Windows(echo, near, cancelled, change, samples);
        double after = Erle(echo, near, cancelled, change + 8000, samples - change - 8000);
        output.WriteLine($"echo path changed at 5 s (5 ms, 8 taps, 12 dB -> 3 ms, 7 taps, 10 dB, the other sign): ERLE {before:F1} dB in the second before, "
            + $"first 100 ms at 30 dB again {reconvergedMs} ms after the change, {after:F1} dB from 1 s after it on; {canceller.Transfers} transfers to the foreground");
        foreach (var (ms, erle) in erles.Take(12))
        {
            output.WriteLine($"{ms,6} ms after the change  ERLE {erle,6:F1} dB");
        }

        Assert.True(before >= 30, $"ERLE before the change is {before:F1} dB");

        // Within half a second of the change the echo is at least 25 dB down again, 30 dB within 0.7 s (about as fast as the
        // first convergence from nothing: the background learns the new path from the old one, the old path's taps shrinking
        // with their share of the step as the new path's grow with theirs).
        Assert.True(erles.Any(w => w.Ms + WindowMs <= 500 && w.Erle >= 25), "not 25 dB down again within 0.5 s of the change");
        Assert.InRange(reconvergedMs, 0, 700);
        Assert.True(after >= 30, $"ERLE from 1 s after the change is {after:F1} dB");
    }

    [Fact]
    public void A_20_ms_bulk_delay_before_a_10_ms_tail_is_cancelled_when_the_delay_is_set_and_not_without()
    {
        int samples = 10 * 8000;
        short[] far = EchoSignals.FarEnd(samples);
        double[] echo = EchoSignals.Echo(far, EchoSignals.LongPathDelay, EchoSignals.LongPathTaps);
        double[] near = EchoSignals.NearEnd(samples, null, 0);
        short[] mic = EchoSignals.Microphone(echo, near);
        int start = ToneMeasurement.FirstSoundAt(far);

        double ErleWith(int bulkDelay)
        {
            var canceller = new EchoCanceller(new ManagedMediaKernels(), EchoCanceller.DefaultTaps, Frame) { NonLinearProcessor = false, BulkDelaySamples = bulkDelay };
            short[] cancelled = Run(canceller, far, mic);
            return Erle(echo, near, cancelled, start + 8000, samples - start - 8000);
        }

        double set = ErleWith(EchoSignals.LongPathDelay);
        double unset = ErleWith(0);
        output.WriteLine($"20 ms bulk delay + 10 ms tail: ERLE from 1 s on {set:F1} dB with BulkDelaySamples = 160, {unset:F1} dB without (the 16 ms window ends before the tail does)");
        Assert.True(set >= 30, $"with the bulk delay set ERLE is {set:F1} dB");
        Assert.True(unset < 10, $"without the bulk delay ERLE is {unset:F1} dB: the test's tail is not beyond the window");
    }

    /// <summary>ERLE per 100 ms window where the far end talks, from <paramref name="start"/>, and when the first reached 30 dB (its end, ms after start; −1: never).</summary>
    private static (List<(int Ms, double Erle)> Windows, int ConvergedMs) Windows(double[] echo, double[] near, short[] cancelled, int start, int samples)
    {
        int window = WindowMs * 8;
        var erles = new List<(int, double)>();
        int convergedMs = -1;
        for (int at = start; at + window <= samples; at += window)
        {
            if (Talking(echo, at, window))
            {
                double erle = Erle(echo, near, cancelled, at, window);
                erles.Add(((at - start) / 8, erle));
                if (convergedMs < 0 && erle >= 30)
                {
                    convergedMs = (at + window - start) / 8;
                }
            }
        }

        return (erles, convergedMs);
    }

    private (List<(int Ms, double Erle)> Windows, int ConvergedMs, double After) Converge(double noise)
    {
        int samples = 10 * 8000;
        short[] far = EchoSignals.FarEnd(samples);
        double[] echo = EchoSignals.Echo(far);
        double[] near = EchoSignals.NearEnd(samples, null, 0, noise);
        short[] mic = EchoSignals.Microphone(echo, near);
        var canceller = new EchoCanceller(new ManagedMediaKernels(), EchoCanceller.DefaultTaps, Frame) { NonLinearProcessor = false };
        short[] cancelled = Run(canceller, far, mic);

        int start = ToneMeasurement.FirstSoundAt(far);
        var (erles, convergedMs) = Windows(echo, near, cancelled, start, samples);
        return (erles, convergedMs, Erle(echo, near, cancelled, start + 8000, samples - start - 8000));
    }

    private static double Mean(double[] values) => values.Length == 0 ? double.NaN : values.Average();

    private static short[] Microphone(double[] echo, double[] near) => EchoSignals.Microphone(echo, near);
}
