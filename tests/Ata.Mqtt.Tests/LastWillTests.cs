using Ata.Mqtt.Tests.Fixtures;

namespace Ata.Mqtt.Tests;

public sealed class LastWillTests(BrokerFixture fixture) : IClassFixture<BrokerFixture>
{
    private MosquittoBroker Broker => fixture.Broker;

    [Fact]
    public async Task The_will_is_published_when_the_connection_dies_without_a_disconnect()
    {
        const string statusTopic = "ata/vanishing/status";
        await using var observer = await TestClient.ConnectAsync(Broker, "observer");
        var inbox = new Inbox(observer);
        await observer.SubscribeAsync(statusTopic, 1);
        using var network = new TcpRelay(Broker.Port);
        await using var device = await TestClient.ConnectAsync(new MqttClientOptions
        {
            Host = "127.0.0.1",
            Port = network.Port,
            ClientId = TestClient.UniqueId("vanishing"),
            KeepAliveSeconds = 5,
            Will = new MqttWill(statusTopic, "offline"u8.ToArray(), 1, Retain: false),
        });
        var lost = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        device.Disconnected += rc => lost.TrySetResult(rc);

        network.Sever();

        var will = await inbox.NextAsync();
        Assert.Equal(statusTopic, will.Topic);
        Assert.Equal("offline", will.PayloadText);
        Assert.Equal(1, will.Qos);
        Assert.NotEqual(0, await lost.Task.WaitAsync(TestClient.Timeout));
        Assert.False(device.IsConnected);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_clean_disconnect_does_not_publish_the_will(bool disconnectAsync)
    {
        string statusTopic = $"ata/leaving{disconnectAsync}/status";
        string id = TestClient.UniqueId("leaving");
        await using var observer = await TestClient.ConnectAsync(Broker, "observer");
        var inbox = new Inbox(observer);
        await observer.SubscribeAsync(statusTopic, 1);
        var device = await TestClient.ConnectAsync(new MqttClientOptions
        {
            Host = Broker.Host,
            Port = Broker.Port,
            ClientId = id,
            Will = new MqttWill(statusTopic, "offline"u8.ToArray(), 1, Retain: false),
        });
        int mark = Broker.LogMark;

        // Both ways of saying goodbye wait for the DISCONNECT to leave (Dispose alone does not:
        // see its documentation).
        if (disconnectAsync)
        {
            await device.DisconnectAsync();
            Assert.False(device.IsConnected);
            device.Dispose();
        }
        else
        {
            await device.DisposeAsync();
        }

        // The broker decides on the will when it handles the DISCONNECT; anything published
        // after that reaches the observer after the will would have.
        await Broker.WaitForLogAsync($"Client {id} disconnected.", mark, TestClient.Timeout);
        await observer.PublishAsync(statusTopic, "sentinel"u8.ToArray(), 1, retain: false);
        Assert.Equal("sentinel", (await inbox.NextAsync()).PayloadText);
    }

    [Fact]
    public async Task A_clean_disconnect_while_messages_stream_in_does_not_publish_the_will()
    {
        // libmosquitto 2.0 drops the socket without a DISCONNECT if a packet arrives after
        // mosquitto_disconnect(); the client must stop the stream first.
        string id = TestClient.UniqueId("busy");
        string statusTopic = $"ata/{id}/status";
        string commandTopic = $"ata/{id}/cmd";
        await using var observer = await TestClient.ConnectAsync(Broker, "observer");
        var inbox = new Inbox(observer);
        await observer.SubscribeAsync(statusTopic, 1);
        await using var device = await TestClient.ConnectAsync(new MqttClientOptions
        {
            Host = Broker.Host,
            Port = Broker.Port,
            ClientId = id,
            Will = new MqttWill(statusTopic, "offline"u8.ToArray(), 1, Retain: false),
        });
        var received = new Signal();
        device.MessageReceived += _ => received.Set();
        await device.SubscribeAsync(commandTopic, 1);
        await using var gateway = await TestClient.ConnectAsync(Broker, "gateway");
        using var stop = new CancellationTokenSource();
        var stream = Task.Run(async () =>
        {
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                gateway.Publish(commandTopic, $"diagnostics {i}", i % 2, retain: false);
                if (i % 50 == 0)
                {
                    await Task.Yield();
                }
            }
        });
        await received.WaitForCountAsync(200);
        int mark = Broker.LogMark;

        await device.DisconnectAsync();
        await stop.CancelAsync();
        await stream;

        Assert.Equal($"Client {id} disconnected.", await Broker.WaitForLogAsync($"Client {id} ", mark, TestClient.Timeout));
        await observer.PublishAsync(statusTopic, "sentinel"u8.ToArray(), 1, retain: false);
        Assert.Equal("sentinel", (await inbox.NextAsync()).PayloadText);
    }
}
