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
    IReadOnlyList<FaultView> Faults);

/// <summary>A provisioned line and its last reported registration.</summary>
/// <param name="Line">Line number, from 1.</param>
/// <param name="Username">The SIP user.</param>
/// <param name="Registrar">The registrar, <c>host[:port]</c>.</param>
/// <param name="Registration">Registration state name; <c>unknown</c> before a health report names it.</param>
/// <param name="SipCode">The last SIP status code, if any.</param>
public sealed record LineView(int Line, string Username, string Registrar, string Registration, int? SipCode);

/// <summary>An active fault.</summary>
/// <param name="Code">The fault code.</param>
/// <param name="Line">The line it concerns, if any.</param>
/// <param name="SipCode">The SIP status code behind it, if any.</param>
/// <param name="Detail">The adapter's own words.</param>
/// <param name="Since">When it was first raised.</param>
/// <param name="Description">What the code means, in words for support.</param>
public sealed record FaultView(string Code, int? Line, int? SipCode, string? Detail, DateTimeOffset Since, string Description);

/// <summary>What saving an adapter changed.</summary>
/// <param name="Created">The adapter is new.</param>
/// <param name="ConfigVersion">Its config version after the save.</param>
/// <param name="Changed">Anything changed (and the version was bumped).</param>
/// <param name="CredentialsChanged">The broker must learn a new or changed device secret.</param>
public sealed record SaveOutcome(bool Created, int ConfigVersion, bool Changed, bool CredentialsChanged);
