using System.Text.Json;

namespace Ata.Lab;

/// <summary>
/// One event a <see cref="BaresipPhone"/> reported on its control socket (baresip's ctrl_tcp
/// module), e.g. <c>{"event":true,"type":"CALL_INCOMING","class":"call","peeruri":"sip:2001@…","id":"…","param":"…"}</c>.
/// </summary>
/// <param name="Type">The event type, e.g. <see cref="CallIncoming"/>.</param>
/// <param name="PeerUri">The far end's URI, for call events.</param>
/// <param name="CallId">The call's Call-ID, for call events (baresip's <c>id</c>).</param>
/// <param name="Direction"><c>incoming</c> or <c>outgoing</c>, for call events.</param>
/// <param name="Param">The event's detail: the key for <see cref="DtmfStart"/>, the reason for <see cref="CallClosed"/> (e.g. <c>480 Temporarily Unavailable</c>).</param>
/// <param name="At">When the lab read it.</param>
public sealed record BaresipEvent(string Type, string? PeerUri, string? CallId, string? Direction, string? Param, DateTimeOffset At)
{
    /// <summary>A call came in and rings (<see cref="Param"/>: the caller's URI).</summary>
    public const string CallIncoming = "CALL_INCOMING";

    /// <summary>The far end of an outgoing call rings (180).</summary>
    public const string CallRinging = "CALL_RINGING";

    /// <summary>The far end of an outgoing call sent early media (183 with SDP).</summary>
    public const string CallProgress = "CALL_PROGRESS";

    /// <summary>The call was answered (200 and ACK).</summary>
    public const string CallEstablished = "CALL_ESTABLISHED";

    /// <summary>The call ended, for any reason (<see cref="Param"/>: why, e.g. <c>Connection reset by peer</c> for the far end's BYE, or the refusal's status).</summary>
    public const string CallClosed = "CALL_CLOSED";

    /// <summary>The far end pressed a key (an RFC 4733 telephone-event began; <see cref="Param"/>: the key).</summary>
    public const string DtmfStart = "CALL_DTMF_START";

    /// <summary>The far end's key press ended.</summary>
    public const string DtmfEnd = "CALL_DTMF_END";

    /// <summary>RTP from the far end started flowing.</summary>
    public const string RtpEstablished = "CALL_RTPESTAB";

    /// <summary>Parses one ctrl_tcp message; responses and malformed text give false.</summary>
    /// <param name="json">The message (a netstring's payload).</param>
    /// <param name="at">When it was read.</param>
    /// <param name="parsed">The event, when the message is one.</param>
    public static bool TryParse(string json, DateTimeOffset at, out BaresipEvent? parsed)
    {
        parsed = null;
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("event", out var isEvent) || isEvent.ValueKind != JsonValueKind.True
                || Text(root, "type") is not { } type)
            {
                return false;
            }

            parsed = new BaresipEvent(type, Text(root, "peeruri"), Text(root, "id"), Text(root, "direction"), Text(root, "param"), at);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
