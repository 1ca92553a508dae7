using Ata.Mqtt.Tests.Fixtures;

namespace Ata.Mqtt.Tests;

public sealed class SubscriptionRefusalTests : IAsyncLifetime
{
    private MosquittoBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await MosquittoBroker.StartNewAsync(new BrokerSecurity
    {
        DynamicSecurityJson = DynamicSecurity.Config(("device1", "pw-device1", "ata/device1/#")),
    });

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    [Fact]
    public async Task A_subscription_the_broker_ACL_denies_completes_with_128()
    {
        var logger = new ListLogger<MosquittoClient>();
        await using var device = await TestClient.ConnectAsync(
            new MqttClientOptions
            {
                Host = _broker.Host,
                Port = _broker.Port,
                ClientId = "device1",
                Username = "device1",
                Password = "pw-device1",
            },
            logger);

        Assert.Equal(new[] { 128 }, await device.SubscribeAsync("ata/device2/config", 1));
        Assert.Equal(new[] { 1 }, await device.SubscribeAsync("ata/device1/config", 1));
        Assert.Contains(logger.Entries, entry => entry.Message.Contains("refused the subscription to ata/device2/config", StringComparison.Ordinal));
    }
}
