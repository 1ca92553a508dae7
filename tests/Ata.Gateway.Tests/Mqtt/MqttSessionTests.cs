using System.Collections.Concurrent;
using System.Diagnostics;
using Ata.Core.Contract;
using Ata.Gateway.Tests.Support;
using Ata.Sim;
using Ata.Tests.Mqtt;

namespace Ata.Gateway.Tests.Mqtt;

/// <summary>
/// How the simulated adapter uses MQTTnet (<see cref="MqttSession"/>), against the gateway's real
/// embedded Mosquitto with the adapter's own login: its Last Will only when it vanishes, QoS 1
/// kept across a lost network, reconnection after the broker restarts, and a refused login told
/// in one clear line. An observer with the gateway's login watches the adapter's topics.
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
        using var session = Session(id, "session-secret-1", network.Port, out var events);
        session.Connect();
        await events.WaitForAsync("connected");
        session.Publish(MqttTopics.For(id, MqttTopics.Status), MqttTopics.Online, MqttTopics.ReliableQos, true);
        await Gateway.AdapterWhenAsync(id, a => a["online"]!.GetValue<bool>(), "online");

        network.Sever();

        await Gateway.AdapterWhenAsync(id, a => !a["online"]!.GetValue<bool>(), "offline by its will");
        await using var observer = await Gateway.ConnectAsGatewayAsync("observer-vanish");
        await observer.SubscribeAsync(MqttTopics.For(id, MqttTopics.Status), 1);
        var will = await observer.WaitForAsync(m => m.Topic == MqttTopics.For(id, MqttTopics.Status), "the retained status");
        Assert.Equal(MqttTopics.Offline, will.PayloadText);
        Assert.True(will.Retain);
    }

    [Fact]
    public async Task A_clean_disconnect_does_not_publish_the_will()
    {
        const string id = "session-leave";
        var port = await Gateway.ProvisionAsync(id, "session-secret-2");
        await using var observer = await Gateway.ConnectAsGatewayAsync("observer-leave");
        var status = MqttTopics.For(id, MqttTopics.Status);
        await observer.SubscribeAsync(status, 1);
        var session = Session(id, "session-secret-2", port, out var events);
        session.Connect();
        await events.WaitForAsync("connected");
        session.Publish(status, MqttTopics.Online, MqttTopics.ReliableQos, true);
        await observer.WaitForAsync(m => m.Topic == status && m.PayloadText == MqttTopics.Online, "online");

        session.Disconnect(TimeSpan.FromSeconds(5));
        session.Dispose();

        // The broker decides on the will when it handles the DISCONNECT; anything published after
        // that reaches the observer after the will would have.
        await Eventually.TrueAsync(() => Gateway.Log.Lines.Any(l => l.Contains($"Client {id} disconnected.", StringComparison.Ordinal)), "the broker's log of the DISCONNECT", Gateway.Log);
        await observer.PublishAsync(status, "sentinel", 1, retain: false);
        await observer.WaitForAsync(m => m.PayloadText == "sentinel", "the sentinel");
        Assert.DoesNotContain(observer.Messages, m => m.PayloadText == MqttTopics.Offline);
    }

    [Fact]
    public async Task QoS_1_reports_made_while_the_network_is_down_go_out_after_reconnecting_and_QoS_0_ones_do_not()
    {
        const string id = "session-offline";
        var port = await Gateway.ProvisionAsync(id, "session-secret-3");
        await using var observer = await Gateway.ConnectAsGatewayAsync("observer-offline");
        await observer.SubscribeAsync(MqttTopics.For(id, "#"), 1);
        using var network = new TcpRelay(port);
        using var session = Session(id, "session-secret-3", network.Port, out var events);
        session.Connect();
        await events.WaitForAsync("connected");

        network.Sever();
        await events.WaitForAsync("lost");
        session.Publish(MqttTopics.For(id, MqttTopics.Fault), "raised while offline", MqttTopics.ReliableQos, false);
        session.Publish(MqttTopics.For(id, MqttTopics.Health), "health while offline", MqttTopics.HealthQos, false);
        session.Publish(MqttTopics.For(id, MqttTopics.Fault), "cleared while offline", MqttTopics.ReliableQos, false);
        network.Resume();
        await events.WaitForAsync("connected", count: 2);
        session.Publish(MqttTopics.For(id, MqttTopics.Fault), "sentinel", MqttTopics.ReliableQos, false);

        await observer.WaitForAsync(m => m.PayloadText == "sentinel", "the sentinel");
        Assert.Equal(
            ["raised while offline", "cleared while offline", "sentinel"],
            observer.Messages.Where(m => m.Topic.EndsWith("/" + MqttTopics.Fault, StringComparison.Ordinal) || m.Topic.EndsWith("/" + MqttTopics.Health, StringComparison.Ordinal))
                .Select(m => m.PayloadText));
    }

    [Fact]
    public async Task After_the_broker_restarts_the_session_connects_again_and_subscribes_anew()
    {
        using var directory = new TempDirectory();
        await using var gateway = await RunningGateway.StartAsync(directory.Path);
        const string id = "session-restart";
        var port = await gateway.ProvisionAsync(id, "session-secret-4");
        using var session = Session(id, "session-secret-4", port, out var events, TimeSpan.FromMilliseconds(200));
        var configs = new ConcurrentQueue<string>();
        session.MessageReceived = (topic, payload) => configs.Enqueue(topic);

        // As the core does: subscribe on every connection (a clean session forgets subscriptions).
        session.Connected += () => session.Subscribe(MqttTopics.For(id, MqttTopics.Config), MqttTopics.ReliableQos);
        session.Connect();
        await events.WaitForAsync("connected");
        await Eventually.TrueAsync(() => configs.Count == 1, "the retained config", gateway.Log);

        var firstBroker = gateway.Broker.ProcessId!.Value;
        using (var broker = Process.GetProcessById(firstBroker))
        {
            broker.Kill();
        }

        await events.WaitForAsync("lost");
        await events.WaitForAsync("connected", count: 2, TimeSpan.FromSeconds(30));
        Assert.NotEqual(firstBroker, gateway.Broker.ProcessId);
        await Eventually.TrueAsync(() => configs.Count == 2, "the retained config again, on the new subscription", gateway.Log);
    }

    [Fact]
    public async Task A_refused_login_is_told_once_in_a_clear_line_that_never_shows_the_secret()
    {
        const string id = "session-refused";
        var port = await Gateway.ProvisionAsync(id, "session-right-secret");
        using var session = Session(id, "session-wrong-secret", port, out var events, TimeSpan.FromMilliseconds(100));

        session.Connect();

        var line = await events.WaitForAsync("log");
        Assert.Contains($"the broker refused {id}: NotAuthorized (wrong device id or secret, or the adapter is not provisioned)", line, StringComparison.Ordinal);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Single(events.All("log"));
        Assert.False(session.IsConnected);
        Assert.DoesNotContain("session-wrong-secret", line, StringComparison.Ordinal);
    }

    private static MqttSession Session(string id, string secret, int port, out SessionEvents events, TimeSpan? reconnectDelay = null)
    {
        var seen = new SessionEvents();
        var session = new MqttSession(
            new MqttSessionOptions("127.0.0.1", port, id, id, secret, MqttTopics.For(id, MqttTopics.Status), MqttTopics.Offline)
            {
                KeepAlive = TimeSpan.FromSeconds(5),
                ReconnectDelay = reconnectDelay ?? TimeSpan.FromMilliseconds(200),
                ReconnectDelayMax = reconnectDelay ?? TimeSpan.FromMilliseconds(500),
            },
            line => seen.Add("log", line));
        session.Connected = () => seen.Add("connected", string.Empty);
        session.Lost = reason => seen.Add("lost", reason);
        events = seen;
        return session;
    }

    /// <summary>What a session's callbacks reported, in order, to wait on.</summary>
    private sealed class SessionEvents
    {
        private readonly ConcurrentQueue<(string Kind, string Text)> _events = new();

        public void Add(string kind, string text) => _events.Enqueue((kind, text));

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
