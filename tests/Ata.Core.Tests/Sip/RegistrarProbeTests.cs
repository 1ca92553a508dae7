using Ata.Core.Faults;
using Ata.Core.Provisioning;
using Ata.Core.Sip;
using Ata.Core.Sip.Messages;
using Ata.Core.Sip.Transactions;

namespace Ata.Core.Tests.Sip;

/// <summary>
/// A dead registrar is noticed within a minute on UDP, where nothing answers the NAT keep-alive:
/// OPTIONS every 30 s while registered, the fault when one goes unanswered, and at once back when
/// the registrar answers after all.
/// </summary>
public class RegistrarProbeTests
{
    private readonly FakeSocket _socket = new();

    private Registration Create(Action<LineConfig>? configure = null)
    {
        var config = new LineConfig(1, "2001", null!, "secret", "127.0.0.1", 5070, 3600) { KeepAliveSeconds = 0 };
        configure?.Invoke(config);
        return new Registration(config, _socket, new FakeResolver(), new Random(1), "Ata/test", null!);
    }

    private static void Deliver(Registration r, string response, long now)
    {
        var parsed = SipResponse.Parse(response, out string error);
        Assert.Null(error);
        Assert.True(r.Owns(parsed!));
        r.OnResponse(parsed!, now);
    }

    private void Register(Registration r, long now)
    {
        if (_socket.Sent.Count == 0 || !_socket.Last.StartsWith("REGISTER "))
        {
            r.Start(now);
        }

        Deliver(r, Registrar.Respond(_socket.Last, 401, "Unauthorized", Registrar.Challenge), now);
        Deliver(r, Registrar.Respond(_socket.Last, 200, "OK"), now);
        Assert.Equal(RegistrationState.Registered, r.State);
    }

    private List<string> OptionsSent() => _socket.Sent.Where(s => s.Text.StartsWith("OPTIONS ")).Select(s => s.Text).ToList();

    [Fact]
    public void Asks_the_registrar_with_OPTIONS_every_30_s_while_registered()
    {
        var r = Create();
        Register(r, 0);
        string register = _socket.Last;
        r.Tick(29_999);
        Assert.Empty(OptionsSent());

        r.Tick(30_000);
        string options = Assert.Single(OptionsSent());
        Assert.StartsWith("OPTIONS sip:127.0.0.1:5070 SIP/2.0\r\n", options);
        Assert.Equal(("127.0.0.1", 5070), (_socket.Sent[^1].Address, _socket.Sent[^1].Port));
        Assert.Equal("<sip:127.0.0.1:5070>", Registrar.Header(options, "To"));
        Assert.EndsWith(" OPTIONS", Registrar.Header(options, "CSeq"));
        Assert.NotEqual(Registrar.Header(register, "Call-ID"), Registrar.Header(options, "Call-ID"));
        Assert.False(Registrar.HasHeader(options, "Authorization"));

        Deliver(r, Registrar.Respond(options, 200, "OK"), 30_010);
        r.Tick(59_999);
        Assert.Single(OptionsSent());
        r.Tick(60_000);
        Assert.Equal(2, OptionsSent().Count);
    }

    [Theory]
    [InlineData(200)]
    [InlineData(404)]
    [InlineData(405)]
    [InlineData(483)]
    [InlineData(503)]
    public void Any_answer_proves_the_registrar_alive(int code)
    {
        var r = Create();
        Register(r, 0);
        for (long t = 0; t <= 120_000; t += 100)
        {
            r.Tick(t);
            if (_socket.Last.StartsWith("OPTIONS ") && !_socket.Last.Contains("answered"))
            {
                Deliver(r, Registrar.Respond(_socket.Last, code, "Whatever"), t + 5);
                _socket.Sent[^1] = (_socket.Last + "answered", _socket.Sent[^1].Address, _socket.Sent[^1].Port);
            }
        }

        Assert.Equal(4, OptionsSent().Count);
        Assert.Equal(RegistrationState.Registered, r.State);
        Assert.Null(r.Fault);
    }

    [Fact]
    public void An_unanswered_probe_is_the_unreachable_fault_within_a_minute_of_the_last_answer()
    {
        var r = Create();
        Register(r, 0);
        r.Tick(30_000);
        Deliver(r, Registrar.Respond(_socket.Last, 200, "OK"), 30_005);

        // The registrar dies right after its last answer. The next probe goes out at 60 s, is
        // retransmitted on Timer E, and is given up after half the interval.
        long faultAt = -1;
        for (long t = 30_006; t <= 120_000 && faultAt < 0; t++)
        {
            r.Tick(t);
            if (r.Fault is not null)
            {
                faultAt = t;
            }
        }

        Assert.Equal(60_000 + RegistrarProbe.TimeoutMs(30), faultAt);
        Assert.InRange(faultAt - 30_005, 0, 60_000);
        Assert.Equal(FaultCode.RegistrarUnreachable, r.Fault);
        Assert.Equal(RegistrationState.Failed, r.State);
        Assert.Equal(408, r.LastSipCode);
        var probes = OptionsSent();
        Assert.Equal(7, probes.Count);
        Assert.Single(probes.Skip(1).Select(p => Registrar.Header(p, "Via")).Distinct());
        Assert.InRange(r.NextAttemptAt - faultAt, RetryBackoff.DefaultBaseMs / 2, RetryBackoff.DefaultBaseMs);
    }

    [Fact]
    public void With_a_secondary_a_failed_probe_registers_there_at_once()
    {
        var r = Create(c => { c.SecondaryHost = "127.0.0.2"; c.SecondaryPort = 5080; });
        Register(r, 0);
        long t = 0;
        while (r.Fault is null)
        {
            r.Tick(++t);
        }

        Assert.Equal(30_000 + RegistrarProbe.TimeoutMs(30), t);
        Assert.Equal(FaultCode.RegistrarUnreachable, r.Fault);
        r.Tick(t);
        Assert.StartsWith("REGISTER ", _socket.Last);
        Assert.Equal(("127.0.0.2", 5080), (_socket.Sent[^1].Address, _socket.Sent[^1].Port));
        Register(r, t + 10);
        Assert.Null(r.Fault);

        // Probes now ask the secondary itself.
        r.Tick(t + 10 + 30_000);
        Assert.StartsWith("OPTIONS sip:127.0.0.2:5080 SIP/2.0", _socket.Last);
        Assert.Equal(("127.0.0.2", 5080), (_socket.Sent[^1].Address, _socket.Sent[^1].Port));
    }

    [Fact]
    public void A_late_answer_to_a_timed_out_probe_registers_at_once()
    {
        var r = Create();
        Register(r, 0);
        r.Tick(30_000);
        string probe = _socket.Last;
        for (long t = 30_001; r.Fault is null; t++)
        {
            r.Tick(t);
        }

        long backOffUntil = r.NextAttemptAt;
        int sent = _socket.Sent.Count;

        // A registrar that was paused answers what waited in its socket as soon as it runs again.
        Deliver(r, Registrar.Respond(probe, 200, "OK"), 50_000);
        Assert.True(50_000 < backOffUntil);
        Assert.Equal(sent + 1, _socket.Sent.Count);
        Assert.StartsWith("REGISTER ", _socket.Last);
        Assert.Contains("Authorization", _socket.Last);

        // Later copies of the same late answer start nothing more.
        Deliver(r, Registrar.Respond(probe, 200, "OK"), 50_001);
        Assert.Equal(sent + 1, _socket.Sent.Count);
        Deliver(r, Registrar.Respond(_socket.Last, 200, "OK"), 50_010);
        Assert.Equal(RegistrationState.Registered, r.State);
        Assert.Null(r.Fault);
    }

    [Fact]
    public void A_late_answer_to_a_timed_out_REGISTER_registers_at_once()
    {
        var r = Create();
        r.Start(0);
        string first = _socket.Last;
        r.Tick(SipTimers.TimerF);
        Assert.Equal(FaultCode.RegistrarUnreachable, r.Fault);
        int sent = _socket.Sent.Count;

        Deliver(r, Registrar.Respond(first, 401, "Unauthorized", Registrar.Challenge), SipTimers.TimerF + 100);
        Assert.Equal(sent + 1, _socket.Sent.Count);
        Assert.StartsWith("REGISTER ", _socket.Last);
    }

    [Fact]
    public void Repeated_answers_of_a_completed_request_do_not_cut_the_back_off_short()
    {
        var r = Create();
        r.Start(0);
        string request = _socket.Last;
        Deliver(r, Registrar.Respond(request, 408, "Request Timeout"), 10);
        Assert.Equal(FaultCode.RegistrarUnreachable, r.Fault);
        int sent = _socket.Sent.Count;
        Deliver(r, Registrar.Respond(request, 408, "Request Timeout"), 20);
        Assert.Equal(sent, _socket.Sent.Count);
    }

    [Fact]
    public void A_refresh_stands_in_for_the_probe_and_probing_resumes_after_it()
    {
        var r = Create(c => c.RegistrarProbeSeconds = 50);
        r.Start(0);
        Deliver(r, Registrar.Respond(_socket.Last, 200, "OK", "Contact: <" + Registrar.ContactOf(_socket.Last) + ">;expires=120"), 0);
        Assert.Equal(60_000, r.NextAttemptAt);
        r.Tick(50_000);
        string probe = Assert.Single(OptionsSent());

        // The refresh goes out while the probe is unanswered (it would time out at 75 s): the
        // probe is dropped, and the REGISTER's own answer decides.
        r.Tick(60_000);
        Assert.StartsWith("REGISTER ", _socket.Last);
        string refresh = _socket.Last;
        for (long t = 60_001; t < 61_000; t += 100)
        {
            r.Tick(t);
        }

        Deliver(r, Registrar.Respond(refresh, 200, "OK"), 61_000);
        for (long t = 61_000; t < 110_999; t += 100)
        {
            r.Tick(t);
        }

        Assert.Equal(RegistrationState.Registered, r.State);
        Assert.Null(r.Fault);
        Assert.Single(OptionsSent().Distinct());
        r.Tick(111_000);
        Assert.Equal(2, OptionsSent().Distinct().Count());
        Assert.NotEqual(Registrar.Header(probe, "Via"), Registrar.Header(OptionsSent()[^1], "Via"));
    }

    [Fact]
    public void Probes_go_to_the_outbound_proxy_itself()
    {
        var r = Create(c => { c.ProxyHost = "127.0.0.7"; c.ProxyPort = 5090; });
        Register(r, 0);
        r.Tick(30_000);
        string options = Assert.Single(OptionsSent());
        Assert.StartsWith("OPTIONS sip:127.0.0.7:5090 SIP/2.0", options);
        Assert.False(Registrar.HasHeader(options, "Route"));
        Assert.Equal(("127.0.0.7", 5090), (_socket.Sent[^1].Address, _socket.Sent[^1].Port));
    }

    [Fact]
    public void Probing_follows_the_provisioned_interval_and_can_be_turned_off()
    {
        var r = Create(c => c.RegistrarProbeSeconds = 60);
        Register(r, 0);
        r.Tick(59_999);
        Assert.Empty(OptionsSent());
        r.Tick(60_000);
        Assert.Single(OptionsSent());

        var off = new RegistrarProbeTests();
        var quiet = off.Create(c => c.RegistrarProbeSeconds = 0);
        off.Register(quiet, 0);
        for (long t = 0; t < 600_000; t += 1000)
        {
            quiet.Tick(t);
        }

        Assert.Empty(off.OptionsSent());
    }

    [Fact]
    public void A_TCP_line_relies_on_its_pongs_and_sends_no_OPTIONS()
    {
        var stream = new FakeStream();
        var config = new LineConfig(1, "2001", null!, "secret", "127.0.0.1", 5070, 3600) { Transport = LineConfig.Tcp };
        var r = new Registration(config, _socket, new FakeResolver(), new Random(1), "Ata/test", null!) { Stream = stream };
        r.Start(0);
        Deliver(r, Registrar.Respond(stream.Last, 200, "OK"), 0);
        for (long t = 0; t < 120_000; t += 1000)
        {
            r.Tick(t);
            r.OnPong(r.Connection);
        }

        Assert.DoesNotContain(stream.Sent, s => s.Text.StartsWith("OPTIONS "));
        Assert.Contains(stream.Sent, s => s.Text == "\r\n\r\n");
        Assert.Equal(RegistrationState.Registered, r.State);
    }

    [Theory]
    [InlineData(30, 15_000)]
    [InlineData(10, 5_000)]
    [InlineData(120, SipTimers.TimerF)]
    public void A_probe_waits_half_its_interval_at_most_Timer_F(int interval, long timeout)
    {
        Assert.Equal(timeout, RegistrarProbe.TimeoutMs(interval));
    }
}

public class RegistrarProbeProvisioningTests
{
    private static string Doc(string extra) =>
        "{\"version\":1,\"lines\":[{\"username\":\"2001\",\"password\":\"pw\",\"registrar\":\"127.0.0.1\"" + extra + "}]}";

    [Fact]
    public void Defaults_to_30_s_and_round_trips()
    {
        Assert.Equal(30, ProvisioningDocument.Parse(Doc(""), out _).Line(1).RegistrarProbeSeconds);
        var doc = ProvisioningDocument.Parse(Doc(",\"registrarProbeSeconds\":0"), out string error);
        Assert.Null(error);
        Assert.Equal(0, doc.Line(1).RegistrarProbeSeconds);
        var again = ProvisioningDocument.Parse(doc.ToJson(), out _);
        Assert.True(again.Line(1).SameAccount(doc.Line(1)));
        Assert.False(ProvisioningDocument.Parse(Doc(""), out _).Line(1).SameAccount(doc.Line(1)));
    }

    [Theory]
    [InlineData(5)]
    [InlineData(3601)]
    [InlineData(-1)]
    public void Refuses_an_interval_out_of_range_naming_the_field(int seconds)
    {
        Assert.Null(ProvisioningDocument.Parse(Doc($",\"registrarProbeSeconds\":{seconds}"), out string error));
        Assert.Equal("lines[0].registrarProbeSeconds: must be 0 (off) or from 10 to 3600 seconds", error);
    }
}
