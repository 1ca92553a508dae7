using System.Net;
using System.Text;
using Ata.Gateway.Broker.Cluster;

namespace Ata.Gateway.Tests.Broker;

/// <summary>
/// Who may ask the gateway RabbitMQ's auth questions: only the broker (loopback or a listed node
/// address, with the shared secret when one is set). The answers themselves are tested against the
/// real cluster (tests/Ata.Scale.Tests).
/// </summary>
public sealed class BrokerAuthEndpointsTests
{
    private static readonly RabbitMqOptions WithSecret = new() { AuthSecret = "the-shared-secret", AuthClients = ["10.0.0.11"] };

    private static string Basic(string user, string password) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));

    [Fact]
    public void Without_a_secret_only_loopback_may_ask()
    {
        var options = new RabbitMqOptions();
        Assert.True(BrokerAuthEndpoints.IsFromBroker(IPAddress.Loopback, null, options));
        Assert.True(BrokerAuthEndpoints.IsFromBroker(IPAddress.IPv6Loopback, null, options));
        Assert.True(BrokerAuthEndpoints.IsFromBroker(IPAddress.Loopback.MapToIPv6(), null, options));
        Assert.False(BrokerAuthEndpoints.IsFromBroker(IPAddress.Parse("192.0.2.7"), null, options));
        Assert.False(BrokerAuthEndpoints.IsFromBroker(null, null, options));
    }

    [Fact]
    public void With_a_secret_a_listed_node_must_send_it_and_anyone_else_is_refused_even_with_it()
    {
        Assert.True(BrokerAuthEndpoints.IsFromBroker(IPAddress.Parse("10.0.0.11"), Basic("rabbitmq", "the-shared-secret"), WithSecret));
        Assert.True(BrokerAuthEndpoints.IsFromBroker(IPAddress.Loopback, Basic("any", "the-shared-secret"), WithSecret));
        Assert.False(BrokerAuthEndpoints.IsFromBroker(IPAddress.Parse("10.0.0.11"), null, WithSecret));
        Assert.False(BrokerAuthEndpoints.IsFromBroker(IPAddress.Parse("10.0.0.11"), Basic("rabbitmq", "the-shared-secreT"), WithSecret));
        Assert.False(BrokerAuthEndpoints.IsFromBroker(IPAddress.Parse("10.0.0.11"), "Bearer the-shared-secret", WithSecret));
        Assert.False(BrokerAuthEndpoints.IsFromBroker(IPAddress.Parse("10.0.0.11"), "Basic not-base64!", WithSecret));
        Assert.False(BrokerAuthEndpoints.IsFromBroker(IPAddress.Parse("10.0.0.12"), Basic("rabbitmq", "the-shared-secret"), WithSecret));
    }

    [Theory]
    [InlineData("ata/dev-1/config/ack", "ata.dev-1.config.ack")]
    [InlineData("ata/dev.1/status", "ata.dev/1.status")]
    public void Topics_are_routed_as_the_mqtt_plugin_routes_them(string topic, string routingKey)
    {
        Assert.Equal(routingKey, RoutingKeys.FromTopic(topic));
        Assert.Equal(topic, RoutingKeys.ToTopic(routingKey));
    }
}
