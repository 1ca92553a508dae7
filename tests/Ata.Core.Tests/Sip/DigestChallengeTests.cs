using Ata.Core.Sip;
using Ata.Core.Sip.Auth;
using Ata.Core.Sip.Messages;

namespace Ata.Core.Tests.Sip;

public class DigestChallengeTests
{
    [Fact]
    public void Computes_the_RFC_2617_worked_example()
    {
        // RFC 2617 §3.5.
        string response = DigestChallenge.ComputeResponse("Mufasa", "testrealm@host.com", "Circle Of Life", "GET", "/dir/index.html",
            "dcd98b7102dd2f0e8b11d0f600bfb0c093", true, "00000001", "0a4f113b");
        Assert.Equal("6629fae49393a05397450978507c4ef1", response);
    }

    [Fact]
    public void Computes_the_RFC_7616_MD5_example()
    {
        // RFC 7616 §3.9.1, algorithm MD5.
        string response = DigestChallenge.ComputeResponse("Mufasa", "http-auth@example.org", "Circle of Life", "GET", "/dir/index.html",
            "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", true, "00000001", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ");
        Assert.Equal("8ca523f5e9506fed4657c9700eebdbec", response);
    }

    [Fact]
    public void Computes_the_RFC_2069_form_without_qop()
    {
        string ha1 = Md5.HexOf("alice:lab:pw");
        string ha2 = Md5.HexOf("REGISTER:sip:lab");
        Assert.Equal(Md5.HexOf(ha1 + ":n1:" + ha2),
            DigestChallenge.ComputeResponse("alice", "lab", "pw", "REGISTER", "sip:lab", "n1", false, null!, null!));
    }

    [Fact]
    public void Parses_a_challenge_with_odd_but_valid_formatting()
    {
        var c = DigestChallenge.Parse("digest  REALM = \"lab \\\"ata\\\"\" ,nonce=\"n,1\",   qop=\"auth-int, auth\", algorithm=md5, stale=TRUE, opaque=\"op\"", false);
        Assert.NotNull(c);
        Assert.Equal("lab \"ata\"", c.Realm);
        Assert.Equal("n,1", c.Nonce);
        Assert.True(c.QopAuth);
        Assert.True(c.Stale);
        Assert.Equal("op", c.Opaque);
    }

    [Theory]
    [InlineData("Basic realm=\"x\"")]
    [InlineData("Digest nonce=\"n\"")]
    [InlineData("Digest realm=\"r\"")]
    [InlineData("Digest realm=\"r\", nonce=\"n\", algorithm=SHA-512-256")]
    [InlineData("Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\"")]
    [InlineData("Digest realm=\"r, nonce=\"n\"")]
    [InlineData("Digest")]
    public void Refuses_challenges_it_cannot_answer(string header)
    {
        Assert.Null(DigestChallenge.Parse(header, false));
    }

    [Fact]
    public void Answers_with_every_field_a_registrar_checks()
    {
        var c = DigestChallenge.Parse("Digest realm=\"lab.ata\", nonce=\"abc\", qop=\"auth\", opaque=\"xyz\"", false)!;
        string answer = c.Answer("2001", "pw", "REGISTER", "sip:127.0.0.1:5070", 2, "cn0");
        string expected = DigestChallenge.ComputeResponse("2001", "lab.ata", "pw", "REGISTER", "sip:127.0.0.1:5070", "abc", true, "00000002", "cn0");
        Assert.Equal(
            $"Digest username=\"2001\", realm=\"lab.ata\", nonce=\"abc\", uri=\"sip:127.0.0.1:5070\", response=\"{expected}\", algorithm=MD5, cnonce=\"cn0\", qop=auth, nc=00000002, opaque=\"xyz\"",
            answer);
    }

    [Theory]
    [InlineData(1, "00000001")]
    [InlineData(255, "000000ff")]
    [InlineData(0x1234abcd, "1234abcd")]
    public void Formats_the_nonce_count_as_eight_hex_digits(int count, string expected)
    {
        Assert.Equal(expected, DigestChallenge.FormatNonceCount(count));
    }
}

public class DigestAlgorithmTests
{
    [Fact]
    public void Computes_the_RFC_7616_SHA_256_example()
    {
        // RFC 7616 §3.9.1, algorithm SHA-256.
        string response = DigestChallenge.ComputeResponse("SHA-256", "Mufasa", "http-auth@example.org", "Circle of Life", "GET", "/dir/index.html",
            "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", true, "00000001", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ");
        Assert.Equal("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", response);
    }

    [Fact]
    public void Session_variants_hash_the_nonce_and_cnonce_into_HA1()
    {
        string ha1 = Md5.HexOf(Md5.HexOf("u:r:p") + ":n:c");
        string expected = Md5.HexOf(ha1 + ":n:00000001:c:auth:" + Md5.HexOf("REGISTER:sip:x"));
        Assert.Equal(expected, DigestChallenge.ComputeResponse("MD5-sess", "u", "r", "p", "REGISTER", "sip:x", "n", true, "00000001", "c"));
    }

    [Theory]
    [InlineData("sha-256", "SHA-256", 2)]
    [InlineData("SHA-256-SESS", "SHA-256-sess", 2)]
    [InlineData("md5", "MD5", 1)]
    [InlineData(null, "MD5", 1)]
    public void Recognises_supported_algorithms(string? given, string canonical, int strength)
    {
        string header = "Digest realm=\"r\", nonce=\"n\"" + (given is null ? "" : ", algorithm=" + given);
        var c = DigestChallenge.Parse(header, false)!;
        Assert.Equal(canonical, c.Algorithm);
        Assert.Equal(strength, c.Strength);
        Assert.Contains("algorithm=" + canonical, c.Answer("u", "p", "REGISTER", "sip:x", 1, "c"));
    }
}

public class Ha1ProvisioningTests
{
    private const string Realm = "lab.ata";
    private static readonly string Ha1 = Md5.HexOf("2001:" + Realm + ":secret");

    private static Registration Create(FakeSocket socket, string realm)
    {
        var doc = Ata.Core.Provisioning.ProvisioningDocument.Parse(
            $"{{\"version\":1,\"lines\":[{{\"username\":\"2001\",\"ha1\":\"{Ha1.ToUpperInvariant()}\",\"realm\":\"{realm}\",\"registrar\":\"127.0.0.1:5070\"}}]}}", out string error);
        Assert.Null(error);
        Assert.Null(doc.Line(1).Password);
        return new Registration(doc.Line(1), socket, new FakeResolver(), new Random(1), "Ata/test", null!);
    }

    [Fact]
    public void Answers_an_MD5_challenge_from_the_provisioned_HA1_without_the_password()
    {
        var socket = new FakeSocket();
        var r = Create(socket, Realm);
        r.Start(0);
        r.OnResponse(SipResponse.Parse(Registrar.Respond(socket.Last, 401, "Unauthorized",
            "WWW-Authenticate: Digest realm=\"lab.ata\", nonce=\"s\", qop=\"auth\", algorithm=SHA-256",
            Registrar.Challenge), out _), 10);
        string auth = Registrar.Header(socket.Last, "Authorization");
        Assert.Contains("algorithm=MD5", auth);
        string cnonce = System.Text.RegularExpressions.Regex.Match(auth, "cnonce=\"([^\"]+)\"").Groups[1].Value;
        Assert.Contains(DigestChallenge.ComputeResponse("2001", Realm, "secret", "REGISTER", "sip:127.0.0.1:5070", "abc123", true, "00000001", cnonce), auth);
    }

    [Fact]
    public void An_HA1_for_another_realm_is_a_credentials_fault()
    {
        var socket = new FakeSocket();
        var r = Create(socket, "other.realm");
        r.Start(0);
        r.OnResponse(SipResponse.Parse(Registrar.Respond(socket.Last, 401, "Unauthorized", Registrar.Challenge), out _), 10);
        Assert.Equal(Ata.Core.Faults.FaultCode.WrongCredentials, r.Fault);
        Assert.Equal(-1, r.NextAttemptAt);
        Assert.Single(socket.Sent);
    }

    [Theory]
    [InlineData("{\"version\":1,\"lines\":[{\"username\":\"u\",\"ha1\":\"abc\",\"realm\":\"r\",\"registrar\":\"a\"}]}")]
    [InlineData("{\"version\":1,\"lines\":[{\"username\":\"u\",\"ha1\":\"0123456789abcdef0123456789abcdef\",\"registrar\":\"a\"}]}")]
    public void Refuses_an_HA1_that_cannot_be_used(string json)
    {
        Assert.Null(Ata.Core.Provisioning.ProvisioningDocument.Parse(json, out string error));
        Assert.StartsWith("lines[0].ha1", error);
    }
}
