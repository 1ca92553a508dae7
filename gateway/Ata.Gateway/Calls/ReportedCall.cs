using System.Text.Json;
using Ata.Core.Calls;
using Ata.Core.Contract;
using Ata.Gateway.Fleet;

namespace Ata.Gateway.Calls;

/// <summary>The media quality of a finished call, as the adapter measured it.</summary>
/// <param name="PacketsSent">RTP packets sent.</param>
/// <param name="PacketsReceived">RTP packets received from the far end.</param>
/// <param name="PacketsLost">Packets from the far end that never arrived (RFC 3550).</param>
/// <param name="LatePackets">Packets that came too late to play.</param>
/// <param name="LossPercent">Packets lost of those expected, in percent.</param>
/// <param name="JitterMs">RFC 3550 interarrival jitter, in ms.</param>
/// <param name="RoundTripMs">The RTCP round trip in ms, or null before the far end reported one.</param>
/// <param name="JitterBufferMs">The jitter buffer's delay at the end, in ms.</param>
/// <param name="ConcealedMs">Milliseconds of missing audio filled in by concealment.</param>
/// <param name="Mos">The E-model's estimated MOS (ITU-T G.107, G.711 with concealment).</param>
public sealed record CallQuality(
    long PacketsSent, long PacketsReceived, long PacketsLost, long LatePackets, double LossPercent, double JitterMs,
    int? RoundTripMs, int JitterBufferMs, long ConcealedMs, double Mos);

/// <summary>A finished call's record as an adapter published it on <c>ata/{id}/call</c>.</summary>
/// <param name="Boot">The adapter's boot it happened in.</param>
/// <param name="Sequence">Its number in that boot (with the boot, a record sent twice is taken once).</param>
/// <param name="Line">The line, from 1.</param>
/// <param name="Direction"><c>outgoing</c> or <c>incoming</c>.</param>
/// <param name="FarEnd">The far end's number masked to its last 3 digits (masked again here), or null when withheld.</param>
/// <param name="Emergency">True for an emergency call.</param>
/// <param name="Outcome">How it ended (<see cref="CallOutcome"/>).</param>
/// <param name="SipCode">The final SIP status (200 for a completed call), null when none.</param>
/// <param name="Reason">The reason phrase or words.</param>
/// <param name="EndedBy">Who ended it (<see cref="CallEnder"/>).</param>
/// <param name="TotalMs">Start to end, in ms.</param>
/// <param name="AnsweredAfterMs">Start to answer, in ms; null when not answered.</param>
/// <param name="DurationMs">Answer to end (talk time), in ms.</param>
/// <param name="AgeMs">How long before it was published the call ended, in ms.</param>
/// <param name="Codec"><c>PCMA</c> or <c>PCMU</c>, null without media.</param>
/// <param name="Quality">The media quality, null without media.</param>
public sealed record ReportedCall(
    string Boot, long Sequence, int Line, string Direction, string? FarEnd, bool Emergency, string Outcome, int? SipCode, string? Reason,
    string EndedBy, long TotalMs, long? AnsweredAfterMs, long DurationMs, long AgeMs, string? Codec, CallQuality? Quality)
{
    private const int MaxToken = 64;
    private const int MaxText = 200;
    private const long MaxCallMs = 7L * 24 * 3600 * 1000;

    /// <summary>
    /// Reads a <see cref="MqttTopics.Call"/> payload: boot, sequence, line, direction, outcome and who
    /// ended it are required; numbers are bounded; the far end is masked again to its last 3 characters
    /// whatever the adapter sent. False for anything else.
    /// </summary>
    /// <param name="payload">UTF-8 JSON.</param>
    /// <param name="call">The record when the payload is valid.</param>
    public static bool TryRead(ReadOnlyMemory<byte> payload, out ReportedCall call)
    {
        call = null!;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = 4 });
        }
        catch (JsonException)
        {
            return false;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || Token(root, Fields.Boot) is not { } boot
                || Integer(root, Fields.Sequence, 1, long.MaxValue) is not { } sequence
                || Integer(root, Fields.Line, 1, 8) is not { } line
                || Text(root, Fields.Direction, MaxToken) is not { } direction || direction is not (CallRecord.Outgoing or CallRecord.Incoming)
                || Token(root, Fields.Outcome) is not { } outcome
                || Token(root, Fields.EndedBy) is not { } endedBy
                || Integer(root, Fields.TotalMs, 0, MaxCallMs) is not { } total
                || !TryReadQuality(root, out var quality))
            {
                return false;
            }

            var farEnd = Text(root, Fields.FarEnd, MaxToken);
            call = new ReportedCall(
                boot, sequence, (int)line, direction, farEnd is null ? null : CallRecord.Mask(farEnd),
                root.TryGetProperty(Fields.Emergency, out var emergency) && emergency.ValueKind == JsonValueKind.True,
                outcome, Integer(root, Fields.SipCode, 100, 699) is { } code ? (int)code : null, Text(root, Fields.Reason, MaxText), endedBy,
                total, Integer(root, Fields.AnsweredAfterMs, 0, total), Integer(root, Fields.DurationMs, 0, total) ?? 0,
                Math.Min(Integer(root, Fields.AgeMs) ?? 0, DeviceReports.MaxAgeMs), Token(root, Fields.Codec), quality);
            return true;
        }
    }

    private static bool TryReadQuality(JsonElement root, out CallQuality? quality)
    {
        quality = null;
        if (!root.TryGetProperty(Fields.Mos, out _))
        {
            return true;
        }

        if (Real(root, Fields.Mos, 1, 4.5) is not { } mos
            || Real(root, Fields.LossPercent, 0, 100) is not { } loss
            || Real(root, Fields.JitterMs, 0, 60_000) is not { } jitter)
        {
            return false;
        }

        var roundTrip = Integer(root, Fields.RoundTripMs, 0, 60_000);
        quality = new CallQuality(
            Integer(root, Fields.PacketsSent) ?? 0, Integer(root, Fields.PacketsReceived) ?? 0, Integer(root, Fields.PacketsLost) ?? 0,
            Integer(root, Fields.LatePackets) ?? 0, loss, jitter, RoundTripMs: roundTrip is { } rtt and > 0 ? (int)rtt : null,
            (int)(Integer(root, Fields.JitterBufferMs, 0, 60_000) ?? 0), Integer(root, Fields.ConcealedMs) ?? 0, mos);
        return true;
    }

    private static string? Text(JsonElement element, string name, int maxLength) => DeviceReports.Text(element, name, maxLength);

    private static string? Token(JsonElement element, string name) =>
        DeviceReports.Text(element, name, MaxToken + 1) is { Length: <= MaxToken } text && DeviceReports.IsToken(text) ? text : null;

    private static long? Integer(JsonElement element, string name, long min = 0, long max = long.MaxValue) => DeviceReports.Integer(element, name, min, max);

    private static double? Real(JsonElement element, string name, double min, double max) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number
            && value.TryGetDouble(out var number) && number >= min && number <= max
            ? number
            : null;
}
