using System.Text.Json;
using Ata.Lab;

namespace Ata.EndToEnd.Tests.Registration;

/// <summary>
/// The adapter's own DNS client against a real DNS server (Debian dnsmasq on loopback): the
/// registrar found through <c>_sip._udp</c> SRV records, and a domain that does not resolve.
/// </summary>
public sealed class DnsLocatorTests
{
    private const string User = "5001";
    private const string Password = "pw-5001";

    private static ManagedProcess StartDnsmasq(int port, params string[] records) =>
        ManagedProcess.Start(RequiredTool.Locate("dnsmasq"),
            ["--keep-in-foreground", "--log-queries", "--log-facility=-", $"--port={port}", "--listen-address=127.0.0.1",
             "--bind-interfaces", "--no-resolv", "--no-hosts", "--conf-file=/dev/null", "--pid-file=", .. records],
            new ManagedProcessOptions { Name = "dnsmasq" });

    private static SimAdapter StartSim(string registrar, int dnsPort) =>
        SimAdapter.StartStandalone(User, Password, registrar, "--dns-server", $"127.0.0.1:{dnsPort}", "--retry-base", "1", "--retry-max", "2");

    [Fact]
    public async Task Finds_the_registrar_through_SRV_records()
    {
        await using var registrar = await KamailioRegistrar.StartAsync(new Dictionary<string, string> { [User] = Password });
        int dnsPort = FreePort.Udp();
        await using var dns = StartDnsmasq(dnsPort,
            $"--srv-host=_sip._udp.voice.lab.test,registrar-b.lab.test,{registrar.Port},10,100",
            "--host-record=registrar-b.lab.test,127.0.0.1");
        await dns.WaitForLineAsync(OutputStream.StandardError, l => l.Contains("started", StringComparison.Ordinal), TimeSpan.FromSeconds(10));

        await using var sim = StartSim("voice.lab.test", dnsPort);
        await sim.WaitForEventAsync("registration", e => e.GetProperty("state").GetString() == "registered" && e.GetProperty("sipCode").GetInt32() == 200);
        await registrar.WaitForDecisionAsync(d => d.User == User && d.Kind == RegistrarDecisionKind.Accepted, TimeSpan.FromSeconds(10));
        Assert.Contains(dns.Lines, l => l.Text.Contains("query[SRV] _sip._udp.voice.lab.test", StringComparison.Ordinal));
        // dnsmasq sends the target's address in the additional section: the adapter uses it instead of asking again.
        Assert.DoesNotContain(dns.Lines, l => l.Text.Contains("query[A] registrar-b.lab.test", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_domain_that_does_not_resolve_shows_the_DNS_fault()
    {
        int dnsPort = FreePort.Udp();
        await using var dns = StartDnsmasq(dnsPort, "--host-record=other.lab.test,127.0.0.1");
        await dns.WaitForLineAsync(OutputStream.StandardError, l => l.Contains("started", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        await using var sim = StartSim("nowhere.lab.test", dnsPort);
        var fault = await sim.WaitForEventAsync("fault", e => e.GetProperty("code").GetString() == "sip.dns" && e.GetProperty("state").GetString() == "raised");
        Assert.Equal(1, fault.GetProperty("line").GetInt32());
        await sim.WaitForEventAsync("led", e => e.GetProperty("led").GetString() == "tel1" && e.GetProperty("pattern").GetString() == "code-5");
    }
}
