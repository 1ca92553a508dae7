using Ata.Core.Contract;
using Ata.Gateway.Broker;

namespace Ata.Gateway.Fleet;

/// <summary>
/// The fleet channel over a broker's own gateway link (<see cref="IBroker.Link"/>: the RabbitMQ
/// cluster over AMQP) instead of its MQTT session: the same ingest, the same config and command
/// publishing, the same rules for what adapters send.
/// </summary>
public sealed partial class FleetChannel
{
    /// <summary>Runs the link until stopping; configs not yet published go out on each connection.</summary>
    private Task RunLinkAsync(IGatewayLink link, CancellationToken stopping) =>
        link.RunAsync(Deliver, () => _ = PublishPendingAsync(stopping), stopping);

    /// <summary>
    /// Publishes on the link. A retained publish (removing a retained config an older gateway left)
    /// has nothing to remove there: the cluster retains nothing (<c>mqtt.retained_message_store</c> noop).
    /// </summary>
    private static Task PublishOnLinkAsync(IGatewayLink link, string topic, byte[] payload, bool retain, CancellationToken cancellationToken) =>
        retain ? Task.CompletedTask : link.PublishAsync(topic, payload, cancellationToken);

    /// <summary>
    /// Takes a message from the link: an adapter saying it is online gets its config (it subscribed
    /// before saying so); an oversized one is counted and acknowledged unread; the rest go to the ingest.
    /// </summary>
    private void Deliver(ReceivedReport report)
    {
        var parsed = MqttTopics.TryParse(report.Topic, out var sender, out var leaf);
        if (report.Payload.Length > MaxPayloadBytes)
        {
            _metrics.CountOversized(parsed ? leaf : report.Topic);
            LogOversized(parsed ? sender : report.Topic, parsed ? leaf : report.Topic, report.Payload.Length);
            _ = report.Acknowledge(_stopping.Token).ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            return;
        }

        if (parsed && !_broker.SeesSubscriptions && leaf == MqttTopics.Status && DeviceReports.ReadStatus(report.Payload) == true)
        {
            PublishConfigSoon(sender);
        }

        _ingest.Accept(report);
    }
}
