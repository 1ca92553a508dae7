using System.Net;
using Ata.Core.Contract;
using Ata.Gateway.Broker;
using Ata.Gateway.Tests.Support;
using Ata.Tests.Mqtt;
using MQTTnet;

namespace Ata.Gateway.Tests.Broker;

/// <summary>
/// Flat provisioning (issue 17, item 1): the embedded broker's device logins plugin takes each
/// adapter's login as it is added, changed or removed, at once and without a reload, and the store
/// stays the source of truth across restarts. Against the real gateway and its real Mosquitto, in
/// both login modes (the plugin, and the password file it replaced).
/// </summary>
public sealed class DeviceLoginsTests
{
    private const string Registrar = "127.0.0.1:5060";

    [Theory]
    [InlineData(DeviceLoginMode.Plugin)]
    [InlineData(DeviceLoginMode.File)]
    public async Task An_adapter_added_changed_and_removed_logs_in_only_as_the_store_says_and_only_to_its_own_topics(DeviceLoginMode mode)
    {
        using var directory = new TempDirectory();
        var log = new CapturedLog();
        await using var gateway = await RunningGateway.StartAsync(directory.Path, log, new Dictionary<string, string?> { ["Broker:DeviceLogins"] = mode.ToString() });
        Assert.Equal(mode == DeviceLoginMode.Plugin, gateway.Broker.ViaPlugin);
        var broker = gateway.Broker.ProcessId;
        var port = await gateway.ProvisionAsync("dl-a", "dl-secret-1");
        await gateway.ProvisionAsync("dl-b", "dl-secret-b");

        // Added: it logs in at once, and may write its own reports only.
        await using var watcher = await gateway.ConnectAsGatewayAsync("dl-watcher");
        await watcher.SubscribeAsync(MqttTopics.For("+", MqttTopics.Hello), MqttTopics.ReliableQos);
        await using (var adapter = await MqttTestClient.ConnectAsync("127.0.0.1", port, "dl-a", "dl-a", "dl-secret-1"))
        {
            await adapter.PublishAsync(MqttTopics.For("dl-b", MqttTopics.Hello), Reports.Hello("dl-b", "forged-1"), MqttTopics.ReliableQos, retain: false);
            await adapter.PublishAsync(MqttTopics.For("dl-a", MqttTopics.Hello), Reports.Hello("dl-a", "own-1"), MqttTopics.ReliableQos, retain: false);
        }

        await watcher.WaitForAsync(m => m.Topic == MqttTopics.For("dl-a", MqttTopics.Hello), "the adapter's own hello");
        Assert.DoesNotContain(watcher.Messages, m => m.Topic == MqttTopics.For("dl-b", MqttTopics.Hello));

        // Changed: the live session is dropped, the old secret no longer logs in, the new one does.
        await using var live = await MqttTestClient.ConnectAsync("127.0.0.1", port, "dl-a", "dl-a", "dl-secret-1");
        var dropped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        live.Disconnected += _ => dropped.TrySetResult();
        var (changed, _) = await gateway.PutAdapterAsync("dl-a", RunningGateway.Adapter("dl-secret-2", ("2001", "sip-password", Registrar)));
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        await Eventually.TrueAsync(() => dropped.Task.IsCompleted, "the old secret's session dropped", log);
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await TryLoginAsync(port, "dl-a", "dl-secret-1"));
        Assert.Equal(MqttClientConnectResultCode.Success, await TryLoginAsync(port, "dl-a", "dl-secret-2"));

        // Removed: its session is dropped and it can no longer log in; the other adapter is untouched.
        await using var last = await MqttTestClient.ConnectAsync("127.0.0.1", port, "dl-a", "dl-a", "dl-secret-2");
        var droppedAgain = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        last.Disconnected += _ => droppedAgain.TrySetResult();
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.Http.DeleteAsync("/api/adapters/dl-a")).StatusCode);
        await Eventually.TrueAsync(() => droppedAgain.Task.IsCompleted, "the removed adapter's session dropped", log);
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await TryLoginAsync(port, "dl-a", "dl-secret-2"));
        Assert.Equal(MqttClientConnectResultCode.Success, await TryLoginAsync(port, "dl-b", "dl-secret-b"));

        // With the plugin, none of it rewrote or reloaded anything: the same broker, never told to reload.
        Assert.Equal(broker, gateway.Broker.ProcessId);
        var reloads = log.Lines.Count(l => l.Contains("reloads them", StringComparison.Ordinal));
        if (mode == DeviceLoginMode.Plugin)
        {
            Assert.Equal(0, reloads);
        }
        else
        {
            Assert.True(reloads >= 3, $"{reloads} reloads");
        }
    }

    [Fact]
    public async Task On_start_the_brokers_logins_are_made_the_stores_whatever_its_logins_file_says()
    {
        using var directory = new TempDirectory();
        int port;
        await using (var first = await RunningGateway.StartAsync(directory.Path))
        {
            port = await first.ProvisionAsync("dl-kept", "dl-kept-secret");
            await first.ProvisionAsync("dl-gone", "dl-gone-secret");
            Assert.Equal(HttpStatusCode.NoContent, (await first.Http.DeleteAsync("/api/adapters/dl-gone")).StatusCode);
        }

        // Behind the gateway's back, the logins file comes to say what the store does not.
        var file = Path.Combine(directory.Path, "broker", "passwd");
        await File.AppendAllTextAsync(file, $"dl-intruder:{MosquittoPasswordHash.Create("dl-intruder-secret")}\ndl-kept:\ndl-gone:{MosquittoPasswordHash.Create("dl-gone-secret")}\n");

        await using var second = await RunningGateway.StartAsync(directory.Path);
        Assert.Equal(port, second.Broker.Port);
        Assert.Equal(MqttClientConnectResultCode.Success, await TryLoginAsync(port, "dl-kept", "dl-kept-secret"));
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await TryLoginAsync(port, "dl-intruder", "dl-intruder-secret"));
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await TryLoginAsync(port, "dl-gone", "dl-gone-secret"));
        Assert.Equal(["dl-kept"], (await File.ReadAllLinesAsync(file)).Select(l => l.Split(':')[0]));
    }

    private static async Task<MqttClientConnectResultCode> TryLoginAsync(int port, string deviceId, string secret)
    {
        await using var client = MqttTestClient.Create("127.0.0.1", port, deviceId, deviceId, secret);
        return await client.TryConnectAsync();
    }
}
