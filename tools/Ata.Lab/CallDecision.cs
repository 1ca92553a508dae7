namespace Ata.Lab;

/// <summary>What the lab registrar, as its subscribers' proxy, did with a call's request.</summary>
public enum CallDecisionKind
{
    /// <summary>An INVITE without usable credentials: answered 407 with a proxy digest challenge.</summary>
    Challenged,

    /// <summary>Refused with <see cref="CallDecision.Code"/>: 403 credentials, 404 unknown callee, 480 callee not registered, 481, 503 no emergency centre.</summary>
    Rejected,

    /// <summary>An authenticated INVITE relayed to the callee's registered contact (<see cref="CallDecision.Target"/>).</summary>
    Routed,

    /// <summary>An INVITE to an emergency number relayed, without any challenge, to the emergency centre (<see cref="CallDecision.Target"/>).</summary>
    Emergency,

    /// <summary>A CANCEL of a pending INVITE relayed to the callee.</summary>
    Cancelled,

    /// <summary>An in-dialog request other than ACK (BYE, re-INVITE, …) relayed along the recorded route.</summary>
    Relayed,

    /// <summary>The final answer to a relayed INVITE (<see cref="CallDecision.Code"/>: 200, 486, 487, 408 when the callee never answered, …).</summary>
    Replied,
}

/// <summary>
/// One call decision of <see cref="KamailioRegistrar"/>, parsed from the line its config logs:
/// <c>LAB CALL &lt;kind&gt; method=&lt;m&gt; from=&lt;user&gt; to=&lt;user&gt; callid=&lt;id&gt; [code=&lt;n&gt;] [reason=&lt;why&gt;] [target=&lt;uri&gt;]</c>.
/// </summary>
/// <param name="Kind">What was decided.</param>
/// <param name="Method">The request's method (INVITE, CANCEL, BYE, …).</param>
/// <param name="From">The From user (the caller for an INVITE; whoever sent an in-dialog request).</param>
/// <param name="To">The dialled number for an INVITE or CANCEL; the To user of an in-dialog request.</param>
/// <param name="CallId">The call's Call-ID.</param>
/// <param name="Code">The SIP status code sent or relayed, when there is one.</param>
/// <param name="Reason">Why, for challenges and refusals (e.g. <c>no-credentials</c>, <c>not-registered</c>).</param>
/// <param name="Target">Where a routed or emergency INVITE went (the contact, or the emergency centre).</param>
/// <param name="At">When the lab read the line.</param>
public sealed record CallDecision(
    CallDecisionKind Kind,
    string Method,
    string From,
    string To,
    string CallId,
    int? Code,
    string? Reason,
    string? Target,
    DateTimeOffset At)
{
    /// <summary>The marker that starts every call decision line in Kamailio's log.</summary>
    public const string LogMarker = "LAB CALL ";

    /// <summary>Parses a call decision from a Kamailio log line; other lines give false.</summary>
    /// <param name="logLine">One line of Kamailio's stderr.</param>
    /// <param name="at">When it was read.</param>
    /// <param name="decision">The decision, when the line holds one.</param>
    public static bool TryParse(string logLine, DateTimeOffset at, out CallDecision? decision)
    {
        decision = null;
        if (!DecisionLine.TryParse<CallDecisionKind>(logLine, LogMarker, out var kind, out var fields)
            || !fields.TryGetValue("method", out var method)
            || !fields.TryGetValue("callid", out var callId))
        {
            return false;
        }

        decision = new CallDecision(
            kind,
            method,
            fields.GetValueOrDefault("from") ?? string.Empty,
            fields.GetValueOrDefault("to") ?? string.Empty,
            callId,
            DecisionLine.Number(fields, "code"),
            fields.GetValueOrDefault("reason"),
            fields.GetValueOrDefault("target"),
            at);
        return true;
    }
}
