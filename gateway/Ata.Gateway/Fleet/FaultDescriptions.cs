using Ata.Core.Faults;

namespace Ata.Gateway.Fleet;

/// <summary>Fault codes in words for support staff, one line each.</summary>
public static class FaultDescriptions
{
    /// <summary>
    /// The gateway's own fault: no health report for too many intervals from an adapter whose
    /// connection was never seen to end (no Last Will came): it vanished without a word.
    /// </summary>
    public const string Silent = "gateway.silent";

    /// <summary>The gateway's own fault: the broker refuses the adapter's login (a wrong device secret), seen by the broker, not the adapter.</summary>
    public const string LoginRefusedAtBroker = "gateway.broker-login-refused";

    /// <summary>
    /// The gateway's own fault: the adapter is offline, from the moment its Last Will (or its own
    /// goodbye) says so until it connects again.
    /// </summary>
    public const string Offline = "gateway.offline";

    /// <summary>Whether <paramref name="code"/> is one the gateway raises itself, never in an adapter's report or snapshot.</summary>
    /// <param name="code">A fault code.</param>
    public static bool IsGatewaysOwn(string code) => code is Silent or Offline or LoginRefusedAtBroker;

    /// <summary>
    /// The one code under which the gateway records every fault code outside the contract
    /// (<see cref="FaultCode.IsKnown"/>): one active fault, incident and metric label per line, however
    /// many different codes an adapter sends.
    /// </summary>
    public const string Unknown = "unknown";

    private const int MaxUnknownCodeShown = 64;

    /// <summary>
    /// The fault as the gateway records it: as reported when its code is the contract's, otherwise
    /// under <see cref="Unknown"/> with the reported code kept in the detail.
    /// </summary>
    /// <param name="fault">A fault an adapter reported.</param>
    public static ReportedFault Known(ReportedFault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        if (FaultCode.IsKnown(fault.Code))
        {
            return fault;
        }

        return fault with { Code = Unknown, Detail = UnknownDetail(fault.Code, fault.Detail) };
    }

    /// <summary>An open fault of a snapshot as the gateway records it (see <see cref="Known(ReportedFault)"/>).</summary>
    /// <param name="fault">A fault an adapter listed as open.</param>
    public static ActiveFault Known(ActiveFault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        if (FaultCode.IsKnown(fault.Code))
        {
            return fault;
        }

        return fault with { Code = Unknown, Detail = UnknownDetail(fault.Code, fault.Detail) };
    }

    /// <summary>The detail of the unknown fault: the code the adapter sent (cut short), then its own detail.</summary>
    private static string UnknownDetail(string reported, string? detail)
    {
        var code = reported.Length <= MaxUnknownCodeShown ? reported : reported[..MaxUnknownCodeShown];
        return detail is { Length: > 0 } ? $"code {code}: {detail}" : $"code {code}";
    }

    /// <summary>What <paramref name="code"/> means, in the current UI culture (<c>Fault.{code}</c> in <see cref="Localization.SupportText"/>).</summary>
    /// <param name="code">A <see cref="FaultCode"/>, or a code this gateway does not know yet.</param>
    public static string Describe(string code) => code switch
    {
        FaultCode.NetworkDown or FaultCode.WrongCredentials or FaultCode.AccountUnknown or FaultCode.RegistrarUnreachable
            or FaultCode.DnsFailure or FaultCode.RegistrarOverloaded or FaultCode.RegistrationRefused or FaultCode.ConfigRefused
            or FaultCode.GatewayLoginRefused or FaultCode.StorageFailed or LoginRefusedAtBroker or Calls.CallBook.PoorQuality
            or Silent or Offline or Unknown => Localization.SupportText.Get($"Fault.{code}"),
        _ => Localization.SupportText.Get("Fault.other", code),
    };
}
