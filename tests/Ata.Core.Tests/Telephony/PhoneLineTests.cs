using System.Collections;
using Ata.Core.DialPlan;
using Ata.Core.Json;
using Ata.Core.Telephony;

namespace Ata.Core.Tests.Telephony;

internal sealed class LineLog : ILineObserver
{
    public List<string> Log { get; } = [];
    public void LineStateChanged(int line, string state, long now) => Log.Add($"state {state}");
    public void ToneChanged(int line, string tone, bool playing, long now) => Log.Add($"tone {tone} {(playing ? "on" : "off")}");
    public void DigitDialled(int line, char digit, string method, long now) => Log.Add($"digit {digit}");
    public void HookFlashed(int line, long now) => Log.Add("flash");
    public void Dialled(int line, string outcome, string number, string detail, long now) => Log.Add($"dialled {outcome} {number}");
    public void Ringer(int line, bool on, long now) => Log.Add($"ringer {(on ? "on" : "off")}");
}

public class PhoneLineTests
{
    private readonly LineLog _log = new();
    private PhoneLine _line;

    public PhoneLineTests()
    {
        _line = new PhoneLine(1, LineProfile.Default(Country.Norway), _log);
    }

    private static LineProfile Profile(string json)
    {
        var profile = LineProfile.Parse(JsonReader.ParseObject(json), "lines[0]", out string error);
        Assert.True(profile is not null, error);
        return profile!;
    }

    private void Dial(string digits, long now)
    {
        foreach (char d in digits)
        {
            _line.Digit(d, PhoneLine.Dtmf, now);
        }
    }

    [Fact]
    public void Off_hook_on_a_registered_line_gives_dial_tone_and_the_first_digit_stops_it()
    {
        _line.OffHook(true, 0);
        Assert.Equal(LineState.OffHook, _line.State);
        Assert.Equal(["state off-hook", "tone dial on"], _log.Log);
        _line.Tick(true, 500);
        Dial("2", 1000);
        Assert.Equal(LineState.Dialing, _line.State);
        Assert.Null(_line.ToneName);
        Dial("2334455", 1500);
        Assert.Equal(LineState.Calling, _line.State);
        Assert.Contains("dialled call 22334455", _log.Log);
        Assert.Equal(["state off-hook", "tone dial on", "digit 2", "tone dial off", "state dialing"], _log.Log.Take(5));
    }

    [Fact]
    public void Off_hook_on_an_unregistered_line_gives_the_no_service_signal_until_it_registers()
    {
        _line.OffHook(false, 0);
        Assert.Equal(LineState.NoService, _line.State);
        Assert.Equal("no-service", _line.ToneName);
        _line.Tick(true, 2000);
        Assert.Equal(LineState.OffHook, _line.State);
        Assert.Equal("dial", _line.ToneName);
        _line.Tick(false, 3000);
        Assert.Equal(LineState.NoService, _line.State);
    }

    [Fact]
    public void A_provisioned_dial_plan_without_the_emergency_numbers_still_lets_them_through()
    {
        _line.Configure(Profile("""{"dialPlan":"(2xxx|[3-9]xxxxxxx)"}"""), 0);
        _line.OffHook(true, 0);
        Dial("11", 100);
        Assert.Equal(LineState.Dialing, _line.State);
        Dial("2", 200);
        Assert.Equal(LineState.Calling, _line.State);
        Assert.Contains("dialled emergency 112", _log.Log);

        _line.OnHook(300);
        _line.OffHook(true, 400);
        Dial("15", 500);
        Assert.Equal(LineState.Signalling, _line.State);
    }

    [Fact]
    public void An_unregistered_line_calls_an_emergency_number_and_nothing_else()
    {
        _line.OffHook(false, 0);
        Dial("2", 100);
        Assert.Equal((LineState.Signalling, "no-service"), (_line.State, _line.ToneName));
        Assert.Contains("dialled no-service 2", _log.Log);

        _line.OnHook(200);
        _line.OffHook(false, 300);
        Dial("11", 400);
        Assert.Equal(LineState.Dialing, _line.State);
        Dial("2", 450);
        Assert.Equal(LineState.Calling, _line.State);
        Assert.Contains("dialled emergency 112", _log.Log);
    }

    [Fact]
    public void Emergency_numbers_go_through_at_once_even_when_everything_is_barred()
    {
        _line.Configure(Profile("""{"barring":["international","premium","information","mobile","operator","national"]}"""), 0);
        foreach (string number in new[] { "110", "112", "113" })
        {
            _line.OffHook(true, 0);
            Dial(number, 100);
            Assert.Equal(LineState.Calling, _line.State);
            Assert.Contains($"dialled emergency {number}", _log.Log);
            _line.OnHook(200);
        }

        _line.OffHook(true, 1000);
        Dial("22334455", 1100);
        Assert.Contains("dialled barred 22334455", _log.Log);
        Assert.Equal("refusal", _line.ToneName);
    }

    [Fact]
    public void A_dial_plan_that_does_not_list_the_emergency_numbers_still_lets_them_through()
    {
        _line.Configure(Profile("""{"dialPlan":"(2xxx|[3-9]xxxxxxx)"}"""), 0);
        _line.OffHook(true, 0);
        Dial("1", 100);
        Assert.Equal(LineState.Dialing, _line.State);
        Dial("12", 200);
        Assert.Equal(LineState.Calling, _line.State);
        Assert.Contains("dialled emergency 112", _log.Log);

        // A start of an emergency number that never completes ends with the long timer; anything else at once.
        _line.OnHook(300);
        _line.OffHook(true, 400);
        Dial("11", 500);
        _line.Tick(true, 500 + _line.Profile.DigitMap.LongTimerMs);
        Assert.Contains("dialled no-match 11", _log.Log);
        _line.OnHook(20000);
        _line.OffHook(true, 20100);
        Dial("15", 20200);
        Assert.Contains("dialled no-match 15", _log.Log);
    }

    [Fact]
    public void Barred_classes_get_the_refusal_tone_and_others_go_through()
    {
        _line.Configure(Profile("""{"barring":["international","mobile"]}"""), 0);
        _line.OffHook(true, 0);
        Dial("0046701234567#", 100);
        Assert.Contains("dialled barred 0046701234567", _log.Log);
        Assert.Equal(LineState.Signalling, _line.State);
        _line.OnHook(200);
        _line.OffHook(true, 300);
        Dial("91234567", 400);
        Assert.Contains("dialled barred 91234567", _log.Log);
        _line.OnHook(500);
        _line.OffHook(true, 600);
        Dial("22334455", 700);
        Assert.Contains("dialled call 22334455", _log.Log);
    }

    [Fact]
    public void A_number_the_plan_does_not_know_gets_reorder_at_once()
    {
        _line.OffHook(true, 0);
        Dial("01", 100);
        Assert.Contains("dialled no-match 01", _log.Log);
        Assert.Equal("congestion", _line.ToneName);
    }

    [Fact]
    public void The_long_timer_ends_an_unfinished_number_with_reorder_and_the_short_timer_sends_a_number_that_could_grow()
    {
        AssertInterDigitTimers(shortMs: 3000, longMs: 10000);
    }

    /// <summary>
    /// An unfinished number ends with reorder exactly <paramref name="longMs"/> after its last digit;
    /// a number that could grow is sent exactly <paramref name="shortMs"/> after it.
    /// </summary>
    private void AssertInterDigitTimers(long shortMs, long longMs)
    {
        _line.OffHook(true, 0);
        Dial("2233", 100);
        _line.Tick(true, 100 + longMs - 1);
        Assert.Equal(LineState.Dialing, _line.State);
        _line.Tick(true, 100 + longMs);
        Assert.Contains("dialled no-match 2233", _log.Log);
        Assert.Equal("congestion", _line.ToneName);

        long again = 100 + longMs + 10000;
        _line.OnHook(again);
        _line.OffHook(true, again + 1000);
        Dial("004622334455", again + 1100);
        _line.Tick(true, again + 1100 + shortMs - 1);
        Assert.Equal(LineState.Dialing, _line.State);
        _line.Tick(true, again + 1100 + shortMs);
        Assert.Contains("dialled call 004622334455", _log.Log);
    }

    [Fact]
    public void Hash_sends_a_complete_number_now()
    {
        _line.OffHook(true, 0);
        Dial("0046#", 100);
        Assert.Contains("dialled call 0046", _log.Log);
    }

    [Fact]
    public void Call_forwarding_from_the_handset_is_refused_and_cancelling_it_is_accepted()
    {
        _line.OffHook(true, 0);
        Dial("*21*22334455#", 100);
        Assert.Contains("dialled service-refused *21*22334455#", _log.Log);
        Assert.Equal("refusal", _line.ToneName);
        _line.OnHook(200);

        _line.OffHook(true, 300);
        Dial("#21#", 400);
        Assert.Contains("dialled service-accepted #21#", _log.Log);
        Assert.Equal("confirmation", _line.ToneName);

        // Three short beeps, then silence.
        _line.Tick(true, 400 + 499);
        Assert.Equal("confirmation", _line.ToneName);
        _line.Tick(true, 400 + 500);
        Assert.Null(_line.ToneName);
        Assert.Equal("tone confirmation off", _log.Log[^1]);
    }

    [Fact]
    public void A_handset_left_off_hook_gets_the_howler_then_silence()
    {
        _line.OffHook(true, 0);
        _line.Tick(true, PhoneLine.FirstDigitTimeoutMs - 1);
        Assert.Equal("dial", _line.ToneName);
        _line.Tick(true, PhoneLine.FirstDigitTimeoutMs);
        Assert.Equal(LineState.Howler, _line.State);
        Assert.Equal("receiver-off-hook", _line.ToneName);
        _line.Tick(true, PhoneLine.FirstDigitTimeoutMs + PhoneLine.HowlerMs);
        Assert.Equal(LineState.Lockout, _line.State);
        Assert.Null(_line.ToneName);
        _line.OnHook(200000);
        Assert.Equal(LineState.Idle, _line.State);
    }

    [Fact]
    public void Reorder_left_too_long_becomes_the_howler()
    {
        _line.OffHook(true, 0);
        Dial("01", 100);
        _line.Tick(true, 100 + PhoneLine.SignalTimeoutMs);
        Assert.Equal("receiver-off-hook", _line.ToneName);
    }

    [Fact]
    public void Ringing_follows_the_Norwegian_cadence_and_lifting_answers()
    {
        _line.Ring(1000);
        Assert.Equal(LineState.Ringing, _line.State);
        Assert.True(_line.RingerOn);
        _line.Tick(true, 1999);
        Assert.True(_line.RingerOn);
        _line.Tick(true, 2000);
        Assert.False(_line.RingerOn);
        _line.Tick(true, 5999);
        Assert.False(_line.RingerOn);
        _line.Tick(true, 6000);
        Assert.True(_line.RingerOn);
        _line.OffHook(true, 6500);
        Assert.Equal(LineState.Answered, _line.State);
        Assert.False(_line.RingerOn);
        Assert.Equal(["state ringing", "ringer on", "ringer off", "ringer on", "ringer off", "state answered"], _log.Log);
    }

    [Fact]
    public void A_hook_flash_before_a_call_gives_dial_tone_again()
    {
        _line.OffHook(true, 0);
        Dial("22", 100);
        _line.Flash(true, 200);
        Assert.Equal(LineState.OffHook, _line.State);
        Assert.Equal("dial", _line.ToneName);
        Assert.Equal("", _line.Digits);
        Assert.Contains("flash", _log.Log);
    }

    [Fact]
    public void Ticking_a_line_with_a_tone_does_not_allocate()
    {
        var hook = new HookDecoder();
        var pcm = new short[160];
        _line.OffHook(true, 0);
        hook.Sense(true, 0);
        _line.Tick(true, 20);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (long t = 40; t < 20000; t += 20)
        {
            hook.Tick(t);
            _ = hook.Next();
            _line.Tick(true, t);
            _line.Player.Fill(pcm, 0, pcm.Length);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Fact]
    public void A_waiting_message_gives_stuttered_dial_tone()
    {
        _line.MessageWaiting = true;
        _line.OffHook(true, 0);
        Assert.Equal("stutter", _line.ToneName);
    }

    [Fact]
    public void A_provisioned_dial_plan_and_tone_replace_the_national_ones()
    {
        _line.Configure(Profile("""{"country":"DK","dialPlan":"(1xx|[2-9]xxxxxxx)","tones":{"dial":"425:1000 0:100"}}"""), 0);
        _line.OffHook(true, 0);
        Assert.Equal("425:1000 0:100", _line.Profile.Tones.Get("dial")!.Spec);
        Dial("123", 100);
        Assert.Contains("dialled call 123", _log.Log);
        Assert.Equal("25:1000 0:4000", _line.Profile.Tones.Get("ring")!.Spec);
        Assert.Equal(300, _line.Profile.FlashMaxMs);
    }

    [Theory]
    [InlineData("""{"country":"FR"}""", "lines[0].country: 'FR' is not a known country (NO, DK, SE, FI, DE, UK, US)")]
    [InlineData("""{"tonePlan":"XX"}""", "lines[0].tonePlan: no tone plan for 'XX' (known: NO, DK, SE, FI, DE, UK, US)")]
    [InlineData("""{"dialPlan":"(2xxx"}""", "lines[0].dialPlan: '(' at position 1 is not closed by ')' at the end")]
    [InlineData("""{"barring":["gambling"]}""", "lines[0].barring[0]: 'gambling' is not a barring class (international, premium, information, mobile, operator, national)")]
    [InlineData("""{"flashMs":50}""", "lines[0].flashMs: must be from 100 to 2000 ms")]
    [InlineData("""{"shortTimerMs":400}""", "lines[0].shortTimerMs: must be from 500 to 10000 ms")]
    [InlineData("""{"shortTimerMs":"4s"}""", "lines[0].shortTimerMs: must be from 500 to 10000 ms")]
    [InlineData("""{"longTimerMs":60001}""", "lines[0].longTimerMs: must be from 2000 to 60000 ms")]
    [InlineData("""{"shortTimerMs":6000,"longTimerMs":5000}""", "lines[0].longTimerMs: must not be shorter than shortTimerMs (6000 ms)")]
    [InlineData("""{"longTimerMs":2500}""", "lines[0].longTimerMs: must not be shorter than shortTimerMs (3000 ms)")]
    [InlineData("""{"tones":{"busy":"425:0"}}""", "lines[0].tones.busy: '425:0': the duration must be 1 to 60000 ms")]
    [InlineData("""{"tones":"loud"}""", "lines[0].tones: not an object of tone name to tone text")]
    public void Bad_telephony_fields_are_refused_with_the_reason(string json, string reason)
    {
        Assert.Null(LineProfile.Parse(JsonReader.ParseObject(json), "lines[0]", out string error));
        Assert.Equal(reason, error);
    }

    [Theory]
    [InlineData(1500, 4000)]
    [InlineData(8000, 30000)]
    public void Provisioned_inter_digit_timers_decide_when_a_number_is_sent_and_when_the_line_gives_up(int shortMs, int longMs)
    {
        _line.Configure(Profile("{\"shortTimerMs\":" + shortMs + ",\"longTimerMs\":" + longMs + "}"), 0);
        Assert.Equal(shortMs, _line.Profile.DigitMap.ShortTimerMs);
        Assert.Equal(longMs, _line.Profile.DigitMap.LongTimerMs);
        AssertInterDigitTimers(shortMs, longMs);
    }

    [Fact]
    public void Timers_left_out_are_the_defaults_and_are_not_written_back()
    {
        var profile = Profile("""{"country":"NO"}""");
        Assert.Equal(0, profile.ShortTimerMs);
        Assert.Equal(0, profile.LongTimerMs);
        Assert.Equal(DigitMap.DefaultShortTimerMs, profile.DigitMap.ShortTimerMs);
        Assert.Equal(DigitMap.DefaultLongTimerMs, profile.DigitMap.LongTimerMs);
        var w = new JsonWriter().BeginObject();
        profile.WriteTo(w);
        var written = w.EndObject().ToString();
        Assert.DoesNotContain("TimerMs", written);

        var timed = Profile("""{"shortTimerMs":2000,"dialPlan":"(1xx|[2-9]xxxxxxx)"}""");
        w = new JsonWriter().BeginObject();
        timed.WriteTo(w);
        var again = Profile(w.EndObject().ToString());
        Assert.Equal(2000, again.ShortTimerMs);
        Assert.Equal(0, again.LongTimerMs);
        Assert.Equal(2000, again.DigitMap.ShortTimerMs);
        Assert.Equal(DigitMap.DefaultLongTimerMs, again.DigitMap.LongTimerMs);
    }

    [Fact]
    public void GB_means_the_UK_and_a_tone_plan_can_differ_from_the_country()
    {
        var profile = Profile("""{"country":"gb","tonePlan":"US","flashMs":600}""");
        Assert.Equal(Country.UnitedKingdom, profile.Country);
        Assert.Equal("350+440", profile.Tones.Get("dial")!.Spec);
        Assert.Equal("20:2000 0:4000", profile.Tones.Get("ring")!.Spec);
        Assert.True(profile.Numbering.IsEmergency("999"));
        Assert.Equal(600, profile.FlashMaxMs);
        _ = new Hashtable();
    }
}
