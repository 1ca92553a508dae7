using Ata.Core.Contract;

namespace Ata.Gateway.Fleet;

/// <summary>
/// What the gateway makes of a service code the household dialled (reported on
/// <c>ata/{id}/service</c>): what it asks for, in words, and what the gateway did. The provider offers
/// no call forwarding, so <c>#21#</c> (cancel forwarding) needs nothing further: it is recorded,
/// audited and counted, and support can tell the customer it was heard.
/// </summary>
public static class ServiceRequests
{
    /// <summary>The metric label of an action the gateway does not know.</summary>
    public const string OtherAction = "other";

    /// <summary>Actions the gateway knows: the core's <see cref="ServiceActions"/>.</summary>
    public static readonly IReadOnlyList<string> KnownActions = [ServiceActions.CancelCallForwarding, ServiceActions.AnonymousCall, ServiceActions.CallReturn];

    /// <summary>What <paramref name="action"/> asks for, in words for support.</summary>
    /// <param name="action">The reported action.</param>
    public static string Describe(string action) => action switch
    {
        ServiceActions.CancelCallForwarding => "Cancel call forwarding",
        ServiceActions.AnonymousCall => "Anonymous call (caller ID withheld)",
        ServiceActions.CallReturn => "Call return (the last caller called back)",
        _ => $"Unknown service '{action}'",
    };

    /// <summary>What the gateway did about <paramref name="action"/>.</summary>
    /// <param name="action">The reported action.</param>
    public static string OutcomeOf(string action) => action switch
    {
        ServiceActions.CancelCallForwarding =>
            "Nothing further needed: the provider offers no call forwarding, so none was active; the caller heard the confirmation tone.",
        ServiceActions.AnonymousCall =>
            "Nothing further needed: the adapter placed the call with From \"Anonymous\" and Privacy: id; the far end sees no number.",
        ServiceActions.CallReturn =>
            "Nothing further needed: the adapter called the last caller whose number was presented.",
        _ => "Not a service the gateway knows; nothing was done.",
    };

    /// <summary>The <c>action</c> label counted in <c>/metrics</c>: a known action, or <see cref="OtherAction"/>.</summary>
    /// <param name="action">The reported action.</param>
    public static string MetricLabel(string action) => KnownActions.Contains(action) ? action : OtherAction;
}
