using Ata.Core.Sip.Auth;
using Ata.Core.Sip.Messages;

namespace Ata.Core.Tests.Sip;

/// <summary>The digest answerer REGISTER uses now and INVITE will: one account, any request.</summary>
public class DigestAnswererTests
{
    private static SipResponse Challenge(int code, params string[] challenges)
    {
        string header = code == 407 ? "Proxy-Authenticate" : "WWW-Authenticate";
        string lines = string.Concat(challenges.Select(c => $"{header}: {c}\r\n"));
        return SipResponse.Parse($"SIP/2.0 {code} Auth\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n{lines}\r\n", out _)!;
    }

    private static string Authorization(SipRequestWriter request) => System.Text.Encoding.UTF8.GetString(request.ToBytes());

    [Fact]
    public void Answers_a_proxy_challenge_to_an_INVITE_signing_its_method_and_uri()
    {
        var answerer = new DigestAnswerer("2001", "secret", null!, null!, new Random(1));
        Assert.Equal(DigestAnswerer.Answer, answerer.OnChallenge(Challenge(407, "Digest realm=\"lab.ata\", nonce=\"n1\", qop=\"auth\"")));
        var invite = new SipRequestWriter("INVITE", "sip:3001@lab.ata");
        answerer.Authorize(invite);
        string text = Authorization(invite);
        Assert.Contains("Proxy-Authorization: Digest username=\"2001\"", text);
        Assert.Contains("uri=\"sip:3001@lab.ata\"", text);
        string cnonce = System.Text.RegularExpressions.Regex.Match(text, "cnonce=\"([^\"]+)\"").Groups[1].Value;
        Assert.Contains(DigestChallenge.ComputeResponse("2001", "lab.ata", "secret", "INVITE", "sip:3001@lab.ata", "n1", true, "00000001", cnonce), text);
    }

    [Fact]
    public void Reuses_the_nonce_with_a_rising_count_and_adds_nothing_without_a_challenge()
    {
        var answerer = new DigestAnswerer("2001", "secret", null!, null!, new Random(1));
        var first = new SipRequestWriter("REGISTER", "sip:lab.ata");
        answerer.Authorize(first);
        Assert.DoesNotContain("Authorization", Authorization(first));

        answerer.OnChallenge(Challenge(401, "Digest realm=\"lab.ata\", nonce=\"n1\", qop=\"auth\""));
        var second = new SipRequestWriter("REGISTER", "sip:lab.ata");
        answerer.Authorize(second);
        var third = new SipRequestWriter("REGISTER", "sip:lab.ata");
        answerer.Authorize(third);
        Assert.Contains("nc=00000001", Authorization(second));
        Assert.Contains("nc=00000002", Authorization(third));
        Assert.False(answerer.SentFreshCredentials);
    }

    [Fact]
    public void A_second_challenge_right_after_fresh_credentials_means_they_are_wrong_unless_stale()
    {
        var answerer = new DigestAnswerer("2001", "secret", null!, null!, new Random(1));
        answerer.OnChallenge(Challenge(401, "Digest realm=\"r\", nonce=\"n1\""));
        answerer.Authorize(new SipRequestWriter("REGISTER", "sip:r"));
        Assert.True(answerer.SentFreshCredentials);
        Assert.Equal(DigestAnswerer.Answer, answerer.OnChallenge(Challenge(401, "Digest realm=\"r\", nonce=\"n2\", stale=true")));
        answerer.Authorize(new SipRequestWriter("REGISTER", "sip:r"));
        Assert.Equal(DigestAnswerer.Rejected, answerer.OnChallenge(Challenge(401, "Digest realm=\"r\", nonce=\"n3\"")));
        Assert.False(answerer.HasChallenge);
    }

    [Fact]
    public void Says_why_a_challenge_cannot_be_answered()
    {
        var withPassword = new DigestAnswerer("2001", "secret", null!, null!, new Random(1));
        Assert.Equal(DigestAnswerer.Unsupported, withPassword.OnChallenge(Challenge(401, "Basic realm=\"r\"")));
        var withHa1 = new DigestAnswerer("2001", null!, Md5.HexOf("2001:r:secret"), "r", new Random(1));
        Assert.Equal(DigestAnswerer.OtherRealm, withHa1.OnChallenge(Challenge(401, "Digest realm=\"elsewhere\", nonce=\"n\"")));
        Assert.Equal(DigestAnswerer.Answer, withHa1.OnChallenge(Challenge(401,
            "Digest realm=\"r\", nonce=\"s\", algorithm=SHA-256", "Digest realm=\"r\", nonce=\"m\", algorithm=MD5")));
    }
}
