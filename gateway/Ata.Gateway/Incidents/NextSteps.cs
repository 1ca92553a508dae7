using Ata.Core.Faults;
using Ata.Gateway.Fleet;

namespace Ata.Gateway.Incidents;

/// <summary>The recommended next step for support, per fault: one table, used in every report.</summary>
public static class NextSteps
{
    /// <summary>The step for a registrar-wide incident: nothing the household can do.</summary>
    public const string RegistrarIncident =
        "Registrar incident: no household action. Escalate to the voice platform team; tell callers it is being worked on.";

    /// <summary>What support should do about <paramref name="code"/>.</summary>
    /// <param name="code">A fault code.</param>
    public static string For(string code) => code switch
    {
        FaultCode.NetworkDown => "No link: check the cable between adapter and modem, then power-cycle adapter and modem for 10 s.",
        FaultCode.WrongCredentials => "Wrong credentials: re-provision the line with the SIP user name and password from the voice platform.",
        FaultCode.AccountUnknown => "Unknown account: check the SIP user name against the voice platform, then re-provision.",
        FaultCode.RegistrarUnreachable => "Registrar unreachable: check the customer's internet access; if many adapters report it, it is a registrar incident.",
        FaultCode.DnsFailure => "DNS failure: check the registrar host name in the provisioning and the customer's DNS; power-cycle the modem.",
        FaultCode.RegistrarOverloaded => "Registrar errors: no household action; watch for a registrar incident.",
        FaultCode.RegistrationRefused => "Registration refused: check the account's status on the voice platform; re-provision if it changed.",
        FaultCode.ConfigRefused => "Config refused: read the reason on the adapter page, correct the provisioning and save again.",
        FaultCode.GatewayLoginRefused or FaultDescriptions.LoginRefusedAtBroker =>
            "The adapter is trying to connect with a wrong secret: re-onboard it (revoke its credential on its page, then set the new device secret on its console).",
        Calls.CallBook.PoorQuality => Calls.CallBook.PoorQualityNextStep,
        FaultDescriptions.Silent => "Adapter silent but still connected: power-cycle the adapter for 10 s; if it comes back silent, replace it.",
        FaultDescriptions.Offline => "Adapter offline: ask the customer whether the adapter and modem are powered and cabled, and whether their internet works; power-cycle adapter and modem for 10 s.",
        _ => "Open the adapter page and compare its LEDs with the LED guide.",
    };

    /// <summary>Whether a fault points at the registrar rather than the household (it can fold into a registrar incident).</summary>
    /// <param name="code">A fault code.</param>
    public static bool IsRegistrarSide(string code) =>
        code is FaultCode.RegistrarUnreachable or FaultCode.RegistrarOverloaded or FaultCode.DnsFailure;
}
