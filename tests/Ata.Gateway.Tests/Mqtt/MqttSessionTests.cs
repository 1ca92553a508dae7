using System.Collections.Concurrent;
using System.Diagnostics;
using Ata.Core.Contract;
using Ata.Core.Host;
using Ata.Gateway.Tests.Support;
using Ata.Sim;
using Ata.Tests.Mqtt;

namespace Ata.Gateway.Tests.Mqtt;

/// <summary>
/// How the simulated adapter uses MQTTnet (<see cref="SimMqtt"/>), against the gateway's real
/// embedded Mosquitto with the adapter's own login: its Last Will only when it vanishes, QoS 1
/// deliveries reported by token only once the broker acknowledged them, no reconnection of its own
/// (the core's supervisor decides), and a refused login told as such without the secret. An
/// observer with the gateway's login watches the adapter's topics.
/// </summary>
public sealed class MqttSessionTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private RunningGateway Gateway => fixture.Gateway;

    [Fact]
    public async Task An_adapter_that_vanishes_leaves_its_will_offline_and_retained()
    {
        const string id = "session-vanish";
        var port = await Gateway.ProvisionAsync(id, "session-secret-1");
        using var network = new TcpRelay(port);
        var events = new SessionEvents();
        using var session = new SimMqtt(events, events.Log);
        session.Connect(HostRequest.Connect("127.0.0.1", network.Port, id, "session-secret-1"));
        await events.WaitForAsync("connected");
        session.Publish(MqttTopics.For(id, MqttTopics.Status), MqttTopics.Online, MqttTopics.ReliableQos, true);
        await Gateway.AdapterWhenAsync(id, a => a["online"]!.GetValue<bool>(), "online");

        network.Sever();

        await events.WaitForAsync("lost");
        await Gateway.AdapterWhenAsync(id, a => !a["online"]!.GetValue<bool>(), "offline by its will");
        await using var observer = await Gateway.ConnectAsGatewayAsync("observer-vanish");
        await observer.SubscribeAsync(MqttTopics.For(id, MqttTopics.Status), 1);
        var will = await observer.WaitForAsync(m => m.Topic == MqttTopics.For(id, MqttTopics.Status), "the retained status");
        Assert.Equal(MqttTopics.Offline, will.PayloadText);
        Assert.True(will.Retain);
    }

    [Fact]
    public async Task A_goodbye_publishes_offline_itself_and_not_the_will()
    {
        const string id = "session-leave";
        var port = await Gateway.ProvisionAsync(id, "session-secret-2");
        await using var observer = await Gateway.ConnectAsGatewayAsync("observer-leave");
        var status = MqttTopics.For(id, MqttTopics.Status);
        await observer.SubscribeAsync(status, 1);
        var events = new SessionEvents();
        using var session = new SimMqtt(events, events.Log);
        session.Connect(HostRequest.Connect("127.0.0.1", port, id, "session-secret-2"));
        await events.WaitForAsync("connected");
        session.Publish(status, MqttTopics.Online, MqttTopics.ReliableQos, true);
        await observer.WaitForAsync(m => m.Topic == status && m.PayloadText == MqttTopics.Online, "online");

        session.Leave();
        await events.WaitForAsync("left");

        // The broker decides on the will when it handles the DISCONNECT; anything published after
        // that reaches the observer after the will would have.
        await Eventually.TrueAsync(() => Gateway.Log.Lines.Any(l => l.Contains($"Client {id} disconnected.", StringComparison.Ordinal)), "the broker's log of the DISCONNECT", Gateway.Log);
        await observer.PublishAsync(status, "sentinel", 1, retain: false);
        await observer.WaitForAsync(m => m.PayloadText == "sentinel", "the sentinel");
        Assert.Single(observer.Messages, m => m.PayloadText == MqttTopics.Offline);
        Assert.Empty(events.All("lost"));
    }

    [Fact]
    public async Task QoS_1_reports_are_delivered_by_token_once_acknowledged_and_refused_while_the_network_is_down()
    {
        const string id = "session-tokens";
        var port = await Gateway.ProvisionAsync(id, "session-secret-3");
        await using var observer = await Gateway.ConnectAsGatewayAsync("observer-tokens");
        await observer.SubscribeAsync(MqttTopics.For(id, "#"), 1);
        using var network = new TcpRelay(port);
        var events = new SessionEvents();
        using var session = new SimMqtt(events, events.Log);
        session.Connect(HostRequest.Connect("127.0.0.1", network.Port, id, "session-secret-3"));
        await events.WaitForAsync("connected");

        int first = session.Publish(MqttTopics.For(id, MqttTopics.Fault), "first", MqttTopics.ReliableQos, false);
        int second = session.Publish(MqttTopics.For(id, MqttTopics.Fault), "second", MqttTopics.ReliableQos, false);
        Assert.Equal(0, session.Publish(MqttTopics.For(id, MqttTopics.Health), "health", MqttTopics.HealthQos, false));
        Assert.True(first > 0 && second > first);
        await events.WaitForAsync("delivered", count: 2);
        Assert.Equal([first.ToString(), second.ToString()], events.All("delivered").Order());
        await observer.WaitForAsync(m => m.PayloadText == "second", "the second report");

        network.Sever();
        await events.WaitForAsync("lost");

        // The core keeps what could not be handed over and sends it on its next session.
        Assert.Equal(0, session.Publish(MqttTopics.For(id, MqttTopics.Fault), "while down", MqttTopics.ReliableQos, false));
    }

    [Fact]
    public async Task After_the_broker_dies_the_session_reports_the_loss_once_and_waits_to_be_told_to_connect()
    {
        using var directory = new TempDirectory();
        await using var gateway = await RunningGateway.StartAsync(directory.Path);
        const string id = "session-restart";
        var port = await gateway.ProvisionAsync(id, "session-secret-4");
        var events = new SessionEvents();
        using var session = new SimMqtt(events, events.Log);
        session.Connect(HostRequest.Connect("127.0.0.1", port, id, "session-secret-4"));
        await events.WaitForAsync("connected");
        session.Subscribe(MqttTopics.For(id, MqttTopics.Config), MqttTopics.ReliableQos);
        session.Publish(MqttTopics.For(id, MqttTopics.Status), MqttTopics.Online, MqttTopics.ReliableQos, true);
        await events.WaitForAsync("message");

        var firstBroker = gateway.Broker.ProcessId!.Value;
        using (var broker = Process.GetProcessById(firstBroker))
        {
            broker.Kill();
        }

        await events.WaitForAsync("lost");
        await Eventually.TrueAsync(() => gateway.Broker.ProcessId is { } pid && pid != firstBroker, "the broker restarted", gateway.Log);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Single(events.All("connected"));
        Assert.Single(events.All("lost"));

        // Told to connect again (the supervisor's back-off), it does, and subscribes anew.
        session.Connect(HostRequest.Connect("127.0.0.1", port, id, "session-secret-4"));
        await events.WaitForAsync("connected", count: 2, TimeSpan.FromSeconds(30));
        session.Subscribe(MqttTopics.For(id, MqttTopics.Config), MqttTopics.ReliableQos);
        session.Publish(MqttTopics.For(id, MqttTopics.Status), MqttTopics.Online, MqttTopics.ReliableQos, true);
        await events.WaitForAsync("message", count: 2);
    }

    [Fact]
    public async Task A_refused_login_is_reported_as_refused_and_never_shows_the_secret()
    {
        const string id = "session-refused";
        var port = await Gateway.ProvisionAsync(id, "session-right-secret");
        var events = new SessionEvents();
        using var session = new SimMqtt(events, events.Log);

        session.Connect(HostRequest.Connect("127.0.0.1", port, id, "session-wrong-secret"));

        var refusal = await events.WaitForAsync("refused");
        Assert.Contains("refused the login", refusal, StringComparison.Ordinal);
        Assert.DoesNotContain("session-wrong-secret", refusal, StringComparison.Ordinal);
        Assert.Empty(events.All("unreachable"));

        session.Connect(HostRequest.Connect("127.0.0.1", FreeTcpPort(), id, "session-right-secret"));
        Assert.Contains("cannot reach the broker", await events.WaitForAsync("unreachable"), StringComparison.Ordinal);
    }

    private static int FreeTcpPort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>What a session reported, in order, to wait on.</summary>
    private sealed class SessionEvents : ISimMqttEvents
    {
        private readonly ConcurrentQueue<(string Kind, string Text)> _events = new();

        public void Connected() => Add("connected", string.Empty);
        public void ConnectFailed(bool refused, string detail) => Add(refused ? "refused" : "unreachable", detail);
        public void Lost(string detail) => Add("lost", detail);
        public void Left() => Add("left", string.Empty);
        public void Delivered(int token) => Add("delivered", token.ToString());
        public void Message(string topic, string payload) => Add("message", topic);
        public void Log(string line) => Add("log", line);

        private void Add(string kind, string text) => _events.Enqueue((kind, text));

        public IReadOnlyList<string> All(string kind) => [.. _events.Where(e => e.Kind == kind).Select(e => e.Text)];

        public async Task<string> WaitForAsync(string kind, int count = 1, TimeSpan? timeout = null)
        {
            var deadline = DateTime.UtcNow + (timeout ?? Timeout);
            while (All(kind).Count < count)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"no {kind} #{count}; saw: {string.Join(", ", _events.Select(e => $"{e.Kind} {e.Text}"))}");
                }

                await Task.Delay(20);
            }

            return All(kind)[count - 1];
        }
    }
}
