using System.Net;
using System.Security.Cryptography;

namespace Ata.Lab;

/// <summary>
/// A real Kamailio running as the SIP registrar adapters register with: UDP on 127.0.0.1, a
/// generated config, subscribers given in code, digest authentication with qop=auth, and every
/// decision reported as a <see cref="RegistrarDecision"/>.
/// </summary>
/// <remarks>
/// What it answers to a REGISTER: without credentials for the realm, 401 with
/// <c>WWW-Authenticate: Digest realm, nonce, qop="auth"</c> (every user, known or not, so the
/// challenge does not reveal who exists); with a wrong password, an unknown user, or an auth user
/// that is not the To user, 403 Forbidden, a final refusal rather than another challenge; with a
/// stale nonce, 401 with stale=true; otherwise 200 from <c>save("location")</c>, listing the
/// contacts with their expires. It is also its subscribers' proxy, as an ISP's is: an INVITE is
/// challenged with 407 (same realm and passwords), then relayed to the callee's registered contact
/// (404 for a number that is no subscriber, 480 for one not registered) with a Record-Route, so
/// ACK, BYE, re-INVITE and CANCEL follow; an emergency number (<see cref="KamailioRegistrarOptions.EmergencyNumbers"/>)
/// goes without any challenge to <see cref="KamailioRegistrarOptions.EmergencyCentre"/>. Each call
/// decision is reported as a <see cref="CallDecision"/>. OPTIONS outside a dialog: 200 (a liveness
/// probe); other methods outside a dialog: 405.
/// </remarks>
public sealed class KamailioRegistrar : IAsyncDisposable
{
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(100);

    private readonly KamailioRegistrarOptions options;
    private readonly Dictionary<string, string> subscribers;
    private readonly string nonceSecret = RandomNumberGenerator.GetHexString(32, lowercase: true);
    private readonly bool ownsWorkDirectory;
    private readonly EventLog<RegistrarDecision> decisions = new();
    private readonly EventLog<CallDecision> callDecisions = new();
    private readonly SemaphoreSlim lifecycle = new(1, 1);
    private ManagedProcess? kamailio;
    private bool disposed;

    /// <summary>Prepares a registrar for <paramref name="subscribers"/>; <see cref="StartAsync(CancellationToken)"/> runs it.</summary>
    /// <param name="subscribers">User name → password of every line the registrar accepts.</param>
    /// <param name="options">Port, realm, expires and work folder.</param>
    /// <exception cref="ArgumentException">A user name, password or the realm cannot be used.</exception>
    public KamailioRegistrar(IReadOnlyDictionary<string, string> subscribers, KamailioRegistrarOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(subscribers);
        this.options = options ?? new KamailioRegistrarOptions();
        RegistrarConfig.ValidateRealm(this.options.Realm);
        RegistrarConfig.ValidateEmergencyNumbers(this.options.EmergencyNumbers);
        RegistrarConfig.ParseEmergencyCentre(this.options.EmergencyCentre);
        foreach (var (user, password) in subscribers)
        {
            RegistrarConfig.ValidateUser(user);
            RegistrarConfig.ValidatePassword(user, password);
        }

        this.subscribers = new Dictionary<string, string>(subscribers, StringComparer.Ordinal);
        Port = this.options.Port ?? FreePort.Udp();
        ownsWorkDirectory = this.options.WorkDirectory is null;
        WorkDirectory = this.options.WorkDirectory ?? Directory.CreateTempSubdirectory("ata-lab-kamailio-").FullName;
    }

    /// <summary>Raised for every REGISTER decision, on a reader thread.</summary>
    public event EventHandler<RegistrarDecision>? DecisionMade;

    /// <summary>Raised for every call decision, on a reader thread.</summary>
    public event EventHandler<CallDecision>? CallDecisionMade;

    /// <summary>The UDP port on 127.0.0.1; the same across restarts.</summary>
    public int Port { get; }

    /// <summary>The registrar's UDP address.</summary>
    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    /// <summary>The registrar as an adapter is provisioned with it: <c>127.0.0.1:port</c>.</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>The digest realm of the challenges.</summary>
    public string Realm => options.Realm;

    /// <summary>User name → password of the lines it accepts.</summary>
    public IReadOnlyDictionary<string, string> Subscribers => subscribers;

    /// <summary>The folder holding the generated config, the pid file and Kamailio's runtime files.</summary>
    public string WorkDirectory { get; }

    /// <summary>The generated config file.</summary>
    public string ConfigPath => Path.Combine(WorkDirectory, "kamailio.cfg");

    /// <summary>Whether Kamailio is running.</summary>
    public bool IsRunning => kamailio is { HasExited: false };

    /// <summary>Completes with Kamailio's exit code when the current Kamailio exits (a restart starts a new one).</summary>
    public Task<int> Completion => kamailio?.Completion ?? Task.FromResult(0);

    /// <summary>Every REGISTER decision so far, across restarts, oldest first.</summary>
    public IReadOnlyList<RegistrarDecision> Decisions => decisions.All;

    /// <summary>Every call decision so far, across restarts, oldest first.</summary>
    public IReadOnlyList<CallDecision> CallDecisions => callDecisions.All;

    /// <summary>Where emergency calls are relayed (<c>ip:port</c>), or null when they get 503.</summary>
    public string? EmergencyCentre => options.EmergencyCentre;

    /// <summary>The called numbers that are emergency calls.</summary>
    public IReadOnlyList<string> EmergencyNumbers => options.EmergencyNumbers;

    /// <summary>Creates and starts a registrar.</summary>
    /// <param name="subscribers">User name → password of every line the registrar accepts.</param>
    /// <param name="options">Port, realm, expires and work folder.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running registrar.</returns>
    public static async Task<KamailioRegistrar> StartAsync(
        IReadOnlyDictionary<string, string> subscribers,
        KamailioRegistrarOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var registrar = new KamailioRegistrar(subscribers, options);
        try
        {
            await registrar.StartAsync(cancellationToken).ConfigureAwait(false);
            return registrar;
        }
        catch
        {
            await registrar.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Writes the config and starts Kamailio in the foreground, returning once it answers a SIP
    /// OPTIONS on its port. Does nothing when it is already running.
    /// </summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="ToolNotInstalledException">Kamailio is not installed.</exception>
    /// <exception cref="InvalidOperationException">Kamailio exited or did not answer in time; the message carries its log tail.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (IsRunning)
            {
                return;
            }

            await StartKamailioAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lifecycle.Release();
        }
    }

    /// <summary>Stops Kamailio (SIGTERM, then kill); its bindings are lost, as its location table is in memory.</summary>
    public async Task StopAsync()
    {
        await lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            await StopKamailioAsync().ConfigureAwait(false);
        }
        finally
        {
            lifecycle.Release();
        }
    }

    /// <summary>Whether Kamailio is paused (see <see cref="Pause"/>).</summary>
    public bool IsPaused { get; private set; }

    /// <summary>
    /// Pauses Kamailio and its worker processes (SIGSTOP), as a hung registrar: its port stays open
    /// and takes requests into the socket buffer, but nothing is answered until <see cref="Resume"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">Kamailio is not running.</exception>
    public void Pause()
    {
        var running = kamailio is { HasExited: false } process ? process : throw new InvalidOperationException("kamailio is not running");
        ProcessTree.Freeze(running.Id);
        IsPaused = true;
    }

    /// <summary>Lets a paused Kamailio run again (SIGCONT); it then answers what waited in its socket at once.</summary>
    public void Resume()
    {
        if (kamailio is { HasExited: false } running)
        {
            ProcessTree.Thaw(running.Id);
        }

        IsPaused = false;
    }

    /// <summary>Stops Kamailio and starts it again on the same port, with the same subscribers and nonce secret (an outage).</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            await StopKamailioAsync().ConfigureAwait(false);
            await StartKamailioAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lifecycle.Release();
        }
    }

    /// <summary>Waits for a decision that matches <paramref name="predicate"/>.</summary>
    /// <param name="predicate">The decision to wait for.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="includeEarlierDecisions">
    /// Whether decisions already made count. To see only a decision caused by a later REGISTER,
    /// call this before sending it and await the task after: the wait is registered before this returns.
    /// </param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The matching decision.</returns>
    /// <exception cref="TimeoutException">None came in time; the message lists the decisions and Kamailio's log tail.</exception>
    public Task<RegistrarDecision> WaitForDecisionAsync(
        Func<RegistrarDecision, bool> predicate,
        TimeSpan timeout,
        bool includeEarlierDecisions = true,
        CancellationToken cancellationToken = default) =>
        decisions.WaitAsync(predicate, timeout, includeEarlierDecisions, made => TimeoutMessage("registrar", timeout, made), cancellationToken);

    /// <summary>Waits for a call decision that matches <paramref name="predicate"/>.</summary>
    /// <param name="predicate">The decision to wait for.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="includeEarlierDecisions">
    /// Whether decisions already made count. To see only a decision caused by a later request,
    /// call this before sending it and await the task after: the wait is registered before this returns.
    /// </param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The matching decision.</returns>
    /// <exception cref="TimeoutException">None came in time; the message lists the call decisions and Kamailio's log tail.</exception>
    public Task<CallDecision> WaitForCallDecisionAsync(
        Func<CallDecision, bool> predicate,
        TimeSpan timeout,
        bool includeEarlierDecisions = true,
        CancellationToken cancellationToken = default) =>
        callDecisions.WaitAsync(predicate, timeout, includeEarlierDecisions, made => TimeoutMessage("call", timeout, made), cancellationToken);

    /// <summary>Kamailio's last log lines (both streams), for failure messages.</summary>
    /// <param name="count">How many lines.</param>
    public string LogTail(int count = 40) => kamailio?.Tail(count) ?? "  (kamailio not started)";

    /// <summary>Stops Kamailio and deletes the work folder when it was a temporary one.</summary>
    public async ValueTask DisposeAsync()
    {
        await lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            await StopKamailioAsync().ConfigureAwait(false);
            if (ownsWorkDirectory)
            {
                try
                {
                    Directory.Delete(WorkDirectory, recursive: true);
                }
                catch (IOException)
                {
                    // A leftover temp folder is harmless.
                }
            }
        }
        finally
        {
            lifecycle.Release();
        }
    }

    private async Task StartKamailioAsync(CancellationToken cancellationToken)
    {
        var binary = RequiredTool.Locate("kamailio");
        var modules = RegistrarConfig.ModulesDirectory();
        var runtimeDirectory = Path.Combine(WorkDirectory, "run");
        Directory.CreateDirectory(runtimeDirectory);
        await File.WriteAllTextAsync(
            ConfigPath,
            RegistrarConfig.Render(Port, Realm, subscribers, nonceSecret, modules, options),
            cancellationToken).ConfigureAwait(false);
        if (!OperatingSystem.IsWindows())
        {
            // The config holds the subscribers' passwords.
            File.SetUnixFileMode(ConfigPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        var started = ManagedProcess.Start(
            binary,
            [
                "-f", ConfigPath,
                "-DD", "-E",
                // Private memory holds the parsed config, whose subscriber table takes about 4 KiB a line:
                // 8 MiB serves a few hundred; a boot storm's 10,000 need about 48.
                "-m", "64", "-M", (8 + subscribers.Count / 256).ToString(System.Globalization.CultureInfo.InvariantCulture),
                "-w", WorkDirectory,
                "-Y", runtimeDirectory,
                "-P", Path.Combine(runtimeDirectory, "kamailio.pid"),
            ],
            new ManagedProcessOptions
            {
                Name = "kamailio",
                WorkingDirectory = WorkDirectory,
                OwnSession = options.OwnSession,
                StandardOutputLine = line => options.LogLine?.Invoke(line),
                StandardErrorLine = OnLogLine,
            });
        kamailio = started;

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.StartTimeout);
        try
        {
            while (true)
            {
                if (started.HasExited)
                {
                    var code = await started.Completion.ConfigureAwait(false);
                    throw new InvalidOperationException(
                        $"kamailio exited with code {code} while starting on udp:{Address}; last output:{Environment.NewLine}{started.Tail()}");
                }

                var probe = Task.Delay(ProbeInterval, deadline.Token);
                if (await SipProbe.OptionsAsync(EndPoint, ProbeInterval, deadline.Token).ConfigureAwait(false) is not null)
                {
                    return;
                }

                // Until Kamailio binds, ICMP "port unreachable" ends a probe at once: pace the retries.
                await probe.ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await StopKamailioAsync().ConfigureAwait(false);
            throw new InvalidOperationException(
                $"kamailio did not answer OPTIONS on udp:{Address} within {options.StartTimeout.TotalSeconds:0} s; last output:{Environment.NewLine}{started.Tail()}");
        }
        catch
        {
            await StopKamailioAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task StopKamailioAsync()
    {
        if (kamailio is { } running)
        {
            // A paused Kamailio would only act on SIGTERM once continued.
            Resume();
            await running.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void OnLogLine(string line)
    {
        options.LogLine?.Invoke(line);
        var at = DateTimeOffset.Now;
        if (RegistrarDecision.TryParse(line, at, out var decision) && decision is not null)
        {
            decisions.Add(decision);
            DecisionMade?.Invoke(this, decision);
        }
        else if (CallDecision.TryParse(line, at, out var call) && call is not null)
        {
            callDecisions.Add(call);
            CallDecisionMade?.Invoke(this, call);
        }
    }

    private string TimeoutMessage(string what, TimeSpan timeout, string made) =>
        $"no matching {what} decision within {timeout.TotalSeconds:0.###} s; {what} decisions so far:{Environment.NewLine}" +
        $"{made}{Environment.NewLine}kamailio's last output:{Environment.NewLine}{LogTail()}";
}
