using Ata.Core.Telephony;
using Ata.Core.Tones;

namespace Ata.Core.Tests.Telephony;

/// <summary>What the household hears while a call is set up, talks and ends.</summary>
public class PhoneLineCallTests
{
    private readonly LineLog _log = new();
    private readonly PhoneLine _line;

    public PhoneLineCallTests()
    {
        _line = new PhoneLine(1, LineProfile.Default(Country.Norway), _log);
        _line.OffHook(true, 0);
        foreach (char d in "22334455")
        {
            _line.Digit(d, PhoneLine.Dtmf, 100);
        }

        Assert.Equal(LineState.Calling, _line.State);
    }

    [Fact]
    public void The_far_end_ringing_gives_national_ringback_and_its_answer_silences_it()
    {
        _line.FarEndRinging(false, 200);
        Assert.Equal((LineState.Ringback, ToneName.Ringback), (_line.State, _line.ToneName));
        _line.FarEndRinging(false, 300);
        Assert.Single(_log.Log, l => l == "tone ringback on");
        _line.Connected(400);
        Assert.Equal(LineState.Connected, _line.State);
        Assert.Null(_line.ToneName);
    }

    [Fact]
    public void Early_media_from_the_far_end_plays_instead_of_local_ringback()
    {
        _line.FarEndRinging(false, 200);
        _line.FarEndRinging(true, 300);
        Assert.Equal(LineState.Ringback, _line.State);
        Assert.Null(_line.ToneName);
    }

    [Fact]
    public void A_busy_far_end_gives_the_busy_tone_then_the_howler()
    {
        _line.CallEnded(ToneName.Busy, 200);
        Assert.Equal((LineState.Signalling, ToneName.Busy), (_line.State, _line.ToneName));
        _line.Tick(true, 200 + PhoneLine.SignalTimeoutMs);
        Assert.Equal((LineState.Howler, ToneName.ReceiverOffHook), (_line.State, _line.ToneName));
    }

    [Fact]
    public void The_far_end_hanging_up_mid_call_gives_the_busy_tone()
    {
        _line.Connected(200);
        _line.CallEnded(ToneName.Busy, 10_000);
        Assert.Equal((LineState.Signalling, ToneName.Busy), (_line.State, _line.ToneName));
    }

    [Fact]
    public void A_flash_in_a_call_is_call_controls_and_gives_no_dial_tone()
    {
        _line.Connected(200);
        _line.Flash(true, 300);
        Assert.Equal(LineState.Connected, _line.State);
        Assert.Contains("flash", _log.Log);
        Assert.DoesNotContain("tone dial on", _log.Log.Skip(2));
    }

    [Fact]
    public void Call_events_out_of_turn_change_nothing()
    {
        _line.OnHook(200);
        _line.FarEndRinging(false, 300);
        _line.Connected(300);
        _line.CallEnded(ToneName.Busy, 300);
        Assert.Equal(LineState.Idle, _line.State);
        Assert.Null(_line.ToneName);
    }

    [Fact]
    public void An_incoming_call_answered_on_the_handset_is_connected()
    {
        var line = new PhoneLine(2, LineProfile.Default(Country.Norway), _log);
        line.Ring(0);
        line.OffHook(true, 500);
        Assert.Equal(LineState.Answered, line.State);
        line.Connected(520);
        Assert.Equal(LineState.Connected, line.State);
        Assert.True(LineState.IsOffHook(line.State));
        Assert.True(LineState.IsInCall(line.State));
    }
}
