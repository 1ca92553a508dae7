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
        string id = "e2e-tls-" + Guid.NewGuid().ToString("N")[..6];
        string secret = "tls-secret-" + Guid.NewGuid().ToString("N");
        await lab.ProvisionAsync(id, secret, FirstLightFixture.GoodUser, FirstLightFixture.GoodPassword, lab.Registrar.Address);
        using var ca = JsonDocument.Parse(await lab.Api.GetStringAsync("/api/broker/ca"));
        await File.WriteAllTextAsync(_caFile, ca.RootElement.GetProperty("pem").GetString());

        await using var sim = StartSim(id, secret, ca.RootElement.GetProperty("brokerTls").GetString()!);
        await sim.WaitForEventAsync("mqtt-connected", _ => true);
        await sim.WaitForEventAsync("registration", e => e.GetProperty("state").GetString() == "registered");
    }

    [Fact]
    public async Task The_simulator_given_another_CA_does_not_connect_and_says_why_in_one_line()
    {
        string id = "e2e-tls-" + Guid.NewGuid().ToString("N")[..6];
        string secret = "tls-secret-" + Guid.NewGuid().ToString("N");
        await lab.ProvisionAsync(id, secret, FirstLightFixture.GoodUser, FirstLightFixture.GoodPassword, lab.Registrar.Address);
        using var ca = JsonDocument.Parse(await lab.Api.GetStringAsync("/api/broker/ca"));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = new CertificateRequest("CN=Not the gateway's CA", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        await File.WriteAllTextAsync(_caFile, other.ExportCertificatePem());

        await using var sim = StartSim(id, secret, ca.RootElement.GetProperty("brokerTls").GetString()!);
        var failed = await sim.WaitForEventAsync("gateway", e => e.TryGetProperty("detail", out var detail) && detail.GetString()!.Contains("not trusted", StringComparison.Ordinal));
        string detail = failed.GetProperty("detail").GetString()!;
        Assert.DoesNotContain('\n', detail);
        Assert.Contains("not issued by the CA in --ca-file", detail, StringComparison.Ordinal);
        Assert.DoesNotContain(sim.Events, e => e.GetProperty("event").GetString() == "mqtt-connected");
    }

    private SimAdapter StartSim(string deviceId, string secret, string brokerTls) =>
        new(ManagedProcess.StartDotnet(lab.Layout.SimAssembly,
            ["--device-id", deviceId, "--broker-tls", brokerTls, "--ca-file", _caFile, "--events", "json", "--health-interval", "5"],
            new ManagedProcessOptions { Name = "sim-tls-" + deviceId, Environment = new Dictionary<string, string?> { ["ATA_SIM_SECRET"] = secret } }));

    public void Dispose() => File.Delete(_caFile);
}
