using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Ata.Core.Contract;
using Ata.Core.Onboarding;
using Ata.Gateway.Tests.Support;
using Ata.Tests.Mqtt;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;

namespace Ata.Gateway.Tests.Provisioning;

/// <summary>
/// Onboarding a technician can finish (issue 15, item 2): an admin gets a one-time code that carries
/// the broker's TLS address for adapters, its CA's fingerprint (and the CA to paste) and a new device secret; the code works once, then not, and a
/// code nobody used stops working when it expires.
/// </summary>
public sealed class OnboardingCodeTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private RunningGateway Gateway => fixture.Gateway;

    [Fact]
    public async Task Only_an_admin_gets_a_code_and_it_carries_the_brokers_address_and_a_new_secret_shown_once()
    {
        const string id = "onb-admin";
        var port = await Gateway.ProvisionAsync(id, "onb-secret-a1");
        using var support = await Gateway.SupportClientAsync("onb-agent");

        Assert.Equal(HttpStatusCode.Forbidden, (await support.PostAsync($"/api/adapters/{id}/onboarding-code", null)).StatusCode);
        Assert.Equal(MqttClientConnectResultCode.Success, await LoginAsync(id, "onb-secret-a1", port));

        var (response, body) = await IssueAsync(id);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var tls = Gateway.Broker.DeviceTls!;
        Assert.Equal($"127.0.0.1:{Gateway.Broker.TlsPort}", body!["broker"]!.GetValue<string>());
        Assert.Equal(tls.CaFingerprint, body["caFingerprint"]!.GetValue<string>());
        Assert.Equal(tls.CaPem.Trim(), body["caPem"]!.GetValue<string>().Trim());
        var expires = body["expiresAt"]!.GetValue<DateTimeOffset>();
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromHours(23.9), TimeSpan.FromHours(24.1));
        var code = OnboardingCode.Decode(body["code"]!.GetValue<string>(), out var error);
        Assert.Null(error);
        Assert.Equal(("127.0.0.1", Gateway.Broker.TlsPort, id, tls.CaFingerprint), (code.Host, code.Port, code.DeviceId, code.CaFingerprint));
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await LoginAsync(id, "onb-secret-a1", port));
        Assert.Equal(MqttClientConnectResultCode.Success, await LoginAsync(id, code.Secret, port));
        Assert.DoesNotContain(code.Secret, Gateway.Log.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(body["code"]!.GetValue<string>(), Gateway.Log.Text, StringComparison.Ordinal);
        var audit = (await Gateway.Http.GetFromJsonAsync<JsonArray>($"/api/audit?target={id}"))!;
        Assert.Contains(audit, e => e!["action"]!.GetValue<string>() == "adapter.onboarding-code");
        Assert.Equal(HttpStatusCode.NotFound, (await IssueAsync("onb-nobody")).Response.StatusCode);
    }

    [Fact]
    public async Task A_code_works_for_the_first_adapter_that_logs_in_with_it_and_then_not_again()
    {
        const string id = "onb-once";
        var port = await Gateway.ProvisionAsync(id, "onb-secret-o1");
        var code = OnboardingCode.Decode((await IssueAsync(id)).Body!["code"]!.GetValue<string>(), out _);

        // The onboarded adapter logs in, subscribes to its config, and is sent a secret of its own.
        await using var adapter = await Device.ConnectAsync(id, code.Secret, port, Gateway.Log);
        await adapter.AnnounceAsync();
        var rotated = JsonNode.Parse((await adapter.WaitForAsync(m => m.PayloadText.Contains(Fields.DeviceSecret, StringComparison.Ordinal), "a secret of its own")).PayloadText)!;
        var own = rotated[Fields.DeviceSecret]!.GetValue<string>();
        Assert.NotEqual(code.Secret, own);
        await adapter.ReportAsync(MqttTopics.ConfigAck, Reports.ConfigAck(rotated[Fields.Version]!.GetValue<int>(), applied: true));

        // The code is used up: typed into a second board (or by whoever read it), it no longer logs in.
        await Eventually.ValueAsync(() => LoginAsync(id, code.Secret, port), c => c == MqttClientConnectResultCode.NotAuthorized, "the code's secret refused", Gateway.Log);
        Assert.Equal(MqttClientConnectResultCode.Success, await LoginAsync(id, own, port));
        Assert.DoesNotContain(own, Gateway.Log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_code_nobody_used_stops_working_when_it_expires()
    {
        using var directory = new TempDirectory();
        await using var gateway = await RunningGateway.StartAsync(directory.Path, settings: new Dictionary<string, string?>
        {
            ["Onboarding:CodeLifetimeSeconds"] = "4",
            ["Onboarding:SweepSeconds"] = "1",
        });
        const string id = "onb-expired";
        var port = await gateway.ProvisionAsync(id, "onb-secret-e1");
        var response = await gateway.Http.PostAsync($"/api/adapters/{id}/onboarding-code", null);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var code = OnboardingCode.Decode(body["code"]!.GetValue<string>(), out _);

        // A login without subscribing to its config does not use the code up: it works until it expires.
        await using (var login = Device.Create(id, code.Secret, port, gateway.Log))
        {
            Assert.Equal(MqttClientConnectResultCode.Success, await login.Client.TryConnectAsync());
        }

        await Eventually.ValueAsync(
            async () =>
            {
                await using var login = Device.Create(id, code.Secret, port, gateway.Log);
                return await login.Client.TryConnectAsync();
            },
            c => c == MqttClientConnectResultCode.NotAuthorized, "the expired code's secret refused", gateway.Log);
        // The broker refuses the code's secret as soon as it has the replacement; the gateway says why just after.
        await Eventually.TrueAsync(() => gateway.Log.Text.Contains("onboarding code expired unused", StringComparison.Ordinal), "the expiry logged", gateway.Log);
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await LoginAsyncOn(gateway, id, "onb-secret-e1", port));
    }

    [Fact]
    public async Task An_adapter_that_only_says_it_is_online_with_the_code_has_used_it_too()
    {
        // As through a broker that does not report subscriptions: the sweep sees it online since the
        // code was issued, long before the code would expire, and sends it a secret of its own.
        using var directory = new TempDirectory();
        await using var gateway = await RunningGateway.StartAsync(directory.Path, settings: new Dictionary<string, string?>
        {
            ["Onboarding:SweepSeconds"] = "1",
        });
        const string quiet = "onb-quiet";
        var port = await gateway.ProvisionAsync(quiet, "onb-secret-q1");
        var issued = JsonNode.Parse(await (await gateway.Http.PostAsync($"/api/adapters/{quiet}/onboarding-code", null)).Content.ReadAsStringAsync())!;
        var quietCode = OnboardingCode.Decode(issued["code"]!.GetValue<string>(), out _);
        await using var adapter = await Device.ConnectAsync(quiet, quietCode.Secret, port, gateway.Log);
        await adapter.ReportAsync(MqttTopics.Status, MqttTopics.Online, retain: true);
        await gateway.AdapterWhenAsync(quiet, a => a["credentialRotationPending"]!.GetValue<bool>(), "a secret of its own on the way");

        // The code is forgotten once the rotation is made, just after it shows.
        var codes = gateway.App.Services.GetRequiredService<Ata.Gateway.Provisioning.OnboardingCodes>();
        await Eventually.TrueAsync(() => codes.PendingUntil(quiet) is null, "the used code forgotten", gateway.Log);
        Assert.Contains($"Adapter {quiet} logged in with its onboarding code", gateway.Log.Text, StringComparison.Ordinal);
    }

    private static async Task<MqttClientConnectResultCode> LoginAsyncOn(RunningGateway gateway, string deviceId, string secret, int port)
    {
        await using var login = Device.Create(deviceId, secret, port, gateway.Log);
        return await login.Client.TryConnectAsync();
    }

    private Task<MqttClientConnectResultCode> LoginAsync(string deviceId, string secret, int port) => LoginAsyncOn(Gateway, deviceId, secret, port);

    private async Task<(HttpResponseMessage Response, JsonNode? Body)> IssueAsync(string deviceId)
    {
        var response = await Gateway.Http.PostAsync($"/api/adapters/{deviceId}/onboarding-code", null);
        var text = await response.Content.ReadAsStringAsync();
        return (response, text.Length == 0 ? null : JsonNode.Parse(text));
    }

}
