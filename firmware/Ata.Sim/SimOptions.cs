namespace Ata.Sim;

/// <summary>The simulator's command line.</summary>
internal sealed class SimOptions
{
    public const string Usage = """
        Ata.Sim: the adapter firmware's core hosted on this PC (real UDP SIP, real MQTT).

        Gateway mode (provisioned over MQTT):
          ATA_SIM_SECRET=SECRET Ata.Sim --device-id ID --broker HOST:PORT [options]
          Ata.Sim --device-id ID --secret-file FILE --broker HOST:PORT [options]
          ... --broker-tls HOST:PORT --ca-file CA.pem   (TLS, the broker checked against that CA only)
        Standalone mode (no gateway):
          ATA_SIM_SIP_PASSWORD=PASSWORD Ata.Sim --sip-user USER --registrar HOST[:PORT] [options]
          Ata.Sim --sip-user USER --sip-password-file FILE --registrar HOST[:PORT] [options]
        As a board (settings from the store, set on the console, e.g. with 'onboard CODE'):
          Ata.Sim --console-pty --store DIR [options]

        Secrets never go on the command line (every user's ps shows it): the device secret comes
        from the environment variable ATA_SIM_SECRET or a file only its owner may read (mode 0600),
        the SIP password from ATA_SIM_SIP_PASSWORD or such a file.

        Options:
          --events json          one JSON object per line on stdout for every state change
          --device-id ID         the adapter's id (standalone default: sim-1)
          --local-address ADDR   address to put in Via/Contact (default: the one routing to the peer)
          --tones-wav DIR        write what each line plays as WAV files (8 kHz, 16-bit) into DIR
        Standalone line settings (gateway mode takes them from the provisioning):
          --secondary-registrar HOST[:PORT]   failover registrar
          --outbound-proxy HOST[:PORT]        send every request through this proxy
          --transport udp|tcp    SIP transport to the registrar (default udp)
          --dns-server HOST[:PORT]            find registrars with the adapter's own DNS client
                                 (SRV _sip._udp, then A) through this server
          --expires S            registration expiry to ask for (default 3600)
          --keepalive S          seconds between NAT keep-alives, 0 for none (default 25)
          --retry-base S         base of the retry back-off (default 10)
          --retry-max S          cap of the retry back-off (default 300)
          --no-answer S          give up on a call the household places after S s (10-3600) of ringing, 0 for never (default 120)
          --dial-plan PLAN       the line's dial plan, e.g. "(2xxx|[2-9]xxxxxxx)" (default: the country's)
          --country CC           the line's country: tones, numbering, emergency numbers (default NO)
          --health-interval S    seconds between health reports (default 30)
          --power-on-spread S    the first connection to the gateway comes within S s of boot, as the device id decides (default 8; 0 at once)
          --console-pty          offer the technician console on a pseudo-terminal (path printed as event console-pty)
          --store DIR            keep the console's settings in DIR (default: in memory)
          --help                 this text
          --led-guide            print the LED guide for support (Markdown) and exit

        Phone actions on stdin, one per line (LINE defaults to 1): offhook (or answer) [LINE],
        onhook (or hangup) [LINE], flash [LINE], dial DIGITS [LINE] (DTMF keys 0-9 * #),
        pulse N [LINE] (a rotary digit, N pulses), ring [LINE], stopring [LINE],
        mic tone HZ [LINE], mic wav FILE [LINE] (8 kHz 16-bit mono, looped), mic off [LINE]
        (what the handset's microphone picks up), wan down, wan up, quit.
        With --tones-wav, every call's earpiece audio is recorded too (NNN-lineL-call.wav).
        """;

    public string DeviceId { get; private set; } = "sim-1";
    public string? Secret { get; private set; }
    public string? BrokerHost { get; private set; }
    public int BrokerPort { get; private set; }
    /// <summary>The CA the broker's TLS certificate must chain to (<c>--ca-file</c>); null for plaintext MQTT.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? BrokerCa { get; private set; }
    public string? SipUser { get; private set; }
    public string? SipPassword { get; private set; }
    public string? Registrar { get; private set; }
    public bool JsonEvents { get; private set; }
    public string? LocalAddress { get; private set; }
    public string? TonesWavDirectory { get; private set; }
    public int HealthIntervalSeconds { get; private set; } = 30;
    /// <summary>Over how many milliseconds a fleet's first connections after boot are spread (<c>--power-on-spread</c>; the core's default).</summary>
    public long PowerOnSpreadMs { get; private set; } = Ata.Core.Host.HostSupervisor.PowerOnSpreadMs;
    public string? SecondaryRegistrar { get; private set; }
    public string? DnsServer { get; private set; }
    public string? OutboundProxy { get; private set; }
    public string Transport { get; private set; } = "udp";
    public int? Expires { get; private set; }
    public int? KeepAliveSeconds { get; private set; }
    public int? RetryBaseSeconds { get; private set; }
    public int? RetryMaxSeconds { get; private set; }
    public int? NoAnswerSeconds { get; private set; }
    public string? DialPlan { get; private set; }
    public string? Country { get; private set; }
    public bool Help { get; private set; }
    public bool ConsolePty { get; private set; }
    public string? StoreDirectory { get; private set; }
    public bool GatewayMode => BrokerHost is not null;

    /// <summary>
    /// Neither gateway nor standalone options: as a board, the gateway comes from the settings in the
    /// store (device id, secret, gateway host and port, set on the console), read at every boot.
    /// </summary>
    public bool BoardMode => !GatewayMode && SipUser is null && ConsolePty;

    /// <summary>Parses the command line; throws <see cref="UsageException"/> with a one-line reason.</summary>
    public static SimOptions Parse(string[] args) => Parse(args, Environment.GetEnvironmentVariable);

    /// <summary>Parses the command line, with the secrets' environment variables from <paramref name="environment"/>.</summary>
    public static SimOptions Parse(string[] args, Func<string, string?> environment)
    {
        var options = new SimOptions();
        bool deviceIdGiven = false;
        bool tls = false;
        string? caFile = null;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            string Next()
            {
                if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new UsageException($"{arg} needs a value");
                }

                return args[++i];
            }

            switch (arg)
            {
                case "--device-id": options.DeviceId = Next(); deviceIdGiven = true; break;
                case "--secret" or "--sip-password":
                    throw new UsageException($"{arg} is not taken on the command line, where ps shows it to every user: set {(arg == "--secret" ? SecretVariable : SipPasswordVariable)} or give {arg}-file FILE (mode 0600)");
                case "--secret-file": options.Secret = SecretFile.Read(Next(), "--secret-file"); break;
                case "--sip-password-file": options.SipPassword = SecretFile.Read(Next(), "--sip-password-file"); break;
                case "--broker" or "--broker-tls":
                    if (options.BrokerHost is not null)
                    {
                        throw new UsageException("give one of --broker (plaintext) and --broker-tls, once");
                    }

                    string broker = Next();
                    int colon = broker.LastIndexOf(':');
                    if (colon <= 0 || !int.TryParse(broker.AsSpan(colon + 1), out int port) || port is < 1 or > 65535)
                    {
                        throw new UsageException($"{arg} '{broker}' is not HOST:PORT");
                    }

                    options.BrokerHost = broker[..colon];
                    options.BrokerPort = port;
                    tls = arg == "--broker-tls";
                    break;
                case "--ca-file": caFile = Next(); break;
                case "--sip-user": options.SipUser = Next(); break;
                case "--registrar": options.Registrar = Next(); break;
                case "--console-pty": options.ConsolePty = true; break;
                case "--store": options.StoreDirectory = Next(); break;
                case "--events":
                    string format = Next();
                    options.JsonEvents = format == "json" ? true : throw new UsageException($"--events '{format}': the only format is json");
                    break;
                case "--local-address": options.LocalAddress = Next(); break;
                case "--tones-wav": options.TonesWavDirectory = Next(); break;
                case "--health-interval":
                    string seconds = Next();
                    options.HealthIntervalSeconds = int.TryParse(seconds, out int s) && s is >= 1 and <= 3600
                        ? s
                        : throw new UsageException($"--health-interval '{seconds}' is not a number of seconds from 1 to 3600");
                    break;
                case "--power-on-spread": options.PowerOnSpreadMs = Seconds(arg, Next(), 0, 600) * 1000L; break;
                case "--secondary-registrar": options.SecondaryRegistrar = Next(); break;
                case "--dns-server": options.DnsServer = Next(); break;
                case "--outbound-proxy": options.OutboundProxy = Next(); break;
                case "--transport":
                    string transport = Next();
                    options.Transport = transport is "udp" or "tcp" ? transport : throw new UsageException($"--transport '{transport}': use udp or tcp");
                    break;
                case "--expires": options.Expires = Seconds(arg, Next(), 30, 86400); break;
                case "--keepalive": options.KeepAliveSeconds = Seconds(arg, Next(), 0, 3600); break;
                case "--retry-base": options.RetryBaseSeconds = Seconds(arg, Next(), 1, 3600); break;
                case "--retry-max": options.RetryMaxSeconds = Seconds(arg, Next(), 1, 7200); break;
                case "--no-answer":
                    string limit = Next();
                    options.NoAnswerSeconds = int.TryParse(limit, out int n) && (n == 0 || n is >= 10 and <= 3600)
                        ? n
                        : throw new UsageException($"--no-answer '{limit}' is not 0 (no limit) or a number of seconds from 10 to 3600");
                    break;
                case "--dial-plan": options.DialPlan = Next(); break;
                case "--country": options.Country = Next(); break;
                case "--help" or "-h": options.Help = true; return options;
                default: throw new UsageException($"unknown option '{arg}'");
            }
        }

        if (tls != (caFile is not null))
        {
            throw new UsageException("--broker-tls and --ca-file go together: the broker's certificate is checked against that CA only");
        }

        if (caFile is not null)
        {
            options.BrokerCa = ReadCa(caFile);
        }

        options.Secret ??= NonEmpty(environment(SecretVariable));
        options.SipPassword ??= NonEmpty(environment(SipPasswordVariable));
        bool standalone = options.SipUser is not null || options.SipPassword is not null || options.Registrar is not null;
        if (options.GatewayMode && standalone)
        {
            throw new UsageException("use either --broker (gateway mode) or --sip-user/--sip-password/--registrar (standalone), not both");
        }

        if (options.GatewayMode)
        {
            if (!deviceIdGiven || options.Secret is null)
            {
                throw new UsageException($"gateway mode needs --device-id and the device secret ({SecretVariable} or --secret-file)");
            }

            if (!Ata.Core.Contract.MqttTopics.IsValidDeviceId(options.DeviceId))
            {
                throw new UsageException($"--device-id '{options.DeviceId}' must be 1-64 letters, digits, '-', '_' or '.'");
            }
        }
        else if (!options.BoardMode && (options.SipUser is null || options.SipPassword is null || options.Registrar is null))
        {
            throw new UsageException($"give --broker for gateway mode, --sip-user, --registrar and the SIP password ({SipPasswordVariable} or --sip-password-file), or --console-pty alone to run as a board set up on its console");
        }

        return options;
    }

    /// <summary>The environment variable holding the device secret.</summary>
    public const string SecretVariable = "ATA_SIM_SECRET";

    /// <summary>The environment variable holding the standalone line's SIP password.</summary>
    public const string SipPasswordVariable = "ATA_SIM_SIP_PASSWORD";

    private static System.Security.Cryptography.X509Certificates.X509Certificate2 ReadCa(string path)
    {
        try
        {
            return System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new UsageException($"--ca-file '{path}' is not a readable PEM certificate: {e.Message}");
        }
    }

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static int Seconds(string option, string text, int min, int max) =>
        int.TryParse(text, out int value) && value >= min && value <= max
            ? value
            : throw new UsageException($"{option} '{text}' is not a number of seconds from {min} to {max}");
}

/// <summary>A command-line mistake, told in one line.</summary>
internal sealed class UsageException(string message) : Exception(message);
