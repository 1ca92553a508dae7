using Ata.Core.CallerId;
using Ata.Core.Media;
using Ata.Core.Telephony;
using Ata.Tests.Audio;

namespace Ata.Core.Tests.CallerId;

/// <summary>
/// Caller ID during a call (type 2), as the call-waiting code will drive it: the alerting signal
/// (2130 + 2750 Hz, 80 ms), the phone's DTMF acknowledgement, then the FSK message read back by the
/// test's receiver; no acknowledgement, no message.
/// </summary>
public class OffHookCallerIdTests
{
    private static readonly Caller Bob = new("4798765432", '\0', "Bob", '\0', null);
    private readonly IMediaKernels _kernels = new ManagedMediaKernels();
    private readonly short[] _table = SineTable.Build();

    [Theory]
    [InlineData(Country.UnitedKingdom, 'A', 1300, 2100)]
    [InlineData(Country.UnitedStates, 'D', 1200, 2200)]
    public void The_alerting_signal_then_after_the_phones_acknowledgement_the_FSK_message(string country, char ack, int markHz, int spaceHz)
    {
        var cid = new OffHookCallerId();
        Assert.True(cid.Start(CallerIdPlan.For(country), Bob, 0));
        Assert.Equal(ack, cid.ExpectedAcknowledgement);

        short[] alert = Play(cid, 0, 100);
        Assert.True(ToneMeasurement.Share(alert, 0, 640, 2130) > 0.3);
        Assert.True(ToneMeasurement.Share(alert, 0, 640, 2750) > 0.3);
        Assert.True(ToneMeasurement.LevelDbfs(alert, 640, 160) < -60, "the alerting signal lasts longer than 80 ms");
        Assert.True(cid.IsActive);

        cid.Acknowledged(ack, 150);
        short[] message = Play(cid, 150, 1000);
        var read = CallerIdDecoder.Read(message, markHz, spaceHz);
        Assert.Equal(0x80, read.Type);
        Assert.Equal("4798765432", read.Text(DisplayMessage.NumberParameter));
        Assert.Equal("Bob", read.Text(DisplayMessage.NameParameter));
        Assert.False(cid.IsActive);
    }

    [Fact]
    public void Without_the_acknowledgement_in_time_no_message_follows_and_the_call_is_unmuted()
    {
        var cid = new OffHookCallerId();
        cid.Start(CallerIdPlan.For(Country.UnitedKingdom), Bob, 0);
        Play(cid, 0, 230);
        Assert.True(cid.IsActive);
        Play(cid, 230, 260);
        Assert.False(cid.IsActive);
        cid.Acknowledged('A', 300);
        Assert.True(ToneMeasurement.LevelDbfs(Play(cid, 300, 1000), 0, 700 * 8) < -60);
    }

    [Theory]
    [InlineData(Country.Denmark)]
    [InlineData(Country.Sweden)]
    [InlineData(Country.Finland)]
    [InlineData(Country.Norway)]
    public void A_country_that_presents_no_waiting_caller_has_no_off_hook_caller_ID(string country)
    {
        var cid = new OffHookCallerId();
        Assert.False(CallerIdPlan.For(country).OffHook);
        Assert.False(cid.Start(CallerIdPlan.For(country), Bob, 0));
        Assert.False(cid.IsActive);
    }

    [Theory]
    [InlineData(Country.UnitedStates)]
    [InlineData(Country.UnitedKingdom)]
    [InlineData(Country.Germany)]
    public void The_countries_that_present_a_waiting_caller_have_it_in_their_plan(string country)
    {
        Assert.True(CallerIdPlan.For(country).OffHook);
    }

    private short[] Play(OffHookCallerId cid, long from, long to)
    {
        var audio = new short[(to - from) * 8];
        for (long t = from; t < to; t += 10)
        {
            cid.Tick(t);
            cid.Fill(_kernels, _table, audio, (int)(t - from) * 8, 80);
        }

        return audio;
    }
}
