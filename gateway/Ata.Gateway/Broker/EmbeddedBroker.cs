using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Ata.Gateway.Store;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Broker;

/// <summary>
/// The embedded broker: a private Mosquitto the gateway configures, starts, restarts when it
/// exits unexpectedly (with a bounded back-off) and stops with the host. Adapters authenticate on
/// the device listener as their device id with their secret, are their device id as client, and may
/// use only their own topics of the contract (<see cref="MosquittoFiles.DeviceAcl"/>); the gateway
/// is <c>@gateway</c>, with a generated password kept in the data directory, on a Unix socket of
/// its own. The adapters' accounts are written from the store and converge on it: on start, after
/// every change, and again after a failure to write them.
/// </summary>
public sealed partial class EmbeddedBroker : IBroker, IHostedService, IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly BrokerOptions _options;
    private readonly BrokerDirectory _directory;
    private readonly AdapterStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<EmbeddedBroker> _logger;
    private readonly ILogger _mosquittoLogger;
    private readonly Lock _prepareLock = new();
    private readonly SemaphoreSlim _filesLock = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private Settings? _settings;
    private Process? _process;
    private long _startedAt;
    private Task _supervision = Task.CompletedTask;
    private long _queueOverflows;
    private readonly DeviceLogins _logins;
    private long _writtenLogins;
    /// <summary>The SHA-256 of the logins file the running broker loaded (not its text: 250 bytes an adapter).</summary>
    private byte[]? _loadedPasswords;
    private int _reconciling;

    /// <summary>Creates the broker; nothing starts until the host does.</summary>
    /// <param name="options">Broker options.</param>
    /// <param name="gateway">Gateway options (the data directory).</param>
    /// <param name="store">The adapters whose credentials the broker accepts.</param>
    /// <param name="time">The clock for back-off delays.</param>
    /// <param name="loggerFactory">Loggers for the supervisor and for Mosquitto's own output.</param>
    public EmbeddedBroker(
        IOptions<BrokerOptions> options, IOptions<GatewayOptions> gateway, AdapterStore store, TimeProvider time, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _options = options.Value;
        _directory = new BrokerDirectory(Path.Combine(gateway.Value.FullDataDirectory, "broker"));
        _store = store;
        _time = time;
        _logger = loggerFactory.CreateLogger<EmbeddedBroker>();
        _mosquittoLogger = loggerFactory.CreateLogger("Ata.Gateway.Broker.Mosquitto");
        _logins = new DeviceLogins(_directory.PasswordFile, () => GatewayConnection, _options.ClientId + "-logins", _logger);
    }

    /// <inheritdoc/>
    public bool IsEmbedded => true;

    /// <summary>The broker's files.</summary>
    public BrokerDirectory Directory => _directory;

    /// <summary>The TCP port the broker listens on (chosen once, then kept).</summary>
    public int Port => Prepare().Port;

    /// <summary>The running broker's process id, or null while it is not running.</summary>
    public int? ProcessId => _process is { HasExited: false } process ? process.Id : null;

    /// <summary>The TLS device listener's TCP port (chosen once, then kept).</summary>
    public int TlsPort => Prepare().TlsPort;

    /// <inheritdoc/>
    public string? DeviceAddress => _options.DevicePlaintext ? $"{AdvertisedHost}:{_options.AdvertisedPort ?? Port}" : null;

    /// <inheritdoc/>
    public string? DeviceTlsAddress => $"{AdvertisedHost}:{_options.Tls.AdvertisedPort ?? TlsPort}";

    /// <inheritdoc/>
    public BrokerTls? DeviceTls => Prepare().Tls;

    private string AdvertisedHost => FormatHost(_options.AdvertisedHost ?? BrokerOptions.DefaultAdvertisedHost);

    /// <inheritdoc/>
    public BrokerConnection GatewayConnection
    {
        get
        {
            var settings = Prepare();
            return new BrokerConnection(new UnixDomainSocketEndPoint(_directory.GatewaySocket), MosquittoFiles.GatewayUser, settings.GatewayPassword);
        }
    }

    /// <inheritdoc/>
    public long QueueOverflows => Interlocked.Read(ref _queueOverflows);

    /// <inheritdoc/>
    public bool SeesSubscriptions => true;

    /// <inheritdoc/>
    public event Action<string>? ConfigSubscribed;

    /// <inheritdoc/>
    public event Action<string, string>? LoginRefused;

    /// <summary>
    /// The login watch plugin beside the gateway's assembly (built with it when Mosquitto's plugin
    /// headers are installed), or null when it is missing: refused logins are then not attributed.
    /// </summary>
    public static string? LoginWatchPlugin =>
        File.Exists(Path.Combine(AppContext.BaseDirectory, LoginWatchFileName)) ? Path.Combine(AppContext.BaseDirectory, LoginWatchFileName) : null;

    /// <summary>The login watch plugin's file name.</summary>
    public const string LoginWatchFileName = "ata_login_watch.so";

    /// <summary>Whether the Mosquitto binary can be found.</summary>
    public bool IsInstalled => MosquittoInstallation.TryLocate(_options.MosquittoPath, out _);

    /// <summary>Writes the broker's files and starts it; returns once it accepts connections.</summary>
    /// <param name="cancellationToken">Abandons the start.</param>
    /// <exception cref="MosquittoNotInstalledException">There is no Mosquitto binary.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!MosquittoInstallation.TryLocate(_options.MosquittoPath, out var binary))
        {
            throw new MosquittoNotInstalledException();
        }

        var settings = Prepare();
        if (System.Text.Encoding.UTF8.GetByteCount(_directory.GatewaySocket) > BrokerDirectory.MaxSocketPathBytes)
        {
            throw new InvalidOperationException(
                $"Gateway:DataDirectory is too long for the broker's socket {_directory.GatewaySocket} (at most {BrokerDirectory.MaxSocketPathBytes} bytes); choose a shorter path.");
        }

        if (await StopLeftoverAsync(cancellationToken).ConfigureAwait(false))
        {
            _store.MarkAllConfigsUnpublished();
        }

        File.Delete(_directory.GatewaySocket);
        PrivateFile.Write(_directory.ConfigFile, MosquittoFiles.Config(
            _directory, _options.ListenAddress, settings.Port, Environment.UserName, _options.Queue, _options.MaxPacketKilobytes * 1024, LoginWatchPlugin,
            (settings.TlsPort, settings.Tls), _options.DevicePlaintext, ViaPlugin ? DeviceLogins.Plugin : null));
        if (LoginWatchPlugin is null)
        {
            LogNoLoginWatch(_logger, LoginWatchFileName);
        }

        if (_options.DeviceLogins == DeviceLoginMode.Plugin && DeviceLogins.Plugin is null)
        {
            LogNoDeviceLogins(_logger, DeviceLogins.PluginFileName);
        }

        PrivateFile.Write(_directory.GatewayPasswordFile, MosquittoFiles.PasswordFile([new(MosquittoFiles.GatewayUser, MosquittoPasswordHash.Create(settings.GatewayPassword))]));
        PrivateFile.Write(_directory.GatewayAclFile, MosquittoFiles.GatewayAcl());
        await _filesLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            WriteDeviceFiles(_store.ListBrokerAccounts());
        }
        finally
        {
            _filesLock.Release();
        }

        await LaunchAsync(binary, cancellationToken).ConfigureAwait(false);
        _supervision = SuperviseAsync(binary, _stopping.Token);
    }

    /// <summary>Stops the broker cleanly (SIGTERM, so it saves retained messages), killing it if it hangs.</summary>
    /// <param name="cancellationToken">Cuts the wait short.</param>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _supervision.ConfigureAwait(false);
        if (_process is not { } process)
        {
            return;
        }

        if (!process.HasExited)
        {
            UnixSignal.Send(process.Id, UnixSignal.Terminate);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(StopTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                LogKilled(_logger, process.Id);
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                return;
            }
        }

        File.Delete(_directory.PidFile);
        LogStopped(_logger);
    }

    /// <summary>Stops the broker if the host did not.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        _process?.Dispose();
        await _logins.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _filesLock.Dispose();
    }

    private Settings Prepare()
    {
        lock (_prepareLock)
        {
            if (_settings is not null)
            {
                return _settings;
            }

            PrivateFile.EnsureDirectory(Path.GetDirectoryName(_directory.Root)!);
            PrivateFile.EnsureDirectory(_directory.Root);
            PrivateFile.EnsureDirectory(_directory.PersistenceDirectory);
            var port = ChoosePort(_options.EmbeddedPort, _directory.PortFile, 0);
            var tlsPort = ChoosePort(_options.Tls.Port, _directory.TlsPortFile, port);
            var tls = BrokerCertificates.Ensure(_directory, _options, _time.GetUtcNow());
            return _settings = new Settings(port, tlsPort, tls, ReadOrCreateGatewayPassword());
        }
    }

    /// <summary>The configured port, else the one kept in <paramref name="file"/>, else a free one (not <paramref name="taken"/>), then kept.</summary>
    private static int ChoosePort(int configured, string file, int taken)
    {
        if (configured != 0)
        {
            return configured;
        }

        if (File.Exists(file)
            && int.TryParse(File.ReadAllText(file).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var kept)
            && kept is > 0 and <= 65535 && kept != taken)
        {
            return kept;
        }

        int port;
        do
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
        }
        while (port == taken);

        File.WriteAllText(file, port.ToString(CultureInfo.InvariantCulture) + "\n");
        return port;
    }

    private string ReadOrCreateGatewayPassword()
    {
        if (PrivateFile.Read(_directory.GatewaySecretFile)?.Trim() is { Length: >= 16 } kept)
        {
            return kept;
        }

        var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).Replace('+', '-').Replace('/', '_').TrimEnd('=');
        PrivateFile.Write(_directory.GatewaySecretFile, password + "\n");
        return password;
    }

    /// <summary>
    /// Stops a broker a previous, uncleanly stopped gateway left running on this data directory.
    /// </summary>
    /// <returns>Whether the previous run did not stop cleanly (its broker may have lost retained messages).</returns>
    private async Task<bool> StopLeftoverAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(_directory.PidFile))
        {
            return false;
        }

        if (int.TryParse(File.ReadAllText(_directory.PidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            && IsOurBroker(pid))
        {
            LogLeftover(_logger, pid);
            UnixSignal.Send(pid, UnixSignal.Terminate);
            var deadline = _time.GetTimestamp();
            while (UnixSignal.Exists(pid) && IsOurBroker(pid))
            {
                if (_time.GetElapsedTime(deadline) > StopTimeout)
                {
                    using var leftover = Process.GetProcessById(pid);
                    leftover.Kill();
                    break;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(50), _time, cancellationToken).ConfigureAwait(false);
            }
        }

        File.Delete(_directory.PidFile);
        LogUncleanStop(_logger);
        return true;
    }

    private bool IsOurBroker(int pid)
    {
        try
        {
            var commandLine = File.ReadAllText($"/proc/{pid}/cmdline");
            return commandLine.Contains(_directory.ConfigFile, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private async Task LaunchAsync(string binary, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(_directory.ConfigFile);

        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, line) => OnBrokerLine(line.Data, running);
        process.ErrorDataReceived += (_, line) => OnBrokerLine(line.Data, running);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var previous = Interlocked.Exchange(ref _process, process);
        previous?.Dispose();
        _loadedPasswords = PrivateFile.Read(_directory.PasswordFile) is { } loaded ? LoginsDigest(loaded) : null;
        _startedAt = _time.GetTimestamp();
        File.WriteAllText(_directory.PidFile, process.Id.ToString(CultureInfo.InvariantCulture) + "\n");

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        var exited = process.WaitForExitAsync(timeout.Token);
        var first = await Task.WhenAny(running.Task, exited).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (first == running.Task)
        {
            LogRunning(_logger, process.Id, _options.ListenAddress, _options.DevicePlaintext ? Port.ToString(CultureInfo.InvariantCulture) : "off", TlsPort);
        }
        else if (process.HasExited)
        {
            LogExitedDuringStart(_logger, process.ExitCode);
        }
        else
        {
            LogSlowStart(_logger, StartTimeout.TotalSeconds);
        }
    }

    private async Task SuperviseAsync(string binary, CancellationToken stopping)
    {
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var process = _process!;
                await process.WaitForExitAsync(stopping).ConfigureAwait(false);
                var ranFor = _time.GetElapsedTime(_startedAt);
                failures = ranFor >= RestartBackoff.HealthyRun ? 1 : failures + 1;
                var delay = RestartBackoff.Delay(failures);
                LogUnexpectedExit(_logger, process.ExitCode, ranFor.TotalSeconds, delay.TotalSeconds);
                _store.MarkAllConfigsUnpublished();
                await Task.Delay(delay, _time, stopping).ConfigureAwait(false);
                await ApplyDeviceCredentialsAsync(stopping).ConfigureAwait(false);
                File.Delete(_directory.GatewaySocket);
                await LaunchAsync(binary, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                LogRestartFailed(_logger, exception);
                try
                {
                    await Task.Delay(RestartBackoff.Max, _time, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private void OnBrokerLine(string? line, TaskCompletionSource running)
    {
        if (string.IsNullOrEmpty(line))
        {
            return;
        }

        var (level, message) = MosquittoLog.Classify(line);
        _mosquittoLogger.Log(level, "{MosquittoLine}", message);
        if (MosquittoLog.IsQueueOverflow(line))
        {
            Interlocked.Increment(ref _queueOverflows);
        }

        // Mosquitto logs a subscription once it is in place; the device listener makes a client's id its login.
        if (MosquittoLog.TryParseSubscription(line, out var clientId, out var topic)
            && Ata.Core.Contract.MqttTopics.IsValidDeviceId(clientId)
            && topic == Ata.Core.Contract.MqttTopics.For(clientId, Ata.Core.Contract.MqttTopics.Config))
        {
            ConfigSubscribed?.Invoke(clientId);
        }

        if (MosquittoLog.TryParseRefusedLogin(line, out var login, out var address))
        {
            LoginRefused?.Invoke(login, address);
        }

        if (MosquittoLog.IsRunning(line))
        {
            running.TrySetResult();
        }
    }

    private static string FormatHost(string host) =>
        IPAddress.TryParse(host, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6 && !host.StartsWith('[')
            ? $"[{host}]"
            : host;

    private sealed record Settings(int Port, int TlsPort, BrokerTls Tls, string GatewayPassword);

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded broker running (pid {Pid}) on {Address}, plaintext port {Port}, TLS port {TlsPort}")]
    private static partial void LogRunning(ILogger logger, int pid, string address, string port, int tlsPort);

    [LoggerMessage(Level = LogLevel.Error, Message = "mosquitto exited during start with code {ExitCode}; see its output above")]
    private static partial void LogExitedDuringStart(ILogger logger, int exitCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "mosquitto did not report running within {Seconds} s; going on")]
    private static partial void LogSlowStart(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "mosquitto exited unexpectedly with code {ExitCode} after {RanSeconds:0.0} s; restarting in {DelaySeconds:0.###} s")]
    private static partial void LogUnexpectedExit(ILogger logger, int exitCode, double ranSeconds, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Restarting mosquitto failed")]
    private static partial void LogRestartFailed(ILogger logger, Exception exception);






    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping the broker (pid {Pid}) a previous gateway left running")]
    private static partial void LogLeftover(ILogger logger, int pid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The previous broker did not stop cleanly; every adapter's config will be published again")]
    private static partial void LogUncleanStop(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "mosquitto (pid {Pid}) did not stop in time and was killed")]
    private static partial void LogKilled(ILogger logger, int pid);

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded broker stopped")]
    private static partial void LogStopped(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The broker's login watch plugin ({File}) is not beside the gateway (it is built with the gateway when libmosquitto-dev and mosquitto-dev are installed): refused adapter logins are not attributed")]
    private static partial void LogNoLoginWatch(ILogger logger, string file);
}
