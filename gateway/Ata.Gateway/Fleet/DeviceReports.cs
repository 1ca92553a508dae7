using System.Globalization;
using System.Text;
using System.Text.Json;
using Ata.Core.Contract;
using Ata.Core.Faults;
using Ata.Core.Leds;
using Ata.Core.Sip;

namespace Ata.Gateway.Fleet;

/// <summary>An adapter's boot report.</summary>
/// <param name="Firmware">Firmware version.</param>
/// <param name="Hardware">Hardware revision.</param>
/// <param name="ResetReason">Why it last reset.</param>
/// <param name="Mac">Its MAC address.</param>
public sealed record HelloReport(string? Firmware, string? Hardware, string? ResetReason, string? Mac);

/// <summary>
/// The four front-panel LEDs (named as in <see cref="LedTable.Names"/>), each as a pattern name
/// (<c>off</c>, <c>solid</c>, <c>slow-blink</c>, <c>fast-blink</c>, <c>code-N</c>).
/// </summary>
/// <param name="Pwr">PWR.</param>
/// <param name="Wan">WAN.</param>
/// <param name="Tel1">TEL1.</param>
/// <param name="Tel2">TEL2.</param>
public sealed record LedStates(string Pwr, string Wan, string Tel1, string Tel2)
{
    /// <summary>Pattern name of a dark LED, also shown before any health report.</summary>
    public static readonly string Off = LedTable.PatternName(LedPattern.Off, 0);

    /// <summary>All LEDs dark.</summary>
    public static readonly LedStates AllOff = new(Off, Off, Off, Off);
}

/// <summary>One line's registration as an adapter reported it.</summary>
/// <param name="Line">Line number, from 1.</param>
/// <param name="Registration">A <see cref="RegistrationState"/> name, or <c>unknown</c>.</param>
/// <param name="SipCode">The last SIP status code (null when none yet).</param>
/// <param name="LineState">The hook/line state name.</param>
/// <param name="Voicemail">The line's voicemail light (see <see cref="Ata.Core.Voicemail.VoicemailState"/>), if reported.</param>
public sealed record LineHealth(int Line, string Registration, int? SipCode, string? LineState, string? Voicemail = null);

/// <summary>An adapter's health report.</summary>
/// <param name="UptimeMs">Milliseconds since boot.</param>
/// <param name="Rssi">Wi-Fi signal in dBm.</param>
/// <param name="FreeHeap">Free heap in bytes.</param>
/// <param name="Wan">WAN state name.</param>
/// <param name="WanAddress">WAN address.</param>
/// <param name="ConfigVersion">The config version the adapter runs.</param>
/// <param name="Leds">LED patterns.</param>
/// <param name="Lines">Per-line registration.</param>
public sealed record HealthReport(
    long? UptimeMs, int? Rssi, long? FreeHeap, string? Wan, string? WanAddress, int? ConfigVersion,
    LedStates Leds, IReadOnlyList<LineHealth> Lines);

/// <summary>A fault raised or cleared on an adapter.</summary>
/// <param name="Sequence">The adapter's fault sequence number (from 1 in each boot).</param>
/// <param name="Code">A <see cref="FaultCode"/>.</param>
/// <param name="Raised">True when raised, false when cleared.</param>
/// <param name="Line">The line it concerns, if any.</param>
/// <param name="SipCode">The SIP status code behind it, if any.</param>
/// <param name="Detail">Human-readable context.</param>
public sealed record ReportedFault(long? Sequence, string Code, bool Raised, int? Line, int? SipCode, string? Detail)
{
    /// <summary>The adapter's boot the change happened in; null from firmware that sends none (then it is not de-duplicated).</summary>
    public string? Boot { get; init; }

    /// <summary>How long before it was published the change happened, in ms (0 when not given).</summary>
    public long AgeMs { get; init; }
}

/// <summary>An open fault as an adapter's <see cref="FaultSnapshot"/> lists it.</summary>
/// <param name="Code">A <see cref="FaultCode"/>.</param>
/// <param name="Line">The line it concerns, if any.</param>
/// <param name="SipCode">The SIP status code behind it, if any.</param>
/// <param name="Detail">Human-readable context.</param>
/// <param name="AgeMs">How long before the snapshot it was raised, in ms.</param>
public sealed record ActiveFault(string Code, int? Line, int? SipCode, string? Detail, long AgeMs);

/// <summary>
/// The complete list of an adapter's open faults (state <see cref="FaultCode.Snapshot"/>), sent after
/// every connection once what waited has gone: the gateway takes it as the truth.
/// </summary>
/// <param name="Boot">The adapter's boot; null from firmware that sends none.</param>
/// <param name="Sequence">The sequence number of the boot's last fault change it includes.</param>
/// <param name="ReportsDropped">Reports the adapter dropped in this boot because its queue for an unreachable gateway was full.</param>
/// <param name="Active">The open faults.</param>
public sealed record FaultSnapshot(string? Boot, long? Sequence, long ReportsDropped, IReadOnlyList<ActiveFault> Active);

/// <summary>An adapter's answer to a config document.</summary>
/// <param name="Version">The version it answers.</param>
/// <param name="Applied">Whether it applied it.</param>
/// <param name="Reason">Why not, when refused.</param>
public sealed record ConfigAck(int Version, bool Applied, string? Reason);

/// <summary>A service code dialled on a line, as the adapter reported it.</summary>
/// <param name="Line">The line, if given.</param>
/// <param name="ServiceCode">The code dialled (keys <c>0-9 * #</c>).</param>
/// <param name="Action">What it asks for, e.g. <c>cancel-call-forwarding</c>.</param>
/// <param name="UptimeMs">The adapter's uptime when it was dialled.</param>
public sealed record ServiceReport(int? Line, string ServiceCode, string Action, long? UptimeMs);

/// <summary>
/// Reads the adapter's MQTT payloads (the contract's JSON, field names from <see cref="Fields"/>).
/// Every reader returns false for a payload that is not what the contract says; a device's
/// unexpected values are bounded and never trusted as markup.
/// </summary>
public static class DeviceReports
{
    /// <summary>
    /// Shown for a registration no health report named yet, and for a value the contract does not define.
    /// </summary>
    public const string Unknown = "unknown";

    private static readonly byte[] OnlinePayload = Encoding.UTF8.GetBytes(MqttTopics.Online);
    private static readonly byte[] OfflinePayload = Encoding.UTF8.GetBytes(MqttTopics.Offline);

    // Health reports come by the thousand a second: the core's pattern names are looked up once.
    private static readonly string[] SimplePatterns =
        [.. new[] { LedPattern.Off, LedPattern.Solid, LedPattern.SlowBlink, LedPattern.FastBlink, LedPattern.MessageWaiting }.Select(p => LedTable.PatternName(p, 0))];

    private static readonly string BlinkCodePrefix = LedTable.PatternName(LedPattern.BlinkCode, 0)[..^1];

    private const int MaxText = 200;
    private const int MaxBlinkCount = 20;
    private const int MaxToken = 64;
    private const int MaxServiceCode = 32;

    /// <summary>Most open faults a snapshot may list (the core has 10 codes on at most 8 lines, and the adapter-wide ones).</summary>
    private const int MaxActiveFaults = 64;

    /// <summary>
    /// Oldest a fault change is dated (a year): an adapter holds changes in RAM while the gateway is
    /// unreachable, so an older age is a fault of the adapter's, not an outage.
    /// </summary>
    public const long MaxAgeMs = 366L * 24 * 3600 * 1000;

    /// <summary>Reads a <see cref="MqttTopics.Hello"/> payload.</summary>
    /// <param name="payload">UTF-8 JSON.</param>
    /// <param name="report">The report when the payload is valid.</param>
    public static bool TryReadHello(ReadOnlyMemory<byte> payload, out HelloReport report)
    {
        report = null!;
        if (!TryParseObject(payload, out var document))
        {
            return false;
        }

        using (document)
        {
            var root = document.RootElement;
            report = new HelloReport(
                Text(root, Fields.Firmware, MaxToken),
                Text(root, Fields.Hardware, MaxToken),
                Text(root, Fields.ResetReason, MaxToken),
                Text(root, Fields.Mac, MaxToken));
            return true;
        }
    }

    /// <summary>Reads a <see cref="MqttTopics.Health"/> payload.</summary>
    /// <param name="payload">UTF-8 JSON.</param>
    /// <param name="report">The report when the payload is valid.</param>
    public static bool TryReadHealth(ReadOnlyMemory<byte> payload, out HealthReport report)
    {
        report = null!;
        if (!TryParseObject(payload, out var document))
        {
            return false;
        }

        using (document)
        {
            var root = document.RootElement;
            var leds = LedStates.AllOff;
            if (root.TryGetProperty(Fields.Leds, out var ledsElement))
            {
                if (ledsElement.ValueKind != JsonValueKind.Object)
                {
                    return false;
                }

                leds = new LedStates(
                    Pattern(ledsElement, LedTable.Names[LedTable.Power]),
                    Pattern(ledsElement, LedTable.Names[LedTable.Wan]),
                    Pattern(ledsElement, LedTable.Names[LedTable.Tel1]),
                    Pattern(ledsElement, LedTable.Names[LedTable.Tel1 + 1]));
            }

            var lines = new List<LineHealth>();
            if (root.TryGetProperty(Fields.Lines, out var linesElement))
            {
                if (linesElement.ValueKind != JsonValueKind.Array)
                {
                    return false;
                }

                foreach (var line in linesElement.EnumerateArray())
                {
                    if (line.ValueKind != JsonValueKind.Object || Integer(line, Fields.Line, 1, 8) is not { } number)
                    {
                        return false;
                    }

                    lines.Add(new LineHealth(
                        (int)number,
                        Registration(Text(line, Fields.Registration, MaxToken)),
                        SipCode(line),
                        Text(line, Fields.LineState, MaxToken),
                        Text(line, Fields.Voicemail, MaxToken)));
                }
            }

            report = new HealthReport(
                Integer(root, Fields.UptimeMs),
                Integer(root, Fields.Rssi, -200, 200) is { } rssi and not 0 ? (int)rssi : null, // 0: a wired adapter (older firmware sent it)
                Integer(root, Fields.FreeHeap),
                Text(root, Fields.Wan, MaxToken),
                Text(root, Fields.WanAddress, MaxToken),
                (int?)Integer(root, Fields.ConfigVersion, 0, int.MaxValue),
                leds,
                lines);
            return true;
        }
    }

    /// <summary>
    /// Reads a <see cref="MqttTopics.Fault"/> payload: a fault change (<see cref="ReportedFault"/>: a
    /// code and a state are required) or a <see cref="FaultSnapshot"/> (an <c>active</c> array of
    /// faults, each with a code, is required).
    /// </summary>
    /// <param name="payload">UTF-8 JSON.</param>
    /// <param name="report">The change or snapshot when the payload is valid.</param>
    public static bool TryReadFaultTopic(ReadOnlyMemory<byte> payload, out object report)
    {
        report = null!;
        if (!TryParseObject(payload, out var document))
        {
            return false;
        }

        using (document)
        {
            var root = document.RootElement;
            if (Text(root, Fields.State, MaxToken) == FaultCode.Snapshot)
            {
                if (!TryReadSnapshot(root, out var snapshot))
                {
                    return false;
                }

                report = snapshot;
                return true;
            }

            if (!TryReadChange(root, out var change))
            {
                return false;
            }

            report = change;
            return true;
        }
    }

    /// <summary>Reads a fault change (<see cref="MqttTopics.Fault"/>): a code and a state are required.</summary>
    /// <param name="payload">UTF-8 JSON.</param>
    /// <param name="report">The report when the payload is valid.</param>
    public static bool TryReadFault(ReadOnlyMemory<byte> payload, out ReportedFault report)
    {
        report = null!;
        if (!TryParseObject(payload, out var document))
        {
            return false;
        }

        using (document)
        {
            return TryReadChange(document.RootElement, out report);
        }
    }

    private static bool TryReadChange(JsonElement root, out ReportedFault report)
    {
        report = null!;
        var code = Text(root, Fields.Code, MaxToken);
        var state = Text(root, Fields.State, MaxToken);
        if (code is null || !IsToken(code) || state is not (FaultCode.Raised or FaultCode.Cleared) || !TryReadBoot(root, out var boot))
        {
            return false;
        }

        report = new ReportedFault(
            Integer(root, Fields.Sequence),
            code,
            state == FaultCode.Raised,
            (int?)Integer(root, Fields.Line, 1, 8),
            SipCode(root),
            Text(root, Fields.Detail, MaxText))
        {
            Boot = boot,
            AgeMs = Age(root),
        };
        return true;
    }

    private static bool TryReadSnapshot(JsonElement root, out FaultSnapshot snapshot)
    {
        snapshot = null!;
        if (!TryReadBoot(root, out var boot) || !root.TryGetProperty(Fields.Active, out var list)
            || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() > MaxActiveFaults)
        {
            return false;
        }

        var active = new List<ActiveFault>(list.GetArrayLength());
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object || Text(item, Fields.Code, MaxToken) is not { } code || !IsToken(code))
            {
                return false;
            }

            active.Add(new ActiveFault(code, (int?)Integer(item, Fields.Line, 1, 8), SipCode(item), Text(item, Fields.Detail, MaxText), Age(item)));
        }

        snapshot = new FaultSnapshot(boot, Integer(root, Fields.Sequence), Integer(root, Fields.ReportsDropped) ?? 0, active);
        return true;
    }

    /// <summary>Reads the optional boot id: a token when present.</summary>
    private static bool TryReadBoot(JsonElement root, out string? boot)
    {
        boot = Text(root, Fields.Boot, MaxToken + 1);
        return boot is null || (boot.Length <= MaxToken && IsToken(boot));
    }

    /// <summary>A change's age in ms: 0 when missing or negative, at most <see cref="MaxAgeMs"/>.</summary>
    private static long Age(JsonElement element) => Math.Min(Integer(element, Fields.AgeMs) ?? 0, MaxAgeMs);

    /// <summary>Reads a <see cref="MqttTopics.ConfigAck"/> payload: a version and whether it was applied.</summary>
    /// <param name="payload">UTF-8 JSON.</param>
    /// <param name="ack">The ack when the payload is valid.</param>
    public static bool TryReadConfigAck(ReadOnlyMemory<byte> payload, out ConfigAck ack)
    {
        ack = null!;
        if (!TryParseObject(payload, out var document))
        {
            return false;
        }

        using (document)
        {
            var root = document.RootElement;
            if (Integer(root, Fields.Version, 0, int.MaxValue) is not { } version
                || !root.TryGetProperty(Fields.Applied, out var applied)
                || applied.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return false;
            }

            ack = new ConfigAck((int)version, applied.GetBoolean(), Text(root, Fields.Reason, MaxText));
            return true;
        }
    }

    /// <summary>Reads a <see cref="MqttTopics.Service"/> payload: a service code (keys 0-9, *, #) and an action are required.</summary>
    /// <param name="payload">UTF-8 JSON.</param>
    /// <param name="report">The report when the payload is valid.</param>
    public static bool TryReadService(ReadOnlyMemory<byte> payload, out ServiceReport report)
    {
        report = null!;
        if (!TryParseObject(payload, out var document))
        {
            return false;
        }

        using (document)
        {
            var root = document.RootElement;
            if (!root.TryGetProperty(Fields.ServiceCode, out var codeElement) || codeElement.ValueKind != JsonValueKind.String
                || codeElement.GetString() is not { Length: > 0 and <= MaxServiceCode } code
                || !code.All(c => char.IsAsciiDigit(c) || c is '*' or '#')
                || Text(root, Fields.Action, MaxToken + 1) is not { Length: <= MaxToken } action || !IsToken(action))
            {
                return false;
            }

            var line = Integer(root, Fields.Line, 1, 8);
            if (line is null && root.TryGetProperty(Fields.Line, out _))
            {
                return false;
            }

            report = new ServiceReport((int?)line, code, action, Integer(root, Fields.UptimeMs));
            return true;
        }
    }

    /// <summary>Whether a <see cref="MqttTopics.Status"/> payload says online (true), offline (false), or neither (null).</summary>
    /// <param name="payload">Plain text.</param>
    public static bool? ReadStatus(ReadOnlySpan<byte> payload)
    {
        if (payload.SequenceEqual(OnlinePayload))
        {
            return true;
        }

        return payload.SequenceEqual(OfflinePayload) ? false : null;
    }

    /// <summary>Whether <paramref name="pattern"/> is an LED pattern name the core's <see cref="LedTable"/> writes.</summary>
    /// <param name="pattern">A pattern name.</param>
    public static bool IsLedPattern(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (Array.IndexOf(SimplePatterns, pattern) >= 0)
        {
            return true;
        }

        var prefix = BlinkCodePrefix;
        return pattern.StartsWith(prefix, StringComparison.Ordinal)
            && int.TryParse(pattern.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            && count is >= 1 and <= MaxBlinkCount
            && pattern == LedTable.PatternName(LedPattern.BlinkCode, count);
    }

    private static bool TryParseObject(ReadOnlyMemory<byte> payload, out JsonDocument document)
    {
        document = null!;
        try
        {
            document = JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException)
        {
            return false;
        }

        if (document.RootElement.ValueKind == JsonValueKind.Object)
        {
            return true;
        }

        document.Dispose();
        return false;
    }

    private static string Pattern(JsonElement leds, string name)
    {
        var pattern = Text(leds, name, MaxToken);
        return pattern is null ? LedStates.Off : IsLedPattern(pattern) ? pattern : Unknown;
    }

    private static string Registration(string? value) => value switch
    {
        RegistrationState.Unprovisioned or RegistrationState.Registering
            or RegistrationState.Registered or RegistrationState.Failed => value,
        _ => Unknown,
    };

    private static int? SipCode(JsonElement element) => Integer(element, Fields.SipCode, 0, 699) switch
    {
        null or 0 => null,
        var code => (int)code,
    };

    internal static string? Text(JsonElement element, string name, int maxLength)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        var text = value.GetString()!;
        return text.Length <= maxLength ? text : text[..maxLength];
    }

    internal static long? Integer(JsonElement element, string name, long min = 0, long max = long.MaxValue) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            && value.TryGetInt64(out var number) && number >= min && number <= max
            ? number
            : null;

    internal static bool IsToken(string text) =>
        text.Length > 0 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_');
}
