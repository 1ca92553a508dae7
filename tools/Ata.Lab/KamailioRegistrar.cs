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
/// contacts with their expires. Other requests: OPTIONS 200, others 405.
/// </remarks>
public sealed class KamailioRegistrar : IAsyncDisposable
{
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(100);

    private readonly KamailioRegistrarOptions options;
    private readonly Dictionary<string, string> subscribers;
    private readonly string nonceSecret = RandomNumberGenerator.GetHexString(32, lowercase: true);
    private readonly bool ownsWorkDirectory;
    private readonly object gate = new();
    private readonly List<RegistrarDecision> decisions = [];
    private readonly List<DecisionWaiter> waiters = [];
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

    /// <summary>Raised for every decision, on a reader thread.</summary>
    public event EventHandler<RegistrarDecision>? DecisionMade;

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

    /// <summary>Every decision so far, across restarts, oldest first.</summary>
    public IReadOnlyList<RegistrarDecision> Decisions
    {
        get
        {
            lock (gate)
            {
                return [.. decisions];
            }
        }
    }

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
    public async Task<RegistrarDecision> WaitForDecisionAsync(
        Func<RegistrarDecision, bool> predicate,
        TimeSpan timeout,
        bool includeEarlierDecisions = true,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var waiter = new DecisionWaiter(predicate);
        lock (gate)
        {
            if (includeEarlierDecisions && decisions.FirstOrDefault(predicate) is { } earlier)
            {
                return earlier;
            }

            waiters.Add(waiter);
        }

        try
        {
            return await waiter.Match.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            lock (gate)
            {
                waiters.Remove(waiter);
            }

            var made = string.Join(Environment.NewLine, Decisions.Select(decision => "  " + decision));
            throw new TimeoutException(
                $"no matching registrar decision within {timeout.TotalSeconds:0.###} s; decisions so far:{Environment.NewLine}" +
                $"{(made.Length == 0 ? "  (none)" : made)}{Environment.NewLine}kamailio's last output:{Environment.NewLine}{LogTail()}");
        }
        catch (OperationCanceledException)
        {
            lock (gate)
            {
                waiters.Remove(waiter);
            }

            throw;
        }
    }

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
                "-m", "32", "-M", "8",
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
        if (!RegistrarDecision.TryParse(line, DateTimeOffset.Now, out var decision) || decision is null)
        {
            return;
        }

        List<DecisionWaiter> answered;
        lock (gate)
        {
            decisions.Add(decision);
            answered = waiters.Where(waiter => waiter.Predicate(decision)).ToList();
            waiters.RemoveAll(answered.Contains);
        }

        foreach (var waiter in answered)
        {
            waiter.Match.TrySetResult(decision);
        }

        DecisionMade?.Invoke(this, decision);
    }

    private sealed class DecisionWaiter(Func<RegistrarDecision, bool> predicate)
    {
        public Func<RegistrarDecision, bool> Predicate { get; } = predicate;

        public TaskCompletionSource<RegistrarDecision> Match { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
