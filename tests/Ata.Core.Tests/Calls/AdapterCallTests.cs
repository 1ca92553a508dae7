using Ata.Core.Calls;
using Ata.Core.Contract;
using Ata.Core.Hardware;
using Ata.Core.Json;
using Ata.Core.Provisioning;
using Ata.Core.Telephony;
using static Ata.Core.Tests.Calls.CallPeer;

namespace Ata.Core.Tests.Calls;

/// <summary>Calls through the adapter, at the SIP level, against a far end the test plays.</summary>
public class AdapterCallTests
{
    private const string Config = "{\"version\":3,\"lines\":[{\"username\":\"2001\",\"password\":\"pw\",\"registrar\":\"127.0.0.1:5070\"," +
        "\"dialPlan\":\"(2xxx|[3-9]xxxxxxx)\",\"noAnswerSeconds\":30,\"registrarProbeSeconds\":0}]}";

    private readonly FakeSocket _socket = new();
    private readonly FakeSocket _rtp = new(40000);
    private readonly RecordingEvents _events = new();
    private readonly Adapter _adapter;
    private readonly CallHarness _call;

    public AdapterCallTests()
    {
        _adapter = new Adapter("ata-1", new FakeDevice(), _socket, new FakeResolver(), new ILed[4], _events, new Random(7), 0);
        _call = new CallHarness(_adapter);
        _adapter.UseMediaSockets(1, _rtp, new FakeSocket(40001));
        _adapter.Apply(ProvisioningDocument.Parse(Config, out _)!, 0);
        _call.Deliver(Registrar.Respond(_socket.Last, 200, "OK"));
        Assert.Equal("registered", _adapter.Sip.StateOf(1));
    }

    private List<string> Sent(string startsWith) => _socket.Sent.Select(s => s.Text).Where(t => t.StartsWith(startsWith, StringComparison.Ordinal)).ToList();

    private string LastSent(string startsWith) => Sent(startsWith).Last();

    private PhoneLine Line => _adapter.Port(1).Line;

    private CallRecord? Call => _adapter.Calls(1).Current;

    private string Dial(string number)
    {
        _adapter.OnHook(1, true, _call.Now);
        _call.Advance(40);
        foreach (char key in number)
        {
            Line.Digit(key, PhoneLine.Dtmf, _call.Now);
        }

        _call.Advance(20);
        return LastSent("INVITE ");
    }

    [Fact]
    public void An_outgoing_call_answers_the_proxy_challenge_rings_back_connects_and_hangs_up_with_BYE()
    {
        string invite = Dial("2002");
        Assert.StartsWith("INVITE sip:2002@127.0.0.1:5070 SIP/2.0", invite);
        Assert.Contains("m=audio 40000 RTP/AVP 8 0 101", Body(invite));
        Assert.DoesNotContain("Priority", invite);
        Assert.Equal(LineState.Calling, Line.State);

        _call.Deliver(Answer(invite, 407, "Proxy Authentication Required", headers: "Proxy-Authenticate: Digest realm=\"lab.ata\", nonce=\"n1\", qop=\"auth\", algorithm=MD5"));
        Assert.Contains(Sent("ACK "), a => Registrar.Header(a, "CSeq").EndsWith("INVITE".Replace("INVITE", "ACK")));
        string authenticated = LastSent("INVITE ");
        Assert.Contains("Proxy-Authorization: Digest", authenticated);
        Assert.Equal(int.Parse(Registrar.Header(invite, "CSeq").Split(' ')[0]) + 1, int.Parse(Registrar.Header(authenticated, "CSeq").Split(' ')[0]));
        Assert.Equal(Registrar.Header(invite, "Call-ID"), Registrar.Header(authenticated, "Call-ID"));

        _call.Deliver(Answer(authenticated, 180, "Ringing"));
        Assert.Equal((LineState.Ringback, "ringback"), (Line.State, Line.ToneName));
        Assert.Equal(CallState.Ringing, Call!.State);

        _call.Deliver(Answer(authenticated, 200, "OK", sdp: FarSdp, headers: "Record-Route: <sip:127.0.0.1:5070;lr>"));
        string ack = LastSent("ACK ");
        Assert.StartsWith("ACK sip:far@198.51.100.7:5090 SIP/2.0", ack);
        Assert.Contains("Route: <sip:127.0.0.1:5070;lr>", ack);
        Assert.Equal("far1", Tag(ack, "To"));
        Assert.NotEqual(Registrar.Header(authenticated, "Via"), Registrar.Header(ack, "Via"));
        Assert.Equal((LineState.Connected, CallState.Connected, "PCMA"), (Line.State, Call.State, Call.Codec));
        Assert.NotNull(_adapter.Port(1).Media);

        // The far end did not hear the ACK: its 2xx again is ACKed again.
        _call.Deliver(Answer(authenticated, 200, "OK", sdp: FarSdp, headers: "Record-Route: <sip:127.0.0.1:5070;lr>"));
        Assert.Equal(2, Sent("ACK sip:far").Count);

        _call.Advance(200);
        Assert.NotEmpty(_rtp.Sent);
        Assert.All(_rtp.Sent, p => Assert.Equal(("198.51.100.7", 30000), (p.Address, p.Port)));

        _adapter.OnHook(1, false, _call.Now);
        _call.Advance(_adapter.Port(1).FlashMaxMs + 40);
        string bye = LastSent("BYE ");
        Assert.Equal(Registrar.Header(authenticated, "Call-ID"), Registrar.Header(bye, "Call-ID"));
        Assert.Equal(("127.0.0.1", 5070), (_socket.Sent.Last(s => s.Text.StartsWith("BYE")).Address, _socket.Sent.Last(s => s.Text.StartsWith("BYE")).Port));
        var ended = _events.Calls.Last();
        Assert.Equal((CallState.Ended, CallOutcome.Completed), (ended.State, ended.Outcome));
        _call.Deliver(Answer(bye, 200, "OK"));
        Assert.Null(_adapter.Port(1).Media);
    }

    [Theory]
    [InlineData(486, "Busy Here", "busy", CallOutcome.Busy)]
    [InlineData(404, "Not Found", "special-information", CallOutcome.NotReachable)]
    [InlineData(403, "Forbidden", "refusal", CallOutcome.Refused)]
    [InlineData(503, "Service Unavailable", "congestion", CallOutcome.NetworkFailure)]
    public void A_refused_call_is_ACKed_and_gives_the_tone_for_its_cause(int code, string reason, string tone, string outcome)
    {
        string invite = Dial("2002");
        _call.Deliver(Answer(invite, code, reason));
        string ack = LastSent("ACK ");
        Assert.Equal(Registrar.Header(invite, "Via"), Registrar.Header(ack, "Via"));
        Assert.Equal((LineState.Signalling, tone), (Line.State, Line.ToneName));
        var ended = _events.Calls.Last();
        Assert.Equal((outcome, code, reason), (ended.Outcome, ended.SipCode, ended.Reason));
        Assert.Contains(_events.Log, l => l.StartsWith($"call 1 outgoing ended {outcome} {code}", StringComparison.Ordinal));

        // A retransmitted failure is ACKed again.
        _call.Deliver(Answer(invite, code, reason));
        Assert.Equal(2, Sent("ACK ").Count);
    }

    [Fact]
    public void Hanging_up_while_the_far_end_rings_sends_CANCEL_and_ACKs_the_487()
    {
        string invite = Dial("2002");
        _call.Deliver(Answer(invite, 180, "Ringing"));
        _adapter.OnHook(1, false, _call.Now);
        _call.Advance(_adapter.Port(1).FlashMaxMs + 40);
        string cancel = LastSent("CANCEL ");
        Assert.Equal(Registrar.Header(invite, "Via"), Registrar.Header(cancel, "Via"));
        Assert.EndsWith(" CANCEL", Registrar.Header(cancel, "CSeq"));
        _call.Deliver(Answer(cancel, 200, "OK"));
        _call.Deliver(Answer(invite, 487, "Request Terminated"));
        Assert.Single(Sent("ACK "));
        Assert.Equal(CallOutcome.Abandoned, _events.Calls.Last().Outcome);
        Assert.Equal(LineState.Idle, Line.State);
    }

    [Fact]
    public void Before_any_provisional_answer_the_CANCEL_waits_for_one()
    {
        string invite = Dial("2002");
        _adapter.OnHook(1, false, _call.Now);
        _call.Advance(_adapter.Port(1).FlashMaxMs + 40);
        Assert.Empty(Sent("CANCEL "));
        _call.Deliver(Answer(invite, 100, "Trying"));
        Assert.Single(Sent("CANCEL "));
    }

    [Fact]
    public void A_call_answered_after_the_caller_gave_up_is_ACKed_and_ended_with_BYE()
    {
        string invite = Dial("2002");
        _call.Deliver(Answer(invite, 180, "Ringing"));
        _adapter.OnHook(1, false, _call.Now);
        _call.Advance(_adapter.Port(1).FlashMaxMs + 40);
        _call.Deliver(Answer(invite, 200, "OK", sdp: FarSdp));
        Assert.Single(Sent("ACK "));
        Assert.Single(Sent("BYE "));
    }

    [Fact]
    public void The_INVITE_is_retransmitted_on_UDP_until_a_provisional_answer_then_no_answer_is_a_timeout()
    {
        string invite = Dial("2002");
        _call.Advance(1600);
        Assert.Equal(3, Sent("INVITE ").Count);
        _call.Deliver(Answer(invite, 100, "Trying"));
        _call.Advance(5000);
        Assert.Equal(3, Sent("INVITE ").Count);
        Assert.Equal(LineState.Calling, Line.State);
    }

    [Fact]
    public void Nobody_answering_within_the_no_answer_limit_gives_up_with_congestion()
    {
        string invite = Dial("2002");
        _call.Deliver(Answer(invite, 180, "Ringing"));
        _call.Advance(29_000);
        Assert.Empty(Sent("CANCEL "));
        _call.Advance(1_500);
        Assert.Single(Sent("CANCEL ").Select(c => Registrar.Header(c, "Via")).Distinct());
        Assert.Equal((LineState.Signalling, "congestion"), (Line.State, Line.ToneName));
        Assert.Equal(CallOutcome.NoAnswer, _events.Calls.Last().Outcome);
    }

    [Fact]
    public void An_incoming_call_rings_is_answered_on_lifting_the_handset_and_ends_with_the_callers_BYE()
    {
        _call.Deliver(Invite("2001", "in-1@far", "z9hG4bKin1"));
        string ringing = _socket.Sent.Last().Text;
        Assert.StartsWith("SIP/2.0 180 Ringing", ringing);
        Assert.Equal(("127.0.0.1", 5070), (_socket.Sent.Last().Address, _socket.Sent.Last().Port));
        string localTag = Tag(ringing, "To")!;
        Assert.NotNull(localTag);
        Assert.Equal(LineState.Ringing, Line.State);
        Assert.Equal(("incoming", "*002"), (Call!.Direction, Call.FarEndMasked));

        // The caller repeats its INVITE: the 180 again.
        _call.Deliver(Invite("2001", "in-1@far", "z9hG4bKin1"));
        Assert.Equal(2, _socket.Sent.Count(s => s.Text.StartsWith("SIP/2.0 180")));

        _adapter.OnHook(1, true, _call.Now);
        _call.Advance(40);
        string ok = _socket.Sent.Last(s => s.Text.StartsWith("SIP/2.0 200")).Text;
        Assert.Contains("Record-Route: <sip:127.0.0.1:5070;lr>", ok);
        Assert.Contains("Contact: <sip:2001@192.0.2.10:5062>", ok);
        Assert.Contains("m=audio 40000 RTP/AVP 8 101", Body(ok));
        Assert.Equal(localTag, Tag(ok, "To"));

        // No ACK yet: the 200 goes again.
        _call.Advance(600);
        Assert.Equal(2, _socket.Sent.Count(s => s.Text.StartsWith("SIP/2.0 200")));
        _call.Deliver(InDialog("ACK", "2001", "in-1@far", localTag, 1, "z9hG4bKack1"));
        _call.Advance(5000);
        Assert.Equal(2, _socket.Sent.Count(s => s.Text.StartsWith("SIP/2.0 200")));
        Assert.Equal((LineState.Connected, CallState.Connected), (Line.State, Call.State));

        _call.Deliver(InDialog("BYE", "2001", "in-1@far", localTag, 2, "z9hG4bKbye1"));
        Assert.StartsWith("SIP/2.0 200 OK", _socket.Sent.Last().Text);
        Assert.Equal((LineState.Signalling, "busy"), (Line.State, Line.ToneName));
        var ended = _events.Calls.Last();
        Assert.True(ended.EndedByFarEnd);
        Assert.Equal(CallOutcome.Completed, ended.Outcome);
    }

    [Fact]
    public void A_caller_who_gives_up_gets_200_to_CANCEL_and_487_and_the_ringing_stops()
    {
        _call.Deliver(Invite("2001", "in-2@far", "z9hG4bKin2"));
        Assert.Equal(LineState.Ringing, Line.State);
        _call.Deliver(InDialog("CANCEL", "2001", "in-2@far", null!, 1, "z9hG4bKin2"));
        Assert.Contains(_socket.Sent, s => s.Text.StartsWith("SIP/2.0 200 OK") && s.Text.Contains("CSeq: 1 CANCEL"));
        Assert.StartsWith("SIP/2.0 487 Request Terminated", _socket.Sent.Last().Text);
        Assert.Equal(LineState.Idle, Line.State);
        Assert.Equal(CallOutcome.Missed, _events.Calls.Last().Outcome);
    }

    [Fact]
    public void A_second_call_to_a_line_in_use_is_busy_and_one_for_no_line_is_not_found()
    {
        _call.Deliver(Invite("2001", "in-3@far", "z9hG4bKin3"));
        _call.Deliver(Invite("2001", "in-4@far", "z9hG4bKin4"));
        Assert.StartsWith("SIP/2.0 486 Busy Here", _socket.Sent.Last().Text);
        _call.Deliver(Invite("2999", "in-5@far", "z9hG4bKin5"));
        Assert.StartsWith("SIP/2.0 404 Not Found", _socket.Sent.Last().Text);
        Assert.Equal(LineState.Ringing, Line.State);
    }

    [Theory]
    [InlineData("v=0\r\nthis is not sdp\r\n", "SIP/2.0 400")]
    [InlineData("v=0\r\no=far 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\nm=audio 30000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n", "SIP/2.0 488")]
    public void An_offer_the_adapter_cannot_take_is_refused_and_the_phone_does_not_ring(string sdp, string status)
    {
        _call.Deliver(Invite("2001", "in-6@far", "z9hG4bKin6", sdp));
        Assert.StartsWith(status, _socket.Sent.Last().Text);
        Assert.Equal(LineState.Idle, Line.State);
    }

    [Theory]
    [InlineData("OPTIONS", "SIP/2.0 200 OK")]
    [InlineData("BYE", "SIP/2.0 481")]
    [InlineData("MESSAGE", "SIP/2.0 405")]
    public void Requests_outside_any_call_get_the_right_answer(string method, string status)
    {
        _call.Deliver(InDialog(method, "2001", "stray@far", null!, 1, "z9hG4bKstray"));
        Assert.StartsWith(status, _socket.Sent.Last().Text);
    }

    [Fact]
    public void A_far_end_that_holds_the_call_is_answered_receive_only()
    {
        _call.Deliver(Invite("2001", "in-7@far", "z9hG4bKin7"));
        string localTag = Tag(_socket.Sent.Last().Text, "To")!;
        _adapter.OnHook(1, true, _call.Now);
        _call.Advance(40);
        _call.Deliver(InDialog("ACK", "2001", "in-7@far", localTag, 1, "z9hG4bKack7"));
        _call.Deliver(InDialog("INVITE", "2001", "in-7@far", localTag, 2, "z9hG4bKre7", FarSdp.Replace("a=sendrecv", "a=sendonly")));
        string ok = _socket.Sent.Last().Text;
        Assert.StartsWith("SIP/2.0 200 OK", ok);
        Assert.Contains("a=recvonly", Body(ok));
        Assert.Equal("recvonly", MediaDirectionName(_adapter));
    }

    private static string MediaDirectionName(Adapter adapter) =>
        Ata.Core.Sdp.SdpWriter.DirectionName(adapter.Port(1).Media!.Parameters.Direction);

    [Fact]
    public void The_health_report_shows_the_call_with_the_number_masked()
    {
        string invite = Dial("32334455");
        _call.Deliver(Answer(invite, 200, "OK", sdp: FarSdp));
        var health = JsonReader.ParseObject(_adapter.HealthJson(_call.Now));
        var line = (System.Collections.Hashtable)JsonObject.GetArray(health, Fields.Lines)![0]!;
        var call = (System.Collections.Hashtable)Assert.Single(JsonObject.GetArray(line, Fields.Calls)!.Cast<object>());
        Assert.Equal(("connected", "outgoing", "*****455", "PCMA"),
            ((string)call[Fields.State]!, (string)call[Fields.Direction]!, (string)call[Fields.FarEnd]!, (string)call[Fields.Codec]!));
        Assert.DoesNotContain("32334455", _adapter.HealthJson(_call.Now));
    }

    [Fact]
    public void The_board_s_echo_path_delay_reaches_each_call_s_echo_canceller()
    {
        _adapter.UseEchoPathDelay(160);
        string invite = Dial("2002");
        _call.Deliver(Answer(invite, 407, "Proxy Authentication Required", headers: "Proxy-Authenticate: Digest realm=\"lab.ata\", nonce=\"n1\", qop=\"auth\", algorithm=MD5"));
        string authenticated = LastSent("INVITE ");
        _call.Deliver(Answer(authenticated, 200, "OK", sdp: FarSdp));
        Assert.Equal(160, _adapter.Port(1).Media!.EchoCanceller.BulkDelaySamples);
    }
}
