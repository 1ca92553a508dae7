using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Ata.Lab;

namespace Ata.EndToEnd.Tests;

/// <summary>
/// The simulator on the embedded broker's TLS listener (issue 15, item 1): given the gateway's CA
/// (from <c>GET /api/broker/ca</c>) it connects over TLS and gets its config; given another CA it
/// does not connect and says why in one line.
/// </summary>
[Collection(FirstLightCollection.Name)]
public sealed class SimulatorOverTlsTests(FirstLightFixture lab) : IDisposable
{
    private readonly string _caFile = Path.Combine(Path.GetTempPath(), "ata-e2e-ca-" + Guid.NewGuid().ToString("N")[..8] + ".pem");

    [Fact]
    public async Task The_simulator_checking_the_gateways_CA_connects_over_TLS_and_gets_its_config()
    {
        var (ca, brokerTls) = await GetCaAsync();
        await File.WriteAllTextAsync(_caFile, ca);

        await using var sim = await ProvisionAndStartSimAsync(brokerTls);
        await sim.WaitForEventAsync("mqtt-connected", _ => true);
        await sim.WaitForEventAsync("registration", e => e.GetProperty("state").GetString() == "registered");
    }

    [Fact]
    public async Task The_simulator_given_another_CA_does_not_connect_and_says_why_in_one_line()
    {
        var (_, brokerTls) = await GetCaAsync();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = new CertificateRequest("CN=Not the gateway's CA", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        await File.WriteAllTextAsync(_caFile, other.ExportCertificatePem());

        await using var sim = await ProvisionAndStartSimAsync(brokerTls);
        var failed = await sim.WaitForEventAsync("gateway", e => e.TryGetProperty("detail", out var detail) && detail.GetString()!.Contains("not trusted", StringComparison.Ordinal));
        string detail = failed.GetProperty("detail").GetString()!;
        Assert.DoesNotContain('\n', detail);
        Assert.Contains("not issued by the CA trusted", detail, StringComparison.Ordinal);
        Assert.DoesNotContain(sim.Events, e => e.GetProperty("event").GetString() == "mqtt-connected");
    }

    [Fact]
    public async Task By_default_a_plaintext_device_connection_is_refused_and_the_same_login_over_TLS_works()
    {
        string id = "e2e-plain-" + Guid.NewGuid().ToString("N")[..6];
        string secret = "plain-secret-" + Guid.NewGuid().ToString("N");
        string brokerTls = await lab.ProvisionAsync(id, secret, FirstLightFixture.GoodUser, FirstLightFixture.GoodPassword, lab.Registrar.Address);

        await using (var plaintext = Ata.Tests.Mqtt.MqttTestClient.Create("127.0.0.1", lab.PlaintextPort, id, id, secret))
        {
            await Assert.ThrowsAnyAsync<MQTTnet.Exceptions.MqttCommunicationException>(() => plaintext.TryConnectAsync());
        }

        await using var sim = lab.StartSim(id, secret, brokerTls);
        await sim.WaitForEventAsync("mqtt-connected", _ => true);
        await using var plainSim = new SimAdapter(ManagedProcess.StartDotnet(lab.Layout.SimAssembly,
            ["--device-id", id + "-p", "--broker", $"127.0.0.1:{lab.PlaintextPort}", "--events", "json"],
            new ManagedProcessOptions { Name = "sim-plaintext", Environment = new Dictionary<string, string?> { ["ATA_SIM_SECRET"] = secret } }));
        await plainSim.WaitForEventAsync("gateway", e => e.TryGetProperty("detail", out var detail) && detail.GetString()!.Contains("cannot reach the broker", StringComparison.Ordinal));
    }

    private async Task<(string Pem, string BrokerTls)> GetCaAsync()
    {
        using var ca = JsonDocument.Parse(await lab.Api.GetStringAsync("/api/broker/ca"));
        return (ca.RootElement.GetProperty("pem").GetString()!, ca.RootElement.GetProperty("brokerTls").GetString()!);
    }

    /// <summary>Provisions a new adapter and starts the simulator for it on <paramref name="brokerTls"/> with the CA in <see cref="_caFile"/>.</summary>
    private async Task<SimAdapter> ProvisionAndStartSimAsync(string brokerTls)
    {
        string id = "e2e-tls-" + Guid.NewGuid().ToString("N")[..6];
        string secret = "tls-secret-" + Guid.NewGuid().ToString("N");
        await lab.ProvisionAsync(id, secret, FirstLightFixture.GoodUser, FirstLightFixture.GoodPassword, lab.Registrar.Address);
        return new(ManagedProcess.StartDotnet(lab.Layout.SimAssembly,
            ["--device-id", id, "--broker-tls", brokerTls, "--ca-file", _caFile, "--events", "json", "--health-interval", "5"],
            new ManagedProcessOptions { Name = "sim-tls-" + id, Environment = new Dictionary<string, string?> { ["ATA_SIM_SECRET"] = secret } }));
    }

    [Theory]
    [InlineData("--broker-tls", "127.0.0.1:1")]
    [InlineData("--ca-file", "/nonexistent-ca.pem")]
    public async Task The_simulator_wants_broker_tls_and_ca_file_together(string option, string value)
    {
        await using var sim = ManagedProcess.StartDotnet(lab.Layout.SimAssembly,
            ["--device-id", "tls-usage", option, value, .. option == "--ca-file" ? new[] { "--broker", "127.0.0.1:1" } : []],
            new ManagedProcessOptions { Name = "sim-tls-usage", Environment = new Dictionary<string, string?> { ["ATA_SIM_SECRET"] = "x" } });
        await sim.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("--broker-tls and --ca-file go together", string.Join('\n', sim.StandardErrorLines.Concat(sim.StandardOutputLines)), StringComparison.Ordinal);
    }

    public void Dispose() => File.Delete(_caFile);
}
