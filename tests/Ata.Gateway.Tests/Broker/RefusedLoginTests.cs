using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Ata.Core.Contract;
using Ata.Gateway.Store;
using Ata.Gateway.Tests.Support;
using Ata.Tests.Mqtt;
using MQTTnet;

namespace Ata.Gateway.Tests.Broker;

/// <summary>
/// A refused login is visible at the gateway (issue 15, item 3). Debian's Mosquitto 2.0.11 logs a
/// refused login as <c>Client &lt;unknown&gt; disconnected, not authorised.</c> at every log type, so
/// before the gateway's login watch plugin nothing said which adapter was being refused: these
/// tests failed (no refused-logins, no fault, no incident, no metric). Real gateway, real Mosquitto.
/// </summary>
public sealed class RefusedLoginTests(GatewayProcessFixture fixture) : IClassFixture<GatewayProcessFixture>
{
    private const string Code = "gateway.broker-login-refused";

    private GatewayProcess Gateway => fixture.Gateway;

    [Fact]
    public async Task A_wrong_secret_shows_on_the_adapter_as_a_fault_an_incident_and_a_metric_until_the_right_one_logs_in()
    {
        await Gateway.ProvisionAsync("rl-wrong", "rl-right-secret");
        var before = await RefusedMetricAsync("known");
        for (var attempt = 0; attempt < 2; attempt++)
        {
            await using var client = MqttTestClient.Create("127.0.0.1", Gateway.BrokerPort, "rl-wrong", "rl-wrong", "rl-typo-secret");
            Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await client.TryConnectAsync());
        }

        var refused = await Eventually.ValueAsync(() => RefusedLoginsAsync("rl-wrong"), r => r?["attempts"]?.GetValue<long>() == 2, "two refused logins on the adapter");
        Assert.Equal("127.0.0.1", refused!["lastAddress"]!.GetValue<string>());
        var adapter = (await Gateway.Http.GetFromJsonAsync<JsonNode>("/api/adapters/rl-wrong"))!;
        var fault = adapter["faults"]!.AsArray().Single(f => f!["code"]!.GetValue<string>() == Code)!;
        Assert.Contains("wrong secret: re-onboard it", fault["description"]!.GetValue<string>(), StringComparison.Ordinal);
        var incidents = (await Gateway.Http.GetFromJsonAsync<JsonArray>("/api/incidents?open=true"))!;
        Assert.Contains(incidents, i => i!["deviceId"]?.GetValue<string>() == "rl-wrong" && i["code"]?.GetValue<string>() == Code);
        Assert.Equal(before + 2, await RefusedMetricAsync("known"));
        Assert.DoesNotContain("rl-typo-secret", await Gateway.MetricsAsync(), StringComparison.Ordinal);

        // The right secret logs in (and subscribes to its config, as the firmware does): the refusals are over.
        await using (var right = await MqttTestClient.ConnectAsync("127.0.0.1", Gateway.BrokerPort, "rl-wrong", "rl-wrong", "rl-right-secret"))
        {
            await right.SubscribeAsync(MqttTopics.For("rl-wrong", MqttTopics.Config), MqttTopics.ReliableQos);
            await Eventually.ValueAsync(() => RefusedLoginsAsync("rl-wrong"), r => r is null, "the refused logins cleared by an accepted one");
        }

        adapter = (await Gateway.Http.GetFromJsonAsync<JsonNode>("/api/adapters/rl-wrong"))!;
        Assert.DoesNotContain(adapter["faults"]!.AsArray(), f => f!["code"]!.GetValue<string>() == Code);
    }

    [Fact]
    public async Task An_unknown_login_is_counted_and_not_stored()
    {
        var before = await RefusedMetricAsync("unknown");
        foreach (var login in new[] { "rl-nobody", "not a device id" })
        {
            await using var client = MqttTestClient.Create("127.0.0.1", Gateway.BrokerPort, "rl-nobody", login, "whatever");
            Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await client.TryConnectAsync());
        }

        await Eventually.ValueAsync(() => RefusedMetricAsync("unknown"), n => n == before + 2, "two unknown refused logins counted");
        Assert.Equal(HttpStatusCode.NotFound, (await Gateway.Http.GetAsync("/api/adapters/rl-nobody")).StatusCode);
        using var database = TestStores.Database(Gateway.DataDirectory);
        await using var connection = database.Open();
        await using var command = StoreDatabase.Command(connection, "SELECT count(*) FROM refused_logins WHERE device_id = 'rl-nobody'");
        Assert.Equal(0L, (long)(await command.ExecuteScalarAsync())!);
    }

    private async Task<JsonNode?> RefusedLoginsAsync(string deviceId)
    {
        using var response = await Gateway.Http.GetAsync($"/api/adapters/{deviceId}/refused-logins");
        response.EnsureSuccessStatusCode();
        return response.StatusCode == HttpStatusCode.NoContent ? null : await response.Content.ReadFromJsonAsync<JsonNode>();
    }

    private Task<long> RefusedMetricAsync(string login) => Gateway.MetricAsync($"ata_broker_logins_refused_total{{login=\"{login}\"}}");
}
