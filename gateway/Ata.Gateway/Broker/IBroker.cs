namespace Ata.Gateway.Broker;

/// <summary>The MQTT broker the gateway and its adapters meet at, embedded or external.</summary>
public interface IBroker
{
    /// <summary>Whether the gateway supervises the broker itself.</summary>
    bool IsEmbedded { get; }

    /// <summary>The <c>host:port</c> adapters connect to.</summary>
    string DeviceAddress { get; }

    /// <summary>
    /// Times the broker said it drops outgoing messages for a client because its queue is full
    /// (Mosquitto: <c>Outgoing messages are being dropped for client …</c>); 0 when the gateway cannot see the broker's log.
    /// </summary>
    long QueueOverflows { get; }

    /// <summary>How the gateway's own session connects.</summary>
    BrokerConnection GatewayConnection { get; }

    /// <summary>
    /// Makes the broker accept every adapter in the store with its current secret. Completes once
    /// the broker has been told to reload; the next packet it handles sees the new credentials.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait for the file writes.</param>
    Task ApplyDeviceCredentialsAsync(CancellationToken cancellationToken);
}
