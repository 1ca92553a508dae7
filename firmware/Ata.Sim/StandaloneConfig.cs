using Ata.Core.Provisioning;

namespace Ata.Sim;

/// <summary>The provisioning a standalone simulator takes from its command line instead of a gateway.</summary>
internal static class StandaloneConfig
{
    /// <summary>Line 1's account from the options; throws <see cref="UsageException"/> naming a bad option.</summary>
    public static ProvisioningDocument From(SimOptions options)
    {
        var (host, port, portGiven) = Address("--registrar", options.Registrar!);
        var line = new LineConfig(1, options.SipUser, null, options.SipPassword, host, port, options.Expires ?? LineConfig.DefaultExpires)
        {
            RegistrarPortGiven = portGiven,
            Transport = options.Transport,
        };
        if (options.SecondaryRegistrar is not null)
        {
            (line.SecondaryHost, line.SecondaryPort, line.SecondaryPortGiven) = Address("--secondary-registrar", options.SecondaryRegistrar);
        }

        if (options.OutboundProxy is not null)
        {
            (line.ProxyHost, line.ProxyPort, line.ProxyPortGiven) = Address("--outbound-proxy", options.OutboundProxy);
        }

        if (options.DialPlan is not null || options.Country is not null)
        {
            var profile = new Ata.Core.Json.JsonWriter().BeginObject();
            if (options.DialPlan is not null)
            {
                profile.Property(Ata.Core.Contract.Fields.DialPlan, options.DialPlan);
            }

            if (options.Country is not null)
            {
                profile.Property(Ata.Core.Contract.Fields.Country, options.Country);
            }

            line.Profile = Ata.Core.Telephony.LineProfile.Parse(Ata.Core.Json.JsonReader.ParseObject(profile.EndObject().ToString()), "line", out string? profileError)
                ?? throw new UsageException($"--dial-plan/--country: {profileError}");
        }

        line.KeepAliveSeconds = options.KeepAliveSeconds ?? line.KeepAliveSeconds;
        line.NoAnswerSeconds = options.NoAnswerSeconds ?? line.NoAnswerSeconds;
        line.RetryBaseSeconds = options.RetryBaseSeconds ?? line.RetryBaseSeconds;
        line.RetryMaxSeconds = Math.Max(line.RetryBaseSeconds, options.RetryMaxSeconds ?? line.RetryMaxSeconds);
        return new ProvisioningDocument(0, [line, null!]);
    }

    private static (string Host, int Port, bool PortGiven) Address(string option, string text)
    {
        string? error = LineConfig.ParseRegistrar(text, out string host, out int port, out bool portGiven);
        return error is null ? (host, port, portGiven) : throw new UsageException($"{option}: {error}");
    }
}
