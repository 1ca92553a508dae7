namespace Ata.Gateway.Incidents;

/// <summary>How faults become incidents, bound from the <c>Incidents</c> configuration section.</summary>
public sealed class IncidentOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Incidents";

    /// <summary>
    /// How long a cleared fault must stay cleared before the incident ends and its resolution is
    /// sent; raised again within it, the same incident goes on (a flap). Default 120 s.
    /// </summary>
    public int QuietSeconds { get; set; } = 120;

    /// <summary>Flaps after which an incident is reported, once, as flapping. Default 3.</summary>
    public int FlapThreshold { get; set; } = 3;

    /// <summary>
    /// How long a registrar-side fault waits before it is reported alone, so that many adapters
    /// losing the same registrar fold into one registrar incident. Adapters notice an outage as far
    /// apart as their registration back-off spreads them, so the window is never shorter than the
    /// failing line's own back-off cap (<c>retryMaxSeconds</c>). Default: the adapter's default back-off
    /// cap, 300 s.
    /// </summary>
    public int FoldWindowSeconds { get; set; } = Provisioning.LineDefaults.RetryMaxSeconds;

    /// <summary>
    /// Adapters on one registrar that, failing the same way (the same fault code) within the fold
    /// window, make a registrar incident. Default 3.
    /// </summary>
    public int FoldThreshold { get; set; } = 3;

    /// <summary>
    /// Incidents one adapter may open within an hour that are reported on their own. Beyond it, a
    /// new incident of that adapter is folded into its latest reported one (which counts them), so
    /// no adapter can flood support or the outbox. Default 10.
    /// </summary>
    public int MaxPerAdapterPerHour { get; set; } = 10;
}
