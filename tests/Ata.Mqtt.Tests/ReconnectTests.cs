using Ata.Mqtt.Tests.Fixtures;

namespace Ata.Mqtt.Tests;

public sealed class ReconnectTests
{
    [Fact]
    public async Task After_the_broker_restarts_the_client_reconnects_and_renews_its_subscriptions()
    {
        await using var broker = await MosquittoBroker.StartNewAsync();
        var logger = new ListLogger<MosquittoClient>();
        await using var device = new MosquittoClient(
            new MqttClientOptions
            {
                Host = broker.Host,
                Port = broker.Port,
                ClientId = TestClient.UniqueId("device"),
                ReconnectDelay = TimeSpan.FromSeconds(1),
                ReconnectDelayMax = TimeSpan.FromSeconds(1),
            },
            logger);
        var connected = new Signal();
        var disconnected = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        device.Connected += connected.Set;
        device.Disconnected += rc => disconnected.TrySetResult(rc);
        var inbox = new Inbox(device);
        device.Start();
        await connected.WaitForCountAsync(1);
        await device.SubscribeAsync("ata/device/config", 1);

        await broker.StopAsync();
        Assert.NotEqual(0, await disconnected.Task.WaitAsync(TestClient.Timeout));
        Assert.False(device.IsConnected);
        await broker.StartAsync();
        await connected.WaitForCountAsync(2);
        Assert.True(device.IsConnected);

        // Retained, so it arrives whether the renewed SUBSCRIBE reaches the broker before or after it.
        await using var gateway = await TestClient.ConnectAsync(broker, "gateway");
        await gateway.PublishAsync("ata/device/config", "{\"version\":4}"u8.ToArray(), 1, retain: true);
        Assert.Equal("{\"version\":4}", (await inbox.NextAsync()).PayloadText);
        Assert.Contains(logger.Entries, entry => entry.Message.Contains("Lost the connection", StringComparison.Ordinal));
        Assert.Contains(logger.Entries, entry => entry.Message.Contains("Reconnected", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Started_before_the_broker_runs_the_client_connects_once_it_does()
    {
        await using var broker = MosquittoBroker.Prepare();
        await using var device = new MosquittoClient(new MqttClientOptions
        {
            Host = broker.Host,
            Port = broker.Port,
            ClientId = TestClient.UniqueId("early"),
            ReconnectDelay = TimeSpan.FromMilliseconds(200),
            ReconnectDelayMax = TimeSpan.FromMilliseconds(500),
        });
        var subscribed = device.SubscribeAsync("ata/early/config", 1);

        device.Start();
        var error = await Assert.ThrowsAsync<TimeoutException>(() => device.WaitUntilConnectedAsync(TimeSpan.FromSeconds(1.5)));
        Assert.Contains($"127.0.0.1:{broker.Port}", error.Message, StringComparison.Ordinal);
        Assert.Contains("connection refused", error.Message, StringComparison.Ordinal);
        await broker.StartAsync();

        await device.WaitUntilConnectedAsync(TestClient.Timeout);
        Assert.Equal(new[] { 1 }, await subscribed.WaitAsync(TestClient.Timeout));
    }

    [Fact]
    public async Task QoS_1_messages_published_while_the_network_is_down_go_out_once_after_reconnecting()
    {
        const string topic = "ata/offline/fault";
        await using var broker = await MosquittoBroker.StartNewAsync();
        await using var observer = await TestClient.ConnectAsync(broker, "observer");
        var inbox = new Inbox(observer);
        await observer.SubscribeAsync(topic, 1);
        using var network = new TcpRelay(broker.Port);
        await using var device = new MosquittoClient(new MqttClientOptions
        {
            Host = "127.0.0.1",
            Port = network.Port,
            ClientId = TestClient.UniqueId("offline"),
            ReconnectDelay = TimeSpan.FromSeconds(1),
            ReconnectDelayMax = TimeSpan.FromSeconds(1),
        });
        var connected = new Signal();
        var disconnected = new Signal();
        device.Connected += connected.Set;
        device.Disconnected += _ => disconnected.Set();
        device.Start();
        await connected.WaitForCountAsync(1);

        network.Sever();
        await disconnected.WaitForCountAsync(1);
        device.Publish(topic, "raised while offline", 1, retain: false);
        device.Publish(topic, "health while offline", 0, retain: false);
        var pending = device.PublishAsync(topic, "cleared while offline"u8.ToArray(), 1, retain: false);
        Assert.False(pending.IsCompleted);
        network.Resume();
        await pending.WaitAsync(TestClient.Timeout);
        device.Publish(topic, "sentinel", 1, retain: false);

        Assert.Equal("raised while offline", (await inbox.NextAsync()).PayloadText);
        Assert.Equal("cleared while offline", (await inbox.NextAsync()).PayloadText);
        Assert.Equal("sentinel", (await inbox.NextAsync()).PayloadText);
    }
}
