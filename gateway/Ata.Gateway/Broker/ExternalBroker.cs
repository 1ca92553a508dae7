using Microsoft.Extensions.Options;

namespace Ata.Gateway.Broker;

/// <summary>
/// A broker the gateway does not run (<c>Broker:Url</c> = <c>mqtt://host:port</c>). Adapter
/// credentials and ACLs are that broker's business; the gateway only connects to it.
/// </summary>
public sealed partial class ExternalBroker : IBroker
{
    /// <summary>The MQTT port when the URL names none.</summary>
    public const int DefaultPort = 1883;

    private readonly BrokerOptions _options;
    private readonly Uri _url;
    private readonly ILogger<ExternalBroker> _logger;
    private int _credentialsElsewhereTold;

    /// <summary>Creates the broker from <see cref="BrokerOptions.Url"/>.</summary>
    /// <param name="options">Broker options.</param>
    /// <param name="logger">The logger.</param>
    /// <exception cref="OptionsValidationException">The URL is not <c>mqtt://host[:port]</c>.</exception>
    public ExternalBroker(IOptions<BrokerOptions> options, ILogger<ExternalBroker> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _logger = logger;
        _url = TryParseUrl(_options.Url, out var url)
            ? url
            : throw new OptionsValidationException(BrokerOptions.SectionName, typeof(BrokerOptions), [UrlError]);
    }

    /// <summary>What a malformed <see cref="BrokerOptions.Url"/> is told.</summary>
    public const string UrlError = "Broker:Url must be mqtt://host or mqtt://host:port.";

    /// <inheritdoc/>
    public string? DeviceAddress => $"{_options.AdvertisedHost ?? _url.Host}:{_options.AdvertisedPort ?? Port}";

    /// <inheritdoc/>
    public BrokerConnection GatewayConnection => BrokerConnection.Tcp(_url.DnsSafeHost, Port, _options.Username, _options.Password);

    private int Port => _url.IsDefaultPort || _url.Port <= 0 ? DefaultPort : _url.Port;

    /// <summary>Whether <paramref name="text"/> is an <c>mqtt://host[:port]</c> URL.</summary>
    /// <param name="text">The configured URL.</param>
    /// <param name="url">The parsed URL.</param>
    public static bool TryParseUrl(string? text, out Uri url)
    {
        url = null!;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var parsed) || parsed.Scheme != "mqtt"
            || string.IsNullOrEmpty(parsed.Host) || parsed.AbsolutePath is not ("/" or "") || !string.IsNullOrEmpty(parsed.UserInfo))
        {
            return false;
        }

        url = parsed;
        return true;
    }

    /// <inheritdoc/>
    public void WriteDeviceAccounts(IReadOnlyList<BrokerAccount> changed)
    {
    }

    /// <inheritdoc/>
    public Task ApplyDeviceLoginsAsync(IReadOnlyList<string> deviceIds, bool recorded, CancellationToken cancellationToken) =>
        ApplyDeviceCredentialsAsync(cancellationToken);

    /// <inheritdoc/>
    public Task ApplyDeviceCredentialsAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _credentialsElsewhereTold, 1) == 0)
        {
            LogCredentialsElsewhere(_url.Host);
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Adapter credentials are managed by the external broker {Host}: give each adapter its account there, its client id bound to its login, and only its own topics of the contract (see the gateway's README)")]
    private partial void LogCredentialsElsewhere(string host);
}
