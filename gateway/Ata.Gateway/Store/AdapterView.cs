using Ata.Gateway.Fleet;

namespace Ata.Gateway.Store;

/// <summary>
/// What support sees of an adapter: provisioning (never a password or secret) and the last state
/// it reported. This is the JSON of <c>GET /api/adapters/{deviceId}</c>.
/// </summary>
/// <param name="DeviceId">The adapter's id.</param>
/// <param name="Online">Whether its last status was <c>online</c>.</param>
/// <param name="LastSeen">When the gateway last heard from it.</param>
/// <param name="LastHealthAt">When its last health report arrived.</param>
/// <param name="Firmware">Firmware version from its last hello.</param>
/// <param name="ConfigVersion">The gateway's current config version for it.</param>
/// <param name="AppliedConfigVersion">The version it last said it applied.</param>
/// <param name="ConfigRefusedReason">Why it refused the last config it refused, until it applies one.</param>
/// <param name="Leds">LED patterns from its last health report; all <c>off</c> before one.</param>
/// <param name="Lines">Its provisioned lines with their last reported registration.</param>
/// <param name="Faults">Its active faults, oldest first.</param>
public sealed record AdapterView(
    string DeviceId,
    bool Online,
    DateTimeOffset? LastSeen,
    DateTimeOffset? LastHealthAt,
    string? Firmware,
    int ConfigVersion,
    int? AppliedConfigVersion,
    string? ConfigRefusedReason,
    LedStates Leds,
    IReadOnlyList<LineView> Lines,
    IReadOnlyList<FaultView> Faults)
{
    /// <summary>The customer's reference.</summary>
    public string? CustomerReference { get; init; }

    /// <summary>Whether lines are sent as digest HA1 rather than passwords.</summary>
    public bool SendHa1 { get; init; }

    /// <summary>What became of the current config version: <see cref="Store.ConfigStatus"/>.</summary>
    public string ConfigStatus { get; init; } = Store.ConfigStatus.Pending;

    /// <summary>The last version the adapter refused, until it applies a newer one.</summary>
    public int? RefusedConfigVersion { get; init; }

    /// <summary>No health report for longer than the configured number of intervals.</summary>
    public bool Silent { get; init; }

    /// <summary>WAN state from the last health report.</summary>
    public string? Wan { get; init; }

    /// <summary>WAN address from the last health report.</summary>
    public string? WanAddress { get; init; }

    /// <summary>Wi-Fi signal in dBm from the last health report.</summary>
    public int? Rssi { get; init; }

    /// <summary>Uptime from the last health report.</summary>
    public long? UptimeMs { get; init; }

    /// <summary>Hardware revision from the last hello.</summary>
    public string? Hardware { get; init; }

    /// <summary>MAC address from the last hello.</summary>
    public string? Mac { get; init; }

    /// <summary>Why the adapter last reset, from the last hello.</summary>
    public string? ResetReason { get; init; }

    /// <summary>A new broker credential waits for the adapter to apply it.</summary>
    public bool CredentialRotationPending { get; init; }

    /// <summary>Service codes the household dialled lately (e.g. <c>#21#</c>), newest first, with what the gateway did.</summary>
    public IReadOnlyList<ServiceRequestView> RecentServiceRequests { get; init; } = [];
}

/// <summary>A provisioned line and its last reported registration.</summary>
/// <param name="Line">Line number, from 1.</param>
/// <param name="Username">The SIP user.</param>
/// <param name="Registrar">The registrar, <c>host[:port]</c>.</param>
/// <param name="Registration">Registration state name; <c>unknown</c> before a health report names it.</param>
/// <param name="SipCode">The last SIP status code, if any.</param>
public sealed record LineView(int Line, string Username, string Registrar, string Registration, int? SipCode)
{
    /// <summary>Digest user name when it differs.</summary>
    public string? AuthUsername { get; init; }

    /// <summary>Fallback registrar.</summary>
    public string? SecondaryRegistrar { get; init; }

    /// <summary>Outbound proxy.</summary>
    public string? OutboundProxy { get; init; }

    /// <summary>SIP transport.</summary>
    public string Transport { get; init; } = Provisioning.LineDefaults.Transport;

    /// <summary>Digest realm, when known.</summary>
    public string? Realm { get; init; }

    /// <summary>The line's country.</summary>
    public string? Country { get; init; }

    /// <summary>Tone plan country.</summary>
    public string? TonePlan { get; init; }

    /// <summary>Dial plan.</summary>
    public string? DialPlan { get; init; }

    /// <summary>Barred call classes.</summary>
    public IReadOnlyList<string> Barring { get; init; } = [];

    /// <summary>Hook-flash window end, ms; null for the country's default.</summary>
    public int? FlashMs { get; init; }

    /// <summary>Tone overrides, tone name to tone text; null for the tone plan's own.</summary>
    public IReadOnlyDictionary<string, string>? Tones { get; init; }

    /// <summary>Short inter-digit timer, ms; null for the adapter's default.</summary>
    public int? ShortTimerMs { get; init; }

    /// <summary>Long inter-digit timer, ms; null for the adapter's default.</summary>
    public int? LongTimerMs { get; init; }

    /// <summary>Registration expiry, seconds.</summary>
    public int Expires { get; init; }

    /// <summary>Keep-alive interval, seconds (0: none).</summary>
    public int KeepAliveSeconds { get; init; }

    /// <summary>First retry delay, seconds.</summary>
    public int RetryBaseSeconds { get; init; }

    /// <summary>Longest retry delay, seconds.</summary>
    public int RetryMaxSeconds { get; init; }

    /// <summary>Seconds between OPTIONS probes of the registrar, 0 for none; null for the adapter's default.</summary>
    public int? RegistrarProbeSeconds { get; init; }

    /// <summary>Seconds an outgoing call may ring unanswered, 0 for no limit; null for the adapter's default.</summary>
    public int? NoAnswerSeconds { get; init; }

    /// <summary>Call waiting on or off; null for the adapter's default (on).</summary>
    public bool? CallWaiting { get; init; }

    /// <summary>Message waiting (the voicemail light) on or off; null for the adapter's default (on).</summary>
    public bool? MessageWaiting { get; init; }

    /// <summary>The line's voicemail light as its last health report gave it (<c>waiting</c>, <c>none</c>, <c>off</c>), or null before one.</summary>
    public string? Voicemail { get; init; }
}

/// <summary>An active fault.</summary>
/// <param name="Code">The fault code.</param>
/// <param name="Line">The line it concerns, if any.</param>
/// <param name="SipCode">The SIP status code behind it, if any.</param>
/// <param name="Detail">The adapter's own words.</param>
/// <param name="Since">When it was first raised (on the adapter, by the age it gave).</param>
/// <param name="Description">What the code means, in words for support.</param>
public sealed record FaultView(string Code, int? Line, int? SipCode, string? Detail, DateTimeOffset Since, string Description);

/// <summary>What saving an adapter changed.</summary>
/// <param name="Created">The adapter is new.</param>
/// <param name="ConfigVersion">Its config version after the save.</param>
/// <param name="Changed">Anything changed (and the version was bumped).</param>
/// <param name="CredentialsChanged">The broker must learn a new or changed device secret.</param>
public sealed record SaveOutcome(bool Created, int ConfigVersion, bool Changed, bool CredentialsChanged)
{
    /// <summary>What changed, by request field (<c>created</c> for a new adapter), for the audit log.</summary>
    public IReadOnlyList<string> ChangedParts { get; init; } = [];
}

/// <summary>What became of a config version on the adapter.</summary>
public static class ConfigStatus
{
    /// <summary>Not acknowledged yet.</summary>
    public const string Pending = "pending";

    /// <summary>The adapter applied it.</summary>
    public const string Applied = "applied";

    /// <summary>The adapter refused it.</summary>
    public const string Refused = "refused";

    /// <summary>The status of the current version from what the adapter last said.</summary>
    /// <param name="current">The gateway's current version.</param>
    /// <param name="applied">The last version applied.</param>
    /// <param name="refused">The last version refused.</param>
    public static string Of(int current, int? applied, int? refused) =>
        applied >= current ? Applied : refused >= current ? Refused : Pending;
}

/// <summary>One config version of an adapter.</summary>
/// <param name="Version">The version.</param>
/// <param name="CreatedAt">When it was made.</param>
/// <param name="Actor">Who made it.</param>
/// <param name="Status">A <see cref="ConfigStatus"/>.</param>
/// <param name="Reason">Why the adapter refused it.</param>
public sealed record ConfigVersionView(int Version, DateTimeOffset CreatedAt, string Actor, string Status, string? Reason);

/// <summary>One health report, for charts.</summary>
/// <param name="At">When it arrived.</param>
/// <param name="UptimeMs">Uptime.</param>
/// <param name="Rssi">Wi-Fi signal, dBm.</param>
/// <param name="FreeHeap">Free heap, bytes.</param>
public sealed record HealthSample(DateTimeOffset At, long? UptimeMs, int? Rssi, long? FreeHeap);

/// <summary>A fault raised or cleared, for the timeline.</summary>
/// <param name="At">When it happened: when the gateway received it less the age the adapter gave (a change held while the gateway was unreachable keeps its time).</param>
/// <param name="Code">The fault code.</param>
/// <param name="Line">The line, if any.</param>
/// <param name="Raised">Raised (true) or cleared (false).</param>
/// <param name="SipCode">The SIP status code behind it, if any.</param>
/// <param name="Detail">The adapter's own words.</param>
/// <param name="Description">What the code means, for support.</param>
public sealed record FaultEvent(DateTimeOffset At, string Code, int? Line, bool Raised, int? SipCode, string? Detail, string Description);

/// <summary>A service code dialled on a line and reported by the adapter, with what came of it.</summary>
/// <param name="At">When the gateway recorded it.</param>
/// <param name="Line">The line it was dialled on, if the adapter said.</param>
/// <param name="ServiceCode">The code dialled, e.g. <c>#21#</c>.</param>
/// <param name="Action">What the code asks for, e.g. <c>cancel-call-forwarding</c>.</param>
/// <param name="Description">What the code asks for, in words for support.</param>
/// <param name="Outcome">What the gateway did about it.</param>
public sealed record ServiceRequestView(DateTimeOffset At, int? Line, string ServiceCode, string Action, string Description, string Outcome);
