using System.Threading.Channels;

namespace Ata.Mqtt.Tests.Fixtures;

/// <summary>Collects what a client receives, so a test can wait for it with a timeout.</summary>
internal sealed class Inbox
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly Channel<MqttMessage> _messages = Channel.CreateUnbounded<MqttMessage>();

    public Inbox(MosquittoClient client)
    {
        client.MessageReceived += message => _messages.Writer.TryWrite(message);
    }

    /// <summary>The next message received, whatever it is.</summary>
    public async Task<MqttMessage> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            return await _messages.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("No MQTT message arrived in time.");
        }
    }
}
