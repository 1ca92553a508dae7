using System.Text;
using Ata.Core.Contract;
using Ata.Mqtt;

namespace Ata.Gateway.Tests.Support;

/// <summary>A stand-in adapter: an MQTT client that authenticates as its device id with its secret.</summary>
internal sealed class Device : IAsyncDisposable
{
    private readonly List<MqttMessage> _messages = [];
    private readonly CapturedLog _log;

    private Device(string deviceId, MosquittoClient client, CapturedLog log)
    {
        DeviceId = deviceId;
        Client = client;
        _log = log;
        client.MessageReceived += message =>
        {
            lock (_messages)
            {
                _messages.Add(message);
            }
        };
    }

    public string DeviceId { get; }

    public MosquittoClient Client { get; }

    public static Device Start(string deviceId, string secret, int port, CapturedLog log, string? clientId = null)
    {
        var client = new MosquittoClient(
            new MqttClientOptions
            {
                Host = "127.0.0.1",
                Port = port,
                ClientId = clientId ?? deviceId + "-" + Guid.NewGuid().ToString("N")[..6],
                Username = deviceId,
                Password = secret,
                ReconnectDelay = TimeSpan.FromSeconds(1),
                ReconnectDelayMax = TimeSpan.FromSeconds(2),
            },
            log.CreateLogger<MosquittoClient>());
        var device = new Device(deviceId, client, log);
        client.Start();
        return device;
    }

    public static async Task<Device> ConnectAsync(string deviceId, string secret, int port, CapturedLog log)
    {
        var device = Start(deviceId, secret, port, log);
        await device.Client.WaitUntilConnectedAsync(TimeSpan.FromSeconds(15));
        return device;
    }

    public IReadOnlyList<MqttMessage> Messages
    {
        get
        {
            lock (_messages)
            {
                return [.. _messages];
            }
        }
    }

    public Task<int[]> SubscribeAsync(string leaf) =>
        Client.SubscribeAsync(MqttTopics.For(DeviceId, leaf), MqttTopics.ReliableQos);

    public async Task<MqttMessage> WaitForAsync(Func<MqttMessage, bool> match, string what)
    {
        MqttMessage? found = null;
        await Eventually.TrueAsync(() => (found = Messages.FirstOrDefault(match)) is not null, what, _log);
        return found!;
    }

    /// <summary>Publishes a report; a QoS 1 report waits for the broker's PUBACK, for 15 s at most.</summary>
    public async Task ReportAsync(string leaf, string payload, int qos = MqttTopics.ReliableQos, bool retain = false)
    {
        try
        {
            await Client.PublishAsync(MqttTopics.For(DeviceId, leaf), Encoding.UTF8.GetBytes(payload), qos, retain).WaitAsync(TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{DeviceId}: no PUBACK for {leaf} within 15 s; log:{Environment.NewLine}{_log.Tail(60)}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisconnectAsync();
        await Client.DisposeAsync();
    }
}
