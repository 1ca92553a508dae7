using Ata.Gateway.Fleet;

namespace Ata.Gateway.Broker;

/// <summary>
/// The gateway's own connection to a broker it does not speak MQTT 5 to (the RabbitMQ cluster, over
/// AMQP): <see cref="FleetChannel"/> takes the adapters' reports from it and sends configs and
/// commands through it instead of its own MQTT session.
/// </summary>
public interface IGatewayLink
{
    /// <summary>Whether it is connected now.</summary>
    bool IsConnected { get; }

    /// <summary>What it is doing, in words, for <c>/healthz</c>.</summary>
    string State { get; }

    /// <summary>
    /// Connects, and keeps connecting, until <paramref name="stopping"/> fires; then stops taking
    /// messages (the connection stays open for the acknowledgements of those taken until
    /// <see cref="CloseAsync"/>).
    /// </summary>
    /// <param name="deliver">Takes each message an adapter published; its <see cref="ReceivedReport.Acknowledge"/> tells the broker it is recorded.</param>
    /// <param name="connected">Called after each connection is made.</param>
    /// <param name="stopping">Stops it.</param>
    Task RunAsync(Action<ReceivedReport> deliver, Action connected, CancellationToken stopping);

    /// <summary>
    /// Publishes a message to an adapter (QoS 1: persistent) and completes when the broker confirms
    /// it; waits for the connection first.
    /// </summary>
    /// <param name="topic">The MQTT topic.</param>
    /// <param name="payload">The body.</param>
    /// <param name="cancellationToken">Gives up.</param>
    Task PublishAsync(string topic, byte[] payload, CancellationToken cancellationToken);

    /// <summary>Closes the connection.</summary>
    Task CloseAsync();
}
