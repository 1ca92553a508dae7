using Ata.Core.DialPlan;
using Ata.Core.Provisioning;
using Ata.Core.Sip;
using Ata.Core.Telephony;
using Ata.Core.Tones;

namespace Ata.Gateway.Provisioning;

/// <summary>One SIP account with its line settings, provisioned on an adapter line.</summary>
/// <param name="Username">The SIP user.</param>
/// <param name="Password">The SIP password. Only ever sent to the adapter, in its config document; encrypted at rest.</param>
/// <param name="Registrar">The registrar as <c>host[:port]</c>.</param>
public sealed record SipAccount(string Username, string Password, string Registrar)
{
    /// <summary>The digest user name when it differs from <see cref="Username"/>.</summary>
    public string? AuthUsername { get; init; }

    /// <summary>A fallback registrar, <c>host[:port]</c>.</summary>
    public string? SecondaryRegistrar { get; init; }

    /// <summary>An outbound proxy, <c>host[:port]</c>.</summary>
    public string? OutboundProxy { get; init; }

    /// <summary>One of <see cref="LineDefaults.Transports"/>.</summary>
    public string Transport { get; init; } = LineDefaults.Transport;

    /// <summary>The digest realm, when known; it lets the gateway send HA1 instead of the password.</summary>
    public string? Realm { get; init; }

    /// <summary>The line's country (numbering, emergency numbers, ring cadence); null for the adapter's default.</summary>
    public string? Country { get; init; }

    /// <summary>Tone plan country when the tones differ from <see cref="Country"/>'s; null for the country's own.</summary>
    public string? TonePlan { get; init; }

    /// <summary>The dial plan pattern; null for the adapter's default.</summary>
    public string? DialPlan { get; init; }

    /// <summary>The end of the hook-flash window in ms (<see cref="LineDefaults.MinFlashMs"/> to <see cref="LineDefaults.MaxFlashMs"/>); null for the country's default.</summary>
    public int? FlashMs { get; init; }

    /// <summary>Tone overrides, tone name to tone text (the core's tone language); null for the tone plan's own.</summary>
    public NamedTexts? Tones { get; init; }

    /// <summary>Service codes (<c>anonymousCall</c>, <c>callReturn</c>) replacing the country's; "" turns one off; null for the country's own.</summary>
    public NamedTexts? ServiceCodes { get; init; }

    /// <summary>The short inter-digit timer in ms: a number that matches but could grow is sent after this; null for the adapter's default.</summary>
    public int? ShortTimerMs { get; init; }

    /// <summary>The long inter-digit timer in ms: a number that needs more digits gets reorder after this; null for the adapter's default.</summary>
    public int? LongTimerMs { get; init; }

    /// <summary>
    /// Seconds between SIP OPTIONS probes of the registrar (or outbound proxy) on a UDP line, 0 for
    /// none (the adapter's rule: 0 or 10 to 3600); null for the adapter's default, <see cref="LineDefaults.RegistrarProbeSeconds"/>.
    /// </summary>
    public int? RegistrarProbeSeconds { get; init; }

    /// <summary>
    /// How long a call the household places may ring unanswered, in seconds, 0 for no limit (the
    /// adapter's rule: 0 or 10 to 3600); null for the adapter's default, <see cref="LineDefaults.NoAnswerSeconds"/>.
    /// </summary>
    public int? NoAnswerSeconds { get; init; }

    /// <summary>
    /// Call waiting on the line (a second call announced by the call-waiting tone, taken with a hook
    /// flash), or off (486 Busy Here); null for the adapter's default, on (<see cref="LineDefaults.CallWaiting"/>).
    /// </summary>
    public bool? CallWaiting { get; init; }

    /// <summary>
    /// The voicemail light on the line (the adapter subscribes to the line's message summary and shows messages
    /// waiting), or off (no subscription, nothing shown); null for the adapter's default, on (<see cref="LineDefaults.MessageWaiting"/>).
    /// </summary>
    public bool? MessageWaiting { get; init; }

    /// <summary>Barred call classes, comma-separated in <see cref="LineDefaults.BarringClasses"/> order (empty: none).</summary>
    public string Barring { get; init; } = string.Empty;

    /// <summary>Registration expiry requested, in seconds.</summary>
    public int Expires { get; init; } = LineDefaults.Expires;

    /// <summary>NAT keep-alive interval in seconds; 0 sends none.</summary>
    public int KeepAliveSeconds { get; init; } = LineDefaults.KeepAliveSeconds;

    /// <summary>First registration retry delay in seconds.</summary>
    public int RetryBaseSeconds { get; init; } = LineDefaults.RetryBaseSeconds;

    /// <summary>Longest registration retry delay in seconds.</summary>
    public int RetryMaxSeconds { get; init; } = LineDefaults.RetryMaxSeconds;

    /// <summary>The barred classes as a list.</summary>
    public IReadOnlyList<string> BarringClasses =>
        Barring.Length == 0 ? [] : Barring.Split(',');

    /// <summary>The same settings with another password (the stored one, decrypted).</summary>
    /// <param name="password">The password.</param>
    public SipAccount WithPassword(string password) => this with { Password = password };

    /// <summary>Keeps the password out of logs.</summary>
    public override string ToString() => $"{Username}@{Registrar}";
}

/// <summary>
/// A line's table of named texts (tone overrides: tone name to tone text; service codes: service to
/// code), in name order. Two are equal when they hold the same texts, so an unchanged table makes no
/// new config version.
/// </summary>
public sealed class NamedTexts : SortedDictionary<string, string>, IEquatable<NamedTexts>
{
    /// <summary>An empty set.</summary>
    public NamedTexts()
        : base(StringComparer.Ordinal)
    {
    }

    /// <summary>Whether <paramref name="other"/> holds the same texts under the same names.</summary>
    /// <param name="other">Another set.</param>
    public bool Equals(NamedTexts? other) =>
        other is not null && Count == other.Count
        && this.All(entry => other.TryGetValue(entry.Key, out var text) && string.Equals(text, entry.Value, StringComparison.Ordinal));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as NamedTexts);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var (name, text) in this)
        {
            hash.Add(name, StringComparer.Ordinal);
            hash.Add(text, StringComparer.Ordinal);
        }

        return hash.ToHashCode();
    }
}

/// <summary>Defaults and allowed values of a line's settings.</summary>
public static class LineDefaults
{
    /// <summary>Default transport: the core's <see cref="LineConfig.Udp"/>.</summary>
    public const string Transport = LineConfig.Udp;

    /// <summary>Transports an adapter speaks (the core's <see cref="LineConfig"/>: UDP and TCP; no TLS yet).</summary>
    public static readonly IReadOnlyList<string> Transports = [LineConfig.Udp, LineConfig.Tcp];

    /// <summary>What the API says of any other transport.</summary>
    public const string TransportError = "The transport is udp or tcp: the adapter speaks SIP over UDP and TCP only (no TLS)";

    /// <summary>Call classes that can be barred, in canonical order: the core's <see cref="Ata.Core.DialPlan.BarringClass.All"/>.</summary>
    public static readonly IReadOnlyList<string> BarringClasses = Ata.Core.DialPlan.BarringClass.All;

    /// <summary>Tone-plan countries the adapter knows: the core's <see cref="Ata.Core.Telephony.Country.All"/>.</summary>
    public static readonly IReadOnlyList<string> Countries = Ata.Core.Telephony.Country.All;

    /// <summary>Shortest hook-flash window end, ms: the core's <see cref="LineProfile.MinFlashMs"/>.</summary>
    public const int MinFlashMs = LineProfile.MinFlashMs;

    /// <summary>Longest hook-flash window end, ms: the core's <see cref="LineProfile.MaxFlashMs"/>.</summary>
    public const int MaxFlashMs = LineProfile.MaxFlashMs;

    /// <summary>Shortest short inter-digit timer, ms: the core's <see cref="LineProfile.MinShortTimerMs"/>.</summary>
    public const int MinShortTimerMs = LineProfile.MinShortTimerMs;

    /// <summary>Longest short inter-digit timer, ms: the core's <see cref="LineProfile.MaxShortTimerMs"/>.</summary>
    public const int MaxShortTimerMs = LineProfile.MaxShortTimerMs;

    /// <summary>Shortest long inter-digit timer, ms: the core's <see cref="LineProfile.MinLongTimerMs"/>.</summary>
    public const int MinLongTimerMs = LineProfile.MinLongTimerMs;

    /// <summary>Longest long inter-digit timer, ms: the core's <see cref="LineProfile.MaxLongTimerMs"/>.</summary>
    public const int MaxLongTimerMs = LineProfile.MaxLongTimerMs;

    /// <summary>The adapter's short inter-digit timer when none is provisioned, ms: the core's <see cref="DigitMap.DefaultShortTimerMs"/>.</summary>
    public const int ShortTimerMs = (int)DigitMap.DefaultShortTimerMs;

    /// <summary>The adapter's long inter-digit timer when none is provisioned, ms: the core's <see cref="DigitMap.DefaultLongTimerMs"/>.</summary>
    public const int LongTimerMs = (int)DigitMap.DefaultLongTimerMs;

    /// <summary>Tone names that can be overridden: the core's <see cref="ToneName.All"/>.</summary>
    public static readonly IReadOnlyList<string> ToneNames = ToneName.All;

    /// <summary>Default registration expiry, seconds.</summary>
    public const int Expires = 3600;

    /// <summary>Shortest registration expiry, seconds.</summary>
    public const int MinExpires = 60;

    /// <summary>Longest registration expiry, seconds.</summary>
    public const int MaxExpires = 86400;

    /// <summary>Default keep-alive, seconds: the core's, inside the shortest common NAT UDP timeout.</summary>
    public const int KeepAliveSeconds = LineConfig.DefaultKeepAliveSeconds;

    /// <summary>Shortest keep-alive (other than 0, none), seconds.</summary>
    public const int MinKeepAliveSeconds = 10;

    /// <summary>Longest keep-alive, seconds.</summary>
    public const int MaxKeepAliveSeconds = 3600;

    /// <summary>The adapter's registrar probe interval when none is provisioned, seconds: the core's <see cref="RegistrarProbe.DefaultIntervalSeconds"/>.</summary>
    public const int RegistrarProbeSeconds = RegistrarProbe.DefaultIntervalSeconds;

    /// <summary>The adapter's limit on an unanswered outgoing call when none is provisioned, seconds: the core's <see cref="LineConfig.DefaultNoAnswerSeconds"/>.</summary>
    public const int NoAnswerSeconds = LineConfig.DefaultNoAnswerSeconds;

    /// <summary>The adapter's call waiting when none is provisioned: on, as the core's <see cref="LineConfig.CallWaiting"/> starts.</summary>
    public const bool CallWaiting = true;

    /// <summary>The adapter's message waiting when none is provisioned: on, as the core's <see cref="LineConfig.MessageWaiting"/> starts.</summary>
    public const bool MessageWaiting = true;

    /// <summary>Default first retry delay, seconds: the core's back-off base.</summary>
    public const int RetryBaseSeconds = (int)(RetryBackoff.DefaultBaseMs / 1000);

    /// <summary>Default longest retry delay, seconds: the core's cap, far below RFC 5626's 30 minutes.</summary>
    public const int RetryMaxSeconds = (int)(RetryBackoff.DefaultCapMs / 1000);

    /// <summary>Shortest first retry delay, seconds.</summary>
    public const int MinRetrySeconds = 5;

    /// <summary>Longest retry delay allowed, seconds.</summary>
    public const int MaxRetrySeconds = 3600;
}

/// <summary>What support asks an adapter to be: its broker secret, customer and lines (line 1, then 2).</summary>
/// <param name="Secret">The device secret the adapter authenticates to the broker with.</param>
/// <param name="Lines">One or two SIP accounts; line numbers are positions, from 1.</param>
public sealed record AdapterSpecification(string Secret, IReadOnlyList<SipAccount> Lines)
{
    /// <summary>The customer's reference in the operator's systems.</summary>
    public string? CustomerReference { get; init; }

    /// <summary>Send each line's digest HA1 instead of its password (every line then has a realm).</summary>
    public bool SendHa1 { get; init; }

    /// <summary>
    /// Keep the adapter's device secret as it is (a partial change that does not name one):
    /// <see cref="Secret"/> is then unused. Only for an adapter that exists.
    /// </summary>
    public bool KeepsSecret { get; init; }

    /// <summary>Keeps the secret and passwords out of logs.</summary>
    public override string ToString() => $"{Lines.Count} line(s)";
}

/// <summary>The provisioning document of an adapter: a version and its lines.</summary>
/// <param name="DeviceId">The adapter.</param>
/// <param name="Version">The config version, bumped on every change.</param>
/// <param name="Lines">The SIP accounts, line 1 first.</param>
public sealed record AdapterConfig(string DeviceId, int Version, IReadOnlyList<SipAccount> Lines)
{
    /// <summary>Send HA1 instead of passwords.</summary>
    public bool SendHa1 { get; init; }

    /// <summary>A new device secret the adapter is to switch to (during a rotation), else null.</summary>
    public string? PendingSecret { get; init; }

    /// <summary>Keeps the passwords out of logs.</summary>
    public override string ToString() => $"{DeviceId} config v{Version}";
}
