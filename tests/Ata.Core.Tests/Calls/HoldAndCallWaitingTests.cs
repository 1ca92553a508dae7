using Ata.Core.Calls;
using Ata.Core.Hardware;
using Ata.Core.Media;
using Ata.Core.Provisioning;
using Ata.Core.Telephony;
using Ata.Core.Tests.Telephony;
using Ata.Tests.Audio;
using static Ata.Core.Tests.Calls.CallPeer;

namespace Ata.Core.Tests.Calls;

/// <summary>Call waiting, hold and swap by hook flash, ring-back, and hold by the far end, at the SIP level against far ends the test plays.</summary>
public partial class HoldAndCallWaitingTests
{
    private const string Config = "{\"version\":3,\"lines\":[{\"username\":\"2001\",\"password\":\"pw\",\"registrar\":\"127.0.0.1:5070\"," +
        "\"dialPlan\":\"(2xxx|[3-9]xxxxxxx)\",\"registrarProbeSeconds\":0CALLWAITING}]}";

    private static readonly string SdpB = FarSdp.Replace("m=audio 30000", "m=audio 30002", StringComparison.Ordinal);

    private readonly FakeSocket _socket = new();
    private readonly FakeSocket _rtp = new(40000);
    private readonly RecordingAudio _audio = new();
    private readonly Adapter _adapter;
    private readonly CallHarness _call;
    private readonly ManagedMediaKernels _kernels = new();
    private readonly Dictionary<int, int> _sequences = [];

    public HoldAndCallWaitingTests() : this(null)
    {
    }

    private HoldAndCallWaitingTests(bool? callWaiting, string? country = null)
    {
        _adapter = new Adapter("ata-1", new FakeDevice(), _socket, new FakeResolver(), new ILed[4], new RecordingEvents(), new Random(7), 0)
        {
            Audio = _audio,
        };
        _call = new CallHarness(_adapter);
        _adapter.UseMediaSockets(1, _rtp, new FakeSocket(40001));
        string config = Config.Replace("CALLWAITING", (callWaiting is null ? "" : $",\"callWaiting\":{(callWaiting.Value ? "true" : "false")}")
            + (country is null ? "" : $",\"country\":\"{country}\""), StringComparison.Ordinal);
        _adapter.Apply(ProvisioningDocument.Parse(config, out string? error)!, 0);
        Assert.Null(error);
        _call.Deliver(Registrar.Respond(_socket.Last, 200, "OK"));
    }

    private PhoneLine Line => _adapter.Port(1).Line;

    private LineCalls Calls => _adapter.Calls(1);

    private List<string> Sent(string startsWith, string? callId = null) => _socket.Sent.Select(s => s.Text)
        .Where(t => t.StartsWith(startsWith, StringComparison.Ordinal) && (callId is null || Registrar.Header(t, "Call-ID") == callId)).ToList();

    /// <summary>Caller A (Call-ID a@far, RTP from port 30000) calls and the handset answers; returns the adapter's tag.</summary>
    private string ConnectFirst()
    {
        _call.Deliver(Invite("2001", "a@far", "z9hG4bKa1"));
        string tag = Tag(_socket.Last, "To")!;
        _adapter.OnHook(1, true, _call.Now);
        _call.Advance(40);
        Assert.StartsWith("SIP/2.0 200 OK", Sent("SIP/2.0 200", "a@far").Last());
        _call.Deliver(InDialog("ACK", "2001", "a@far", tag, 1, "z9hG4bKa1ack"));
        Assert.Equal(CallState.Connected, Calls.Current!.State);
        return tag;
    }

    /// <summary>Caller B (Call-ID b@far, RTP from port 30002) calls during the call; returns the adapter's tag.</summary>
    private string SecondCall()
    {
        _call.Deliver(Invite("2001", "b@far", "z9hG4bKb1", SdpB));
        Assert.StartsWith("SIP/2.0 180 Ringing", _socket.Last);
        return Tag(_socket.Last, "To")!;
    }

    /// <summary>A talks, B calls, a flash holds A (answered inactive) and answers B (ACKed): returns the adapter's tags in both calls.</summary>
    private (string TagA, string TagB) TalkToSecondWithFirstHeld()
    {
        string tagA = ConnectFirst();
        string tagB = SecondCall();
        Flash();
        AnswerReInvite("a@far", "inactive", 30000);
        _call.Deliver(InDialog("ACK", "2001", "b@far", tagB, 1, "z9hG4bKb1ack"));
        return (tagA, tagB);
    }

    private void Flash()
    {
        Line.Flash(true, _call.Now);
        _call.Advance(20);
    }

    /// <summary>The adapter's last re-INVITE in call <paramref name="callId"/>, answered 200 with the far end's SDP in <paramref name="direction"/>.</summary>
    private string AnswerReInvite(string callId, string direction, int port)
    {
        string reinvite = Sent("INVITE ", callId).Last();
        string sdp = FarSdp.Replace("a=sendrecv", "a=" + direction, StringComparison.Ordinal).Replace("m=audio 30000", $"m=audio {port}", StringComparison.Ordinal);
        _call.Deliver(Answer(reinvite, 200, "OK", sdp: sdp));
        return reinvite;
    }

    /// <summary>Lets <paramref name="ms"/> pass with caller A (port 30000) and B (port 30002) each sending a tone at <paramref name="hz"/> (0: nothing).</summary>
    private void Talk(long ms, double hzA, double hzB)
    {
        for (long done = 0; done < ms; done += 20)
        {
            if (hzA > 0)
            {
                SendRtp(30000, hzA);
            }

            if (hzB > 0)
            {
                SendRtp(30002, hzB);
            }

            _call.Advance(20);
        }
    }

    private void SendRtp(int port, double hz)
    {
        int sequence = _sequences.GetValueOrDefault(port);
        _sequences[port] = sequence + 1;
        var pcm = new short[160];
        for (int i = 0; i < pcm.Length; i++)
        {
            pcm[i] = (short)(8000 * Math.Sin(2 * Math.PI * hz * ((sequence * 160) + i) / 8000));
        }

        byte[] packet = new byte[RtpHeader.Size + 160];
        RtpHeader.Write(packet, 0, sequence == 0, 8, sequence, (uint)(sequence * 160), (uint)port);
        _kernels.EncodeALaw(pcm, 0, packet, RtpHeader.Size, 160);
        _adapter.OnRtp(1, packet, packet.Length, "198.51.100.7", port, _call.Now);
    }

    private short[] Heard(int from) => _audio.Samples.Skip(from).ToArray();

    private int RtpSentTo(int port) => _rtp.Sent.Count(s => s.Port == port);

    [Fact]
    public void A_second_call_rings_180_and_the_call_waiting_tone_sounds_over_the_call_at_its_cadence()
    {
        ConnectFirst();
        Talk(200, 1000, 0);
        int before = _audio.Samples.Count;
        SecondCall();
        Assert.Equal(CallState.Waiting, Calls.Other!.State);
        Assert.Equal(("connected", "call-waiting"), (Line.State, Line.ToneName));
        Assert.False(Line.RingerOn);
        Talk(1200, 1000, 0);

        // Norway: 425 Hz 0.2 s on, 0.6 s off, 0.2 s on; caller A's 1 kHz goes on under it all the time.
        short[] heard = Heard(before);
        Assert.InRange(ToneMeasurement.Share(heard, 200, 1200, 425), 0.2, 0.8);
        Assert.InRange(ToneMeasurement.Share(heard, 200, 1200, 1000), 0.2, 0.8);
        Assert.True(ToneMeasurement.Share(heard, 2400, 3600, 425) < 0.02, "the tone sounds in its 0.6 s pause");
        Assert.True(ToneMeasurement.Share(heard, 2400, 3600, 1000) > 0.9, "the call is not heard in the pause");
        Assert.InRange(ToneMeasurement.Share(heard, 6600, 1200, 425), 0.2, 0.8);
    }

    [Fact]
    public void Flash_holds_the_first_call_with_inactive_and_answers_the_second_then_flash_again_swaps()
    {
        ConnectFirst();
        string tagB = SecondCall();
        Talk(100, 1000, 0);

        Flash();
        string hold = AnswerReInvite("a@far", "inactive", 30000);
        Assert.Contains("a=inactive", Body(hold));
        Assert.Contains("o=ata ", Body(hold));
        Assert.Equal("1 INVITE", Registrar.Header(hold, "CSeq"));
        Assert.Equal("caller1", Tag(hold, "To"));
        Assert.Single(Sent("ACK ", "a@far"));
        string okB = Sent("SIP/2.0 200 OK", "b@far").Last();
        Assert.Contains("a=sendrecv", Body(okB));
        _call.Deliver(InDialog("ACK", "2001", "b@far", tagB, 1, "z9hG4bKb1ack"));
        Assert.Equal((CallState.Connected, CallState.Held), (Calls.Current!.State, Calls.Other!.State));
        Assert.Null(Line.ToneName);

        // B is heard, A is neither heard nor sent to.
        int sentToA = RtpSentTo(30000), sentToB = RtpSentTo(30002), before = _audio.Samples.Count;
        Talk(600, 1000, 2000);
        Assert.Equal(sentToA, RtpSentTo(30000));
        Assert.InRange(RtpSentTo(30002) - sentToB, 25, 31);
        short[] heard = Heard(before);
        Assert.True(ToneMeasurement.Share(heard, 1600, 3200, 2000) > 0.9);

        Flash();
        string holdB = AnswerReInvite("b@far", "inactive", 30002);
        Assert.Contains("a=inactive", Body(holdB));
        string resumeA = AnswerReInvite("a@far", "sendrecv", 30000);
        Assert.Contains("a=sendrecv", Body(resumeA));
        Assert.Equal(2, Sent("ACK ", "a@far").Count);
        Assert.Equal((CallState.Connected, CallState.Held), (Calls.Current!.State, Calls.Other!.State));

        sentToA = RtpSentTo(30000);
        sentToB = RtpSentTo(30002);
        before = _audio.Samples.Count;
        Talk(600, 1000, 2000);
        Assert.Equal(sentToB, RtpSentTo(30002));
        Assert.InRange(RtpSentTo(30000) - sentToA, 25, 31);
        Assert.True(ToneMeasurement.Share(Heard(before), 1600, 3200, 1000) > 0.9);
    }

    [Fact]
    public void Hanging_up_with_a_call_on_hold_rings_back_and_lifting_the_handset_resumes_it()
    {
        TalkToSecondWithFirstHeld();

        _adapter.OnHook(1, false, _call.Now);
        _call.Advance(_adapter.Port(1).FlashMaxMs + 200);
        Assert.Single(Sent("BYE ", "b@far"));
        Assert.Empty(Sent("BYE ", "a@far"));
        Assert.Equal(LineState.Ringing, Line.State);
        Assert.True(Line.RingerOn);
        Assert.Null(Calls.Current);

        _adapter.OnHook(1, true, _call.Now);
        _call.Advance(40);
        Assert.Contains("a=sendrecv", Body(AnswerReInvite("a@far", "sendrecv", 30000)));
        Assert.Equal((LineState.Connected, CallState.Connected, "a@far"),
            (Line.State, Calls.Current!.State, Registrar.Header(Sent("INVITE ", "a@far").Last(), "Call-ID")));
        int before = _audio.Samples.Count;
        Talk(400, 1000, 0);
        Assert.True(ToneMeasurement.Share(Heard(before), 800, 1600, 1000) > 0.9);
    }

    [Fact]
    public void Hanging_up_with_a_call_waiting_rings_it_and_lifting_the_handset_answers_it()
    {
        ConnectFirst();
        SecondCall();
        _adapter.OnHook(1, false, _call.Now);
        _call.Advance(_adapter.Port(1).FlashMaxMs + 200);
        Assert.Single(Sent("BYE ", "a@far"));
        Assert.Equal(LineState.Ringing, Line.State);
        Assert.Empty(Sent("SIP/2.0 200 OK", "b@far"));

        _adapter.OnHook(1, true, _call.Now);
        _call.Advance(40);
        Assert.Contains("a=sendrecv", Body(Sent("SIP/2.0 200 OK", "b@far").Last()));
        Assert.Equal(CallState.Connected, Calls.Current!.State);
        Assert.Null(Calls.Other);
    }

    [Fact]
    public void The_far_end_of_the_held_call_hanging_up_leaves_the_talk_undisturbed()
    {
        string tagA = TalkToSecondWithFirstHeld().TagA;

        _call.Deliver(InDialog("BYE", "2001", "a@far", tagA, 2, "z9hG4bKa2bye"));
        Assert.StartsWith("SIP/2.0 200 OK", _socket.Last);
        Assert.Null(Calls.Other);
        Assert.Equal((LineState.Connected, CallState.Connected, (string?)null), (Line.State, Calls.Current!.State, Line.ToneName));
        int before = _audio.Samples.Count;
        Talk(400, 0, 2000);
        Assert.True(ToneMeasurement.Share(Heard(before), 800, 1600, 2000) > 0.9);
    }

    [Fact]
    public void The_far_end_of_the_call_in_progress_hanging_up_leaves_the_held_one_for_a_flash()
    {
        string tagB = TalkToSecondWithFirstHeld().TagB;

        _call.Deliver(InDialog("BYE", "2001", "b@far", tagB, 2, "z9hG4bKb2bye"));
        Assert.Null(Calls.Current);
        Assert.Equal(CallState.Held, Calls.Other!.State);
        Assert.Equal((LineState.Connected, (string?)null), (Line.State, Line.ToneName));

        Flash();
        Assert.Contains("a=sendrecv", Body(AnswerReInvite("a@far", "sendrecv", 30000)));
        Assert.Equal(CallState.Connected, Calls.Current!.State);
    }

    [Fact]
    public void A_waiting_caller_that_gives_up_stops_the_tone_and_is_a_missed_call()
    {
        ConnectFirst();
        SecondCall();
        CallRecord waiting = Calls.Other!;
        _call.Deliver(InDialog("CANCEL", "2001", "b@far", null!, 1, "z9hG4bKb1"));
        Assert.StartsWith("SIP/2.0 487", _socket.Last);
        Assert.Null(Calls.Other);
        Assert.Equal((CallOutcome.Missed, (string?)null, CallState.Connected), (waiting.Outcome, Line.ToneName, Calls.Current!.State));
    }

    [Fact]
    public void A_third_call_is_busy_here()
    {
        ConnectFirst();
        SecondCall();
        _call.Deliver(Invite("2001", "c@far", "z9hG4bKc1"));
        Assert.StartsWith("SIP/2.0 486 Busy Here", _socket.Last);
        Assert.Equal(CallState.Waiting, Calls.Other!.State);
    }

    [Fact]
    public void With_call_waiting_off_a_second_call_is_busy_here_and_no_tone_sounds()
    {
        var off = new HoldAndCallWaitingTests(false);
        off.ConnectFirst();
        off._call.Deliver(Invite("2001", "b@far", "z9hG4bKb1", SdpB));
        Assert.StartsWith("SIP/2.0 486 Busy Here", off._socket.Last);
        Assert.Null(off.Calls.Other);
        Assert.Null(off.Line.ToneName);
    }

    [Fact]
    public void Call_waiting_is_on_by_default_and_provisionable_per_line()
    {
        Assert.True(ProvisioningDocument.Parse(Config.Replace("CALLWAITING", ""), out _)!.Line(1)!.CallWaiting);
        var off = ProvisioningDocument.Parse(Config.Replace("CALLWAITING", ",\"callWaiting\":false"), out _)!;
        Assert.False(off.Line(1)!.CallWaiting);
        Assert.Contains("\"callWaiting\":false", off.ToJson());
        Assert.Null(ProvisioningDocument.Parse(Config.Replace("CALLWAITING", ",\"callWaiting\":\"yes\""), out string? error));
        Assert.Contains("callWaiting: must be true or false", error);
    }

    [Fact]
    public void A_far_end_re_INVITE_crossing_this_sides_hold_gets_491()
    {
        string tagA = ConnectFirst();
        SecondCall();
        Flash();
        _call.Deliver(InDialog("INVITE", "2001", "a@far", tagA, 2, "z9hG4bKa2", FarSdp));
        Assert.StartsWith("SIP/2.0 491", _socket.Last);
    }

    public static TheoryData<string, string, string> FarEndHolds() => new()
    {
        { "a=sendonly in the media section", FarSdp.Replace("a=sendrecv", "a=sendonly", StringComparison.Ordinal), "recvonly" },
        { "a=sendonly at session level", FarSdp.Replace("t=0 0\r\n", "t=0 0\r\na=sendonly\r\n", StringComparison.Ordinal).Replace("a=sendrecv\r\n", "", StringComparison.Ordinal), "recvonly" },
        { "a=inactive", FarSdp.Replace("a=sendrecv", "a=inactive", StringComparison.Ordinal), "inactive" },
        { "c=0.0.0.0 (RFC 2543)", FarSdp.Replace("c=IN IP4 198.51.100.7", "c=IN IP4 0.0.0.0", StringComparison.Ordinal), "recvonly" },
    };

    [Theory]
    [MemberData(nameof(FarEndHolds))]
    public void Hold_by_the_far_end_is_answered_right_stops_the_RTP_and_the_earpiece_is_silent_not_concealed_then_resume_restores_both_ways(string form, string holdSdp, string answered)
    {
        string tag = ConnectFirst();
        Talk(400, 1000, 0);
        MediaSession media = _adapter.Port(1).Media!;
        long concealed = media.Quality.ConcealedMs;

        _call.Deliver(InDialog("INVITE", "2001", "a@far", tag, 2, "z9hG4bKa2", holdSdp));
        string ok = _socket.Last;
        Assert.StartsWith("SIP/2.0 200 OK", ok);
        Assert.Contains("a=" + answered + "\r\n", Body(ok));
        _call.Deliver(InDialog("ACK", "2001", "a@far", tag, 2, "z9hG4bKa2ack"));
        int sent = RtpSentTo(30000), before = _audio.Samples.Count;
        Talk(1000, 0, 0);
        Assert.Equal(sent, RtpSentTo(30000));
        short[] held = Heard(before);
        Assert.True(held.All(s => s == 0), $"{form}: the earpiece is not silent on hold (peak {held.Max(s => Math.Abs((int)s))})");
        Assert.Equal(concealed, media.Quality.ConcealedMs);

        _call.Deliver(InDialog("INVITE", "2001", "a@far", tag, 3, "z9hG4bKa3", FarSdp));
        Assert.Contains("a=sendrecv\r\n", Body(_socket.Last));
        _call.Deliver(InDialog("ACK", "2001", "a@far", tag, 3, "z9hG4bKa3ack"));
        before = _audio.Samples.Count;
        Talk(600, 1000, 0);
        Assert.InRange(RtpSentTo(30000) - sent, 28, 31);
        Assert.True(ToneMeasurement.Share(Heard(before), 1600, 3200, 1000) > 0.9, $"{form}: the far end is not heard after the resume");
        Assert.Equal(0, media.Quality.PacketsLost);
    }

    [Fact]
    public void On_hold_a_last_packet_still_in_flight_plays_and_then_the_earpiece_is_silent_with_nothing_concealed()
    {
        string tag = ConnectFirst();
        Talk(400, 1000, 0);
        MediaSession media = _adapter.Port(1).Media!;
        long concealed = media.Quality.ConcealedMs;
        _call.Deliver(InDialog("INVITE", "2001", "a@far", tag, 2, "z9hG4bKa2", FarSdp.Replace("a=sendrecv", "a=sendonly", StringComparison.Ordinal)));
        Assert.Contains("a=recvonly", Body(_socket.Last));

        int before = _audio.Samples.Count;
        Talk(20, 1000, 0);
        Talk(600, 0, 0);
        short[] heard = Heard(before);
        int lastSound = Array.FindLastIndex(heard, s => s != 0);
        Assert.True(lastSound >= 0, "the packet in flight was not played");
        Assert.True(lastSound < 60 * 8, $"sound until {lastSound / 8} ms into the hold: concealment after the last packet");
        Assert.Equal(concealed, media.Quality.ConcealedMs);
    }

    [Fact]
    public void This_sides_re_INVITE_is_sent_again_until_answered_and_a_repeated_200_gets_the_same_ACK_again()
    {
        ConnectFirst();
        SecondCall();
        Flash();
        string hold = Sent("INVITE ", "a@far").Single();
        _call.Advance(520);
        _call.Advance(1020);
        Assert.Equal([hold, hold, hold], Sent("INVITE ", "a@far"));

        string ok = Answer(hold, 200, "OK", sdp: FarSdp.Replace("a=sendrecv", "a=inactive", StringComparison.Ordinal));
        _call.Deliver(ok);
        string ack = Sent("ACK ", "a@far").Single();
        Assert.Equal(Registrar.Header(hold, "CSeq").Replace("INVITE", "ACK", StringComparison.Ordinal), Registrar.Header(ack, "CSeq"));
        Assert.NotEqual(Registrar.Header(hold, "Via"), Registrar.Header(ack, "Via"));
        _call.Deliver(ok);
        Assert.Equal([ack, ack], Sent("ACK ", "a@far"));
        _call.Advance(4000);
        Assert.Equal(3, Sent("INVITE ", "a@far").Count);
    }

    [Fact]
    public void A_481_to_the_hold_ends_the_held_call_with_its_ACK_on_the_INVITEs_branch_and_a_BYE()
    {
        ConnectFirst();
        string tagB = SecondCall();
        Flash();
        string hold = Sent("INVITE ", "a@far").Single();
        _call.Deliver(Answer(hold, 481, "Call/Transaction Does Not Exist"));
        Assert.Equal(Registrar.Header(hold, "Via"), Registrar.Header(Sent("ACK ", "a@far").Single(), "Via"));
        Assert.Single(Sent("BYE ", "a@far"));
        Assert.Null(Calls.Other);
        _call.Deliver(InDialog("ACK", "2001", "b@far", tagB, 1, "z9hG4bKb1ack"));
        Assert.Equal((CallState.Connected, LineState.Connected), (Calls.Current!.State, Line.State));
    }

    [Fact]
    public void A_far_end_that_never_answers_the_hold_is_taken_for_gone()
    {
        ConnectFirst();
        string tagB = SecondCall();
        Flash();
        _call.Deliver(InDialog("ACK", "2001", "b@far", tagB, 1, "z9hG4bKb1ack"));
        _call.Advance(32_100);
        Assert.Single(Sent("BYE ", "a@far"));
        Assert.Null(Calls.Other);
        Assert.NotNull(Calls.Current);
    }

    [Fact]
    public void A_hold_refused_491_because_the_far_ends_re_INVITE_crossed_it_goes_again_as_a_new_offer_within_2_s()
    {
        ConnectFirst();
        string tagB = SecondCall();
        Flash();
        _call.Deliver(InDialog("ACK", "2001", "b@far", tagB, 1, "z9hG4bKb1ack"));
        string hold = Sent("INVITE ", "a@far").Single();
        _call.Deliver(Answer(hold, 491, "Request Pending"));
        Assert.Equal(Registrar.Header(hold, "Via"), Registrar.Header(Sent("ACK ", "a@far").Single(), "Via"));
        Assert.Equal(CallState.Held, Calls.Other!.State);

        // The new offer goes within RFC 3261's random 0–2 s (and, unanswered, is sent again on Timer A):
        // one new transaction, whatever the random wait.
        _call.Advance(2020);
        var holds = Transactions(Sent("INVITE ", "a@far"));
        Assert.Equal(2, holds.Count);
        string again = holds[1];
        Assert.Contains("a=inactive", Body(again));
        Assert.Equal(int.Parse(Registrar.Header(hold, "CSeq").Split(' ')[0]) + 1, int.Parse(Registrar.Header(again, "CSeq").Split(' ')[0]));
        Assert.True(OriginVersion(again) > OriginVersion(hold), "the new offer keeps the old o= version");
        _call.Deliver(Answer(again, 200, "OK", sdp: FarSdp.Replace("a=sendrecv", "a=inactive", StringComparison.Ordinal)));
        _call.Advance(3000);
        Assert.Equal(2, Transactions(Sent("INVITE ", "a@far")).Count);
    }

    /// <summary>The first of each transaction's requests (its retransmissions share the top Via's branch).</summary>
    private static List<string> Transactions(List<string> requests) =>
        [.. requests.DistinctBy(r => Registrar.Header(r, "Via"))];

    private static long OriginVersion(string message) => long.Parse(Body(message).Split("\r\n").First(l => l.StartsWith("o=", StringComparison.Ordinal)).Split(' ')[2]);
}
