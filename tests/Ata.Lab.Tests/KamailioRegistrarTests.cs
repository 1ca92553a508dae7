using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Ata.Lab.Tests;

/// <summary>The lab registrar is a real Kamailio: these tests speak SIP to it over loopback UDP.</summary>
public sealed class KamailioRegistrarTests : IAsyncLifetime
{
    private const string Password = "s3cret-2001";
    private static readonly TimeSpan DecisionTimeout = TimeSpan.FromSeconds(5);
    private KamailioRegistrar registrar = null!;

    public async Task InitializeAsync() =>
        registrar = await KamailioRegistrar.StartAsync(new Dictionary<string, string> { ["2001"] = Password, ["2002"] = "other" });

    public async Task DisposeAsync() => await registrar.DisposeAsync();

    [Fact]
    public async Task A_first_REGISTER_is_challenged_with_realm_nonce_and_qop_auth()
    {
        using var phone = new SipUserAgent(registrar.EndPoint, "2001");

        var response = await phone.RegisterAsync(expires: 600);

        Assert.Equal(401, response.StatusCode);
        var challenge = DigestChallenge.Parse(response.Header("WWW-Authenticate")!);
        Assert.Equal("lab.ata", challenge.Realm);
        Assert.NotEmpty(challenge.Nonce);
        Assert.Matches("""qop="auth"(,|$)""", response.Header("WWW-Authenticate")!);
        var decision = await registrar.WaitForDecisionAsync(d => d.User == "2001", DecisionTimeout);
        Assert.Equal(RegistrarDecisionKind.Challenged, decision.Kind);
        Assert.Equal(401, decision.Code);
        Assert.Equal("no-credentials", decision.Reason);
    }

    [Fact]
    public async Task The_authenticated_retry_is_accepted_and_the_contact_carries_its_expires()
    {
        using var phone = new SipUserAgent(registrar.EndPoint, "2001");

        var (_, final) = await phone.RegisterWithPasswordAsync(Password, expires: 600);

        Assert.Equal(200, final.StatusCode);
        Assert.Equal($"<{phone.ContactUri}>;expires=600", final.Header("Contact"));
        var decision = await registrar.WaitForDecisionAsync(d => d.Kind == RegistrarDecisionKind.Accepted, DecisionTimeout);
        Assert.Equal(new { User = "2001", Code = (int?)200, Expires = (int?)600, Contact = (string?)phone.ContactUri }, new { decision.User, decision.Code, decision.Expires, decision.Contact });
        Assert.Equal(
            new[] { RegistrarDecisionKind.Challenged, RegistrarDecisionKind.Accepted },
            registrar.Decisions.Select(d => d.Kind));
    }

    [Fact]
    public async Task A_wrong_password_is_refused_with_403_Forbidden_not_challenged_again()
    {
        using var phone = new SipUserAgent(registrar.EndPoint, "2001");

        var (_, final) = await phone.RegisterWithPasswordAsync("wrong");

        Assert.Equal(403, final.StatusCode);
        Assert.Null(final.Header("WWW-Authenticate"));
        var decision = await registrar.WaitForDecisionAsync(d => d.Kind == RegistrarDecisionKind.Rejected, DecisionTimeout);
        Assert.Equal(("2001", 403, "wrong-password"), (decision.User, decision.Code ?? 0, decision.Reason));
    }

    [Fact]
    public async Task An_unknown_user_is_challenged_like_any_other_then_refused_with_403()
    {
        using var phone = new SipUserAgent(registrar.EndPoint, "2999");

        var (challenge, final) = await phone.RegisterWithPasswordAsync("whatever");

        Assert.Equal(401, challenge.StatusCode);
        Assert.Equal(403, final.StatusCode);
        var decision = await registrar.WaitForDecisionAsync(d => d.Kind == RegistrarDecisionKind.Rejected, DecisionTimeout);
        Assert.Equal(("2999", "unknown-user"), (decision.User, decision.Reason));
    }

    [Fact]
    public async Task Credentials_of_another_line_are_refused_with_403()
    {
        using var phone = new SipUserAgent(registrar.EndPoint, "2002");
        var challenge = DigestChallenge.Parse((await phone.RegisterAsync(600)).Header("WWW-Authenticate")!);

        var final = await phone.RegisterAsync(600, phone.Authorization(challenge, Password, authUser: "2001"));

        Assert.Equal(403, final.StatusCode);
        var decision = await registrar.WaitForDecisionAsync(d => d.Kind == RegistrarDecisionKind.Rejected, DecisionTimeout);
        Assert.Equal(("2002", "auth-user-mismatch"), (decision.User, decision.Reason));
    }

    [Fact]
    public async Task A_nonce_the_registrar_never_issued_is_answered_with_a_fresh_challenge()
    {
        using var phone = new SipUserAgent(registrar.EndPoint, "2001");
        var issued = DigestChallenge.Parse((await phone.RegisterAsync(600)).Header("WWW-Authenticate")!);
        var forged = DigestChallenge.Parse($"Digest realm=\"{issued.Realm}\", nonce=\"bm90LWEtbGFiLW5vbmNlLWF0LWFsbA\"");

        var response = await phone.RegisterAsync(600, phone.Authorization(forged, Password));

        Assert.Equal(401, response.StatusCode);
        Assert.NotEqual(forged.Nonce, DigestChallenge.Parse(response.Header("WWW-Authenticate")!).Nonce);
        var decision = await registrar.WaitForDecisionAsync(d => d.Reason == "invalid-credentials", DecisionTimeout);
        Assert.Equal(RegistrarDecisionKind.Challenged, decision.Kind);
    }

    [Fact]
    public async Task A_short_expires_is_raised_to_the_registrar_minimum_and_expires_0_removes_the_binding()
    {
        using var phone = new SipUserAgent(registrar.EndPoint, "2001");
        var challenge = DigestChallenge.Parse((await phone.RegisterAsync(5)).Header("WWW-Authenticate")!);

        var registered = await phone.RegisterAsync(5, phone.Authorization(challenge, Password, nc: "00000001"));
        var unregistered = await phone.RegisterAsync(0, phone.Authorization(challenge, Password, nc: "00000002"));

        Assert.Equal($"<{phone.ContactUri}>;expires=60", registered.Header("Contact"));
        Assert.Equal(200, unregistered.StatusCode);
        Assert.Null(unregistered.Header("Contact"));
        await registrar.WaitForDecisionAsync(d => d.Expires == 0, DecisionTimeout);
        Assert.Equal(new[] { 60, 0 }, registrar.Decisions.Where(d => d.Kind == RegistrarDecisionKind.Accepted).Select(d => d.Expires ?? -1));
    }

    [Fact]
    public async Task Restart_keeps_the_port_forgets_the_bindings_and_calls_earlier_nonces_stale()
    {
        using var phone = new SipUserAgent(registrar.EndPoint, "2001");
        var challenge = DigestChallenge.Parse((await phone.RegisterAsync(600)).Header("WWW-Authenticate")!);
        Assert.Equal(200, (await phone.RegisterAsync(600, phone.Authorization(challenge, Password))).StatusCode);
        var port = registrar.Port;

        // Kamailio treats a nonce issued before it (re)started, to the second, as stale: let a second
        // pass so the restart is always after the nonce, as in a real outage.
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        await registrar.RestartAsync();

        Assert.Equal(port, registrar.Port);
        Assert.True(registrar.IsRunning);
        Assert.Equal(200, await SipProbe.OptionsAsync(registrar.EndPoint, TimeSpan.FromSeconds(2)));
        var old = await phone.RegisterAsync(expires: null, phone.Authorization(challenge, Password, nc: "00000002"));
        Assert.Equal(401, old.StatusCode);
        var fresh = DigestChallenge.Parse(old.Header("WWW-Authenticate")!);
        Assert.Equal("true", fresh.Parameters.GetValueOrDefault("stale"), ignoreCase: true);
        Assert.NotEqual(challenge.Nonce, fresh.Nonce);

        var query = await phone.RegisterAsync(expires: null, phone.Authorization(fresh, Password));
        Assert.Equal(200, query.StatusCode);
        Assert.Null(query.Header("Contact"));
        var (_, again) = await phone.RegisterWithPasswordAsync(Password, expires: 600);
        Assert.Equal(200, again.StatusCode);
        Assert.Equal($"<{phone.ContactUri}>;expires=600", again.Header("Contact"));
    }

    [Fact]
    public async Task Stop_closes_the_port_and_start_opens_it_again()
    {
        await registrar.StopAsync();

        Assert.False(registrar.IsRunning);
        Assert.Null(await SipProbe.OptionsAsync(registrar.EndPoint, TimeSpan.FromMilliseconds(300)));

        await registrar.StartAsync();

        Assert.Equal(200, await SipProbe.OptionsAsync(registrar.EndPoint, TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task Passwords_with_quotes_backslashes_and_dollars_are_stored_verbatim()
    {
        const string awkward = "p\"a\\s$s $(ru) 'x'";
        await using var other = await KamailioRegistrar.StartAsync(new Dictionary<string, string> { ["bob"] = awkward });
        using var phone = new SipUserAgent(other.EndPoint, "bob");

        var (_, final) = await phone.RegisterWithPasswordAsync(awkward);

        Assert.Equal(200, final.StatusCode);
    }

    [Fact]
    public async Task A_taken_port_fails_the_start_with_kamailios_own_words()
    {
        using var squatter = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)squatter.Client.LocalEndPoint!).Port;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => KamailioRegistrar.StartAsync(new Dictionary<string, string> { ["2001"] = Password }, new KamailioRegistrarOptions { Port = port }));

        Assert.Contains("kamailio exited", error.Message, StringComparison.Ordinal);
        Assert.Matches(new Regex("bind|in use", RegexOptions.IgnoreCase), error.Message);
    }

    [Fact]
    public async Task The_generated_config_authenticates_from_an_htable_with_qop_auth()
    {
        var config = await File.ReadAllTextAsync(registrar.ConfigPath);

        Assert.Contains($"listen=udp:127.0.0.1:{registrar.Port}", config, StringComparison.Ordinal);
        Assert.Contains("$sht(subscribers=>2001) = \"s3cret-2001\";", config, StringComparison.Ordinal);
        Assert.Contains("pv_www_authenticate(\"lab.ata\", \"$sht(subscribers=>$au)\", \"0\")", config, StringComparison.Ordinal);
        Assert.Contains("www_challenge(\"lab.ata\", \"1\")", config, StringComparison.Ordinal);
        Assert.Contains("modparam(\"usrloc\", \"db_mode\", 0)", config, StringComparison.Ordinal);
    }

    [Fact]
    public void Emergency_settings_that_would_break_the_config_are_refused_up_front()
    {
        var subscribers = new Dictionary<string, string> { ["2001"] = "x" };
        Assert.Throws<ArgumentException>(() => new KamailioRegistrar(subscribers, new KamailioRegistrarOptions { EmergencyNumbers = ["112\" || 1"] }));
        Assert.Throws<ArgumentException>(() => new KamailioRegistrar(subscribers, new KamailioRegistrarOptions { EmergencyCentre = "psap.example" }));
        Assert.Throws<ArgumentException>(() => new KamailioRegistrar(subscribers, new KamailioRegistrarOptions { EmergencyCentre = "127.0.0.1" }));
    }

    [Fact]
    public async Task Without_an_emergency_centre_an_emergency_call_gets_503_and_the_numbers_are_configurable()
    {
        await using var other = await KamailioRegistrar.StartAsync(
            new Dictionary<string, string> { ["2001"] = Password },
            new KamailioRegistrarOptions { EmergencyNumbers = ["999"] });
        await using var caller = SippScenario.Start("emergency-call.xml", new SippOptions
        {
            Remote = other.Address,
            Service = "999",
            Keys = new Dictionary<string, string> { ["caller"] = "stranger" },
            Timeout = TimeSpan.FromSeconds(10),
        });

        var result = await caller.WaitForExitAsync(TimeSpan.FromSeconds(15));

        Assert.Contains(503, result.ReceivedStatusCodes);
        var decision = await other.WaitForCallDecisionAsync(d => d.To == "999", DecisionTimeout);
        Assert.Equal((CallDecisionKind.Rejected, 503, "no-emergency-centre"), (decision.Kind, decision.Code ?? 0, decision.Reason));
    }

    [Fact]
    public void Subscribers_that_would_break_the_config_are_refused_up_front()
    {
        Assert.Throws<ArgumentException>(() => new KamailioRegistrar(new Dictionary<string, string> { ["bad user"] = "x" }));
        Assert.Throws<ArgumentException>(() => new KamailioRegistrar(new Dictionary<string, string> { ["2001"] = "line\nbreak" }));
        Assert.Throws<ArgumentException>(() => new KamailioRegistrar(new Dictionary<string, string>(), new KamailioRegistrarOptions { Realm = "a\"b" }));
    }

    [Fact]
    public async Task A_paused_registrar_answers_nothing_until_resumed_then_what_waited_at_once()
    {
        Assert.Equal(200, await SipProbe.OptionsAsync(registrar.EndPoint, TimeSpan.FromSeconds(2)));
        registrar.Pause();
        Assert.True(registrar.IsPaused);
        Assert.Null(await SipProbe.OptionsAsync(registrar.EndPoint, TimeSpan.FromSeconds(1)));

        using var socket = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var local = (IPEndPoint)socket.Client.LocalEndPoint!;
        string options = $"OPTIONS sip:{registrar.EndPoint} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bKpaused;rport\r\nMax-Forwards: 70\r\n" +
            $"From: <sip:probe@{local}>;tag=p1\r\nTo: <sip:{registrar.EndPoint}>\r\nCall-ID: paused@lab\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
        await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes(options), registrar.EndPoint);
        var waiting = socket.ReceiveAsync();
        await Task.Delay(500);
        Assert.False(waiting.IsCompleted);

        registrar.Resume();
        Assert.False(registrar.IsPaused);
        var answer = await waiting.WaitAsync(TimeSpan.FromSeconds(2));
        string text = System.Text.Encoding.UTF8.GetString(answer.Buffer);
        Assert.Equal(200, SipProbe.StatusCodeOf(text));
        Assert.Contains("branch=z9hG4bKpaused", text);
    }
}
