namespace Ata.Gateway.Broker;

/// <summary>
/// Which MQTT broker the gateway and the adapters meet at, bound from the <c>Broker</c> section.
/// With no <see cref="Url"/> the gateway runs its own Mosquitto on loopback (the embedded broker).
/// </summary>
public sealed class BrokerOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Broker";

    /// <summary>The host advertised to adapters when <see cref="AdvertisedHost"/> is not set and the broker is embedded.</summary>
    public const string DefaultAdvertisedHost = "127.0.0.1";

    /// <summary>
    /// Embedded broker: <see cref="DeviceLoginMode.Plugin"/> (the default) changes one adapter's
    /// login at a time through the device logins plugin; <see cref="DeviceLoginMode.File"/> rewrites
    /// and reloads Mosquitto's password file on every change (the way before the plugin; also what
    /// happens when the plugin was not built).
    /// </summary>
    public DeviceLoginMode DeviceLogins { get; set; } = DeviceLoginMode.Plugin;

    /// <summary>
    /// Which broker: <see cref="BrokerKind.Mosquitto"/> (the default: embedded, or external with
    /// <see cref="Url"/>) or <see cref="BrokerKind.RabbitMq"/>, a RabbitMQ cluster (<see cref="RabbitMq"/>)
    /// for scale-out (see the README's "Scale-out: the broker cluster").
    /// </summary>
    public BrokerKind Kind { get; set; } = BrokerKind.Mosquitto;

    /// <summary>The RabbitMQ cluster's nodes and settings, with <see cref="Kind"/> <see cref="BrokerKind.RabbitMq"/>.</summary>
    public Cluster.RabbitMqOptions RabbitMq { get; set; } = new();

    /// <summary>
    /// An external broker as <c>mqtt://host:port</c>. Empty (the default) starts the embedded broker.
    /// </summary>
    public string? Url { get; set; }

    /// <summary>The gateway's user name on an external broker.</summary>
    public string? Username { get; set; }

    /// <summary>The gateway's password on an external broker.</summary>
    public string? Password { get; set; }

    /// <summary>
    /// The embedded broker's TCP port. 0 (the default) picks a free port once and keeps it in the
    /// data directory, so adapters find the broker again after a restart.
    /// </summary>
    public int EmbeddedPort { get; set; }

    /// <summary>The embedded broker's TLS listener for adapters: its port and, optionally, the operator's own certificates.</summary>
    public BrokerTlsOptions Tls { get; set; } = new();

    /// <summary>
    /// Whether the embedded broker also listens for adapters in plaintext on <see cref="EmbeddedPort"/>.
    /// Default false: adapters connect only over TLS (the device secret and SIP passwords never cross
    /// the network readable); true also opens the plaintext listener (firmware without TLS, tests on loopback).
    /// The gateway's own session is on a Unix socket either way.
    /// </summary>
    public bool DevicePlaintext { get; set; }

    /// <summary>The address the embedded broker listens on. Default <c>127.0.0.1</c>.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// The host adapters are told to connect to. Default: <c>127.0.0.1</c> for the embedded broker,
    /// the host of <see cref="Url"/> for an external one.
    /// </summary>
    public string? AdvertisedHost { get; set; }

    /// <summary>
    /// The port adapters are told to connect to, when it is not the one the broker listens on (a
    /// port forwarded by a router or load balancer). Default: the broker's own port.
    /// </summary>
    public int? AdvertisedPort { get; set; }

    /// <summary>The Mosquitto broker binary: a file name looked up in PATH and the system folders, or a path.</summary>
    public string MosquittoPath { get; set; } = "mosquitto";

    /// <summary>The MQTT client id of the gateway's own session.</summary>
    public string ClientId { get; set; } = "ata-gateway";

    /// <summary>
    /// The largest MQTT packet the embedded broker reads, in KiB (Mosquitto <c>max_packet_size</c>):
    /// a client sending a larger one is disconnected before its payload is read, so a flood of huge
    /// payloads cannot fill the broker's memory or disk. Default 64: the largest legitimate message
    /// is a config document, which the adapter takes up to 16 KiB
    /// (<see cref="Ata.Core.Provisioning.ProvisioningDocument.MaxLength"/>); reports are at most 8 KiB.
    /// </summary>
    public int MaxPacketKilobytes { get; set; } = DefaultMaxPacketKilobytes;

    /// <summary>The default of <see cref="MaxPacketKilobytes"/>.</summary>
    public const int DefaultMaxPacketKilobytes = 64;

    /// <summary>The least <see cref="MaxPacketKilobytes"/>: twice the largest config document the adapter takes.</summary>
    public const int MinMaxPacketKilobytes = 2 * Ata.Core.Provisioning.ProvisioningDocument.MaxLength / 1024;

    /// <summary>How much the embedded broker keeps for the gateway's session while the gateway is away or slow.</summary>
    public QueueLimits Queue { get; set; } = new();

    /// <summary>Whether <see cref="Url"/> selects an external broker.</summary>
    public bool IsExternal => Kind == BrokerKind.Mosquitto && !string.IsNullOrWhiteSpace(Url);
}

/// <summary>
/// The embedded broker's queue per client (Mosquitto <c>max_queued_messages</c>, <c>max_queued_bytes</c>),
/// bound from <c>Broker:Queue</c>. Only the gateway's session queues for long: adapters' sessions
/// are clean. QoS 0 health reports are not queued for a client that is away.
/// </summary>
public sealed class QueueLimits
{
    /// <summary>
    /// Most QoS 1 messages queued for one client. The default, 1,000,000, holds a day of a
    /// 10,000-adapter fleet's reliable reports at 4 an hour each (status, hello, faults raised and cleared).
    /// </summary>
    public int Messages { get; set; } = 1_000_000;

    /// <summary>Most payload megabytes queued for one client (the broker keeps them in memory).</summary>
    public int Megabytes { get; set; } = 512;
}

/// <summary>How the embedded broker keeps the adapters' logins.</summary>
public enum DeviceLoginMode
{
    /// <summary>The device logins plugin: one login changed at a time over its control topic.</summary>
    Plugin,

    /// <summary>Mosquitto's password file, rewritten whole and reloaded on every change.</summary>
    File,
}

/// <summary>Which broker the devices' MQTT runs on.</summary>
public enum BrokerKind
{
    /// <summary>Mosquitto: the embedded default, or an external one (<see cref="BrokerOptions.Url"/>).</summary>
    Mosquitto,

    /// <summary>A RabbitMQ cluster with its MQTT plugin, the gateway consuming from quorum queues over AMQP.</summary>
    RabbitMq,
}
