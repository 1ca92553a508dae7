using Ata.Core.Faults;
using Ata.Core.Provisioning;
using Ata.Core.Sip;

namespace Ata.Core.Tests.Sip;

public class RegistrationTests
{
    private readonly FakeSocket _socket = new();
    private readonly FakeResolver _resolver = new();

    private Registration Create(string registrar = "127.0.0.1", int port = 5070, int expires = 3600)
    {
        var config = new LineConfig(1, "2001", null!, "secret", registrar, port, expires);
        return new Registration(config, _socket, _resolver, new Random(1), "Ata/test");
    }

    private void Deliver(Registration r, string response, long now)
    {
        var parsed = SipResponse.Parse(response, out string error);
        Assert.Null(error);
        r.OnResponse(parsed, now);
    }

    [Fact]
    public void Answers_the_challenge_and_registers()
    {
        var r = Create();
        r.Start(0);
        Assert.Single(_socket.Sent);
        string first = _socket.Last;
        Assert.StartsWith("REGISTER sip:127.0.0.1:5070 SIP/2.0\r\n", first);
        Assert.False(Registrar.HasHeader(first, "Authorization"));
        Assert.Contains(";rport", Registrar.Header(first, "Via"));
        Assert.Equal("3600", Registrar.Header(first, "Expires"));
        Assert.Equal(("127.0.0.1", 5070), (_socket.Sent[0].Address, _socket.Sent[0].Port));

        Deliver(r, Registrar.Respond(first, 401, "Unauthorized", Registrar.Challenge), 30);
        Assert.Equal(RegistrationState.Registering, r.State);
        Assert.Equal(401, r.LastSipCode);
        Assert.Equal(2, _socket.Sent.Count);
        string second = _socket.Last;
        Assert.Equal(Registrar.Header(first, "Call-ID"), Registrar.Header(second, "Call-ID"));
        Assert.Equal(Registrar.Header(first, "From"), Registrar.Header(second, "From"));
        int cseq1 = int.Parse(Registrar.Header(first, "CSeq").Split(' ')[0]);
        Assert.Equal($"{cseq1 + 1} REGISTER", Registrar.Header(second, "CSeq"));
        Assert.NotEqual(Registrar.Header(first, "Via"), Registrar.Header(second, "Via"));

        string auth = Registrar.Header(second, "Authorization");
        var fields = System.Text.RegularExpressions.Regex.Matches(auth, "(\\w+)=\"?([^\",]*)\"?").ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        Assert.Equal("2001", fields["username"]);
        Assert.Equal("lab.ata", fields["realm"]);
        Assert.Equal("sip:127.0.0.1:5070", fields["uri"]);
        Assert.Equal("auth", fields["qop"]);
        Assert.Equal("00000001", fields["nc"]);
        Assert.Equal(DigestChallenge.ComputeResponse("2001", "lab.ata", "secret", "REGISTER", "sip:127.0.0.1:5070", "abc123", true, "00000001", fields["cnonce"]), fields["response"]);

        string contact = Registrar.ContactOf(second);
        Deliver(r, Registrar.Respond(second, 200, "OK", $"Contact: <{contact}>;expires=600"), 60);
        Assert.Equal(RegistrationState.Registered, r.State);
        Assert.Equal(200, r.LastSipCode);
        Assert.Equal(600, r.GrantedExpires);
        Assert.Null(r.Fault);
        Assert.Equal(60 + 540_000, r.NextAttemptAt);
    }

    [Fact]
    public void Refreshes_before_expiry_reusing_the_nonce_with_the_next_count()
    {
        var r = Create();
        r.Start(0);
        Deliver(r, Registrar.Respond(_socket.Last, 401, "Unauthorized", Registrar.Challenge), 10);
        Deliver(r, Registrar.Respond(_socket.Last, 200, "OK", $"Contact: <{Registrar.ContactOf(_socket.Last)}>;expires=120"), 20);
        long refreshAt = r.NextAttemptAt;
        Assert.Equal(20 + 60_000, refreshAt);

        r.Tick(refreshAt - 1);
        Assert.Equal(2, _socket.Sent.Count);
        r.Tick(refreshAt);
        Assert.Equal(3, _socket.Sent.Count);
        Assert.Contains("nc=00000002", Registrar.Header(_socket.Last, "Authorization"));
        Assert.Equal(RegistrationState.Registered, r.State);

        // The registrar has dropped the nonce: a new challenge is answered, not taken as wrong credentials.
        Deliver(r, Registrar.Respond(_socket.Last, 401, "Unauthorized", Registrar.Challenge.Replace("abc123", "fresh")), refreshAt + 10);
        Assert.Equal(4, _socket.Sent.Count);
        Assert.Contains("nonce=\"fresh\"", _socket.Last);
        Assert.Contains("nc=00000001", _socket.Last);
    }

    [Fact]
    public void Wrong_password_is_a_credentials_fault_and_is_not_retried()
    {
        var r = Create();
        r.Start(0);
        Deliver(r, Registrar.Respond(_socket.Last, 401, "Unauthorized", Registrar.Challenge), 10);
        Deliver(r, Registrar.Respond(_socket.Last, 401, "Unauthorized", Registrar.Challenge.Replace("abc123", "n2")), 20);
        Assert.Equal(RegistrationState.Failed, r.State);
        Assert.Equal(FaultCode.WrongCredentials, r.Fault);
        Assert.Equal(401, r.LastSipCode);
        Assert.Equal(-1, r.NextAttemptAt);
        r.Tick(10_000_000);
        Assert.Equal(2, _socket.Sent.Count);
    }

    [Fact]
    public void Answers_the_strongest_of_several_challenges()
    {
        var r = Create();
        r.Start(0);
        Deliver(r, Registrar.Respond(_socket.Last, 401, "Unauthorized",
            "WWW-Authenticate: Digest realm=\"lab.ata\", nonce=\"m\", qop=\"auth\", algorithm=MD5",
            "WWW-Authenticate: Digest realm=\"lab.ata\", nonce=\"s\", qop=\"auth\", algorithm=SHA-256",
            "WWW-Authenticate: Digest realm=\"lab.ata\", nonce=\"x\", algorithm=SHA-512-256"), 10);
        string auth = Registrar.Header(_socket.Last, "Authorization");
        Assert.Contains("algorithm=SHA-256", auth);
        Assert.Contains("nonce=\"s\"", auth);
        string cnonce = System.Text.RegularExpressions.Regex.Match(auth, "cnonce=\"([^\"]+)\"").Groups[1].Value;
        Assert.Contains(DigestChallenge.ComputeResponse("SHA-256", "2001", "lab.ata", "secret", "REGISTER", "sip:127.0.0.1:5070", "s", true, "00000001", cnonce), auth);
    }

    [Fact]
    public void Proxy_challenge_is_answered_with_Proxy_Authorization()
    {
        var r = Create();
        r.Start(0);
        Deliver(r, Registrar.Respond(_socket.Last, 407, "Proxy Authentication Required", Registrar.Challenge.Replace("WWW-Authenticate", "Proxy-Authenticate")), 10);
        Assert.True(Registrar.HasHeader(_socket.Last, "Proxy-Authorization"));
        Assert.False(Registrar.HasHeader(_socket.Last, "Authorization"));
    }

    [Fact]
    public void Stale_nonce_is_retried_at_once()
    {
        var r = Create();
        r.Start(0);
        Deliver(r, Registrar.Respond(_socket.Last, 401, "Unauthorized", Registrar.Challenge), 10);
        Deliver(r, Registrar.Respond(_socket.Last, 401, "Unauthorized", Registrar.Challenge.Replace("abc123", "n2") + ", stale=true"), 20);
        Assert.Equal(RegistrationState.Registering, r.State);
        Assert.Equal(3, _socket.Sent.Count);
        Assert.Contains("nonce=\"n2\"", _socket.Last);
    }

    [Theory]
    [InlineData(403, FaultCode.WrongCredentials)]
    [InlineData(404, FaultCode.AccountUnknown)]
    public void Final_refusals_wait_for_new_configuration(int code, string fault)
    {
        var r = Create();
        r.Start(0);
        Deliver(r, Registrar.Respond(_socket.Last, code, "No"), 10);
        Assert.Equal(RegistrationState.Failed, r.State);
        Assert.Equal(fault, r.Fault);
        Assert.Equal(code, r.LastSipCode);
        Assert.Equal(-1, r.NextAttemptAt);
    }

    [Fact]
    public void Retransmits_on_Timer_E_and_gives_up_on_Timer_F()
    {
        var r = Create();
        r.Start(0);
        var sendTimes = new List<long> { 0 };
        for (long t = 1; t <= Registration.TimerF; t++)
        {
            int before = _socket.Sent.Count;
            r.Tick(t);
            if (_socket.Sent.Count > before && r.State == RegistrationState.Registering)
            {
                sendTimes.Add(t);
            }
        }

        Assert.Equal(new long[] { 0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500 }, sendTimes);
        Assert.Equal(RegistrationState.Failed, r.State);
        Assert.Equal(FaultCode.RegistrarUnreachable, r.Fault);
        Assert.Equal(408, r.LastSipCode);
        Assert.InRange(r.NextAttemptAt - Registration.TimerF, RetryBackoff.DefaultBaseMs / 2, RetryBackoff.DefaultBaseMs);
    }

    [Fact]
    public void Host_that_does_not_resolve_is_a_DNS_fault()
    {
        var r = Create("registrar.invalid");
        r.Start(0);
        Assert.Empty(_socket.Sent);
        Assert.Equal(FaultCode.DnsFailure, r.Fault);
        Assert.Equal(RegistrationState.Failed, r.State);

        _resolver.Hosts["registrar.invalid"] = "10.9.8.7";
        r.Tick(r.NextAttemptAt);
        Assert.Single(_socket.Sent);
        Assert.Equal("10.9.8.7", _socket.Sent[0].Address);
        Assert.StartsWith("REGISTER sip:registrar.invalid:5070 ", _socket.Last);
    }

    [Fact]
    public void Interval_too_brief_is_retried_with_Min_Expires()
    {
        var r = Create(expires: 60);
        r.Start(0);
        Deliver(r, Registrar.Respond(_socket.Last, 423, "Interval Too Brief", "Min-Expires: 300"), 5);
        Assert.Equal(2, _socket.Sent.Count);
        Assert.Equal("300", Registrar.Header(_socket.Last, "Expires"));
    }

    [Fact]
    public void Server_error_honours_Retry_After()
    {
        var r = Create();
        r.Start(0);
        Deliver(r, Registrar.Respond(_socket.Last, 503, "Service Unavailable", "Retry-After: 120 (maintenance)"), 5);
        Assert.Equal(FaultCode.RegistrarOverloaded, r.Fault);
        Assert.Equal(5 + 120_000, r.NextAttemptAt);
    }

    [Fact]
    public void Ignores_responses_to_other_transactions()
    {
        var r = Create();
        r.Start(0);
        string stale = Registrar.Respond(_socket.Last, 200, "OK").Replace("branch=z9hG4bK", "branch=z9hG4bKother");
        Deliver(r, stale, 5);
        Assert.Equal(RegistrationState.Registering, r.State);
    }

    [Fact]
    public void Network_loss_and_return_re_register_at_once()
    {
        var r = Create();
        r.Start(0);
        r.NetworkDown(10);
        Assert.Equal(FaultCode.NetworkDown, r.Fault);
        r.Tick(100_000);
        Assert.Single(_socket.Sent);
        r.NetworkUp(200_000);
        Assert.InRange(r.NextAttemptAt, 200_000, 200_250);
        r.Tick(200_250);
        Assert.Equal(2, _socket.Sent.Count);
    }

    [Theory]
    [InlineData(3600, 3_540_000)]
    [InlineData(120, 60_000)]
    [InlineData(30, 15_000)]
    public void Refresh_comes_well_before_expiry(int granted, long expected)
    {
        Assert.Equal(expected, Registration.RefreshDelayMs(granted));
    }
}

public class RetryBackoffTests
{
    [Fact]
    public void Doubles_from_the_base_up_to_the_cap_with_half_to_full_jitter()
    {
        Assert.Equal(5_000, RetryBackoff.DelayMs(1, 0, 10_000, 300_000));
        Assert.Equal(9_999, RetryBackoff.DelayMs(1, 0.9999999, 10_000, 300_000));
        Assert.Equal(20_000, RetryBackoff.DelayMs(2, 0.5, 10_000, 300_000) + 5_000);
        Assert.Equal(150_000, RetryBackoff.DelayMs(10, 0, 10_000, 300_000));
        Assert.Equal(150_000, RetryBackoff.DelayMs(1000, 0, 10_000, 300_000));
    }

    [Fact]
    public void Spreads_a_fleet_that_failed_together()
    {
        var random = new Random(3);
        var delays = Enumerable.Range(0, 1000).Select(_ => RetryBackoff.DelayMs(3, random.NextDouble(), 10_000, 300_000)).ToList();
        Assert.All(delays, d => Assert.InRange(d, 20_000, 40_000));
        Assert.True(delays.Distinct().Count() > 900);
    }
}
