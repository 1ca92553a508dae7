using Ata.Core.Hardware;
using Ata.Core.Provisioning;
using Ata.Core.Telephony;
using static Ata.Core.Tests.Calls.CallPeer;

namespace Ata.Core.Tests.Calls;

/// <summary>
/// Requests that require a SIP extension the adapter does not implement (RFC 3261 §8.2.2.3): refused
/// with 420 and the tags in Unsupported, never taken as if the extension were there.
/// </summary>
public class SipExtensionTests
{
    private const string Config = "{\"version\":3,\"lines\":[{\"username\":\"2001\",\"password\":\"pw\",\"registrar\":\"127.0.0.1:5070\",\"registrarProbeSeconds\":0}]}";

    private readonly FakeSocket _socket = new();
    private readonly Adapter _adapter;
    private readonly CallHarness _call;

    public SipExtensionTests()
    {
        _adapter = new Adapter("ata-1", new FakeDevice(), _socket, new FakeResolver(), new ILed[4], new RecordingEvents(), new Random(7), 0);
        _call = new CallHarness(_adapter);
        _adapter.UseMediaSockets(1, new FakeSocket(40000), new FakeSocket(40001));
        _adapter.Apply(ProvisioningDocument.Parse(Config, out _)!, 0);
        _call.Deliver(Registrar.Respond(_socket.Last, 200, "OK"));
    }

    private static string WithHeader(string message, string header) =>
        message.Replace("Call-ID:", header + "\r\nCall-ID:", StringComparison.Ordinal);

    [Fact]
    public void An_INVITE_that_requires_reliable_provisional_responses_gets_420_and_the_phone_stays_quiet()
    {
        _call.Deliver(WithHeader(Invite("2001", "rel-1@far", "z9hG4bKrel1"), "Require: 100rel, timer"));

        string answer = _socket.Sent.Last().Text;
        Assert.StartsWith("SIP/2.0 420 Bad Extension", answer);
        Assert.Equal("100rel, timer", Registrar.Header(answer, "Unsupported"));
        Assert.DoesNotContain(_socket.Sent, s => s.Text.StartsWith("SIP/2.0 180", StringComparison.Ordinal));
        Assert.Equal(LineState.Idle, _adapter.Port(1).Line.State);
    }

    [Fact]
    public void An_INVITE_that_only_supports_an_extension_rings_as_usual()
    {
        _call.Deliver(WithHeader(Invite("2001", "sup-1@far", "z9hG4bKsup1"), "Supported: 100rel, timer"));

        Assert.StartsWith("SIP/2.0 180 Ringing", _socket.Sent.Last().Text);
        Assert.Equal(LineState.Ringing, _adapter.Port(1).Line.State);
    }

    [Fact]
    public void An_OPTIONS_that_requires_an_extension_gets_420_too()
    {
        string options = "OPTIONS sip:2001@192.0.2.10:5062 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKopt\r\n" +
            "From: <sip:probe@lab.ata>;tag=p1\r\nTo: <sip:2001@lab.ata>\r\nRequire: foo\r\nCall-ID: opt-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
        _call.Deliver(options);

        string answer = _socket.Sent.Last().Text;
        Assert.StartsWith("SIP/2.0 420 Bad Extension", answer);
        Assert.Equal("foo", Registrar.Header(answer, "Unsupported"));
    }
}
