namespace Ata.Lab;

/// <summary>What the lab registrar did with one REGISTER.</summary>
public enum RegistrarDecisionKind
{
    /// <summary>Answered 401 with a digest challenge (no, stale or unusable credentials).</summary>
    Challenged,

    /// <summary>Answered 200: the binding was saved (or removed, when <see cref="RegistrarDecision.Expires"/> is 0).</summary>
    Accepted,

    /// <summary>Answered with a final refusal (403 for credentials, or Kamailio's own error reply).</summary>
    Rejected,
}

/// <summary>
/// One decision of <see cref="KamailioRegistrar"/>, parsed from the line its config logs for every
/// REGISTER: <c>LAB REGISTER &lt;kind&gt; user=&lt;user&gt; [code=&lt;n&gt;] [reason=&lt;why&gt;] [expires=&lt;s&gt;] [contact=&lt;uri&gt;]</c>.
/// </summary>
/// <param name="Kind">What was decided.</param>
/// <param name="User">The line (To user) the REGISTER was for.</param>
/// <param name="Code">The SIP status code sent, when the config chose it.</param>
/// <param name="Reason">Why, for challenges and refusals (e.g. <c>no-credentials</c>, <c>wrong-password</c>).</param>
/// <param name="Expires">The seconds granted to the contact, for acceptances (0: binding removed).</param>
/// <param name="Contact">The contact URI registered, for acceptances.</param>
/// <param name="At">When the lab read the line.</param>
public sealed record RegistrarDecision(
    RegistrarDecisionKind Kind,
    string User,
    int? Code,
    string? Reason,
    int? Expires,
    string? Contact,
    DateTimeOffset At)
{
    /// <summary>The marker that starts every decision line in Kamailio's log.</summary>
    public const string LogMarker = "LAB REGISTER ";

    /// <summary>For acceptances: how many bindings the address-of-record has after this REGISTER.</summary>
    public int? Bindings { get; init; }

    /// <summary>Parses a decision from a Kamailio log line; other lines give false.</summary>
    /// <param name="logLine">One line of Kamailio's stderr.</param>
    /// <param name="at">When it was read.</param>
    /// <param name="decision">The decision, when the line holds one.</param>
    public static bool TryParse(string logLine, DateTimeOffset at, out RegistrarDecision? decision)
    {
        decision = null;
        if (!DecisionLine.TryParse<RegistrarDecisionKind>(logLine, LogMarker, out var kind, out var fields)
            || !fields.TryGetValue("user", out var user))
        {
            return false;
        }

        decision = new RegistrarDecision(
            kind,
            user,
            DecisionLine.Number(fields, "code"),
            fields.GetValueOrDefault("reason"),
            DecisionLine.Number(fields, "expires"),
            fields.GetValueOrDefault("contact"),
            at)
        {
            Bindings = DecisionLine.Number(fields, "bindings"),
        };
        return true;
    }
}
