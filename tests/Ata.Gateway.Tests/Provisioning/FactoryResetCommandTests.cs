using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Ata.Core.Contract;
using Ata.Core.Onboarding;
using Ata.Gateway.Tests.Support;

namespace Ata.Gateway.Tests.Provisioning;

/// <summary>
/// The factory reset command at the gateway (issue 16, item 3): admins only; once the adapter answers
/// it done, the adapter needs onboarding (<c>GET …/onboarding</c>) until it logs in with a new code;
/// a failed answer marks nothing.
/// </summary>
public sealed class FactoryResetCommandTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private RunningGateway Gateway => fixture.Gateway;

    [Fact]
    public async Task Only_an_admin_sends_it_and_its_done_answer_marks_the_adapter_as_needing_onboarding_until_a_new_code_logs_in()
    {
        const string id = "reset-1";
        var port = await Gateway.ProvisionAsync(id, "reset-secret-1");
        await using var device = await Device.ConnectAsync(id, "reset-secret-1", port, Gateway.Log);
        await device.SubscribeAsync(MqttTopics.Command);
        await device.ReportAsync(MqttTopics.Status, MqttTopics.Online, retain: true);
        await Gateway.AdapterWhenAsync(id, a => a["online"]!.GetValue<bool>(), "online");

        using var support = await Gateway.SupportClientAsync("reset-agent");
        var forbidden = await support.PostAsJsonAsync($"/api/adapters/{id}/commands", new { command = "factory-reset" });
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.DoesNotContain(device.Messages, m => m.Topic == MqttTopics.For(id, MqttTopics.Command));
        Assert.False((await StateAsync(support, id))["needed"]!.GetValue<bool>());

        var sent = await Gateway.Http.PostAsJsonAsync($"/api/adapters/{id}/commands", new { command = "factory-reset" });
        Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        var commandId = JsonNode.Parse(await sent.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        var received = await device.WaitForAsync(m => m.Topic == MqttTopics.For(id, MqttTopics.Command), "the factory reset");
        Assert.Equal("factory-reset", JsonNode.Parse(received.PayloadText)!["command"]!.GetValue<string>());
        Assert.False((await StateAsync(support, id))["needed"]!.GetValue<bool>());

        await device.ReportAsync(MqttTopics.CommandResult, $$"""{"id":"{{commandId}}","ok":true,"detail":"erasing"}""");
        var state = await Eventually.ValueAsync(() => StateAsync(support, id), s => s["needed"]!.GetValue<bool>(), "needs onboarding", Gateway.Log);
        Assert.Equal("factory reset", state["reason"]!.GetValue<string>());
        Assert.NotNull(state["since"]);
        Assert.Equal(HttpStatusCode.NotFound, (await support.GetAsync("/api/adapters/reset-nobody/onboarding")).StatusCode);

        // A new code, and the first login with it: onboarded again.
        var code = OnboardingCode.Decode(JsonNode.Parse(await (await Gateway.Http.PostAsync($"/api/adapters/{id}/onboarding-code", null)).Content.ReadAsStringAsync())!["code"]!.GetValue<string>(), out _);
        Assert.NotNull((await StateAsync(support, id))["codeExpiresAt"]);
        await using var again = await Device.ConnectAsync(id, code.Secret, port, Gateway.Log);
        await again.AnnounceAsync();
        await Eventually.ValueAsync(() => StateAsync(support, id), s => !s["needed"]!.GetValue<bool>(), "onboarded again", Gateway.Log);
    }

    [Fact]
    public async Task A_failed_factory_reset_marks_nothing()
    {
        const string id = "reset-2";
        var port = await Gateway.ProvisionAsync(id, "reset-secret-2");
        await using var device = await Device.ConnectAsync(id, "reset-secret-2", port, Gateway.Log);
        await device.SubscribeAsync(MqttTopics.Command);
        await device.ReportAsync(MqttTopics.Status, MqttTopics.Online, retain: true);
        await Gateway.AdapterWhenAsync(id, a => a["online"]!.GetValue<bool>(), "online");
        var sent = await Gateway.Http.PostAsJsonAsync($"/api/adapters/{id}/commands", new { command = "factory-reset" });
        var commandId = JsonNode.Parse(await sent.Content.ReadAsStringAsync())!["id"]!.GetValue<string>();
        await device.WaitForAsync(m => m.Topic == MqttTopics.For(id, MqttTopics.Command), "the factory reset");

        await device.ReportAsync(MqttTopics.CommandResult, $$"""{"id":"{{commandId}}","ok":false,"detail":"unknown command 'factory-reset'"}""");
        await Eventually.ValueAsync(
            async () => JsonNode.Parse(await Gateway.Http.GetStringAsync($"/api/adapters/{id}/commands/{commandId}"))!,
            c => c["status"]!.GetValue<string>() == "failed", "failed", Gateway.Log);
        Assert.False((await StateAsync(Gateway.Http, id))["needed"]!.GetValue<bool>());
    }

    private static async Task<JsonNode> StateAsync(HttpClient client, string id) =>
        JsonNode.Parse(await client.GetStringAsync($"/api/adapters/{id}/onboarding"))!;
}
