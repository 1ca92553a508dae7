namespace Ata.Gateway.Fleet;

/// <summary>How adapter reports are batched into the store, bound from the <c>Ingest</c> section.</summary>
public sealed class IngestOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Ingest";

    /// <summary>Most reports recorded in one transaction.</summary>
    public int MaxBatch { get; set; } = 500;

    /// <summary>How long a batch waits for more reports after its first, in milliseconds.</summary>
    public int BatchWindowMilliseconds { get; set; } = 5;

    /// <summary>
    /// Most QoS 1 reports the broker may have delivered to the gateway unacknowledged (MQTT 5
    /// receive maximum); the rest wait in the gateway's session at the broker.
    /// </summary>
    public int ReceiveMaximum { get; set; } = 2000;

    /// <summary>Reports waiting to be recorded beyond which a QoS 0 report (health) is dropped and counted.</summary>
    public int MaxBacklog { get; set; } = 20_000;
}
