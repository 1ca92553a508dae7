using Ata.Core.CallerId;
using Ata.Core.Dtmf;
using Ata.Core.Hardware;
using Ata.Core.Media;
using Ata.Core.Telephony;
using Ata.Tests.Audio;

namespace Ata.Core.Tests.CallerId;

internal sealed class Earpiece : IAudioSink
{
    public List<short> Samples { get; } = [];
    public void Play(int line, short[] samples, int offset, int count) => Samples.AddRange(samples.Skip(offset).Take(count));
}

internal sealed class PolarityLog : ILinePolarity
{
    public List<(bool Reversed, long At)> Changes { get; } = [];
    public long Now { get; set; }
    public void Set(int line, bool reversed) => Changes.Add((reversed, Now));
}

/// <summary>
/// Caller ID as each country sends it, read back from the earpiece audio by a receiver written in the
/// test (FSK demodulator and display-message parser in tests/Shared/Audio, DTMF by the core's detector):
/// the number, the name and the date in an FSK call set-up message with a correct checksum, before the
/// first ring (line reversal, alerting signal) or in the first ring pause; DTMF between the country's
/// start and end keys before the first ring; the withheld and unavailable codes.
/// </summary>
public class CallerIdTests
{
    private static readonly Caller Alice = new("22334455", '\0', "Alice Smith", '\0', "12060952");

    private sealed class Run : ILineObserver
    {
        public Earpiece Earpiece { get; } = new();
        public PolarityLog Polarity { get; } = new();
        public FxsPort Port { get; }
        public List<(bool On, long At)> Rings { get; } = [];
        public List<(string Tone, bool On, long At)> Signals { get; } = [];

        public Run(string country)
        {
            Port = new FxsPort(1, LineProfile.Default(country), this) { Polarity = Polarity };
        }

        public void For(long fromMs, long toMs)
        {
            for (long t = fromMs; t <= toMs; t += 10)
            {
                Polarity.Now = t;

                // The earpiece hears silence whenever nothing plays: its audio keeps the line's time.
                while (Earpiece.Samples.Count < (t - 10) * 8)
                {
                    Earpiece.Samples.Add(0);
                }

                Port.Tick(true, Earpiece, t);
            }
        }

        /// <summary>The earpiece from <paramref name="fromMs"/> to <paramref name="toMs"/> (the earpiece starts at time 0).</summary>
        public short[] Audio(long fromMs, long toMs) => Earpiece.Samples.Skip((int)fromMs * 8).Take((int)(toMs - fromMs) * 8).ToArray();

        public void LineStateChanged(int line, string state, long now) { }
        public void ToneChanged(int line, string tone, bool playing, long now) => Signals.Add((tone, playing, now));
        public void DigitDialled(int line, char digit, string method, long now) { }
        public void HookFlashed(int line, long now) { }
        public void Dialled(int line, string outcome, string number, string detail, long now) { }
        public void Ringer(int line, bool on, long now) => Rings.Add((on, now));
    }

    private static Run RingWith(string country, Caller caller, long untilMs = 8000)
    {
        var run = new Run(country);
        run.Polarity.Now = 0;
        run.Port.Tick(true, run.Earpiece, 0);
        run.Port.Ring(caller, 0);
        run.For(10, untilMs);
        return run;
    }

    [Theory]
    [InlineData(Country.UnitedKingdom)]
    [InlineData(Country.Norway)]
    public void FSK_before_the_first_ring_after_a_line_reversal_and_the_alerting_signal_carries_number_name_and_date(string country)
    {
        var run = RingWith(country, Alice);

        long firstRing = run.Rings.First(r => r.On).At;
        var message = CallerIdDecoder.Read(run.Audio(0, firstRing), 1300, 2100);
        Assert.Equal(0x80, message.Type);
        Assert.Equal("22334455", message.Text(DisplayMessage.NumberParameter));
        Assert.Equal("Alice Smith", message.Text(DisplayMessage.NameParameter));
        Assert.Equal("12060952", message.Text(DisplayMessage.DateTimeParameter));

        // The line reversal first, the alerting signal (2130 + 2750 Hz) 100 ms later, the FSK after it,
        // the polarity back to normal at its end, and the first ring within 200–500 ms of that.
        Assert.Equal((true, 0L), run.Polarity.Changes[0]);
        var restored = run.Polarity.Changes[1];
        Assert.False(restored.Reversed);
        Assert.InRange(firstRing - restored.At, 200, 500);
        short[] alert = run.Audio(110, 190);
        Assert.True(ToneMeasurement.Share(alert, 0, alert.Length, 2130) > 0.3, "no 2130 Hz in the alerting signal");
        Assert.True(ToneMeasurement.Share(alert, 0, alert.Length, 2750) > 0.3, "no 2750 Hz in the alerting signal");
        Assert.True(ToneMeasurement.LevelDbfs(run.Audio(10, 90), 0, 80 * 8) < -60, "the line is not quiet between reversal and alert");
        Assert.Contains(("caller-id", true, 0L), run.Signals);
    }

    [Theory]
    [InlineData(Country.Germany, 1300, 2100)]
    [InlineData(Country.UnitedStates, 1200, 2200)]
    public void FSK_in_the_first_ring_pause_starts_500_ms_after_the_first_ring_and_ends_before_the_second(string country, int markHz, int spaceHz)
    {
        var run = RingWith(country, Alice, 12000);

        Assert.Equal(0, run.Rings[0].At);
        long firstRingEnd = run.Rings[1].At;
        long secondRing = run.Rings[2].At;
        var started = run.Signals.First(s => s.Tone == "caller-id" && s.On).At;
        var ended = run.Signals.First(s => s.Tone == "caller-id" && !s.On).At;
        Assert.InRange(started - firstRingEnd, 500, 520);
        Assert.True(ended < secondRing, $"the caller ID ends at {ended} ms, after the second ring at {secondRing} ms");
        Assert.Empty(run.Polarity.Changes);

        var message = CallerIdDecoder.Read(run.Audio(firstRingEnd, secondRing), markHz, spaceHz);
        Assert.Equal("22334455", message.Text(DisplayMessage.NumberParameter));
        Assert.Equal("Alice Smith", message.Text(DisplayMessage.NameParameter));
        Assert.True(ToneMeasurement.LevelDbfs(run.Audio(0, firstRingEnd), 0, (int)firstRingEnd * 8) < -60, "sound during the first ring");
    }

    [Theory]
    [InlineData(Country.Denmark, "D22334455C")]
    [InlineData(Country.Sweden, "A22334455C")]
    [InlineData(Country.Finland, "A22334455C")]
    public void DTMF_caller_ID_sounds_before_the_first_ring_between_the_countrys_start_and_end_keys(string country, string expected)
    {
        var run = RingWith(country, Alice);

        long firstRing = run.Rings.First(r => r.On).At;
        Assert.Equal(expected, Keys(run.Audio(0, firstRing)));
        Assert.True(run.Polarity.Changes[0].Reversed);
        Assert.InRange(firstRing - run.Polarity.Changes[1].At, 200, 500);
    }

    [Fact]
    public void A_withheld_caller_gets_the_P_codes_in_FSK_and_the_withheld_information_code_in_DTMF()
    {
        var withheld = Caller.FromSip("anonymous", "Anonymous", true, null);

        var fsk = RingWith(Country.UnitedKingdom, withheld);
        var message = CallerIdDecoder.Read(fsk.Audio(0, fsk.Rings.First(r => r.On).At), 1300, 2100);
        Assert.Equal("P", message.Text(DisplayMessage.NoNumberParameter));
        Assert.Equal("P", message.Text(DisplayMessage.NoNameParameter));
        Assert.Null(message.Text(DisplayMessage.NumberParameter));
        Assert.Null(message.Text(DisplayMessage.DateTimeParameter));

        var dtmf = RingWith(Country.Sweden, withheld);
        Assert.Equal("B10C", Keys(dtmf.Audio(0, dtmf.Rings.First(r => r.On).At)));
    }

    [Fact]
    public void A_caller_whose_SIP_identity_is_no_number_is_unavailable_O_and_its_display_name_is_still_shown()
    {
        var caller = Caller.FromSip("alice", "Alice", false, "Sun, 06 Dec 2026 09:52:05 GMT");
        Assert.Null(caller.Number);
        Assert.Equal(Caller.Unavailable, caller.NumberAbsence);

        var run = RingWith(Country.UnitedStates, caller, 12000);
        var message = CallerIdDecoder.Read(run.Audio(run.Rings[1].At, run.Rings[2].At), 1200, 2200);
        Assert.Equal("O", message.Text(DisplayMessage.NoNumberParameter));
        Assert.Equal("Alice", message.Text(DisplayMessage.NameParameter));
        Assert.Equal("12060952", message.Text(DisplayMessage.DateTimeParameter));

        var dtmf = RingWith(Country.Denmark, caller);
        Assert.Equal("B00C", Keys(dtmf.Audio(0, dtmf.Rings.First(r => r.On).At)));
    }

    [Fact]
    public void Lifting_the_handset_during_caller_ID_answers_stops_the_signal_and_restores_the_polarity()
    {
        var run = new Run(Country.UnitedKingdom);
        run.Port.Ring(Alice, 0);
        run.For(10, 200);
        run.Port.Sense(true, 200);
        run.For(210, 400);

        Assert.Equal(LineState.Answered, run.Port.State);
        Assert.False(run.Port.CallerId.IsBusy);
        Assert.False(run.Polarity.Changes[^1].Reversed);
        Assert.Contains(run.Signals, s => s.Tone == "caller-id" && !s.On && s.At <= 230);
        Assert.DoesNotContain(run.Rings, r => r.On);
    }

    [Fact]
    public void The_FSK_is_phase_continuous_no_sample_jumps_more_than_the_space_frequency_allows()
    {
        var run = RingWith(Country.UnitedStates, Alice, 12000);
        short[] audio = run.Audio(run.Rings[1].At, run.Rings[2].At);
        double maxStep = CallerIdSignal.Amplitude * 32767.0 / 32768 * 2 * Math.Sin(Math.PI * 2200 / 8000) + 80;
        for (int i = 1; i < audio.Length; i++)
        {
            Assert.True(Math.Abs(audio[i] - audio[i - 1]) <= maxStep, $"a jump of {audio[i] - audio[i - 1]} at sample {i}");
        }
    }

    [Fact]
    public void The_native_kernels_render_the_same_caller_ID_signal_bit_for_bit()
    {
        var plan = CallerIdPlan.For(Country.UnitedKingdom);
        var managed = Render(plan, new ManagedMediaKernels());
        var native = Render(plan, new Ata.Native.NativeKernelLibrary());
        Assert.Equal(managed, native);
    }

    private static short[] Render(CallerIdPlan plan, IMediaKernels kernels)
    {
        var sender = new CallerIdSender();
        long delay = sender.Incoming(plan, Alice, 0);
        short[] table = SineTable.Build();
        var audio = new short[delay * 8];
        for (int at = 0; at < audio.Length; at += 160)
        {
            sender.Fill(kernels, table, audio, at, Math.Min(160, audio.Length - at));
        }

        return audio;
    }

    private static string Keys(short[] audio)
    {
        var detector = new DtmfDetector();
        detector.Feed(audio, 0, audio.Length);
        detector.Feed(new short[800], 0, 800);
        var keys = new System.Text.StringBuilder();
        while (detector.TryTake(out char key))
        {
            keys.Append(key);
        }

        return keys.ToString();
    }
}

/// <summary>
/// A waiting message on an idle line: the stutter dial tone when the handset is lifted, and the
/// on-hook visual message-waiting message (type 0x82, visual indicator) where the country sends one.
/// </summary>
public class VisualMessageWaitingTests
{
    [Theory]
    [InlineData(Country.UnitedKingdom, 1300, 2100)]
    [InlineData(Country.UnitedStates, 1200, 2200)]
    public void Message_waiting_sends_the_indicator_on_and_its_end_sends_it_off(string country, int markHz, int spaceHz)
    {
        foreach (bool waiting in new[] { true, false })
        {
            var earpiece = new Earpiece();
            var port = new FxsPort(1, LineProfile.Default(country), new Telephony.LineLog());
            port.Tick(true, earpiece, 0);
            port.SetMessageWaiting(waiting, 0);
            for (long t = 10; t <= 2000; t += 10)
            {
                port.Tick(true, earpiece, t);
            }

            var message = CallerIdDecoder.Read(earpiece.Samples.ToArray(), markHz, spaceHz);
            Assert.Equal(0x82, message.Type);
            Assert.Equal([waiting ? (byte)0xFF : (byte)0x00], message.Parameters[DisplayMessage.VisualIndicatorParameter]);
            Assert.Equal(waiting, port.Line.MessageWaiting);
        }
    }

    [Fact]
    public void A_DTMF_country_sends_no_visual_indicator_but_the_stutter_dial_tone_still_says_it()
    {
        var earpiece = new Earpiece();
        var log = new Telephony.LineLog();
        var port = new FxsPort(1, LineProfile.Default(Country.Denmark), log);
        port.SetMessageWaiting(true, 0);
        for (long t = 10; t <= 1000; t += 10)
        {
            port.Tick(true, earpiece, t);
        }

        Assert.Empty(earpiece.Samples);
        port.Sense(true, 1000);
        port.Tick(true, earpiece, 1020);
        Assert.Contains("tone stutter on", log.Log);
    }
}

/// <summary>A message-waiting change during a call reaches the phone's display once the handset is back on hook.</summary>
public class PendingIndicatorTests
{
    [Fact]
    public void The_visual_indicator_waits_for_the_line_to_be_idle()
    {
        var earpiece = new Earpiece();
        var log = new Telephony.LineLog();
        var port = new FxsPort(1, LineProfile.Default(Country.UnitedKingdom), log);
        port.Sense(true, 0);
        port.Tick(true, earpiece, 20);
        port.SetMessageWaiting(true, 100);
        Assert.DoesNotContain("tone message-waiting-indicator on", log.Log);

        port.Sense(false, 200);
        for (long t = 210; t <= 3000; t += 10)
        {
            port.Tick(true, earpiece, t);
        }

        Assert.Contains("tone message-waiting-indicator on", log.Log);
        int start = earpiece.Samples.Count - (2790 * 8);
        var message = CallerIdDecoder.Read(earpiece.Samples.Skip(Math.Max(0, start)).ToArray(), 1300, 2100);
        Assert.Equal(0x82, message.Type);
    }
}
