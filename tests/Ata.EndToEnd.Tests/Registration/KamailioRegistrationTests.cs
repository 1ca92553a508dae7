using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Ata.Lab;

namespace Ata.EndToEnd.Tests.Registration;

/// <summary>Registration against a real Kamailio: SHA-256 digest, short expiries, a registrar restart.</summary>
public sealed class KamailioRegistrationTests
{
    private const string User = "3001";
    private const string Password = "pw-3001-\"quoted\"";

    private static SimAdapter StartStandaloneSim(string registrar, params string[] extra) =>
        SimAdapter.StartStandalone(User, Password, registrar, extra);

    private static bool Registered(JsonElement e) => e.GetProperty("state").GetString() == "registered" && e.GetProperty("sipCode").GetInt32() == 200;

    [Fact]
    public async Task Registers_with_SHA_256_digest()
    {
        await using var registrar = await KamailioRegistrar.StartAsync(new Dictionary<string, string> { [User] = Password },
            new KamailioRegistrarOptions { Algorithm = "SHA-256" });

        // The registrar really challenges with SHA-256 only.
        using (var probe = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)))
        {
            int port = ((IPEndPoint)probe.Client.LocalEndPoint!).Port;
            string register = $"REGISTER sip:127.0.0.1:{registrar.Port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bKprobe1\r\nMax-Forwards: 70\r\n" +
                $"From: <sip:{User}@127.0.0.1>;tag=p1\r\nTo: <sip:{User}@127.0.0.1>\r\nCall-ID: probe-{port}\r\nCSeq: 1 REGISTER\r\nContact: <sip:{User}@127.0.0.1:{port}>\r\nContent-Length: 0\r\n\r\n";
            byte[] bytes = Encoding.ASCII.GetBytes(register);
            await probe.SendAsync(bytes, bytes.Length, registrar.EndPoint);
            string challenge = Encoding.UTF8.GetString((await probe.ReceiveAsync().WaitAsync(TimeSpan.FromSeconds(5))).Buffer);
            Assert.Contains("algorithm=SHA-256", challenge);
        }

        await using var sim = StartStandaloneSim(registrar.Address);
        await sim.WaitForEventAsync("registration", Registered);
        await registrar.WaitForDecisionAsync(d => d.User == User && d.Kind == RegistrarDecisionKind.Accepted, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Refreshes_a_short_expiry_and_rides_through_a_registrar_restart()
    {
        await using var registrar = await KamailioRegistrar.StartAsync(new Dictionary<string, string> { [User] = Password },
            new KamailioRegistrarOptions { MinExpires = 10, MaxExpires = 30 });
        await using var sim = StartStandaloneSim(registrar.Address, "--expires", "30");
        await sim.WaitForEventAsync("registration", Registered);
        var first = await registrar.WaitForDecisionAsync(d => d.User == User && d.Kind == RegistrarDecisionKind.Accepted, TimeSpan.FromSeconds(10));
        Assert.Equal(30, first.Expires);

        // The registrar restarts and forgets every binding; the refresh (half-way, at 15 s) puts ours back.
        await registrar.RestartAsync();
        var restartedAt = DateTimeOffset.UtcNow;
        var refreshed = await registrar.WaitForDecisionAsync(
            d => d.User == User && d.Kind == RegistrarDecisionKind.Accepted && d.At > restartedAt, TimeSpan.FromSeconds(20), includeEarlierDecisions: true);
        Assert.Equal(30, refreshed.Expires);
        Assert.True(refreshed.At - first.At < TimeSpan.FromSeconds(17), $"refresh came {refreshed.At - first.At} after the first registration");
        Assert.DoesNotContain(sim.Events, e => e.GetProperty("event").GetString() == "fault");
        Assert.DoesNotContain(sim.Events, e => e.GetProperty("event").GetString() == "registration" && e.GetProperty("state").GetString() == "failed");
    }

    [Fact]
    public async Task Comes_back_within_one_back_off_step_of_the_registrar_returning()
    {
        await using var registrar = await KamailioRegistrar.StartAsync(new Dictionary<string, string> { [User] = Password },
            new KamailioRegistrarOptions { MinExpires = 10, MaxExpires = 30 });
        await using var sim = StartStandaloneSim(registrar.Address, "--expires", "30", "--retry-base", "1", "--retry-max", "2");
        await sim.WaitForEventAsync("registration", Registered);

        // The registrar goes away; the next refresh (at 15 s) times out (Timer F, 32 s) and the line shows the fault.
        await registrar.StopAsync();
        await sim.WaitForEventAsync("fault", e => e.GetProperty("code").GetString() == "sip.unreachable" && e.GetProperty("state").GetString() == "raised", TimeSpan.FromSeconds(100));

        // The adapter may be back before StartAsync returns (it waits for Kamailio to answer OPTIONS).
        long startedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await registrar.StartAsync();
        long back = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var registered = await sim.WaitForEventAsync("registration", e => Registered(e) && e.GetProperty("t").GetInt64() >= startedAt, TimeSpan.FromSeconds(40));
        Assert.True(registered.GetProperty("t").GetInt64() - back < 4000, "not back within one back-off step (1-2 s) or retransmission (T2, 4 s) of the registrar's return");
        await sim.WaitForEventAsync("fault", e => e.GetProperty("code").GetString() == "sip.unreachable" && e.GetProperty("state").GetString() == "cleared");
    }

    [Fact]
    public async Task Registers_over_TCP_and_rebuilds_the_flow_when_the_registrar_restarts()
    {
        await using var registrar = await KamailioRegistrar.StartAsync(new Dictionary<string, string> { [User] = Password },
            new KamailioRegistrarOptions { EnableTcp = true });
        await using var sim = StartStandaloneSim(registrar.Address, "--transport", "tcp", "--retry-base", "1", "--retry-max", "2");
        await sim.WaitForEventAsync("registration", Registered);
        var first = await registrar.WaitForDecisionAsync(d => d.User == User && d.Kind == RegistrarDecisionKind.Accepted, TimeSpan.FromSeconds(10));
        Assert.Contains("transport=tcp", first.Contact);

        // The restart closes the connection: the adapter registers again at once (RFC 5626 flow
        // recovery), long before its hour-long refresh would have; if the registrar is still
        // starting, within one back-off step (1-2 s here) of its return.
        var restartStartedAt = DateTimeOffset.UtcNow;
        await registrar.RestartAsync();
        var restartedAt = DateTimeOffset.UtcNow;
        RegistrarDecision again;
        try
        {
            again = await registrar.WaitForDecisionAsync(d => d.User == User && d.Kind == RegistrarDecisionKind.Accepted && d.At > restartStartedAt,
                TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + "\nadapter:\n" + sim.Process.Tail(), e);
        }

        Assert.True(again.At - restartedAt < TimeSpan.FromSeconds(3), $"re-registered {again.At - restartedAt} after the registrar was back");

        // A connection refused while the registrar was still down may have raised the fault for a
        // moment; the accepted REGISTER clears it.
        if (sim.Events.Any(e => e.GetProperty("event").GetString() == "fault" && e.GetProperty("state").GetString() == "raised"))
        {
            await sim.WaitForEventAsync("fault", e => e.GetProperty("code").GetString() == "sip.unreachable" && e.GetProperty("state").GetString() == "cleared");
        }

        await sim.WaitForEventAsync("led", e => e.GetProperty("led").GetString() == "tel1" && e.GetProperty("pattern").GetString() == "solid");
    }

    [Fact]
    public async Task A_rebooted_adapter_replaces_its_binding_instead_of_adding_one()
    {
        await using var registrar = await KamailioRegistrar.StartAsync(new Dictionary<string, string> { [User] = Password });
        await using (var first = StartStandaloneSim(registrar.Address, "--device-id", "reboot-1"))
        {
            await first.WaitForEventAsync("registration", Registered);
            var accepted = await registrar.WaitForDecisionAsync(d => d.User == User && d.Kind == RegistrarDecisionKind.Accepted, TimeSpan.FromSeconds(10));
            Assert.Equal(1, accepted.Bindings);
        }

        // Power cut: the adapter comes back on a new port without having unregistered.
        var rebootedAt = DateTimeOffset.UtcNow;
        await using var second = StartStandaloneSim(registrar.Address, "--device-id", "reboot-1");
        await second.WaitForEventAsync("registration", Registered);
        var replaced = await registrar.WaitForDecisionAsync(d => d.User == User && d.Kind == RegistrarDecisionKind.Accepted && d.At > rebootedAt, TimeSpan.FromSeconds(10));
        Assert.Equal(1, replaced.Bindings);

        // A different adapter on the same account adds its own binding: the registrar does count them.
        var otherAt = DateTimeOffset.UtcNow;
        await using var other = StartStandaloneSim(registrar.Address, "--device-id", "another-adapter");
        await other.WaitForEventAsync("registration", Registered);
        var added = await registrar.WaitForDecisionAsync(d => d.User == User && d.Kind == RegistrarDecisionKind.Accepted && d.At > otherAt, TimeSpan.FromSeconds(10));
        Assert.Equal(2, added.Bindings);
    }

    [Fact]
    public async Task Registers_through_an_outbound_proxy_for_a_domain_it_cannot_resolve_itself()
    {
        // The SIP domain has no DNS at all; only the outbound proxy (here Kamailio itself) is reachable.
        await using var registrar = await KamailioRegistrar.StartAsync(new Dictionary<string, string> { [User] = Password });
        var doc = new
        {
            version = 1,
            lines = new[] { new { username = User, password = Password, registrar = "voice.unresolvable.test", outboundProxy = registrar.Address } },
        };
        string config = System.Text.Json.JsonSerializer.Serialize(doc);
        Assert.NotNull(Ata.Core.Provisioning.ProvisioningDocument.Parse(config, out string error));
        Assert.Null(error);

        await using var sim = StartStandaloneSim("voice.unresolvable.test", "--outbound-proxy", registrar.Address);
        await sim.WaitForEventAsync("registration", Registered);
        var accepted = await registrar.WaitForDecisionAsync(d => d.User == User && d.Kind == RegistrarDecisionKind.Accepted, TimeSpan.FromSeconds(10));
        Assert.True(accepted.Expires > 0);
    }
}
