using System.Net.Sockets;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Ata.Gateway.Broker;

/// <summary>
/// The adapters' logins on the embedded broker, kept by the device logins plugin
/// (<c>Broker/DeviceLogins/ata_device_logins.c</c>): its logins file, which the plugin reads when it
/// is loaded and on a reload, and its control topic, over which one login is changed at a time
/// without rewriting or reloading anything. The file holds one line per login
/// (<c>login:$7$…</c>) and takes changes appended (a removed login is <c>login:</c>); the gateway
/// writes it whole from the store at start and whenever it reconciles.
/// </summary>
public sealed partial class DeviceLogins : IAsyncDisposable
{
    /// <summary>The plugin's control topic, on the gateway's listener only.</summary>
    public const string ControlTopic = "$CONTROL/ata-device-logins/v1";

    /// <summary>The plugin's file name.</summary>
    public const string PluginFileName = "ata_device_logins.so";

    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(10);

    private readonly string _file;
    private readonly Func<BrokerConnection> _connection;
    private readonly string _clientId;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private long _appended;

    /// <summary>Creates the logins of a broker whose files are in <paramref name="file"/>.</summary>
    /// <param name="file">The logins file.</param>
    /// <param name="connection">How the gateway connects to the broker (its own listener).</param>
    /// <param name="clientId">The client id of the control session.</param>
    /// <param name="logger">The logger.</param>
    public DeviceLogins(string file, Func<BrokerConnection> connection, string clientId, ILogger logger)
    {
        _file = file;
        _connection = connection;
        _clientId = clientId;
        _logger = logger;
    }

    /// <summary>The plugin beside the gateway's assembly, or null when it was not built.</summary>
    public static string? Plugin =>
        File.Exists(Path.Combine(AppContext.BaseDirectory, PluginFileName)) ? Path.Combine(AppContext.BaseDirectory, PluginFileName) : null;

    /// <summary>Lines appended to the logins file since it was last written whole.</summary>
    public long Appended => Interlocked.Read(ref _appended);

    /// <summary>The lines of <paramref name="accounts"/> for the logins file or the control topic.</summary>
    /// <param name="accounts">Logins as they are to be; a null hash removes one.</param>
    public static string Lines(IEnumerable<BrokerAccount> accounts)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        var text = new StringBuilder();
        foreach (var (login, hash) in accounts)
        {
            if (login.AsSpan().IndexOfAny(":\r\n") >= 0 || login.Length == 0 || (hash is not null && hash.AsSpan().IndexOfAny(":\r\n") >= 0))
            {
                throw new ArgumentException($"Broker login '{login}' cannot be written to the logins file.", nameof(accounts));
            }

            text.Append(login).Append(':').Append(hash).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Notes that the file was written whole.</summary>
    public void Rewritten() => Interlocked.Exchange(ref _appended, 0);

    /// <summary>Appends <paramref name="accounts"/> to the logins file; the caller holds the broker's files lock.</summary>
    /// <param name="accounts">Logins as they are to be.</param>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public void Append(IReadOnlyList<BrokerAccount> accounts)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        if (accounts.Count == 0)
        {
            return;
        }

        var bytes = Encoding.UTF8.GetBytes(Lines(accounts));
        var options = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(_file, options))
        {
            stream.Write(bytes);
        }

        Interlocked.Add(ref _appended, accounts.Count);
    }

    /// <summary>
    /// Sends <paramref name="accounts"/> to the running broker's plugin over the control topic; the
    /// broker acknowledges once the plugin has applied them (and disconnected logins that changed or went away).
    /// </summary>
    /// <param name="accounts">Logins as they are to be.</param>
    /// <param name="cancellationToken">Abandons the send.</param>
    /// <returns>Whether the broker acknowledged them; false when it cannot be reached or refused them.</returns>
    public async Task<bool> TrySendAsync(IReadOnlyList<BrokerAccount> accounts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(accounts);
        if (accounts.Count == 0)
        {
            return true;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(SendTimeout);
        try
        {
            await ConnectAsync(timeout.Token).ConfigureAwait(false);
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(ControlTopic)
                .WithPayload(Encoding.UTF8.GetBytes(Lines(accounts)))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build();
            var result = await _client.PublishAsync(message, timeout.Token).ConfigureAwait(false);
            if (result.IsSuccess)
            {
                return true;
            }

            LogRefused(_logger, result.ReasonCode.ToString());
            return false;
        }
        catch (Exception exception) when (exception is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or SocketException or IOException
            or InvalidOperationException)
        {
            LogUnreachable(_logger, exception.Message);
            return false;
        }
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        if (_client.IsConnected)
        {
            return;
        }

        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_client.IsConnected)
            {
                return;
            }

            var connection = _connection();
            var options = new MqttClientOptionsBuilder()
                .WithEndPoint(connection.EndPoint)
                .WithClientId(_clientId)
                .WithCredentials(connection.Username, connection.Password)
                .WithProtocolVersion(MqttProtocolVersion.V500)
                .WithCleanStart(true)
                .WithKeepAlivePeriod(TimeSpan.FromSeconds(30))
                .WithTimeout(SendTimeout)
                .Build();
            if (connection.EndPoint is UnixDomainSocketEndPoint && options.ChannelOptions is MqttClientTcpOptions socket)
            {
                socket.ProtocolType = ProtocolType.IP;
                socket.AddressFamily = AddressFamily.Unix;
            }

            await _client.ConnectAsync(options, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _connectLock.Release();
        }
    }

    /// <summary>Closes the control session.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            try
            {
                await _client.DisconnectAsync().ConfigureAwait(false);
            }
            catch (MQTTnet.Exceptions.MqttCommunicationException)
            {
            }
        }

        _client.Dispose();
        _connectLock.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The broker refused a change of adapter logins ({Reason}); its logins are written again from the store")]
    private static partial void LogRefused(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The broker's control topic cannot be reached ({Reason}); its logins are written again from the store")]
    private static partial void LogUnreachable(ILogger logger, string reason);
}
