using Ata.Core.Faults;

namespace Ata.Gateway.Fleet;

/// <summary>Fault codes in words for support staff, one line each.</summary>
public static class FaultDescriptions
{
    /// <summary>The gateway's own fault: no health report for too many intervals, with or without a Last Will.</summary>
    public const string Silent = "gateway.silent";

    /// <summary>What <paramref name="code"/> means.</summary>
    /// <param name="code">A <see cref="FaultCode"/>, or a code this gateway does not know yet.</param>
    public static string Describe(string code) => code switch
    {
        FaultCode.NetworkDown => "No network: the WAN has no link or no address",
        FaultCode.WrongCredentials => "Wrong SIP user name or password: the registrar rejected them",
        FaultCode.AccountUnknown => "The registrar does not know this SIP account",
        FaultCode.RegistrarUnreachable => "The registrar does not answer",
        FaultCode.DnsFailure => "The registrar's host name does not resolve",
        FaultCode.RegistrarOverloaded => "The registrar answered with a server error",
        FaultCode.RegistrationRefused => "The registrar refused the registration",
        FaultCode.ConfigRefused => "The adapter refused its configuration",
        FaultCode.GatewayLoginRefused => "The adapter was refused at the gateway's broker: its device secret is wrong (re-onboard it)",
        FaultCode.StorageFailed => "The adapter could not write its settings or configuration to flash",
        Silent => "No health report from the adapter for too long: powered off, unplugged or offline",
        _ => $"Fault {code}",
    };
}
