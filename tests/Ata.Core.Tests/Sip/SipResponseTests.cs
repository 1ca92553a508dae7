using Ata.Core.Sip;
using Ata.Core.Sip.Auth;
using Ata.Core.Sip.Messages;

namespace Ata.Core.Tests.Sip;

public class SipResponseTests
{
    private const string Kamailio401 =
        "SIP/2.0 401 Unauthorized\r\n" +
        "Via: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bKabc;rport=40000\r\n" +
        "From: <sip:2001@127.0.0.1>;tag=f1\r\n" +
        "To: <sip:2001@127.0.0.1>;tag=t1\r\n" +
        "Call-ID: c1@ata\r\n" +
        "CSeq: 12 REGISTER\r\n" +
        "WWW-Authenticate: Digest realm=\"lab.ata\", nonce=\"n1\", qop=\"auth\"\r\n" +
        "Server: kamailio (5.6.3 (x86_64/linux))\r\n" +
        "Content-Length: 0\r\n\r\n";

    [Fact]
    public void Parses_a_real_registrar_challenge()
    {
        var r = SipResponse.Parse(Kamailio401, out string error);
        Assert.Null(error);
        Assert.Equal(401, r.StatusCode);
        Assert.Equal("Unauthorized", r.Reason);
        Assert.Equal("c1@ata", r.CallId);
        Assert.Equal(12, r.CSeqNumber);
        Assert.Equal("REGISTER", r.CSeqMethod);
        Assert.Equal("z9hG4bKabc", r.TopViaBranch);
        Assert.Single(r.Headers("www-authenticate"));
    }

    [Fact]
    public void Accepts_compact_forms_any_case_folding_and_repeated_headers()
    {
        string text =
            "sip/2.0 200 OK\n" +
            "v: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKtop, SIP/2.0/UDP 10.0.0.2;branch=z9hG4bKsecond\n" +
            "i: call@x\n" +
            "CSEQ:   7    REGISTER\n" +
            "m: <sip:a@1.2.3.4:5060>;expires=60,\n" +
            "   <sip:a@5.6.7.8:5060>;expires=\"120\"\n" +
            "Contact: <sip:a@9.9.9.9>;Expires=30\n" +
            "eXpIrEs: 3600\n" +
            "l: 0\n\n";
        var r = SipResponse.Parse(text, out string error);
        Assert.Null(error);
        Assert.Equal("call@x", r.CallId);
        Assert.Equal(7, r.CSeqNumber);
        Assert.Equal("z9hG4bKtop", r.TopViaBranch);
        Assert.Equal(3, r.Headers("contact").Count);
        Assert.Equal(60, Registration.GrantedExpiresOf(r, "sip:a@1.2.3.4:5060", null));
        Assert.Equal(120, Registration.GrantedExpiresOf(r, "sip:a@5.6.7.8:5060", null));
        Assert.Equal(30, Registration.GrantedExpiresOf(r, "SIP:A@9.9.9.9", null));
        Assert.Equal(3600, Registration.GrantedExpiresOf(r, "sip:other@1.1.1.1", null));
    }

    [Fact]
    public void Keeps_several_challenges_apart()
    {
        string text = Kamailio401.Replace("Server:", "WWW-Authenticate: Digest realm=\"b\", nonce=\"n2\", algorithm=SHA-256\r\nServer:");
        var r = SipResponse.Parse(text, out _);
        Assert.Equal(2, r.Headers("www-authenticate").Count);
    }

    [Theory]
    [InlineData("")]
    [InlineData("REGISTER sip:x SIP/2.0\r\nCall-ID: a\r\nCSeq: 1 REGISTER\r\n\r\n")]
    [InlineData("SIP/2.0 99 Low\r\nCall-ID: a\r\nCSeq: 1 REGISTER\r\n\r\n")]
    [InlineData("SIP/2.0 2000 OK\r\nCall-ID: a\r\nCSeq: 1 REGISTER\r\n\r\n")]
    [InlineData("SIP/2.0 200 OK\r\nCSeq: 1 REGISTER\r\n\r\n")]
    [InlineData("SIP/2.0 200 OK\r\nCall-ID: a\r\n\r\n")]
    [InlineData("SIP/2.0 200 OK\r\n folded first\r\nCall-ID: a\r\nCSeq: 1 REGISTER\r\n\r\n")]
    [InlineData("SIP/2.0 200 OK\r\nNo colon here\r\nCall-ID: a\r\nCSeq: 1 REGISTER\r\n\r\n")]
    [InlineData("SIP/2.0 200 OK\r\nCall-ID: a\r\nCSeq: 1 REGISTER\r\nContent-Length: 10\r\n\r\nshort")]
    [InlineData("SIP/2.0 200 OK\r\nCall-ID: a\r\nCSeq: 1 REGISTER\r\nContent-Length: -1\r\n\r\n")]
    public void Rejects_malformed_input_with_a_reason(string text)
    {
        Assert.Null(SipResponse.Parse(text, out string error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Survives_random_mutations_of_a_valid_message()
    {
        var random = new Random(42);
        byte[] original = System.Text.Encoding.UTF8.GetBytes(Kamailio401);
        for (int i = 0; i < 20000; i++)
        {
            byte[] mutated = (byte[])original.Clone();
            int changes = random.Next(1, 8);
            for (int c = 0; c < changes; c++)
            {
                mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            }

            int length = random.Next(1, mutated.Length + 1);
            var r = SipResponse.Parse(mutated, length, out string error);
            Assert.True(r is not null || error is not null);
            if (r is not null)
            {
                _ = r.CSeqNumber;
                _ = r.TopViaBranch;
                _ = Registration.GrantedExpiresOf(r, "sip:x@y", null);
                foreach (string h in r.Headers("www-authenticate"))
                {
                    DigestChallenge.Parse(h, false);
                }
            }
        }
    }
}
