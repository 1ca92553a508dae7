using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Ata.Core.Contract;
using Ata.Core.Faults;
using Ata.Gateway.Tests.Support;
using Ata.Tests.Mqtt;

namespace Ata.Gateway.Tests.Broker;

/// <summary>
/// Identities the broker enforces (issue 12, finding 2 and 3): an adapter's login is its client id,
/// so its credentials cannot take over the gateway's session or another adapter's, and it may
/// publish only its own reports and receive only its own config and commands. Each test attacks
/// the real gateway process and its embedded Mosquitto with an adapter's real credentials; each
/// failed on the gateway before this (run with <c>ATA_TEST_GATEWAY_ASSEMBLY</c> set to its build).
/// </summary>
public sealed class IdentityTests(GatewayProcessFixture fixture) : IClassFixture<GatewayProcessFixture>
{
    private GatewayProcess Gateway => fixture.Gateway;

    [Fact]
    public async Task An_adapters_login_cannot_take_over_the_gateways_session_nor_another_adapters()
    {
        await Gateway.ProvisionAsync("idt-a", "idt-secret-a");
        await Gateway.ProvisionAsync("idt-b", "idt-secret-b");
        var logBefore = Gateway.Process.Lines.Count;
        await using var victim = await MqttTestClient.ConnectAsync("127.0.0.1", Gateway.BrokerPort, "idt-b", "idt-b", "idt-secret-b");
        var victimDropped = 0;
        victim.Disconnected += _ => Interlocked.Increment(ref victimDropped);

        // Adapter A's credentials with the gateway's client id, then with B's, again and again,
        // while B reports 20 faults.
        for (var n = 1; n <= 20; n++)
        {
            if (n % 2 == 0)
            {
                await using var attacker = MqttTestClient.Create("127.0.0.1", Gateway.BrokerPort, n % 4 == 0 ? "ata-gateway" : "idt-b", "idt-a", "idt-secret-a");
                await attacker.TryConnectAsync();
            }

            if (victim.IsConnected)
            {
                await victim.PublishAsync(MqttTopics.For("idt-b", MqttTopics.Fault),
                    Reports.Fault(n, FaultCode.RegistrarUnreachable, raised: n % 2 == 1, line: 1, detail: $"idt-b fault {n}"), MqttTopics.ReliableQos, retain: false);
            }
        }

        Assert.Equal(0, victimDropped);
        Assert.True(victim.IsConnected);
        var expected = Enumerable.Range(1, 20).Select(n => $"idt-b fault {n}").ToHashSet();
        await Eventually.ValueAsync(() => Gateway.FaultDetailsAsync("idt-b"), recorded => expected.IsSubsetOf(recorded), "B's 20 faults recorded");
        var gatewayLog = Gateway.Process.Lines.Skip(logBefore).Select(l => l.Text).ToList();
        Assert.DoesNotContain(gatewayLog, l => l.Contains("Lost the broker", StringComparison.Ordinal));
        Assert.Equal(System.Net.HttpStatusCode.OK, (await Gateway.HealthAsync()).Status);
    }

    [Fact]
    public async Task An_adapter_cannot_write_its_own_config_or_commands_nor_any_other_adapters_topics()
    {
        await Gateway.ProvisionAsync("idt-own", "idt-secret-own");
        await Gateway.ProvisionAsync("idt-other", "idt-secret-other");
        await using var other = await ConnectAndAnnounceAsync("idt-other", "idt-secret-other");
        await other.WaitForAsync(IsConfig("idt-other", 1), "the other adapter's own config");

        // A thief with the adapter's credentials plants a config (v77, its own registrar) and a
        // command on the adapter's own topics, retained and not, and writes into the other adapter's.
        const string planted = """{"version":77,"lines":[{"line":1,"username":"2001","password":"x","registrar":"attacker.example:5060"}]}""";
        await using (var thief = await MqttTestClient.ConnectAsync("127.0.0.1", Gateway.BrokerPort, "idt-own", "idt-own", "idt-secret-own"))
        {
            foreach (var retain in new[] { true, false })
            {
                await thief.PublishAsync(MqttTopics.For("idt-own", MqttTopics.Config), planted, MqttTopics.ReliableQos, retain);
                await thief.PublishAsync(MqttTopics.For("idt-own", MqttTopics.Command), """{"id":"x1","command":"factory-reset"}""", MqttTopics.ReliableQos, retain);
                await thief.PublishAsync(MqttTopics.For("idt-other", MqttTopics.Config), planted, MqttTopics.ReliableQos, retain);
                await thief.PublishAsync(MqttTopics.For("idt-other", MqttTopics.Command), """{"id":"x2","command":"factory-reset"}""", MqttTopics.ReliableQos, retain);
            }

            await thief.PublishAsync(MqttTopics.For("idt-other", MqttTopics.Hello), Reports.Hello("idt-other", "6.6.6"), MqttTopics.ReliableQos, retain: false);
            await thief.PublishAsync(MqttTopics.For("idt-other", MqttTopics.Status), MqttTopics.Offline, MqttTopics.ReliableQos, retain: true);
            await thief.PublishAsync(MqttTopics.For("idt-own", MqttTopics.ConfigAck), Reports.ConfigAck(77, applied: true), MqttTopics.ReliableQos, retain: false);
            await thief.PublishAsync(MqttTopics.For("idt-own", MqttTopics.Hello), Reports.Hello("idt-own", "thief-1"), MqttTopics.ReliableQos, retain: false);
        }

        // The genuine adapter connects: what is retained for it comes before anything the gateway
        // sends it, so once it has the gateway's config, a planted one would be here already.
        await using var genuine = await ConnectAndAnnounceAsync("idt-own", "idt-secret-own");
        var first = await genuine.WaitForAsync(m => m.Topic == MqttTopics.For("idt-own", MqttTopics.Config) && m.Payload.Length > 0, "a config");
        Assert.Equal(1, JsonNode.Parse(first.PayloadText)![Fields.Version]!.GetValue<int>());
        Assert.DoesNotContain(genuine.Messages, m => m.PayloadText.Contains("attacker.example", StringComparison.Ordinal));
        Assert.DoesNotContain(genuine.Messages, m => m.Topic == MqttTopics.For("idt-own", MqttTopics.Command));

        // The other adapter: a config pushed now comes after anything the thief could have sent it.
        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await Gateway.Http.PostAsync("/api/adapters/idt-other/actions/push-config", null)).StatusCode);
        await Eventually.TrueAsync(() => other.Messages.Count(IsConfig("idt-other", 1)) >= 2, "the other adapter's config pushed again");
        Assert.DoesNotContain(other.Messages, m => m.PayloadText.Contains("attacker.example", StringComparison.Ordinal));
        Assert.DoesNotContain(other.Messages, m => m.Topic == MqttTopics.For("idt-other", MqttTopics.Command));

        // The thief's own hello was recorded, so its ack of v77 (sent before it) was handled: a version never issued is not "applied".
        var own = await Eventually.ValueAsync(() => AdapterAsync("idt-own"), a => a["firmware"]?.GetValue<string>() == "thief-1", "the thief's own hello");
        Assert.NotEqual(77, own["appliedConfigVersion"]?.GetValue<int>());
        var victim = (await AdapterAsync("idt-other"))!;
        Assert.NotEqual("6.6.6", victim["firmware"]?.GetValue<string>());
        Assert.True(victim["online"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("ata-gateway")]
    [InlineData("ata-gateway-gw1")] // a gateway instance's client id: the adapter's login would take over that instance's broker session
    [InlineData("ata-gateway-")]
    public async Task No_adapter_may_have_a_gateways_own_client_id(string deviceId)
    {
        using var response = await Gateway.Http.PutAsJsonAsync($"/api/adapters/{deviceId}", RunningGateway.Adapter("idt-secret-gw", ("2001", "x-password", "127.0.0.1:5060")));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<JsonNode>())!;
        var message = problem["errors"]!["deviceId"]![0]!.GetValue<string>();
        Assert.Contains("gateway's own broker client id", message, StringComparison.Ordinal);
        Assert.Contains("'ata-gateway-'", message, StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await Gateway.Http.GetAsync($"/api/adapters/{deviceId}")).StatusCode);
    }

    [Fact]
    public async Task An_id_that_only_begins_with_the_gateways_client_id_letters_is_an_adapters()
    {
        using var response = await Gateway.Http.PutAsJsonAsync("/api/adapters/ata-gatewayish", RunningGateway.Adapter("idt-secret-gwish", ("2001", "x-password", "127.0.0.1:5060")));

        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
    }

    private Task<JsonNode> AdapterAsync(string deviceId) =>
        Gateway.Http.GetFromJsonAsync<JsonNode>($"/api/adapters/{deviceId}")!;

    private static Func<ReceivedMessage, bool> IsConfig(string deviceId, int version) =>
        m => m.Topic == MqttTopics.For(deviceId, MqttTopics.Config) && m.Payload.Length > 0
            && JsonNode.Parse(m.PayloadText)?[Fields.Version]?.GetValue<int>() == version;

    /// <summary>An adapter as the firmware connects: its id as client id, subscribed to its config and commands, then online.</summary>
    private async Task<MqttTestClient> ConnectAndAnnounceAsync(string deviceId, string secret)
    {
        var client = await MqttTestClient.ConnectAsync("127.0.0.1", Gateway.BrokerPort, deviceId, deviceId, secret);
        await client.SubscribeAsync(MqttTopics.For(deviceId, MqttTopics.Config), MqttTopics.ReliableQos);
        await client.SubscribeAsync(MqttTopics.For(deviceId, MqttTopics.Command), MqttTopics.ReliableQos);
        await client.PublishAsync(MqttTopics.For(deviceId, MqttTopics.Status), MqttTopics.Online, MqttTopics.ReliableQos, retain: true);
        return client;
    }
}
