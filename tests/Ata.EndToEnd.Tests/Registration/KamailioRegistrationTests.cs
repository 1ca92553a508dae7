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
        new(ManagedProcess.StartDotnet(RepoLayout.Find().SimAssembly,
            ["--sip-user", User, "--sip-password", Password, "--registrar", registrar, "--events", "json", "--keepalive", "0", .. extra],
            new ManagedProcessOptions { Name = "sim" }));

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

        // The registrar goes away; the next refresh times out (Timer F) and the line shows the fault.
        await registrar.StopAsync();
        await sim.WaitForEventAsync("fault", e => e.GetProperty("code").GetString() == "sip.unreachable" && e.GetProperty("state").GetString() == "raised", TimeSpan.FromSeconds(60));

        await registrar.StartAsync();
        var back = DateTimeOffset.UtcNow;
        var registered = await sim.WaitForEventAsync("registration", e => Registered(e) && e.GetProperty("t").GetInt64() > back.ToUnixTimeMilliseconds(), TimeSpan.FromSeconds(40));
        _ = registered;
        await sim.WaitForEventAsync("fault", e => e.GetProperty("code").GetString() == "sip.unreachable" && e.GetProperty("state").GetString() == "cleared");
    }
}
