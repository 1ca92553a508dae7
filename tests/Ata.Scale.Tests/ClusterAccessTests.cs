using System.Net;
using System.Text.Json.Nodes;
using Ata.Core.Contract;
using Ata.Gateway.Broker.Cluster;
using Ata.Gateway.Tests.Support;
using Ata.Scale.Tests.Support;
using Ata.Tests.Mqtt;
using MQTTnet;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Ata.Scale.Tests;

/// <summary>
/// Per-device logins and ACL on the RabbitMQ cluster, answered by the gateway (HTTP auth backend),
/// and configs reaching an adapter on whichever node it connects to.
/// </summary>
public sealed partial class ClusterAccessTests(ClusterFleet fleet) : IClassFixture<ClusterFleet>
{
    private RunningGateway Gateway => fleet.Gateway;

    [Fact]
    public async Task An_adapter_logs_in_only_as_itself_with_its_own_secret_and_the_gateway_login_not_over_mqtt()
    {
        await Gateway.ProvisionAsync("login-a", "secret-login-a-1234");
        await Gateway.ProvisionAsync("login-b", "secret-login-b-1234");
        await using var a = new StandInAdapter(fleet.Cluster, "login-a", "secret-login-a-1234");

        await a.ConnectAsync(0);
        Assert.True(a.Client!.IsConnected);

        for (var node = 0; node < fleet.Cluster.Nodes.Count; node++)
        {
            await AssertRefusedAsync(a.Login(node, secretUsed: "wrong-secret-12345"), $"login-a with a wrong secret on node {node}");
        }

        await AssertRefusedAsync(a.Login(1, clientId: "login-b"), "login-a's login with login-b's client id");
        await AssertRefusedAsync(new StandInAdapter(fleet.Cluster, "login-b", "secret-login-a-1234").Login(2), "login-b with login-a's secret");
        await AssertRefusedAsync(new StandInAdapter(fleet.Cluster, "never-provisioned", "whatever-secret-123").Login(1), "an unknown adapter");
        await AssertRefusedAsync(
            MqttTestClient.Create("127.0.0.1", fleet.Cluster.Nodes[1].MqttTlsPort, RabbitMqOptions.DefaultGatewayLogin, RabbitMqOptions.DefaultGatewayLogin, ClusterFleet.GatewayPassword,
                MqttTestClient.TrustOnly(fleet.Cluster.Ca)),
            "the gateway's login over MQTT");

        // The refusals did not drop login-a's own session.
        Assert.True(a.Client!.IsConnected);
        Assert.DoesNotContain(fleet.Log.Lines, l => l.Contains("secret-login-a-1234", StringComparison.Ordinal) || l.Contains(ClusterFleet.AuthSecret, StringComparison.Ordinal)
            || l.Contains(ClusterFleet.GatewayPassword, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_adapter_publishes_only_its_own_reports_and_reads_only_its_own_config_and_commands()
    {
        await Gateway.ProvisionAsync("acl-a", "secret-acl-a-12345");
        await Gateway.ProvisionAsync("acl-b", "secret-acl-b-12345");
        await using var a = new StandInAdapter(fleet.Cluster, "acl-a", "secret-acl-a-12345");
        await using var b = new StandInAdapter(fleet.Cluster, "acl-b", "secret-acl-b-12345");
        await b.ConnectAsync(1);
        await b.ConfigAsync(_ => true, "acl-b's config");

        // Reading another's config or commands, or everyone's: refused (the SUBACK says so, or the node closes the connection).
        foreach (var filter in new[] { MqttTopics.For("acl-b", MqttTopics.Config), MqttTopics.For("acl-b", MqttTopics.Command), "ata/+/config", "ata/#", "#" })
        {
            await using var snoop = a.Login(2);
            await snoop.ConnectAsync();
            int[] codes;
            try
            {
                codes = await snoop.SubscribeAsync(filter, MqttTopics.ReliableQos);
            }
            catch (Exception exception) when (exception is MQTTnet.Exceptions.MqttCommunicationException or MQTTnet.Exceptions.MqttClientNotConnectedException)
            {
                codes = [128];
            }

            Assert.True(codes.All(c => c >= 128) || !snoop.IsConnected, $"acl-a was granted {filter}");
        }

        // Publishing as another adapter, or a config or command for itself: refused, the connection closed, nothing routed.
        foreach (var topic in new[] { MqttTopics.For("acl-b", MqttTopics.Hello), MqttTopics.For("acl-b", MqttTopics.Status), MqttTopics.For("acl-a", MqttTopics.Config), MqttTopics.For("acl-b", MqttTopics.Command) })
        {
            await using var forger = a.Login(0);
            await forger.ConnectAsync();
            var payload = topic.EndsWith(MqttTopics.Hello, StringComparison.Ordinal) ? Reports.Hello("acl-b", "6.6.6-forged") : MqttTopics.Online;
            await Assert.ThrowsAnyAsync<Exception>(() => forger.PublishAsync(topic, payload, MqttTopics.ReliableQos, retain: false));
            await Eventually.TrueAsync(() => !forger.IsConnected, $"the node closing acl-a's connection after it published on {topic}");
        }

        // acl-a's own reports still go through, and after them nothing forged was recorded for acl-b.
        await a.ConnectAsync(0);
        await a.Client!.PublishAsync(MqttTopics.For("acl-a", MqttTopics.Hello), Reports.Hello("acl-a", "1.2.3-own"), MqttTopics.ReliableQos, retain: false);
        await Gateway.AdapterWhenAsync("acl-a", v => v["firmware"]?.GetValue<string>() == "1.2.3-own", "acl-a's own hello recorded");
        var viewOfB = await Gateway.GetAdapterAsync("acl-b");
        Assert.NotEqual("6.6.6-forged", viewOfB!["firmware"]?.GetValue<string>());

        // A new config of acl-b reaches acl-b and no one else; a command too.
        var (response, _) = await Gateway.PutAdapterAsync("acl-b", RunningGateway.Adapter("secret-acl-b-12345", ("2001", "changed-sip-password", "127.0.0.1:5060")));
        response.EnsureSuccessStatusCode();
        await b.ConfigAsync(c => c.Contains("\"version\":2", StringComparison.Ordinal), "acl-b's config version 2");
        var command = await Gateway.Http.PostAsync("/api/adapters/acl-b/actions/reregister", null);
        Assert.True(command.IsSuccessStatusCode, await command.Content.ReadAsStringAsync());
        await b.Client!.WaitForAsync(m => m.Topic == MqttTopics.For("acl-b", MqttTopics.Command), "acl-b's command");
        Assert.DoesNotContain(a.Client!.Messages, m => m.Topic.Contains("acl-b", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_config_reaches_an_adapter_whichever_node_it_connects_to()
    {
        var nodes = fleet.Cluster.Nodes.Count;
        for (var node = 0; node < nodes; node++)
        {
            var id = $"anynode-{node}";
            await Gateway.ProvisionAsync(id, $"secret-{id}-123456");
            await using var adapter = new StandInAdapter(fleet.Cluster, id, $"secret-{id}-123456");
            await adapter.ConnectAsync(node);
            await adapter.ConfigAsync(c => c.Contains("\"version\":1", StringComparison.Ordinal), $"{id}'s config on node {node}");

            // A change while it is connected there, published through whichever node the gateway uses.
            var (response, _) = await Gateway.PutAdapterAsync(id, RunningGateway.Adapter($"secret-{id}-123456", ("2001", "new-sip-password", "127.0.0.1:5060")));
            response.EnsureSuccessStatusCode();
            await adapter.ConfigAsync(c => c.Contains("\"version\":2", StringComparison.Ordinal), $"{id}'s changed config on node {node}");

            // Reconnecting to the next node: the current config again (nothing is retained by the cluster).
            await adapter.ConnectAsync((node + 1) % nodes);
            await adapter.ConfigAsync(c => c.Contains("\"version\":2", StringComparison.Ordinal), $"{id}'s config after moving to node {(node + 1) % nodes}");
        }
    }

    [Fact]
    public async Task Removing_an_adapter_or_revoking_its_secret_ends_its_session_and_its_next_login_is_refused()
    {
        await Gateway.ProvisionAsync("gone-a", "secret-gone-a-1234");
        await Gateway.ProvisionAsync("revoked-b", "secret-revoked-b-12");
        await using var removed = new StandInAdapter(fleet.Cluster, "gone-a", "secret-gone-a-1234");
        await using var revoked = new StandInAdapter(fleet.Cluster, "revoked-b", "secret-revoked-b-12");
        await removed.ConnectAsync(2);
        await revoked.ConnectAsync(1);

        var deleted = await Gateway.Http.DeleteAsync("/api/adapters/gone-a");
        Assert.True(deleted.IsSuccessStatusCode, await deleted.Content.ReadAsStringAsync());
        await Eventually.TrueAsync(() => !removed.Client!.IsConnected, "the removed adapter's session ended", fleet.Log);
        await AssertRefusedAsync(removed.Login(0), "the removed adapter logging in again");

        var revoke = await Gateway.Http.PostAsync("/api/adapters/revoked-b/revoke-credential", null);
        Assert.True(revoke.IsSuccessStatusCode, await revoke.Content.ReadAsStringAsync());
        await Eventually.TrueAsync(() => !revoked.Client!.IsConnected, "the revoked adapter's session ended", fleet.Log);
        await AssertRefusedAsync(revoked.Login(2), "the revoked secret");
    }

    [Fact]
    public async Task The_auth_endpoints_answer_only_the_broker()
    {
        await Gateway.ProvisionAsync("probe-a", "secret-probe-a-123");
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = "probe-a",
            ["password"] = "secret-probe-a-123",
            ["client_id"] = "probe-a",
        });

        // Without the shared secret (from loopback even): 403, the password not checked.
        var anonymous = await Gateway.Client(null).PostAsync($"{BrokerAuthEndpoints.Path}/user", form);
        Assert.Equal(HttpStatusCode.Forbidden, anonymous.StatusCode);

        using var broker = Gateway.Client(null);
        broker.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"rabbitmq:{ClusterFleet.AuthSecret}")));
        var allowed = await broker.PostAsync($"{BrokerAuthEndpoints.Path}/user", form);
        Assert.Equal("allow", await allowed.Content.ReadAsStringAsync());
    }

    private static async Task AssertRefusedAsync(MqttTestClient client, string who)
    {
        await using (client)
        {
            MqttClientConnectResultCode? code;
            try
            {
                code = await client.TryConnectAsync();
            }
            catch (Exception refused) when (refused is MQTTnet.Adapter.MqttConnectingFailedException or MQTTnet.Exceptions.MqttCommunicationException)
            {
                // Refused with a CONNACK code MQTTnet raises, or the node closed the connection instead of answering.
                code = null;
            }

            Assert.True(code != MqttClientConnectResultCode.Success, $"{who} was let in");
            Assert.False(client.IsConnected, who);
        }
    }
}
