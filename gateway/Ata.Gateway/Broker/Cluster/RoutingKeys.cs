using Ata.Core.Contract;

namespace Ata.Gateway.Broker.Cluster;

/// <summary>
/// MQTT topics as RabbitMQ's MQTT plugin routes them on <c>amq.topic</c>: each <c>/</c> of the topic
/// becomes <c>.</c> and each <c>.</c> becomes <c>/</c> (so a device id with dots stays one word):
/// <c>ata/dev.1/config/ack</c> is routed as <c>ata.dev/1.config.ack</c>.
/// </summary>
public static class RoutingKeys
{
    /// <summary>The exchange the MQTT plugin publishes to and delivers from (<c>mqtt.exchange</c>).</summary>
    public const string Exchange = "amq.topic";

    /// <summary>The routing key of an MQTT topic.</summary>
    /// <param name="topic">The topic.</param>
    public static string FromTopic(string topic) => Swap(topic);

    /// <summary>The MQTT topic of a routing key.</summary>
    /// <param name="routingKey">The routing key.</param>
    public static string ToTopic(string routingKey) => Swap(routingKey);

    /// <summary>The binding that routes <paramref name="leaf"/> of every adapter (<c>ata.*.config.ack</c>).</summary>
    /// <param name="leaf">A leaf of the contract.</param>
    public static string AllDevices(string leaf) => Swap(MqttTopics.Root) + "*." + Swap(leaf);

    /// <summary>The routing key of an adapter's topic.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="leaf">A leaf of the contract.</param>
    public static string For(string deviceId, string leaf) => Swap(MqttTopics.For(deviceId, leaf));

    private static string Swap(string text) => string.Create(text.Length, text, static (span, source) =>
    {
        for (var i = 0; i < source.Length; i++)
        {
            span[i] = source[i] switch
            {
                '/' => '.',
                '.' => '/',
                var c => c,
            };
        }
    });
}
