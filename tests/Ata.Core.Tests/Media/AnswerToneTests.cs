using Ata.Core.Media;
using Ata.Tests.Audio;

namespace Ata.Core.Tests.Media;

/// <summary>
/// The V.25 answer tone (2100 Hz, with or without phase reversals every 450 ms) is heard, and only it; on
/// it a call switches to pass-through within 500 ms of the tone, in either direction: fixed jitter buffer,
/// no concealment, no comfort noise, keys no longer taken out as events, G.711, until the call ends; the echo
/// canceller steps aside when (and only when) the tone has phase reversals, and comes back after 250 ms of quiet
/// both ways (G.168's tone disabler).
/// </summary>
public class AnswerToneTests
{
    private static readonly IMediaKernels Kernels = new ManagedMediaKernels();

    /// <summary>An answer tone of <paramref name="ms"/> at <paramref name="hz"/>, peak <paramref name="amplitude"/>, its phase reversed every 450 ms when asked, after <paramref name="silenceMs"/> of silence.</summary>
    internal static short[] AnswerTone(int ms, bool reversals, double hz = 2100, double amplitude = 8000, int silenceMs = 0)
    {
        var samples = new short[(silenceMs + ms) * 8];
        for (int n = 0; n < ms * 8; n++)
        {
            double phase = 2 * Math.PI * hz * n / 8000;
            if (reversals && (n / (450 * 8)) % 2 == 1)
            {
                phase += Math.PI;
            }

            samples[(silenceMs * 8) + n] = (short)Math.Round(amplitude * Math.Sin(phase));
        }

        return samples;
    }

    /// <summary>Feeds 20 ms frames; returns the ms at which the detector first said Detected (−1: never) and when it first heard a reversal.</summary>
    private static (int DetectedMs, int ReversalMs, AnswerToneDetector Detector) Listen(short[] audio)
    {
        var detector = new AnswerToneDetector(Kernels);
        int detected = -1, reversal = -1;
        for (int at = 0; at + 160 <= audio.Length; at += 160)
        {
            detector.Feed(audio, at, 160);
            int ms = (at + 160) / 8;
            if (detector.Detected && detected < 0)
            {
                detected = ms;
            }

            if (detector.HasPhaseReversals && reversal < 0)
            {
                reversal = ms;
            }
        }

        return (detected, reversal, detector);
    }

    [Theory]
    [InlineData(2100, 8000)]
    [InlineData(2085, 8000)]
    [InlineData(2115, 8000)]
    [InlineData(2100, 300)]
    public void The_answer_tone_without_reversals_is_heard_within_250_ms_and_has_no_reversals(double hz, double amplitude)
    {
        var (detected, reversal, detector) = Listen(AnswerTone(3000, false, hz, amplitude, 100));
        Assert.InRange(detected - 100, AnswerToneDetector.DetectMs, 260);
        Assert.Equal(-1, reversal);
        Assert.Equal(0, detector.Reversals);
    }

    [Theory]
    [InlineData(2100)]
    [InlineData(2085)]
    [InlineData(2115)]
    public void The_answer_tone_with_reversals_is_heard_and_each_reversal_every_450_ms(double hz)
    {
        var (detected, reversal, detector) = Listen(AnswerTone(3000, true, hz, 8000, 100));
        Assert.InRange(detected - 100, AnswerToneDetector.DetectMs, 260);
        Assert.InRange(reversal - 100, 450, 500);
        Assert.Equal(6, detector.Reversals);
    }

    [Theory]
    [InlineData(2040)]
    [InlineData(2160)]
    [InlineData(1800)]
    [InlineData(2250)]
    public void A_tone_well_off_2100_Hz_is_not_the_answer_tone(double hz)
    {
        Assert.Equal(-1, Listen(AnswerTone(3000, false, hz)).DetectedMs);
    }

    [Fact]
    public void Speech_keys_short_bursts_and_quiet_tones_are_not_the_answer_tone()
    {
        Assert.Equal(-1, Listen(EchoSignals.FarSpeech).DetectedMs);
        Assert.Equal(-1, Listen(EchoSignals.NearSpeech).DetectedMs);
        Assert.Equal(-1, Listen(TestSignals.DtmfEdges()).DetectedMs);
        Assert.Equal(-1, Listen(TestSignals.Noise(4, 3000, 20000)).DetectedMs);
        Assert.Equal(-1, Listen(AnswerTone(150, false, silenceMs: 100)).DetectedMs);
        Assert.Equal(-1, Listen(AnswerTone(3000, false, amplitude: 100)).DetectedMs);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_fax_answering_at_the_far_end_switches_both_ends_to_pass_through_within_500_ms_and_reversals_turn_the_echo_cancellers_off(bool reversals)
    {
        // B's handset is a fax machine answering: silence, then ANS (or /ANS) from 1 s for 3 s.
        var call = new Loopback { MicrophoneB = AnswerTone(3000, reversals, silenceMs: 1000) };
        call.Run(4000);

        // B heard it in its handset's audio: from the tone's first frame, sent at 1,007 ms.
        Assert.True(call.B.PassThrough);
        Assert.InRange(call.B.PassThroughAt - 1007, 0, 500);

        // A heard it in its earpiece: from when the tone reached the earpiece.
        int arrived = ToneMeasurement.FirstSoundAt(call.EarpieceA) / 8;
        Assert.True(call.A.PassThrough);
        Assert.InRange(call.A.PassThroughAt - arrived, 0, 500);

        foreach (MediaSession side in new[] { call.A, call.B })
        {
            Assert.False(side.EchoCanceller.NonLinearProcessor);
            Assert.Equal(!reversals, side.EchoCanceller.Enabled);
        }

        if (reversals)
        {
            // The first reversal, 450 ms into the tone, is in the frame sent 440 ms after the tone's first.
            Assert.InRange(call.B.EchoCancellerOffAt - 1007, 440, 500);
            Assert.InRange(call.A.EchoCancellerOffAt - arrived, 430, 500);
        }
        else
        {
            Assert.Equal(-1, call.A.EchoCancellerOffAt);
        }
    }

    [Fact]
    public void In_pass_through_missing_audio_is_silence_the_delay_stays_and_keys_stay_in_band()
    {
        // B's handset: /ANS for 3 s after 0.5 s, then a key (its DTMF in the audio) and the modem's carrier (1800 Hz);
        // from 2 s every 10th packet B sends is lost.
        short[] tone = AnswerTone(3000, true, silenceMs: 500);
        var microphone = new short[tone.Length + (2000 * 8)];
        tone.CopyTo(microphone, 0);
        Ata.Core.Dtmf.DtmfKeypad.Synthesize('5', 8000, microphone, tone.Length + (200 * 8), 200 * 8, 0);
        AnswerTone(1500, false, 1800).CopyTo(microphone, tone.Length + (500 * 8));
        var call = new Loopback { MicrophoneB = microphone };
        call.Delay = n => n > 100 && n % 10 == 0 ? -1 : 30;
        call.Run(1500);
        Assert.True(call.A.PassThrough && call.B.PassThrough);
        long concealed = call.A.Quality.ConcealedMs;
        int target = call.A.Quality.TargetDelayMs;
        call.Run(4000);

        Assert.Equal(concealed, call.A.Quality.ConcealedMs);
        Assert.Equal(target, call.A.Quality.TargetDelayMs);
        Assert.Equal(0, call.B.Quality.EventsSent);

        // Missing packets are silence in A's earpiece (gaps of one packet), not concealed tone; the key arrives in band.
        int gap = ToneMeasurement.LongestGapMs(call.EarpieceA, 2500 * 8, 1000 * 8);
        Assert.InRange(gap, 15, 25);
        Assert.Equal("5", KeysIn(call.EarpieceA, 3500 * 8, 1000 * 8));
    }

    [Fact]
    public void A_fax_waiting_seconds_between_T30_phases_stays_in_pass_through_while_the_echo_cancellers_come_back_on_after_the_quiet()
    {
        // B's handset: /ANS for 3 s after 0.5 s, 3 s of quiet (line noise far below −36 dBm0: T.30's T4 while the sender
        // waits for CFR or MCF), then the next phase's carrier (1800 Hz, as V.17's) for 2 s with a key in it (an alarm
        // panel's DTMF stays in band). From 2 s every 10th packet B sends is lost.
        short[] tone = AnswerTone(3000, true, silenceMs: 500);
        var microphone = new short[tone.Length + (5000 * 8)];
        tone.CopyTo(microphone, 0);
        TestSignals.Noise(7, 3000, 40).CopyTo(microphone, tone.Length);
        AnswerTone(2000, false, 1800).CopyTo(microphone, tone.Length + (3000 * 8));
        Ata.Core.Dtmf.DtmfKeypad.Synthesize('5', 8000, microphone, tone.Length + (3800 * 8), 200 * 8, 0);
        var call = new Loopback { MicrophoneB = microphone };
        call.Delay = n => n > 100 && n % 10 == 0 ? -1 : 30;
        call.Run(3400);
        Assert.True(call.A.PassThrough && call.B.PassThrough);
        Assert.False(call.A.EchoCanceller.Enabled || call.B.EchoCanceller.Enabled);
        long passThroughA = call.A.PassThroughAt;
        long passThroughB = call.B.PassThroughAt;

        call.Run(3100);

        // B's handset went quiet at 3.5 s (the tone's last frame was sent at 3,487 ms): 250 ± 150 ms later G.168's tone
        // disabler let go of B's canceller, and of A's as soon as the quiet had reached its earpiece.
        Assert.InRange(call.B.EchoCancellerBackAt - 3507, 100, 400);
        Assert.InRange(call.A.EchoCancellerBackAt - call.B.EchoCancellerBackAt, 0, 150);
        long concealed = call.A.Quality.ConcealedMs;
        int target = call.A.Quality.TargetDelayMs;

        call.Run(2500);

        // The carrier after the pause: still pass-through from the first tone on, nothing concealed or stretched, the
        // key in band; the cancellers stayed on (no new tone with reversals).
        foreach (MediaSession side in new[] { call.A, call.B })
        {
            Assert.True(side.PassThrough);
            Assert.Equal(JitterBufferMode.PassThrough, side.JitterBufferMode);
            Assert.True(side.EchoCanceller.Enabled);
            Assert.True(side.EchoCanceller.NonLinearProcessor);
        }

        Assert.Equal(passThroughA, call.A.PassThroughAt);
        Assert.Equal(passThroughB, call.B.PassThroughAt);
        Assert.Equal(concealed, call.A.Quality.ConcealedMs);
        Assert.Equal(target, call.A.Quality.TargetDelayMs);
        Assert.Equal(0, call.B.Quality.EventsSent);
        Assert.Equal("5", KeysIn(call.EarpieceA, 7000 * 8, 1000 * 8));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_echo_canceller_comes_back_only_after_the_release_time_of_quiet_and_a_new_answer_tone_steps_it_aside_again(bool reversals)
    {
        // B's handset: ANS 3 s, 150 ms quiet (T.30's gaps are 75 ± 20 ms), a 1 s carrier, 1 s quiet, then ANS again.
        // With reversals (/ANS) the canceller steps aside; without, only its non-linear processor.
        short[] first = AnswerTone(3000, reversals, silenceMs: 500);
        var microphone = new short[first.Length + (150 + 1000 + 1000 + 3000) * 8];
        first.CopyTo(microphone, 0);
        AnswerTone(1000, false, 1800).CopyTo(microphone, first.Length + (150 * 8));
        AnswerTone(3000, reversals).CopyTo(microphone, first.Length + (2150 * 8));
        var call = new Loopback { MicrophoneB = microphone };

        call.Run(4600);
        Assert.True(call.B.PassThrough);
        long passThroughAt = call.B.PassThroughAt;
        Assert.Equal(!reversals, call.B.EchoCanceller.Enabled);
        Assert.False(call.B.EchoCanceller.NonLinearProcessor);
        Assert.Equal(-1, call.B.EchoCancellerBackAt);

        call.Run(1000);
        Assert.True(call.B.EchoCanceller.Enabled);
        Assert.True(call.B.EchoCanceller.NonLinearProcessor);
        Assert.InRange(call.B.EchoCancellerBackAt - 4650, 100, 400);

        call.Run(1500);
        Assert.False(call.B.EchoCanceller.NonLinearProcessor);
        Assert.Equal(!reversals, call.B.EchoCanceller.Enabled);
        if (reversals)
        {
            // The new tone's first reversal is 450 ms into it.
            Assert.InRange(call.B.EchoCancellerOffAt - 5650, 440, 550);
        }

        // Pass-through never ended: it is still the one the first tone started.
        Assert.True(call.B.PassThrough);
        Assert.Equal(passThroughAt, call.B.PassThroughAt);
        Assert.Equal(JitterBufferMode.PassThrough, call.B.JitterBufferMode);
    }

    private static string KeysIn(short[] samples, int from, int count)
    {
        var detector = new Ata.Core.Dtmf.DtmfDetector(Kernels);
        var keys = new System.Text.StringBuilder();
        detector.Feed(samples, from, count);
        while (detector.TryTake(out char key))
        {
            keys.Append(key);
        }

        return keys.ToString();
    }
}
