using Ata.Core.Calls;
using Ata.Core.Hardware;
using Ata.Core.Provisioning;
using Ata.Core.Telephony;
using static Ata.Core.Tests.Calls.CallPeer;

namespace Ata.Core.Tests.Calls;

/// <summary>
/// An INVITE without SDP (RFC 3261 §13.2.1, "late offer", which PBXs and SBCs send): the adapter rings,
/// offers its media in the 200 and takes the answer from the ACK. Found: such calls got 488.
/// </summary>
public class LateOfferTests
{
    private const string Config = "{\"version\":3,\"lines\":[{\"username\":\"2001\",\"password\":\"pw\",\"registrar\":\"127.0.0.1:5070\",\"registrarProbeSeconds\":0}]}";

    private const string FarAnswer =
        "v=0\r\no=far 2 2 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n" +
        "m=audio 30008 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n";

    private readonly FakeSocket _socket = new();
    private readonly FakeSocket _rtp = new(40000);
    private readonly RecordingEvents _events = new();
    private readonly Adapter _adapter;
    private readonly CallHarness _call;

    public LateOfferTests()
    {
        _adapter = new Adapter("ata-1", new FakeDevice(), _socket, new FakeResolver(), new ILed[4], _events, new Random(7), 0);
        _call = new CallHarness(_adapter);
        _adapter.UseMediaSockets(1, _rtp, new FakeSocket(40001));
        _adapter.Apply(ProvisioningDocument.Parse(Config, out _)!, 0);
        _call.Deliver(Registrar.Respond(_socket.Last, 200, "OK"));
    }

    private PhoneLine Line => _adapter.Port(1).Line;

    private string Answered(string callId, string branch)
    {
        _call.Deliver(Invite("2001", callId, branch, sdp: null));
        string ringing = _socket.Sent.Last().Text;
        Assert.StartsWith("SIP/2.0 180 Ringing", ringing);
        Assert.Equal(LineState.Ringing, Line.State);

        _adapter.OnHook(1, true, _call.Now);
        _call.Advance(40);
        string ok = _socket.Sent.Last(s => s.Text.StartsWith("SIP/2.0 200", StringComparison.Ordinal)).Text;
        Assert.Contains("m=audio 40000 RTP/AVP 8 0 101", Body(ok));
        Assert.Contains("a=sendrecv", Body(ok));
        return Tag(ok, "To")!;
    }

    [Fact]
    public void The_200_carries_the_adapters_offer_and_media_follows_the_answer_in_the_ACK()
    {
        string localTag = Answered("late-1@far", "z9hG4bKlate1");
        Assert.DoesNotContain(_rtp.Sent, s => s.Port == 30008);

        _call.Deliver(InDialog("ACK", "2001", "late-1@far", localTag, 1, "z9hG4bKlateack1", FarAnswer));
        _call.Advance(200);
        Assert.Equal((LineState.Connected, CallState.Connected), (Line.State, _adapter.Calls(1).Current!.State));
        Assert.Equal("PCMU", _adapter.Calls(1).Current!.Codec);
        Assert.Contains(_rtp.Sent, s => s.Address == "198.51.100.7" && s.Port == 30008);
    }

    [Fact]
    public void An_ACK_without_the_answer_ends_the_call_with_BYE()
    {
        string localTag = Answered("late-2@far", "z9hG4bKlate2");
        _call.Deliver(InDialog("ACK", "2001", "late-2@far", localTag, 1, "z9hG4bKlateack2"));
        _call.Advance(40);
        Assert.StartsWith("BYE ", _socket.Sent.Last().Text);
        Assert.DoesNotContain(_rtp.Sent, s => s.Port == 30008);
    }
}
