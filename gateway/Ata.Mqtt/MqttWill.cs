namespace Ata.Mqtt;

/// <summary>
/// A Last Will: the message the broker publishes on the client's behalf when its connection dies
/// without a clean disconnect (power loss, crash, network failure, missed keep-alives).
/// </summary>
/// <param name="Topic">The topic to publish on; no wildcards.</param>
/// <param name="Payload">The message body.</param>
/// <param name="Qos">The quality of service, 0 to 2.</param>
/// <param name="Retain">Whether the broker keeps the will as the topic's retained message.</param>
public sealed record MqttWill(string Topic, byte[] Payload, int Qos, bool Retain);
