using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Ata.Core.Contract;
using Ata.Gateway.Tests.Support;

namespace Ata.Gateway.Tests.Commands;

/// <summary>
/// Commands with outcomes, against the real broker: the gateway takes the adapter's <c>cmd/result</c>
/// and shows each command queued → pending → done/failed/expired; commands to an adapter that never
/// connected or is offline are refused (409) or queued, as the command says.
/// </summary>
public sealed class CommandOutcomeTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private RunningGateway Gateway => fixture.Gateway;

    [Fact]
    public async Task A_command_to_an_adapter_that_never_connected_is_refused_with_a_clear_message_or_queued_until_it_connects()
    {
        // The finding: the buttons "sent" commands to adapters that had never connected.
        const string id = "cmd-never";
        var port = await Gateway.ProvisionAsync(id, "cmd-never-secret");

        var refused = await Gateway.Http.PostAsJsonAsync($"/api/adapters/{id}/commands", new { command = "reregister" });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var problem = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!;
        Assert.Contains("has never connected", problem["title"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("whenOffline", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, (await Gateway.Http.PostAsync($"/api/adapters/{id}/actions/reboot", null)).StatusCode);
        Assert.Empty(JsonNode.Parse(await Gateway.Http.GetStringAsync($"/api/adapters/{id}/commands"))!.AsArray());

        var queued = await Gateway.Http.PostAsJsonAsync($"/api/adapters/{id}/commands", new { command = "reregister", whenOffline = "queue", reason = "line 1 dead" });
        Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        var command = JsonNode.Parse(await queued.Content.ReadAsStringAsync())!;
        var commandId = command["id"]!.GetValue<string>();
        Assert.Equal("queued", command["status"]!.GetValue<string>());

        // The adapter connects, subscribes and says it is online: the queued command reaches it.
        await using var device = await Device.ConnectAsync(id, "cmd-never-secret", port, Gateway.Log);
        await device.SubscribeAsync(MqttTopics.Command);
        await device.ReportAsync(MqttTopics.Status, MqttTopics.Online, retain: true);
        var sent = await device.WaitForAsync(m => m.Topic == MqttTopics.For(id, MqttTopics.Command), "the queued command");
        Assert.Equal(commandId, JsonNode.Parse(sent.PayloadText)![Fields.Id]!.GetValue<string>());
        await CommandWhenAsync(id, commandId, "pending");

        await device.ReportAsync(MqttTopics.CommandResult, $$"""{"id":"{{commandId}}","ok":true,"detail":"registering again"}""");
        var done = await CommandWhenAsync(id, commandId, "done");
        Assert.Equal("registering again", done["detail"]!.GetValue<string>());
        Assert.NotNull(done["answeredAt"]);
        var audit = JsonNode.Parse(await Gateway.Http.GetStringAsync($"/api/audit?target={id}"))!.AsArray()[0]!;
        Assert.Equal("adapter.reregister", audit["action"]!.GetValue<string>());
        Assert.Contains("reason: line 1 dead", audit["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_to_an_adapter_gone_offline_is_refused_saying_when_it_was_last_heard_from()
    {
        const string id = "cmd-offline";
        var port = await Gateway.ProvisionAsync(id, "cmd-offline-secret");
        await using (var device = await Device.ConnectAsync(id, "cmd-offline-secret", port, Gateway.Log))
        {
            await device.ReportAsync(MqttTopics.Status, MqttTopics.Online, retain: true);
            await Gateway.AdapterWhenAsync(id, a => a["online"]!.GetValue<bool>(), "online");
            await device.ReportAsync(MqttTopics.Status, MqttTopics.Offline, retain: true);
        }

        await Gateway.AdapterWhenAsync(id, a => !a["online"]!.GetValue<bool>(), "offline");
        var refused = await Gateway.Http.PostAsJsonAsync($"/api/adapters/{id}/commands", new { command = "reboot" });

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("is offline (last heard from ", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reboot_is_sent_unforced_unless_forced_and_a_refusal_shows_failed_with_the_adapters_words()
    {
        const string id = "cmd-reboot";
        var port = await Gateway.ProvisionAsync(id, "cmd-reboot-secret");
        await using var device = await Device.ConnectAsync(id, "cmd-reboot-secret", port, Gateway.Log);
        await device.SubscribeAsync(MqttTopics.Command);
        await device.ReportAsync(MqttTopics.Status, MqttTopics.Online, retain: true);
        await Gateway.AdapterWhenAsync(id, a => a["online"]!.GetValue<bool>(), "online");

        var plain = JsonNode.Parse(await (await Gateway.Http.PostAsJsonAsync($"/api/adapters/{id}/commands", new { command = "reboot" })).Content.ReadAsStringAsync())!;
        var plainId = plain["id"]!.GetValue<string>();
        Assert.Equal(("pending", false), (plain["status"]!.GetValue<string>(), plain["force"]!.GetValue<bool>()));
        var first = await device.WaitForAsync(m => m.PayloadText.Contains(plainId, StringComparison.Ordinal), "the unforced reboot");
        Assert.Null(JsonNode.Parse(first.PayloadText)![Fields.Force]);

        var forced = JsonNode.Parse(await (await Gateway.Http.PostAsJsonAsync($"/api/adapters/{id}/commands", new { command = "reboot", force = true })).Content.ReadAsStringAsync())!;
        var forcedId = forced["id"]!.GetValue<string>();
        var second = await device.WaitForAsync(m => m.PayloadText.Contains(forcedId, StringComparison.Ordinal), "the forced reboot");
        Assert.True(JsonNode.Parse(second.PayloadText)![Fields.Force]!.GetValue<bool>());

        await device.ReportAsync(MqttTopics.CommandResult, $$"""{"id":"{{plainId}}","ok":false,"detail":"an emergency call is in progress"}""");
        var failed = await CommandWhenAsync(id, plainId, "failed");
        Assert.Equal("an emergency call is in progress", failed["detail"]!.GetValue<string>());

        // An answer about another adapter's command changes nothing of it; a malformed one is dropped.
        await device.ReportAsync(MqttTopics.CommandResult, """{"id":"not-a-command","ok":true}""");
        await device.ReportAsync(MqttTopics.CommandResult, """{"ok":"yes"}""");
        await Eventually.TrueAsync(() => Gateway.Log.Text.Contains($"Dropped malformed {MqttTopics.CommandResult} from {id}", StringComparison.Ordinal), "the malformed result dropped", Gateway.Log);
        Assert.Equal("pending", (await CommandWhenAsync(id, forcedId, "pending"))["status"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""{"command":"explode"}""", "command")]
    [InlineData("""{"command":"reboot","force":"yes"}""", "force")]
    [InlineData("""{"command":"reboot","whenOffline":"maybe"}""", "whenOffline")]
    [InlineData("""{"command":"reboot","reason":7}""", "reason")]
    [InlineData("""{"command":"reboot","line":1}""", "line")]
    [InlineData("""{"command":"ring","line":5}""", "line")]
    [InlineData("""[]""", "body")]
    public async Task A_bad_command_is_refused_naming_its_field(string body, string field)
    {
        await Gateway.ProvisionAsync("cmd-bad", "cmd-bad-secret");
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        var response = await Gateway.Http.PostAsync("/api/adapters/cmd-bad/commands", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["errors"]!.AsObject().ContainsKey(field));
        Assert.Equal(HttpStatusCode.NotFound, (await Gateway.Http.PostAsJsonAsync("/api/adapters/cmd-nobody/commands", new { command = "reboot" })).StatusCode);
    }

    [Fact]
    public async Task A_command_nobody_answers_expires_at_the_gateways_deadline()
    {
        using var directory = new TempDirectory();
        await using var gateway = await RunningGateway.StartAsync(directory.Path, settings: new Dictionary<string, string?> { ["Commands:DeadlineSeconds"] = "1" });
        const string id = "cmd-silent";
        var port = await gateway.ProvisionAsync(id, "cmd-silent-secret");
        await using var device = await Device.ConnectAsync(id, "cmd-silent-secret", port, gateway.Log);
        await device.ReportAsync(MqttTopics.Status, MqttTopics.Online, retain: true);
        await gateway.AdapterWhenAsync(id, a => a["online"]!.GetValue<bool>(), "online");

        var sent = JsonNode.Parse(await (await gateway.Http.PostAsJsonAsync($"/api/adapters/{id}/commands", new { command = "reregister" })).Content.ReadAsStringAsync())!;

        var expired = await Eventually.ValueAsync(
            async () => JsonNode.Parse(await gateway.Http.GetStringAsync($"/api/adapters/{id}/commands/{sent["id"]!.GetValue<string>()}"))!,
            c => c["status"]!.GetValue<string>() == "expired", "the command expired", gateway.Log);
        Assert.Equal("No answer from the adapter by the deadline.", expired["detail"]!.GetValue<string>());
    }

    private Task<JsonNode> CommandWhenAsync(string id, string commandId, string status) =>
        Eventually.ValueAsync(
            async () => JsonNode.Parse(await Gateway.Http.GetStringAsync($"/api/adapters/{id}/commands/{commandId}"))!,
            c => c["status"]!.GetValue<string>() == status, $"command {commandId} {status}", Gateway.Log)!;
}
