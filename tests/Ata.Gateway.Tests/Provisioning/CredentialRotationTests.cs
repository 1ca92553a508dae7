using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Ata.Core.Contract;
using Ata.Gateway.Tests.Support;
using Ata.Tests.Mqtt;
using MQTTnet;

namespace Ata.Gateway.Tests.Provisioning;

/// <summary>
/// Rotation a thief cannot follow (issue 12, finding 5). Routine rotation goes in band, on the
/// adapter's own config topic only and never retained; revoking a leaked secret drops every session
/// of the old one at once and gives the new one to the admin alone, never over MQTT. Before, the
/// rotated secret stayed retained on the broker for any holder of the old one, and nothing revoked.
/// </summary>
public sealed class CredentialRotationTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private RunningGateway Gateway => fixture.Gateway;

    [Fact]
    public async Task Routine_rotation_sends_the_new_secret_only_on_the_adapters_own_config_topic_and_never_retained()
    {
        const string id = "rot-routine";
        var port = await Gateway.ProvisionAsync(id, "rot-secret-r1");
        await Gateway.ProvisionAsync("rot-spy", "rot-secret-spy");
        await using var device = await Device.ConnectAsync(id, "rot-secret-r1", port, Gateway.Log);
        await device.ReceiveConfigAsync(1);
        await using var spy = await Device.ConnectAsync("rot-spy", "rot-secret-spy", port, Gateway.Log);
        foreach (var filter in new[] { "#", "ata/#", "ata/+/config", MqttTopics.For(id, MqttTopics.Config) })
        {
            await spy.Client.SubscribeAsync(filter, MqttTopics.ReliableQos);
        }

        Assert.Equal(HttpStatusCode.Accepted, (await Gateway.Http.PostAsync($"/api/adapters/{id}/rotate-credential", null)).StatusCode);
        var rotated = JsonNode.Parse((await device.WaitForAsync(m => m.PayloadText.Contains(Fields.DeviceSecret, StringComparison.Ordinal), "the new secret")).PayloadText)!;
        var newSecret = rotated[Fields.DeviceSecret]!.GetValue<string>();

        // The spy's own config, pushed after the rotation, comes after anything else it could get.
        await spy.ReceiveConfigAsync(1);
        Assert.DoesNotContain(spy.Messages, m => m.Topic.StartsWith(MqttTopics.For(id, string.Empty), StringComparison.Ordinal));
        Assert.DoesNotContain(spy.Messages, m => m.PayloadText.Contains(newSecret, StringComparison.Ordinal));

        // Applied: the old secret no longer logs in, and a session with the new one finds nothing
        // retained: the config it is sent on subscribing no longer carries any secret of its own.
        await device.ReportAsync(MqttTopics.ConfigAck, Reports.ConfigAck(rotated[Fields.Version]!.GetValue<int>(), applied: true));
        await Eventually.ValueAsync(() => LoginAsync(id, "rot-secret-r1", port), code => code == MqttClientConnectResultCode.NotAuthorized, "the old secret refused", Gateway.Log);
        await using var renewed = await Device.ConnectAsync(id, newSecret, port, Gateway.Log);
        await renewed.SubscribeAsync(MqttTopics.Config);
        await renewed.SubscribeAsync(MqttTopics.Command);
        await renewed.ReportAsync(MqttTopics.Status, MqttTopics.Online, retain: true);
        await Gateway.AdapterWhenAsync(id, a => a["online"]!.GetValue<bool>(), "online");
        Assert.Equal(HttpStatusCode.Accepted, (await Gateway.Http.PostAsync($"/api/adapters/{id}/actions/reregister", null)).StatusCode);
        await renewed.WaitForAsync(m => m.Topic == MqttTopics.For(id, MqttTopics.Command), "a command sent after subscribing");
        Assert.DoesNotContain(renewed.Messages, m => m.Retain);
        Assert.DoesNotContain(renewed.Messages, m => m.PayloadText.Contains(newSecret, StringComparison.Ordinal));
        Assert.DoesNotContain(newSecret, Gateway.Log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revoking_a_leaked_secret_drops_its_sessions_at_once_and_shows_the_new_one_to_the_admin_only()
    {
        const string id = "rot-leaked";
        var port = await Gateway.ProvisionAsync(id, "rot-secret-l1");

        // A thief holds the secret: connected, subscribed to all it may read. A routine rotation
        // would reach it (it is the adapter, for the broker), so rotation alone cannot help.
        await using var thief = await Device.ConnectAsync(id, "rot-secret-l1", port, Gateway.Log);
        await thief.Client.SubscribeAsync(MqttTopics.DeviceSubtree(id), MqttTopics.ReliableQos);
        await thief.Client.SubscribeAsync("#", MqttTopics.ReliableQos);
        var dropped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        thief.Client.Disconnected += _ => dropped.TrySetResult();
        Assert.Equal(HttpStatusCode.Accepted, (await Gateway.Http.PostAsync($"/api/adapters/{id}/rotate-credential", null)).StatusCode);
        var followed = JsonNode.Parse((await thief.WaitForAsync(m => m.PayloadText.Contains(Fields.DeviceSecret, StringComparison.Ordinal), "the rotated secret")).PayloadText)!;
        var pending = followed[Fields.DeviceSecret]!.GetValue<string>();

        var (response, body) = await RevokeAsync(id);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var secret = body!["secret"]!.GetValue<string>();
        var version = body["configVersion"]!.GetValue<int>();
        Assert.Equal(followed[Fields.Version]!.GetValue<int>() + 1, version);
        Assert.Equal($"127.0.0.1:{port}", body["broker"]!.GetValue<string>());
        await dropped.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(thief.Client.IsConnected);
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await LoginAsync(id, "rot-secret-l1", port));
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await LoginAsync(id, pending, port));

        Assert.DoesNotContain(thief.Messages, m => m.PayloadText.Contains(secret, StringComparison.Ordinal));

        // Onboarded again with the new secret, the adapter gets a config without any secret of its own.
        await using var onboarded = await Device.ConnectAsync(id, secret, port, Gateway.Log);
        var config = JsonNode.Parse((await onboarded.ReceiveConfigAsync(version)).PayloadText)!;
        Assert.Null(config[Fields.DeviceSecret]);
        var view = (await Gateway.GetAdapterAsync(id))!;
        Assert.False(view["credentialRotationPending"]!.GetValue<bool>());
        var audit = (await Gateway.Http.GetFromJsonAsync<JsonArray>($"/api/audit?target={id}"))!;
        Assert.Contains(audit, e => e!["action"]!.GetValue<string>() == "adapter.revoke-credential");

        // Shown once, in the answer to the admin: nowhere else.
        Assert.DoesNotContain(secret, Gateway.Log.Text, StringComparison.Ordinal);
        lock (Gateway.ResponseBodies)
        {
            Assert.Single(Gateway.ResponseBodies, b => b.Contains(secret, StringComparison.Ordinal));
        }

        Assert.Equal(HttpStatusCode.NotFound, (await RevokeAsync("rot-nobody")).Response.StatusCode);
    }

    /// <summary>What the broker answers a new login (each attempt on a fresh connection).</summary>
    private async Task<MqttClientConnectResultCode> LoginAsync(string deviceId, string secret, int port)
    {
        await using var login = Device.Create(deviceId, secret, port, Gateway.Log);
        return await login.Client.TryConnectAsync();
    }

    private async Task<(HttpResponseMessage Response, JsonNode? Body)> RevokeAsync(string deviceId)
    {
        var response = await Gateway.Http.PostAsync($"/api/adapters/{deviceId}/revoke-credential", null);
        var text = await response.Content.ReadAsStringAsync();
        lock (Gateway.ResponseBodies)
        {
            Gateway.ResponseBodies.Add(text);
        }

        return (response, text.Length == 0 ? null : JsonNode.Parse(text));
    }
}
