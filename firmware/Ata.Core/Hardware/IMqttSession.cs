namespace Ata.Core.Hardware
{
    /// <summary>
    /// The adapter's connected MQTT session with the gateway's broker. The host opens and closes it
    /// when the core's <see cref="Ata.Core.Host.HostSupervisor"/> asks, and tells the core about it.
    /// </summary>
    public interface IMqttSession
    {
        /// <summary>
        /// Publishes a UTF-8 payload. For QoS 1 returns a delivery token greater than 0 that the host
        /// reports back (<see cref="Adapter.OnMqttDelivered"/>) once the broker has acknowledged it;
        /// the core keeps the message until then and sends it again on the next session otherwise.
        /// Returns 0 for QoS 0, or when the message could not be handed over (it is kept and retried).
        /// </summary>
        int Publish(string topic, string payload, int qos, bool retain);

        /// <summary>Subscribes to a topic filter; the core subscribes again on every new session.</summary>
        void Subscribe(string topicFilter, int qos);
    }
}
