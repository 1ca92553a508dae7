using System.Text;

namespace Ata.Core.Tests.Calls;

/// <summary>A test's side of a SIP conversation with the adapter: answers to its requests, and requests to it.</summary>
internal static class CallPeer
{
    public const string FarSdp =
        "v=0\r\no=far 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n" +
        "m=audio 30000 RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=sendrecv\r\n";

    /// <summary>A response to <paramref name="request"/> from a far end with tag <paramref name="tag"/>, optionally with SDP and headers.</summary>
    public static string Answer(string request, int code, string reason, string tag = "far1", string? sdp = null, params string[] headers)
    {
        var sb = new StringBuilder();
        sb.Append($"SIP/2.0 {code} {reason}\r\n");
        foreach (string line in request.Split("\r\n"))
        {
            if (line.StartsWith("Via:", StringComparison.OrdinalIgnoreCase))
            {
                sb.Append(line).Append("\r\n");
            }
        }

        string to = Registrar.Header(request, "To");
        sb.Append($"From: {Registrar.Header(request, "From")}\r\n");
        sb.Append($"To: {to}{(to.Contains(";tag=") || code == 100 ? "" : ";tag=" + tag)}\r\n");
        sb.Append($"Call-ID: {Registrar.Header(request, "Call-ID")}\r\n");
        sb.Append($"CSeq: {Registrar.Header(request, "CSeq")}\r\n");
        if (code is > 100 and < 300)
        {
            sb.Append("Contact: <sip:far@198.51.100.7:5090>\r\n");
        }

        foreach (string h in headers)
        {
            sb.Append(h).Append("\r\n");
        }

        return Finish(sb, sdp);
    }

    /// <summary>An INVITE to the adapter's user <paramref name="user"/> from 2002, through a proxy that record-routes.</summary>
    public static string Invite(string user, string callId, string branch, string? sdp = FarSdp, int cseq = 1) =>
        Finish(new StringBuilder()
            .Append($"INVITE sip:{user}@192.0.2.10:5062;ob SIP/2.0\r\n")
            .Append($"Via: SIP/2.0/UDP 127.0.0.1:5070;branch={branch}\r\n")
            .Append("Via: SIP/2.0/UDP 198.51.100.7:5090;branch=z9hG4bKcaller;rport=5090\r\n")
            .Append("Record-Route: <sip:127.0.0.1:5070;lr>\r\n")
            .Append("From: \"Kari Nordmann\" <sip:2002@lab.ata>;tag=caller1\r\n")
            .Append($"To: <sip:{user}@lab.ata>\r\n")
            .Append($"Call-ID: {callId}\r\n")
            .Append($"CSeq: {cseq} INVITE\r\n")
            .Append("Contact: <sip:2002@198.51.100.7:5090>\r\n"), sdp);

    /// <summary>A request in a dialog (BYE, ACK, CANCEL, re-INVITE) from the caller of <see cref="Invite"/>.</summary>
    public static string InDialog(string method, string user, string callId, string localTag, int cseq, string branch, string? sdp = null) =>
        Finish(new StringBuilder()
            .Append($"{method} sip:{user}@192.0.2.10:5062 SIP/2.0\r\n")
            .Append($"Via: SIP/2.0/UDP 127.0.0.1:5070;branch={branch}\r\n")
            .Append("From: \"Kari Nordmann\" <sip:2002@lab.ata>;tag=caller1\r\n")
            .Append($"To: <sip:{user}@lab.ata>{(localTag is null ? "" : ";tag=" + localTag)}\r\n")
            .Append($"Call-ID: {callId}\r\n")
            .Append($"CSeq: {cseq} {method}\r\n"), sdp);

    /// <summary>The first line of <paramref name="message"/>.</summary>
    public static string StartLine(string message) => message[..message.IndexOf("\r\n", StringComparison.Ordinal)];

    /// <summary>The tag parameter of header <paramref name="name"/>.</summary>
    public static string? Tag(string message, string name)
    {
        string value = Registrar.Header(message, name);
        int at = value.IndexOf(";tag=", StringComparison.Ordinal);
        return at < 0 ? null : value[(at + 5)..].Split(';')[0];
    }

    /// <summary>The body of <paramref name="message"/>.</summary>
    public static string Body(string message) => message[(message.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];

    private static string Finish(StringBuilder sb, string? sdp)
    {
        if (sdp is not null)
        {
            sb.Append("Content-Type: application/sdp\r\n");
        }

        sb.Append($"Content-Length: {(sdp is null ? 0 : Encoding.UTF8.GetByteCount(sdp))}\r\n\r\n");
        return sb.Append(sdp).ToString();
    }
}
