using System.Text.Json;
using Ata.Core.Onboarding;
using Ata.EndToEnd.Tests.Console;
using Ata.Lab;
using Ata.Tests.Mqtt;
using MQTTnet;

namespace Ata.EndToEnd.Tests.Onboarding;

/// <summary>
/// Onboarding as a technician does it (issue 15, item 2): an admin makes the adapter's code on the
/// gateway, the technician types <c>onboard CODE</c> on the console of a board that knows nothing
/// yet (here Ata.Sim run as a board, its console on a pty), then pastes the CA certificate shown with
/// it (checked against the code's fingerprint), and the board connects over TLS, gets its config and
/// registers its line; the code then no longer logs in.
/// </summary>
[Collection(FirstLightCollection.Name)]
public sealed class OnboardingTests(FirstLightFixture lab) : IDisposable
{
    private readonly string _store = Path.Combine(Path.GetTempPath(), "ata-onboard-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_store))
        {
            Directory.Delete(_store, recursive: true);
        }
    }

    [Fact]
    public async Task A_board_onboarded_with_the_code_on_its_console_connects_gets_its_config_and_registers_and_the_code_is_used_up()
    {
        string id = "e2e-onboard-" + Guid.NewGuid().ToString("N")[..6];
        string broker = await lab.ProvisionAsync(id, "never-typed-" + Guid.NewGuid().ToString("N"), FirstLightFixture.GoodUser, FirstLightFixture.GoodPassword, lab.Registrar.Address);
        var response = await lab.Api.PostAsync($"/api/adapters/{id}/onboarding-code", null);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var issued = JsonDocument.Parse(body);
        string code = issued.RootElement.GetProperty("code").GetString()!;
        string caPem = issued.RootElement.GetProperty("caPem").GetString()!;
        Assert.Equal(broker, issued.RootElement.GetProperty("broker").GetString());
        Assert.Equal(lab.Broker.CaFingerprint, issued.RootElement.GetProperty("caFingerprint").GetString());

        await using var sim = new SimAdapter(ManagedProcess.StartDotnet(lab.Layout.SimAssembly,
            ["--console-pty", "--store", _store, "--local-address", "127.0.0.1", "--events", "json"],
            new ManagedProcessOptions { Name = "sim-onboard" }));
        string pty = (await sim.WaitForEventAsync("console-pty", _ => true)).GetProperty("detail").GetString()!;
        using var terminal = new PtyTerminal(pty);

        string step1 = await terminal.CommandAsync("onboard " + code);
        Assert.Contains($"step 1 of 2: code read: device {id}, gateway {broker} over TLS", step1);
        Assert.Contains("must have SHA-256 " + lab.Broker.CaFingerprint, step1);

        // A CA that is not the gateway's is refused, and nothing is saved; the one shown with the code is taken.
        using (var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256))
        using (var other = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=Not the gateway's CA", key, System.Security.Cryptography.HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1)))
        {
            string refused = await terminal.CommandAsync(Pasted(other.ExportCertificatePem()));
            Assert.Contains("error: wrong CA certificate", refused);
            Assert.Contains("nothing saved", refused);
        }

        string answer = await terminal.CommandAsync(Pasted(caPem));

        Assert.Contains("CA certificate checked: its SHA-256 matches the onboarding code", answer);
        Assert.Contains($"onboarded: device {id}, gateway {broker} over TLS, device secret set", answer);
        Assert.Contains("rebooting to connect", answer);
        Assert.DoesNotContain(code, terminal.Received, StringComparison.Ordinal);
        await sim.WaitForEventAsync("mqtt-connected", e => e.GetProperty("detail").GetString() == broker);
        await sim.WaitForEventAsync("registration", e => e.GetProperty("state").GetString() == "registered");

        // The code's secret is swapped for one of the board's own, which it stores and reconnects with.
        long rotatedAt = (await sim.WaitForEventAsync("device-secret-rotated", _ => true)).GetProperty("t").GetInt64();
        await sim.WaitForEventAsync("config", e => e.GetProperty("applied").GetBoolean());
        await sim.WaitForEventAsync("mqtt-connected", e => e.GetProperty("t").GetInt64() >= rotatedAt);
        string status = await terminal.CommandAsync("status");
        Assert.True(status.Contains($"device id:  {id}", StringComparison.Ordinal) && status.Contains("gateway:    connected", StringComparison.Ordinal), status);

        // Used up: the secret the code carries no longer logs in once the board has its own.
        var carried = OnboardingCode.Decode(code, out _);
        await Eventually.Until(async () =>
        {
            await using var again = lab.Broker.Client(broker, id + "-again", id, carried.Secret);
            return await again.TryConnectAsync() == MqttClientConnectResultCode.NotAuthorized;
        }, TimeSpan.FromSeconds(20), () => "the onboarding code's secret still logs in");
        Assert.DoesNotContain(sim.Process.Lines, l => l.Text.Contains(carried.Secret, StringComparison.Ordinal));

        // Powered off and on again, the board comes back with what it stored: its own secret.
        await sim.DisposeAsync();
        await using var restarted = new SimAdapter(ManagedProcess.StartDotnet(lab.Layout.SimAssembly,
            ["--console-pty", "--store", _store, "--local-address", "127.0.0.1", "--events", "json"],
            new ManagedProcessOptions { Name = "sim-onboard-again" }));
        await restarted.WaitForEventAsync("mqtt-connected", e => e.GetProperty("detail").GetString() == broker);
        await restarted.WaitForEventAsync("registration", e => e.GetProperty("state").GetString() == "registered");
    }

    private static string Pasted(string pem) => BoardOnboarding.Pasted(pem);
}
