using Ata.Core.Faults;
using Ata.Core.Provisioning;
using Ata.Core.Sip;
using Ata.Core.Sip.Auth;
using Ata.Core.Sip.Messages;
using Ata.Core.Sip.Transactions;

namespace Ata.Core.Tests.Sip;

public class RegistrationTests
{
    private readonly FakeSocket _socket = new();
    private readonly FakeResolver _resolver = new();

    private const string Instance = "urn:uuid:00000000-0000-3000-8000-000000000001";

    private Registration Create(string registrar = "127.0.0.1", int port = 5070, int expires = 3600, Action<LineConfig>? configure = null)
    {
        var config = new LineConfig(1, "2001", null!, "secret", registrar, port, expires);
        configure?.Invoke(config);
        return new Registration(config, _socket, _resolver, new Random(1), "Ata/test", Instance);
    }

    private void Register(Registration r, long now)
    {
        r.Start(now);
        Deliver(r, Registrar.Respond(_socket.Last, 401, "Unauthorized", Registrar.Challenge), now + 1);
        Deliver(r, Registrar.Respond(_socket.Last, 200, "OK", $"Contact: <{Registrar.ContactOf(_socket.Last)}>;expires=3600"), now + 2);
        Assert.Equal(RegistrationState.Registered, r.State);
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
        var r = Create(configure: c => { c.KeepAliveSeconds = 0; c.RegistrarProbeSeconds = 0; });
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
        for (long t = 1; t <= SipTimers.TimerF; t++)
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
        Assert.InRange(r.NextAttemptAt - SipTimers.TimerF, RetryBackoff.DefaultBaseMs / 2, RetryBackoff.DefaultBaseMs);
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

    [Fact]
    public void Presents_a_stable_instance_and_finds_its_binding_by_it()
    {
        var r = Create();
        r.Start(0);
        string contact = Registrar.Header(_socket.Last, "Contact");
        Assert.Contains($";+sip.instance=\"<{Instance}>\";reg-id=1", contact);
        Assert.Contains(";ob>", contact);
        Assert.Equal("outbound", Registrar.Header(_socket.Last, "Supported"));

        // The registrar lists an older binding of another adapter and ours, with its own spelling of the URI.
        Deliver(r, Registrar.Respond(_socket.Last, 200, "OK",
            "Contact: <sip:2001@198.51.100.7:5060>;expires=50;+sip.instance=\"<urn:uuid:other>\";reg-id=1",
            $"Contact: <sip:2001@192.0.2.10:5062;ob;x=y>;expires=900;+sip.instance=\"<{Instance}>\";reg-id=1"), 5);
        Assert.Equal(900, r.GrantedExpires);
        Assert.Equal(2, r.Bindings);
        Assert.Equal(Registration.InstanceIdFor("ata-1"), Registration.InstanceIdFor("ata-1"));
        Assert.NotEqual(Registration.InstanceIdFor("ata-1"), Registration.InstanceIdFor("ata-2"));
        Assert.Matches("^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-3[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", Registration.InstanceIdFor("ata-1"));
    }

    [Fact]
    public void Keeps_the_NAT_binding_open_with_CRLF_pings_while_registered()
    {
        var r = Create(configure: c => { c.KeepAliveSeconds = 25; c.RegistrarProbeSeconds = 0; });
        Register(r, 0);
        int sent = _socket.Sent.Count;
        r.Tick(2 + 24_999);
        Assert.Equal(sent, _socket.Sent.Count);
        r.Tick(2 + 25_000);
        Assert.Equal(sent + 1, _socket.Sent.Count);
        Assert.Equal("\r\n\r\n", _socket.Last);
        Assert.Equal(("127.0.0.1", 5070), (_socket.Sent[^1].Address, _socket.Sent[^1].Port));
        r.Tick(2 + 50_000);
        Assert.Equal(sent + 2, _socket.Sent.Count);
    }

    [Fact]
    public void Keep_alives_and_probes_can_be_turned_off()
    {
        var r = Create(configure: c => { c.KeepAliveSeconds = 0; c.RegistrarProbeSeconds = 0; });
        Register(r, 0);
        int sent = _socket.Sent.Count;
        r.Tick(1_000_000);
        Assert.Equal(sent, _socket.Sent.Count);
    }

    [Fact]
    public void Fails_over_to_the_secondary_registrar_at_once_then_backs_off()
    {
        var r = Create(configure: c => { c.SecondaryHost = "127.0.0.2"; c.SecondaryPort = 5080; });
        r.Start(0);
        Deliver(r, Registrar.Respond(_socket.Last, 503, "Service Unavailable"), 10);
        Assert.Equal(FaultCode.RegistrarOverloaded, r.Fault);
        Assert.Equal(10, r.NextAttemptAt);
        r.Tick(10);
        Assert.Equal(("127.0.0.2", 5080), (_socket.Sent[^1].Address, _socket.Sent[^1].Port));
        Assert.True(r.OnSecondary);
        Assert.StartsWith("REGISTER sip:127.0.0.1:5070 ", _socket.Last);

        // Both failed: back off, then start the next round at the primary.
        Deliver(r, Registrar.Respond(_socket.Last, 503, "Service Unavailable"), 20);
        Assert.InRange(r.NextAttemptAt, 20 + 5_000, 20 + 10_000);
        r.Tick(r.NextAttemptAt);
        Assert.Equal(("127.0.0.1", 5070), (_socket.Sent[^1].Address, _socket.Sent[^1].Port));

        // The primary is down, the secondary takes the registration.
        Deliver(r, Registrar.Respond(_socket.Last, 503, "Service Unavailable"), 30_000);
        r.Tick(30_000);
        Deliver(r, Registrar.Respond(_socket.Last, 200, "OK"), 30_010);
        Assert.Equal(RegistrationState.Registered, r.State);
        Assert.True(r.OnSecondary);
    }

    [Fact]
    public void Back_off_follows_the_provisioned_base_and_cap()
    {
        var r = Create(configure: c => { c.RetryBaseSeconds = 2; c.RetryMaxSeconds = 4; });
        r.Start(0);
        Deliver(r, Registrar.Respond(_socket.Last, 500, "Oops"), 0);
        Assert.InRange(r.NextAttemptAt, 1_000, 2_000);
        for (int i = 0; i < 5; i++)
        {
            long at = r.NextAttemptAt;
            r.Tick(at);
            Deliver(r, Registrar.Respond(_socket.Last, 500, "Oops"), at);
            Assert.InRange(r.NextAttemptAt - at, 1_000, 4_000);
        }
    }

    [Fact]
    public void Unregisters_with_Expires_0_answering_the_challenge()
    {
        var r = Create();
        Register(r, 0);
        r.Unregister(100);
        Assert.Equal(RegistrationState.Unregistering, r.State);
        Assert.Equal("0", Registrar.Header(_socket.Last, "Expires"));
        string callId = Registrar.Header(_socket.Last, "Call-ID");
        Deliver(r, Registrar.Respond(_socket.Last, 401, "Unauthorized", Registrar.Challenge.Replace("abc123", "n9")), 110);
        Assert.Equal("0", Registrar.Header(_socket.Last, "Expires"));
        Assert.Equal(callId, Registrar.Header(_socket.Last, "Call-ID"));
        Assert.Contains("nonce=\"n9\"", Registrar.Header(_socket.Last, "Authorization"));
        Deliver(r, Registrar.Respond(_socket.Last, 200, "OK"), 120);
        Assert.True(r.IsFinished);
        int sent = _socket.Sent.Count;
        r.Tick(10_000_000);
        Assert.Equal(sent, _socket.Sent.Count);
    }

    [Fact]
    public void Unregistering_a_line_that_never_reached_the_registrar_sends_nothing()
    {
        var r = Create("nowhere.invalid");
        r.Start(0);
        r.Unregister(10);
        Assert.True(r.IsFinished);
        Assert.Empty(_socket.Sent);
    }

    [Fact]
    public void An_ICMP_error_fails_the_transaction_at_once()
    {
        var r = Create();
        r.Start(0);
        r.OnUnreachable("127.0.0.9", 5070, 5);
        Assert.Equal(RegistrationState.Registering, r.State);
        r.OnUnreachable("127.0.0.1", 5070, 10);
        Assert.Equal(FaultCode.RegistrarUnreachable, r.Fault);
        Assert.True(r.NextAttemptAt > 10);
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

public class OutboundProxyTests
{
    [Fact]
    public void Sends_every_request_to_the_outbound_proxy_with_a_loose_route()
    {
        var socket = new FakeSocket();
        var doc = Ata.Core.Provisioning.ProvisioningDocument.Parse(
            "{\"version\":1,\"lines\":[{\"username\":\"2001\",\"password\":\"pw\",\"registrar\":\"voice.example.net\",\"outboundProxy\":\"127.0.0.7:5090\"}]}", out string error);
        Assert.Null(error);
        Assert.True(Ata.Core.Provisioning.ProvisioningDocument.Parse(doc.ToJson(), out _).Line(1).SameAccount(doc.Line(1)));
        var r = new Registration(doc.Line(1), socket, new FakeResolver(), new Random(1), "Ata/test", null!);
        r.Start(0);
        Assert.Equal(("127.0.0.7", 5090), (socket.Sent[0].Address, socket.Sent[0].Port));
        Assert.StartsWith("REGISTER sip:voice.example.net SIP/2.0", socket.Last);
        Assert.Equal("<sip:127.0.0.7:5090;lr>", Registrar.Header(socket.Last, "Route"));
        Assert.Contains("<sip:2001@voice.example.net>", Registrar.Header(socket.Last, "To"));
    }

    [Fact]
    public void Refuses_a_bad_outbound_proxy_naming_the_field()
    {
        Assert.Null(Ata.Core.Provisioning.ProvisioningDocument.Parse(
            "{\"version\":1,\"lines\":[{\"username\":\"u\",\"password\":\"p\",\"registrar\":\"r\",\"outboundProxy\":\"p:0\"}]}", out string error));
        Assert.StartsWith("lines[0].outboundProxy", error);
    }
}
