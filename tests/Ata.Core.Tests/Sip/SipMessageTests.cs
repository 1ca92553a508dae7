using System.Text;
using Ata.Core.Sip.Messages;

namespace Ata.Core.Tests.Sip;

/// <summary>The SIP message parser over bytes: requests and responses, bodies as octets, linear work.</summary>
public class SipMessageTests
{
    private static byte[] B(string text) => Encoding.UTF8.GetBytes(text);

    private static SipMessage Parse(byte[] bytes)
    {
        var message = SipMessage.Parse(bytes, 0, bytes.Length, out string error);
        Assert.True(message is not null, error);
        return message!;
    }

    private const string Invite =
        "INVITE sip:2001@192.0.2.10:5062 SIP/2.0\r\n" +
        "v: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKinv1;rport\r\n" +
        "Max-Forwards: 69\r\n" +
        "f: \"Anne\" <sip:3001@lab.ata>;tag=a1\r\n" +
        "t: <sip:2001@lab.ata>\r\n" +
        "i: call-1@peer\r\n" +
        "CSeq: 4711 INVITE\r\n" +
        "m: <sip:3001@198.51.100.1:5060>\r\n" +
        "c: application/sdp\r\n";

    [Fact]
    public void Reads_a_request_with_its_method_uri_compact_headers_and_body()
    {
        byte[] sdp = B("v=0\r\no=- 1 1 IN IP4 198.51.100.1\r\ns=-\r\nc=IN IP4 198.51.100.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 8 0\r\n");
        var request = Assert.IsType<SipRequest>(Parse(B(Invite + $"l: {sdp.Length}\r\n\r\n").Concat(sdp).ToArray()));
        Assert.Equal("INVITE", request.Method);
        Assert.Equal("sip:2001@192.0.2.10:5062", request.RequestUri);
        Assert.Equal("call-1@peer", request.CallId);
        Assert.Equal(4711, request.CSeqNumber);
        Assert.Equal("INVITE", request.CSeqMethod);
        Assert.Equal("z9hG4bKinv1", request.TopViaBranch);
        Assert.Equal("\"Anne\" <sip:3001@lab.ata>;tag=a1", request.Header("from"));
        Assert.Equal("application/sdp", request.ContentType);
        Assert.Equal(sdp, request.Body);
    }

    [Theory]
    [InlineData("2147483647", 2147483647)] // 2^31 - 1: the largest CSeq RFC 3261 allows, 10 digits
    [InlineData("1000000000", 1000000000)]
    [InlineData("0000000001", 1)]
    [InlineData("2147483648", -1)] // 2^31: over the limit, malformed
    [InlineData("99999999999", -1)]
    public void Reads_a_CSeq_number_of_up_to_ten_digits_up_to_the_RFC_3261_limit(string number, int expected)
    {
        string text = Invite.Replace("CSeq: 4711 INVITE", $"CSeq: {number} INVITE") + "l: 0\r\n\r\n";
        var request = Assert.IsType<SipRequest>(Parse(B(text)));
        Assert.Equal(expected, request.CSeqNumber);
    }

    [Theory]
    [InlineData("OPTIONS sip:lab.ata SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKo\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:lab.ata>\r\nCall-ID: o\r\nCSeq: 1 OPTIONS\r\n\r\n", "OPTIONS")]
    [InlineData("BYE sip:2001@192.0.2.10 SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKb\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:2001@y>;tag=2\r\nCall-ID: c\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n", "BYE")]
    [InlineData("CANCEL sip:2001@192.0.2.10 SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKi\r\nFrom: <sip:x@y>;tag=1\r\nTo: <sip:2001@y>\r\nCall-ID: c\r\nCSeq: 1 CANCEL\r\n\r\n", "CANCEL")]
    [InlineData("NOTIFY sip:2001@192.0.2.10 SIP/2.0\r\nv: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKn\r\nf: <sip:x@y>;tag=1\r\nt: <sip:2001@y>;tag=2\r\ni: c\r\nCSeq: 3 NOTIFY\r\no: message-summary\r\nl: 0\r\n\r\n", "NOTIFY")]
    public void Reads_the_requests_calls_will_receive(string text, string method)
    {
        var request = Assert.IsType<SipRequest>(Parse(B(text)));
        Assert.Equal(method, request.Method);
        Assert.Equal(method, request.CSeqMethod);
        Assert.Empty(request.Body);
    }

    [Fact]
    public void Keeps_a_body_with_a_NUL_byte_whole()
    {
        // On nanoFramework a string ends at a NUL: a parser that made the datagram a string refused
        // this as "body shorter than Content-Length". The body stays bytes here.
        byte[] body = [(byte)'a', 0, (byte)'b', 0, 0, (byte)'c'];
        byte[] message = B(Invite + "Content-Length: 6\r\n\r\n").Concat(body).ToArray();
        Assert.Equal(body, Parse(message).Body);
    }

    [Fact]
    public void Counts_Content_Length_in_octets_when_the_body_is_not_ASCII()
    {
        // "Grüße, Ærø" is 10 characters and 14 octets: Content-Length counts octets (RFC 3261 §20.14).
        byte[] body = B("Grüße, Ærø");
        Assert.Equal(14, body.Length);
        string head = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKx\r\nCall-ID: c\r\nCSeq: 1 MESSAGE\r\n" +
            "Content-Type: text/plain;charset=utf-8\r\nContent-Length: 14\r\n\r\n";
        byte[] message = B(head).Concat(body).ToArray();
        var response = SipResponse.Parse(message, message.Length, out string error);
        Assert.True(response is not null, error);
        Assert.Equal(body, response!.Body);
    }

    [Fact]
    public void Drops_octets_past_Content_Length_and_takes_the_rest_of_a_datagram_without_one()
    {
        Assert.Equal(B("abc"), Parse(B(Invite + "Content-Length: 3\r\n\r\nabcdef")).Body);
        Assert.Equal(B("abcdef"), Parse(B(Invite + "\r\nabcdef")).Body);
    }

    [Fact]
    public void Joins_folded_lines_with_one_space_and_finds_names_in_any_case()
    {
        string text = "SIP/2.0 200 OK\r\nVIA: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKf\r\ncall-ID: c\r\ncseq: 1 REGISTER\r\n" +
            "Contact: <sip:a@1.2.3.4>;expires=60,\r\n   \t <sip:b@1.2.3.4>;expires=30 \r\n\t,<sip:c@1.2.3.4>\r\n" +
            "Subject  : folded\n  across\r\n    three lines\r\n\r\n";
        var m = Parse(B(text));
        Assert.Equal("z9hG4bKf", m.TopViaBranch);
        Assert.Equal("<sip:a@1.2.3.4>;expires=60, <sip:b@1.2.3.4>;expires=30 ,<sip:c@1.2.3.4>", m.Header("contact"));
        Assert.Equal(3, m.Headers("contact").Count);
        Assert.Equal("folded across three lines", m.Header("subject"));
    }

    [Fact]
    public void Skips_keep_alive_CRLFs_before_the_start_line()
    {
        Assert.IsType<SipResponse>(Parse(B("\r\n\r\nSIP/2.0 200 OK\r\nCall-ID: a\r\nCSeq: 1 OPTIONS\r\n\r\n")));
        Assert.Null(SipMessage.Parse(B("\r\n\r\n"), 0, 4, out string error));
        Assert.Equal("no start line", error);
    }

    [Fact]
    public void Reads_a_message_in_the_middle_of_a_buffer()
    {
        byte[] framed = B("xxxxSIP/2.0 486 Busy Here\r\nCall-ID: a\r\nCSeq: 1 INVITE\r\nContent-Length: 2\r\n\r\nokyyyy");
        var response = Assert.IsType<SipResponse>(SipMessage.Parse(framed, 4, framed.Length - 8, out _));
        Assert.Equal(486, response.StatusCode);
        Assert.Equal("Busy Here", response.Reason);
        Assert.Equal(B("ok"), response.Body);
    }

    [Theory]
    [InlineData("INVITE sip:x SIP/2.0\r\nCall-ID: a\r\nCSeq: 1 INVITE\r\n\r\n", "request without Via, From or To")]
    [InlineData("INVITE  sip:x SIP/2.0\r\nCall-ID: a\r\nCSeq: 1 INVITE\r\n\r\n", "not a SIP/2.0 request or response")]
    [InlineData("INVITE sip:x SIP/3.0\r\nCall-ID: a\r\nCSeq: 1 INVITE\r\n\r\n", "not SIP/2.0")]
    [InlineData("HELLO\r\n\r\n", "not a SIP/2.0 request or response")]
    [InlineData("SIP/2.0 200 OK\r\nCall-ID: a\0b\r\nCSeq: 1 REGISTER\r\n\r\n", "NUL in a header")]
    [InlineData("SIP/2.0 200 OK\r\nCall-ID: a\r\nCSeq: 1 REGISTER\r\nContent-Length: 5\r\n", "body shorter than Content-Length")]
    [InlineData("SIP/2.0 200 OK\r\nBad Name: a\r\nCall-ID: a\r\nCSeq: 1 REGISTER\r\n\r\n", "bad header name")]
    public void Refuses_malformed_messages_with_a_reason(string text, string reason)
    {
        byte[] bytes = B(text);
        Assert.Null(SipMessage.Parse(bytes, 0, bytes.Length, out string error));
        Assert.Equal(reason, error);
    }

    [Fact]
    public void Work_grows_linearly_with_the_message()
    {
        // The parser's own count of bytes looked at, for messages 1, 4 and 16 times as long (many
        // headers, long folded values and a body): a quadratic pass would multiply it by 256, not 16.
        int[] visited = new int[3];
        int[] length = new int[3];
        int[] factors = [1, 4, 16];
        for (int i = 0; i < 3; i++)
        {
            var text = new StringBuilder("SIP/2.0 200 OK\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\n");
            for (int n = 0; n < factors[i]; n++)
            {
                text.Append($"Contact: <sip:user{n}@192.0.2.{n % 250}:5060>;expires=60,\r\n <sip:other{n}@192.0.2.1>\r\n");
                text.Append($"X-Note-{n}: some words about nothing\r\n");
            }

            string body = new('b', 60 * factors[i]);
            text.Append($"Content-Length: {body.Length}\r\n\r\n{body}");
            byte[] bytes = B(text.ToString());
            Assert.True(bytes.Length <= SipMessage.MaxLength);
            visited[i] = Parse(bytes).BytesVisited;
            length[i] = bytes.Length;
        }

        // Work per byte stays the same (a few looks at each byte) however long the message.
        double perByte = (double)visited[0] / length[0];
        Assert.InRange(perByte, 1.0, 4.0);
        for (int i = 1; i < 3; i++)
        {
            Assert.InRange((double)visited[i] / length[i], perByte * 0.8, perByte * 1.25);
        }
    }
}

/// <summary>The request writer: every request a line sends, checked by reading it back.</summary>
public class SipRequestWriterTests
{
    [Fact]
    public void Writes_a_request_that_reads_back_with_the_body_counted_in_octets()
    {
        byte[] body = Encoding.UTF8.GetBytes("v=0\r\ns=Grüße\r\n");
        byte[] bytes = new SipRequestWriter("INVITE", "sip:3001@lab.ata")
            .Via("UDP", "192.0.2.10", 5062, "z9hG4bKw1")
            .Route("sip:proxy.lab.ata;lr")
            .From("sip:2001@lab.ata", "t1")
            .To("sip:3001@lab.ata", null)
            .CallId("call@ata")
            .CSeq(7)
            .Contact("sip:2001@192.0.2.10:5062", null)
            .Body("application/sdp", body)
            .ToBytes();
        string text = Encoding.UTF8.GetString(bytes);
        Assert.StartsWith("INVITE sip:3001@lab.ata SIP/2.0\r\nMax-Forwards: 70\r\n", text);
        Assert.Contains("Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKw1;rport\r\n", text);
        Assert.Contains("Route: <sip:proxy.lab.ata;lr>\r\n", text);
        Assert.Contains($"Content-Length: {body.Length}\r\n\r\n", text);

        var request = Assert.IsType<SipRequest>(SipMessage.Parse(bytes, 0, bytes.Length, out string error));
        Assert.Null(error);
        Assert.Equal("7 INVITE", request.Header("cseq"));
        Assert.Equal("<sip:2001@lab.ata>;tag=t1", request.Header("from"));
        Assert.Equal("<sip:3001@lab.ata>", request.Header("to"));
        Assert.Equal("application/sdp", request.ContentType);
        Assert.Equal(body, request.Body);
    }

    [Fact]
    public void Puts_the_far_ends_tag_on_To_inside_a_dialog()
    {
        string text = Encoding.UTF8.GetString(new SipRequestWriter("BYE", "sip:3001@198.51.100.1")
            .To("sip:3001@lab.ata", "far").CSeq(8).ToBytes());
        Assert.Contains("To: <sip:3001@lab.ata>;tag=far\r\n", text);
        Assert.Contains("CSeq: 8 BYE\r\n", text);
        Assert.EndsWith("Content-Length: 0\r\n\r\n", text);
    }
}
