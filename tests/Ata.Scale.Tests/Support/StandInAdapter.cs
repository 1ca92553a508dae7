using System.Security.Cryptography.X509Certificates;
using Ata.Core.Contract;
using Ata.Gateway.Tests.Support;
using Ata.Tests.Mqtt;
using MQTTnet;
using MQTTnet.Protocol;

namespace Ata.Scale.Tests.Support;

/// <summary>
/// A stand-in adapter on the cluster, speaking the contract as the firmware's gateway link does
/// (MQTT 3.1.1, clean session, client id = login = device id, <c>offline</c> as its retained will):
/// on each connection it subscribes to its <c>config</c> and <c>cmd</c>, then says <c>online</c>
/// (retained) and <c>hello</c>. It speaks MQTT over TLS, trusting only the CA it was given
/// (<paramref name="trusted"/>, by default the cluster's).
/// </summary>
internal sealed class StandInAdapter(RabbitCluster cluster, string deviceId, string secret, X509Certificate2? trusted = null) : IAsyncDisposable
{
    public string DeviceId { get; } = deviceId;

    /// <summary>The node it is connected to (index into the cluster's nodes).</summary>
    public int Node { get; private set; } = -1;

    public MqttTestClient? Client { get; private set; }

    /// <summary>Connects to <paramref name="node"/> and announces itself as the firmware does.</summary>
    public async Task ConnectAsync(int node)
    {
        await DropAsync();
        var client = Login(node);
        await client.ConnectAsync();
        Client = client;
        Node = node;
        foreach (var leaf in MqttTopics.GatewayToDevice)
        {
            var granted = await client.SubscribeAsync(MqttTopics.For(DeviceId, leaf), MqttTopics.ReliableQos);
            Assert.All(granted, code => Assert.True(code < 128, $"{DeviceId}: subscription to its own {leaf} refused ({code})"));
        }

        await client.PublishAsync(MqttTopics.For(DeviceId, MqttTopics.Status), MqttTopics.Online, MqttTopics.ReliableQos, retain: true);
        await client.PublishAsync(MqttTopics.For(DeviceId, MqttTopics.Hello), Reports.Hello(DeviceId), MqttTopics.ReliableQos, retain: false);
    }

    /// <summary>
    /// A client of this adapter's login on <paramref name="node"/>'s MQTT-over-TLS listener, trusting the
    /// adapter's CA alone (or <paramref name="ca"/>), not connected; <paramref name="secretUsed"/> and
    /// <paramref name="clientId"/> override its own.
    /// </summary>
    public MqttTestClient Login(int node, string? secretUsed = null, string? clientId = null, X509Certificate2? ca = null) =>
        MqttTestClient.Create("127.0.0.1", cluster.Nodes[node].MqttTlsPort, clientId ?? DeviceId, DeviceId, secretUsed ?? secret, options => Announcing(options, ca ?? trusted ?? cluster.Ca));

    private MqttClientOptionsBuilder Announcing(MqttClientOptionsBuilder options, X509Certificate2 ca)
    {
        MqttTestClient.TrustOnly(ca)(options);
        return options
            .WithCleanSession(true)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(5))
            .WithWillTopic(MqttTopics.For(DeviceId, MqttTopics.Status))
            .WithWillPayload(MqttTopics.Offline)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithWillRetain(true);
    }

    /// <summary>The newest config document it received on this connection.</summary>
    public Task<ReceivedMessage> ConfigAsync(Func<string, bool> match, string what) =>
        Client!.WaitForAsync(m => m.Topic == MqttTopics.For(DeviceId, MqttTopics.Config) && match(m.PayloadText), what, TimeSpan.FromSeconds(30));

    public async Task DropAsync()
    {
        if (Client is { } client)
        {
            Client = null;
            await client.DisposeAsync();
        }
    }

    public ValueTask DisposeAsync() => new(DropAsync());
}
