using Ata.Core.CallerId;
using Ata.Core.Calls;
using Ata.Core.Telephony;
using Ata.Tests.Audio;
using static Ata.Core.Tests.Calls.CallPeer;

namespace Ata.Core.Tests.Calls;

/// <summary>
/// Caller ID during a call (type 2) on call waiting: after the national call-waiting tone's first bursts, the
/// alerting signal (2130 + 2750 Hz), the phone's DTMF acknowledgement heard from the handset, and the FSK
/// message read back from the earpiece with the test's own receiver; the first call muted both ways meanwhile.
/// </summary>
public partial class HoldAndCallWaitingTests
{
    private const int ToneA = 1000;

    /// <summary>B calls during a call with A talking at 1 kHz; returns where the earpiece recording of it starts.</summary>
    private int SecondCallDuringTalk()
    {
        ConnectFirst();
        Talk(200, ToneA, 0);
        int before = _audio.Samples.Count;
        SecondCall();
        return before;
    }

    /// <summary>Lets <paramref name="ms"/> pass with A talking, and the handset pressing <paramref name="key"/> from <paramref name="keyFrom"/> for <paramref name="keyMs"/> ms (times from now).</summary>
    private void TalkWithKey(long ms, char key, long keyFrom, long keyMs)
    {
        long start = _call.Now;
        var silence = new short[160];
        for (long done = 0; done < ms; done += 20)
        {
            SendRtp(30000, ToneA);
            _call.Advance(20, at => at - start >= keyFrom && at - start < keyFrom + keyMs ? Dtmf(key, at) : silence);
        }
    }

    /// <summary>20 ms of the DTMF key <paramref name="key"/> as a handset sends it, from <paramref name="at"/> ms.</summary>
    private static short[] Dtmf(char key, long at)
    {
        (double low, double high) = key switch
        {
            'A' => (697.0, 1633.0),
            'D' => (941.0, 1633.0),
            '5' => (770.0, 1336.0),
            _ => throw new ArgumentOutOfRangeException(nameof(key)),
        };
        var samples = new short[160];
        for (int i = 0; i < samples.Length; i++)
        {
            double t = ((at * 8) + i) / 8000.0;
            samples[i] = (short)((6000 * Math.Sin(2 * Math.PI * low * t)) + (6000 * Math.Sin(2 * Math.PI * high * t)));
        }

        return samples;
    }

    private int EventsSentTo(int port) => _rtp.Sent.Select((s, i) => (s.Port, Bytes: _rtp.SentBytes[i]))
        .Count(s => s.Port == port && (s.Bytes[1] & 0x7F) == 101);

    [Theory]
    [InlineData(Country.UnitedStates, 300, 'D', 1200, 2200)]
    [InlineData(Country.UnitedKingdom, 100, 'A', 1300, 2100)]
    [InlineData(Country.Germany, 600, 'A', 1300, 2100)]
    public void After_the_call_waiting_tone_the_waiting_caller_is_presented_once_the_phone_acknowledges(string country, int toneMs, char ack, int markHz, int spaceHz)
    {
        var test = new HoldAndCallWaitingTests(null, country);
        int before = test.SecondCallDuringTalk();
        int events = test.EventsSentTo(30000);

        // The phone answers the alerting signal 20 ms after its end, with a 60 ms key.
        test.TalkWithKey(toneMs + 1200, ack, toneMs + OffHookCallerId.AlertMs + 20, 60);
        short[] heard = test.Heard(before);
        int cas = toneMs * 8;

        Assert.True(ToneMeasurement.Share(heard, cas - 800, 800, 425) + ToneMeasurement.Share(heard, cas - 800, 800, 440)
            + ToneMeasurement.Share(heard, cas - 800, 800, 400) > 0.2, "the call-waiting tone sounds first");
        Assert.True(ToneMeasurement.Share(heard, cas, 640, CallerIdSignal.AlertLowHz) > 0.3);
        Assert.True(ToneMeasurement.Share(heard, cas, 640, CallerIdSignal.AlertHighHz) > 0.3);
        Assert.True(ToneMeasurement.Share(heard, cas - 800, 800, CallerIdSignal.AlertLowHz) < 0.02, "the alerting signal comes after the tone");

        DisplayMessageRead read = CallerIdDecoder.Read(heard[cas..(cas + (800 * 8))], markHz, spaceHz);
        Assert.Equal(0x80, read.Type);
        Assert.Equal("2002", read.Text(DisplayMessage.NumberParameter));
        Assert.Equal("Kari Nordmann", read.Text(DisplayMessage.NameParameter));

        // A is not heard from the alerting signal to the message's end, and comes back after it.
        Assert.True(ToneMeasurement.Share(heard, cas, 450 * 8, ToneA) < 0.02, "the first call is muted under caller ID");
        Assert.True(ToneMeasurement.Share(heard, cas + (600 * 8), 400 * 8, ToneA) > 0.9, "the first call is heard again after it");

        // The acknowledgement is the phone's answer to the adapter: it never reaches A as an RFC 4733 event.
        Assert.Equal(events, test.EventsSentTo(30000));
        Assert.Equal(CallState.Waiting, test.Calls.Other!.State);
    }

    [Fact]
    public void Without_the_acknowledgement_only_the_alerting_signal_sounds_and_the_call_comes_back()
    {
        var test = new HoldAndCallWaitingTests(null, Country.UnitedStates);
        int before = test.SecondCallDuringTalk();
        test.Talk(1500, ToneA, 0);
        short[] heard = test.Heard(before);
        int cas = 300 * 8;

        Assert.True(ToneMeasurement.Share(heard, cas, 640, CallerIdSignal.AlertLowHz) > 0.3);
        Assert.True(ToneMeasurement.LevelDbfs(heard, cas + 640, 150 * 8) < -60, "the first call stays muted while the acknowledgement is awaited");
        Assert.Empty(CallerIdDecoder.FskBytes(heard[cas..], 1200, 2200));
        Assert.True(ToneMeasurement.Share(heard, cas + (300 * 8), 800 * 8, ToneA) > 0.9, "the first call is heard again once the phone did not answer");
    }

    [Fact]
    public void A_key_that_is_no_acknowledgement_brings_no_message_and_is_not_sent_to_the_far_end()
    {
        var test = new HoldAndCallWaitingTests(null, Country.UnitedStates);
        int before = test.SecondCallDuringTalk();
        int events = test.EventsSentTo(30000);
        test.TalkWithKey(1500, 'A', 300 + 100, 60);

        Assert.Empty(CallerIdDecoder.FskBytes(test.Heard(before)[(300 * 8)..], 1200, 2200));
        Assert.Equal(events, test.EventsSentTo(30000));
    }

    [Fact]
    public void A_key_pressed_in_the_call_is_sent_to_the_far_end_as_an_event()
    {
        // The counterpart of the acknowledgement tests: the same key outside caller ID does reach A.
        var test = new HoldAndCallWaitingTests(null, Country.UnitedStates);
        test.ConnectFirst();
        int events = test.EventsSentTo(30000);
        test.TalkWithKey(400, 'D', 100, 60);
        Assert.True(test.EventsSentTo(30000) > events);
    }

    [Fact]
    public void The_second_caller_giving_up_stops_the_caller_ID_and_the_call_is_heard_again()
    {
        var test = new HoldAndCallWaitingTests(null, Country.UnitedStates);
        int before = test.SecondCallDuringTalk();
        test.Talk(340, ToneA, 0);
        test._call.Deliver(InDialog("CANCEL", "2001", "b@far", null!, 1, "z9hG4bKb1"));
        test.TalkWithKey(600, 'D', 0, 60);
        short[] heard = test.Heard(before);

        Assert.True(ToneMeasurement.Share(heard, 300 * 8, 320, CallerIdSignal.AlertLowHz) > 0.3, "the alerting signal had begun");
        Assert.Null(test.Calls.Other);
        Assert.Empty(CallerIdDecoder.FskBytes(heard[(300 * 8)..], 1200, 2200));
        Assert.True(ToneMeasurement.Share(heard, 400 * 8, 500 * 8, ToneA) > 0.9, "the first call is heard again at once");
    }

    [Theory]
    [InlineData(Country.Norway)]
    [InlineData(Country.Denmark)]
    public void Where_the_country_presents_no_waiting_caller_only_the_tone_sounds_over_the_call(string country)
    {
        var test = new HoldAndCallWaitingTests(null, country);
        int before = test.SecondCallDuringTalk();
        test.TalkWithKey(3000, 'A', 1100, 60);
        short[] heard = test.Heard(before);

        Assert.True(ToneMeasurement.Share(heard, 0, 1600, 425) > 0.2, "the call-waiting tone sounds");
        Assert.True(ToneMeasurement.Share(heard, 0, heard.Length, CallerIdSignal.AlertLowHz) < 0.01, "no alerting signal");
        Assert.True(ToneMeasurement.Share(heard, 1200 * 8, 1600 * 8, ToneA) > 0.9, "the first call is never muted");
        Assert.Empty(CallerIdDecoder.FskBytes(heard, 1300, 2100));
    }
}
