using System.Runtime.CompilerServices;
using Ata.Mqtt.Tests.Fixtures;

namespace Ata.Mqtt.Tests;

public sealed class PublishSubscribeTests(BrokerFixture fixture) : IClassFixture<BrokerFixture>
{
    private MosquittoBroker Broker => fixture.Broker;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task A_message_published_with_QoS_n_reaches_a_subscriber_with_QoS_n(int qos)
    {
        string topic = $"ata/roundtrip{qos}/health";
        await using var subscriber = await TestClient.ConnectAsync(Broker, "subscriber");
        var inbox = new Inbox(subscriber);
        Assert.Equal(new[] { qos }, await subscriber.SubscribeAsync(topic, qos));
        await using var publisher = await TestClient.ConnectAsync(Broker, "publisher");

        await publisher.PublishAsync(topic, "uptime=5"u8.ToArray(), qos, retain: false);

        var message = await inbox.NextAsync();
        Assert.Equal(topic, message.Topic);
        Assert.Equal("uptime=5", message.PayloadText);
        Assert.Equal(qos, message.Qos);
        Assert.False(message.Retain);
    }

    [Fact]
    public async Task The_synchronous_Publish_sends_text_as_UTF8()
    {
        const string topic = "ata/sync/fault";
        await using var subscriber = await TestClient.ConnectAsync(Broker, "subscriber");
        var inbox = new Inbox(subscriber);
        await subscriber.SubscribeAsync(topic, 1);
        await using var publisher = await TestClient.ConnectAsync(Broker, "publisher");

        publisher.Publish(topic, "ligne occupée ☎", 1, retain: false);

        Assert.Equal("ligne occupée ☎", (await inbox.NextAsync()).PayloadText);
    }

    [Fact]
    public async Task A_retained_message_reaches_a_later_subscriber_marked_retained()
    {
        const string topic = "ata/retained/config";
        await using (var publisher = await TestClient.ConnectAsync(Broker, "gateway"))
        {
            await publisher.PublishAsync(topic, "{\"version\":3}"u8.ToArray(), 1, retain: true);
            await publisher.DisconnectAsync();
        }

        await using var subscriber = await TestClient.ConnectAsync(Broker, "device");
        var inbox = new Inbox(subscriber);
        await subscriber.SubscribeAsync(topic, 1);

        var message = await inbox.NextAsync();
        Assert.Equal("{\"version\":3}", message.PayloadText);
        Assert.True(message.Retain);
        Assert.Equal(1, message.Qos);
    }

    [Fact]
    public async Task A_persistent_session_keeps_its_subscriptions_across_a_clean_disconnect()
    {
        var options = new MqttClientOptions
        {
            Host = Broker.Host,
            Port = Broker.Port,
            ClientId = TestClient.UniqueId("gateway"),
            CleanSession = false,
        };
        await using (var first = await TestClient.ConnectAsync(options))
        {
            await first.SubscribeAsync("ata/+/persistent-fault", 1);
            await first.DisconnectAsync();
        }

        await using (var device = await TestClient.ConnectAsync(Broker, "device"))
        {
            await device.PublishAsync("ata/d1/persistent-fault", "E42"u8.ToArray(), 1, retain: false);
        }

        await using var second = new MosquittoClient(options);
        var inbox = new Inbox(second);
        second.Start();
        Assert.Equal("E42", (await inbox.NextAsync()).PayloadText);
    }

    [Fact]
    public async Task A_throwing_handler_is_logged_and_does_not_stop_later_messages_or_other_handlers()
    {
        const string topic = "ata/throwing/cmd";
        var logger = new ListLogger<MosquittoClient>();
        await using var subscriber = await TestClient.ConnectAsync(TestClient.Options(Broker, TestClient.UniqueId("throwing")), logger);
        List<string> seenByThrower = [];
        subscriber.MessageReceived += message =>
        {
            lock (seenByThrower)
            {
                seenByThrower.Add(message.PayloadText);
            }

            if (message.PayloadText == "1")
            {
                throw new InvalidOperationException("handler bug");
            }
        };
        var inbox = new Inbox(subscriber);
        await subscriber.SubscribeAsync(topic, 1);
        await using var publisher = await TestClient.ConnectAsync(Broker, "publisher");

        foreach (string payload in new[] { "1", "2", "3" })
        {
            await publisher.PublishAsync(topic, System.Text.Encoding.UTF8.GetBytes(payload), 1, retain: false);
        }

        Assert.Equal("1", (await inbox.NextAsync()).PayloadText);
        Assert.Equal("2", (await inbox.NextAsync()).PayloadText);
        Assert.Equal("3", (await inbox.NextAsync()).PayloadText);
        lock (seenByThrower)
        {
            Assert.Equal(["1", "2", "3"], seenByThrower);
        }

        Assert.Contains(logger.Entries, entry => entry.Exception?.Message == "handler bug");
    }

    [Fact]
    public async Task Dispose_from_inside_a_handler_and_a_second_Dispose_do_not_crash()
    {
        const string topic = "ata/dispose/cmd";
        string id = TestClient.UniqueId("self-disposing");
        var subscriber = await TestClient.ConnectAsync(TestClient.Options(Broker, id));
        var disposedInside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int calls = 0;
        subscriber.MessageReceived += _ =>
        {
            Interlocked.Increment(ref calls);
            try
            {
                subscriber.Dispose();
                disposedInside.TrySetResult();
            }
            catch (Exception e)
            {
                disposedInside.TrySetException(e);
            }
        };
        await subscriber.SubscribeAsync(topic, 1);
        await using var publisher = await TestClient.ConnectAsync(Broker, "publisher");
        int mark = Broker.LogMark;

        await publisher.PublishAsync(topic, "reboot"u8.ToArray(), 1, retain: false);
        await publisher.PublishAsync(topic, "reboot again"u8.ToArray(), 1, retain: false);
        await disposedInside.Task.WaitAsync(TestClient.Timeout);
        subscriber.Dispose();
        await subscriber.DisposeAsync();

        Assert.Equal(1, Volatile.Read(ref calls));
        Assert.False(subscriber.IsConnected);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => subscriber.SubscribeAsync(topic, 0));
        Assert.Throws<ObjectDisposedException>(() => subscriber.Publish(topic, "x", 0, retain: false));
        await Broker.WaitForLogAsync($"Client {id} disconnected.", mark, TestClient.Timeout);
    }

    [Fact]
    public async Task Dispose_fails_pending_operations_with_ObjectDisposedException()
    {
        var client = new MosquittoClient(TestClient.Options(Broker, TestClient.UniqueId("never-started")));
        var subscribe = client.SubscribeAsync("ata/pending/config", 1);
        var publish = client.PublishAsync("ata/pending/status", "online"u8.ToArray(), 1, retain: true);
        var connect = client.WaitUntilConnectedAsync(TimeSpan.FromMinutes(1));
        Assert.False(subscribe.IsCompleted || publish.IsCompleted || connect.IsCompleted);

        client.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => subscribe);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => publish);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => connect);
    }

    [Fact]
    public async Task An_abandoned_connected_client_is_collected_and_its_finalizer_disconnects_cleanly()
    {
        string id = TestClient.UniqueId("abandoned");
        int mark = Broker.LogMark;
        var (client, connected) = StartAndAbandon(id);
        await connected;

        for (int i = 0; i < 10 && client.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.False(client.IsAlive);
        await Broker.WaitForLogAsync($"Client {id} disconnected.", mark, TestClient.Timeout);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private (WeakReference Client, Task Connected) StartAndAbandon(string id)
    {
        var client = new MosquittoClient(TestClient.Options(Broker, id));
        client.Start();
        return (new WeakReference(client), client.WaitUntilConnectedAsync(TestClient.Timeout));
    }
}
