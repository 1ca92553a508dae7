namespace Ata.Mqtt;

/// <summary>Where and how a <see cref="MosquittoClient"/> connects to its MQTT broker.</summary>
public sealed class MqttClientOptions
{
    /// <summary>The broker's host name or IP address.</summary>
    public required string Host { get; init; }

    /// <summary>The broker's TCP port (1883 is the MQTT default).</summary>
    public required int Port { get; init; }

    /// <summary>The MQTT client identifier; the broker drops an older connection that uses the same one.</summary>
    public required string ClientId { get; init; }

    /// <summary>The user name to authenticate with, or <see langword="null"/> to connect anonymously.</summary>
    public string? Username { get; init; }

    /// <summary>The password to authenticate with; only sent together with <see cref="Username"/>. Never logged.</summary>
    public string? Password { get; init; }

    /// <summary>The Last Will the broker publishes when this client's connection dies without a clean disconnect.</summary>
    public MqttWill? Will { get; init; }

    /// <summary>
    /// The MQTT keep-alive interval in seconds: 0 turns it off, otherwise 5 to 65535
    /// (libmosquitto 2.0 refuses 1 to 4). The broker declares the client dead after 1.5 times this without traffic.
    /// </summary>
    public int KeepAliveSeconds { get; init; } = 30;

    /// <summary>Whether the broker forgets this client's session (subscriptions, queued messages) when it disconnects.</summary>
    public bool CleanSession { get; init; } = true;

    /// <summary>The first delay before reconnecting after a failed or lost connection (libmosquitto rounds it up to whole seconds).</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay between reconnection attempts; the delay grows towards it with every failed attempt.</summary>
    public TimeSpan ReconnectDelayMax { get; init; } = TimeSpan.FromSeconds(30);
}
