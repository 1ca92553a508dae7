using Ata.Core.Faults;
using Ata.Core.Sip;
using Ata.Gateway.Fleet;
using Ata.Gateway.Localization;

namespace Ata.Gateway.Incidents;

/// <summary>
/// The recommended next step for support, per fault: one table of keys into <see cref="SupportText"/>
/// (<c>NextStep.{code}</c>), used in every report, in the reader's language. The steps follow the
/// operators' advice: power-cycle for 10 s; after a registrar outage service returns by itself within
/// the adapter's registration back-off cap (<see cref="RetryBackoff.DefaultCapMs"/>, 5 minutes).
/// </summary>
public static class NextSteps
{
    /// <summary>The key of the step for a registrar-wide incident: nothing the household can do.</summary>
    public const string RegistrarIncidentKey = "NextStep.registrar-incident";

    /// <summary>The key of the step for a fault without one of its own.</summary>
    public const string DefaultKey = "NextStep.default";

    /// <summary>
    /// The longest an adapter waits between registration attempts by default, in whole minutes: how
    /// soon service returns by itself once the registrar answers again.
    /// </summary>
    public static int RetryCapMinutes { get; } = (int)Math.Ceiling(RetryBackoff.DefaultCapMs / 60000.0);

    /// <summary>The step for a registrar-wide incident, in the current UI culture.</summary>
    public static string RegistrarIncident => SupportText.Get(RegistrarIncidentKey, RetryCapMinutes);

    /// <summary>What support should do about <paramref name="code"/>, in the current UI culture.</summary>
    /// <param name="code">A fault code.</param>
    public static string For(string code) => SupportText.Get(KeyFor(code), RetryCapMinutes);

    /// <summary>The resource key of the step for <paramref name="code"/>; <see cref="DefaultKey"/> for a code without one.</summary>
    /// <param name="code">A fault code.</param>
    public static string KeyFor(string code) => code switch
    {
        FaultCode.NetworkDown or FaultCode.WrongCredentials or FaultCode.AccountUnknown or FaultCode.RegistrarUnreachable
            or FaultCode.DnsFailure or FaultCode.RegistrarOverloaded or FaultCode.RegistrationRefused or FaultCode.ConfigRefused
            or Calls.CallBook.PoorQuality or FaultDescriptions.Silent or FaultDescriptions.Offline => $"NextStep.{code}",
        FaultCode.GatewayLoginRefused or FaultDescriptions.LoginRefusedAtBroker => $"NextStep.{FaultDescriptions.LoginRefusedAtBroker}",
        _ => DefaultKey,
    };

    /// <summary>Whether a fault points at the registrar rather than the household (it can fold into a registrar incident).</summary>
    /// <param name="code">A fault code.</param>
    public static bool IsRegistrarSide(string code) =>
        code is FaultCode.RegistrarUnreachable or FaultCode.RegistrarOverloaded or FaultCode.DnsFailure;
}
