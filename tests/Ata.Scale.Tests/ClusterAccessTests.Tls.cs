using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Ata.Core.Onboarding;
using Ata.Gateway.Tests.Support;
using Ata.Scale.Tests.Support;
using Ata.Tests.Mqtt;

namespace Ata.Scale.Tests;

/// <summary>
/// Adapters reach the cluster over TLS only (<c>Broker:RabbitMq:MqttTlsNodes</c> with the operator's CA,
/// certificate and key, the nodes' <c>ssl_options</c>), told its address and CA as with the embedded broker.
/// </summary>
public sealed partial class ClusterAccessTests
{
    [Fact]
    public async Task An_adapter_connects_over_tls_to_each_node_with_the_ca_from_the_broker_api_and_its_config_reaches_it()
    {
        var ca = JsonNode.Parse(await Gateway.Http.GetStringAsync("/api/broker/ca"))!;
        Assert.Equal($"127.0.0.1:{fleet.Cluster.Nodes[0].MqttTlsPort}", ca["brokerTls"]!.GetValue<string>());
        using var trusted = X509Certificate2.CreateFromPem(ca["pem"]!.GetValue<string>());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(trusted.RawData)), ca["sha256"]!.GetValue<string>());
        Assert.Equal(fleet.Cluster.Ca.RawData, trusted.RawData);

        const string id = "tls-nodes";
        await Gateway.ProvisionAsync(id, "secret-tls-nodes-123");
        await using var adapter = new StandInAdapter(fleet.Cluster, id, "secret-tls-nodes-123", trusted);
        for (var node = 0; node < fleet.Cluster.Nodes.Count; node++)
        {
            await adapter.ConnectAsync(node);
            await adapter.ConfigAsync(_ => true,
                $"{id}'s config over TLS on node {node}");
        }
    }

    [Fact]
    public async Task The_onboarding_code_carries_the_tls_address_and_the_ca_fingerprint_and_no_plaintext_address()
    {
        const string id = "tls-onboard";

        // Provisioning answers the TLS address and no plaintext one.
        var tlsPort = fleet.Cluster.Nodes[0].MqttTlsPort;
        var (put, body) = await Gateway.PutAdapterAsync(id, RunningGateway.Adapter("secret-tls-onboard-12", ("2001", "sip-password-onb", "127.0.0.1:5060")));
        Assert.True(put.IsSuccessStatusCode, body?.ToJsonString());
        Assert.Null(body!["broker"]?.GetValue<string>());
        Assert.Equal($"127.0.0.1:{tlsPort}", body["brokerTls"]!.GetValue<string>());

        var response = await Gateway.Http.PostAsync($"/api/adapters/{id}/onboarding-code", null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        var issued = JsonNode.Parse(text)!;
        var code = OnboardingCode.Decode(issued["code"]!.GetValue<string>(), out var error);
        Assert.True(code is not null, error);

        Assert.Equal(("127.0.0.1", tlsPort), (code.Host, code.Port));
        Assert.Equal($"127.0.0.1:{tlsPort}", issued["broker"]!.GetValue<string>());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(fleet.Cluster.Ca.RawData)), code.CaFingerprint);
        Assert.Equal(code.CaFingerprint, issued["caFingerprint"]!.GetValue<string>());
        Assert.DoesNotContain(fleet.Cluster.Nodes, n => n.MqttPort == code.Port);

        // The adapter, given the code and the CA it matches, connects to the advertised node over TLS and gets its config.
        using var trusted = X509Certificate2.CreateFromPem(issued["caPem"]!.GetValue<string>());
        Assert.Equal(code.CaFingerprint, Convert.ToHexStringLower(SHA256.HashData(trusted.RawData)));
        await using var adapter = new StandInAdapter(fleet.Cluster, code.DeviceId, code.Secret, trusted);
        await adapter.ConnectAsync(0);
        await adapter.ConfigAsync(_ => true, $"{id}'s config after onboarding over TLS");
    }

    [Fact]
    public async Task A_node_refuses_a_client_that_does_not_trust_the_clusters_ca_and_offers_no_plaintext_mqtt()
    {
        const string id = "tls-distrust";
        await Gateway.ProvisionAsync(id, "secret-tls-distrust-1");
        var adapter = new StandInAdapter(fleet.Cluster, id, "secret-tls-distrust-1");
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = new CertificateRequest("CN=Someone else's CA", otherKey, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        for (var node = 0; node < fleet.Cluster.Nodes.Count; node++)
        {
            await AssertNotConnectedAsync(adapter.Login(node, ca: other), $"a client trusting another CA on node {node}");
            await AssertNotConnectedAsync(
                MqttTestClient.Create("127.0.0.1", fleet.Cluster.Nodes[node].MqttTlsPort, id, id, "secret-tls-distrust-1"), $"plaintext MQTT to node {node}'s TLS listener");
            await AssertNotConnectedAsync(
                MqttTestClient.Create("127.0.0.1", fleet.Cluster.Nodes[node].MqttPort, id, id, "secret-tls-distrust-1"), $"plaintext MQTT to node {node}'s plaintext port");

            // The same login trusting the cluster's CA is let in: it was the CA that was refused.
            await using var trusting = adapter.Login(node);
            await trusting.ConnectAsync();
            Assert.True(trusting.IsConnected);
        }
    }

    private static async Task AssertNotConnectedAsync(MqttTestClient client, string who)
    {
        await using (client)
        {
            MQTTnet.MqttClientConnectResultCode? code;
            try
            {
                code = await client.TryConnectAsync();
            }
            catch (Exception refused) when (refused is MQTTnet.Adapter.MqttConnectingFailedException or MQTTnet.Exceptions.MqttCommunicationException
                or OperationCanceledException or System.Security.Authentication.AuthenticationException)
            {
                // The TLS handshake or the connection failed: no CONNACK.
                code = null;
            }

            Assert.True(code != MQTTnet.MqttClientConnectResultCode.Success, $"{who} was let in");
            Assert.False(client.IsConnected, who);
        }
    }
}
