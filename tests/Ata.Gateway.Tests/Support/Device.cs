using Ata.Core.Contract;
using Ata.Tests.Mqtt;

namespace Ata.Gateway.Tests.Support;

/// <summary>A stand-in adapter: an MQTT client that authenticates as its device id with its secret.</summary>
internal sealed class Device : IAsyncDisposable
{
    private readonly CapturedLog _log;

    private Device(string deviceId, MqttTestClient client, CapturedLog log)
    {
        DeviceId = deviceId;
        Client = client;
        _log = log;
    }

    public string DeviceId { get; }

    public MqttTestClient Client { get; }

    public IReadOnlyList<ReceivedMessage> Messages => Client.Messages;

    /// <summary>A device that has not connected yet (see <see cref="MqttTestClient.TryConnectAsync"/>).</summary>
    public static Device Create(string deviceId, string secret, int port, CapturedLog log, string? clientId = null, Action<MQTTnet.MqttClientOptionsBuilder>? configure = null) =>
        new(deviceId, MqttTestClient.Create("127.0.0.1", port, clientId ?? deviceId + "-" + Guid.NewGuid().ToString("N")[..6], deviceId, secret, configure), log);

    public static async Task<Device> ConnectAsync(string deviceId, string secret, int port, CapturedLog log, Action<MQTTnet.MqttClientOptionsBuilder>? configure = null)
    {
        var device = Create(deviceId, secret, port, log, configure: configure);
        try
        {
            await device.Client.ConnectAsync();
        }
        catch (Exception e)
        {
            await device.DisposeAsync();
            throw new InvalidOperationException($"{deviceId} could not connect: {e.Message}; log:{Environment.NewLine}{log.Tail(60)}", e);
        }

        return device;
    }

    public Task<int[]> SubscribeAsync(string leaf) =>
        Client.SubscribeAsync(MqttTopics.For(DeviceId, leaf), MqttTopics.ReliableQos);

    /// <summary>
    /// Subscribes to its config and says it is online (retained status), as the adapter does on every
    /// connection: the gateway then sends it its config (configs are never retained; the embedded
    /// broker tells the gateway of the subscription, an external one only the status).
    /// </summary>
    public async Task AnnounceAsync()
    {
        await SubscribeAsync(MqttTopics.Config);
        await ReportAsync(MqttTopics.Status, MqttTopics.Online, retain: true);
    }

    /// <summary>Announces itself and waits for its config (of <paramref name="version"/> when given).</summary>
    public async Task<ReceivedMessage> ReceiveConfigAsync(int? version = null)
    {
        await AnnounceAsync();
        return await WaitForAsync(
            m => m.Topic == MqttTopics.For(DeviceId, MqttTopics.Config)
                && (version is null || System.Text.Json.Nodes.JsonNode.Parse(m.PayloadText)?[Fields.Version]?.GetValue<int>() == version),
            version is null ? "its config" : $"its config v{version}");
    }

    public async Task<ReceivedMessage> WaitForAsync(Func<ReceivedMessage, bool> match, string what)
    {
        try
        {
            return await Client.WaitForAsync(match, what);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}{Environment.NewLine}{_log.Tail()}");
        }
    }

    /// <summary>Publishes a report; a QoS 1 report waits for the broker's PUBACK, for 15 s at most.</summary>
    public async Task ReportAsync(string leaf, string payload, int qos = MqttTopics.ReliableQos, bool retain = false)
    {
        try
        {
            await Client.PublishAsync(MqttTopics.For(DeviceId, leaf), payload, qos, retain).WaitAsync(TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{DeviceId}: no PUBACK for {leaf} within 15 s; log:{Environment.NewLine}{_log.Tail(60)}");
        }
    }

    public ValueTask DisposeAsync() => Client.DisposeAsync();
}
