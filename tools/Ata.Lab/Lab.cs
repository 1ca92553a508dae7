using System.Security.Cryptography;
using System.Text.Json;

namespace Ata.Lab;

/// <summary>A virtual adapter the lab provisions and simulates: its device id, its one line and the secrets.</summary>
/// <param name="DeviceId">The adapter's device id (its MQTT client and topic root).</param>
/// <param name="Line">The SIP user name of its line.</param>
/// <param name="LinePassword">The SIP password of its line.</param>
/// <param name="Secret">The device's broker secret.</param>
public sealed record LabAdapter(string DeviceId, string Line, string LinePassword, string Secret);

/// <summary>
/// The whole lab on one machine, behind <c>./tools/run</c>: a Kamailio registrar with two lines
/// (which also routes calls between them),
/// the fleet gateway (which runs its own Mosquitto), and two simulated adapters provisioned
/// through the gateway's API. Disposing stops everything it started, in reverse order.
/// </summary>
public sealed class Lab : IAsyncDisposable
{
    private static readonly TimeSpan GatewayHealthTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan GatewayStopGrace = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StopRequestGrace = TimeSpan.FromMilliseconds(250);

    private readonly RepoLayout repo;
    private readonly LabOptions options;
    private readonly TextWriter console;
    private readonly List<IAsyncDisposable> started = [];
    private readonly List<(string Name, Task<int> Completion, string LogPath)> watched = [];
    private readonly Dictionary<string, ManagedProcess> simulators = [];

    /// <summary>The lab's lines dial each other's four-digit numbers (and national numbers).</summary>
    public const string DialPlan = "(2xxx|[3-9]xxxxxxx|00x.)";

    /// <summary>Prepares the lab; <see cref="RunAsync"/> starts it.</summary>
    /// <param name="repo">Where the built gateway and simulator are.</param>
    /// <param name="options">The data folder and HTTP port.</param>
    /// <param name="console">Where progress lines go.</param>
    public Lab(RepoLayout repo, LabOptions options, TextWriter console)
    {
        this.repo = repo;
        this.options = options;
        this.console = console;
        Adapters =
        [
            new LabAdapter("ata-lab-1", "2001", NewSecret(), NewSecret()),
            new LabAdapter("ata-lab-2", "2002", NewSecret(), NewSecret()),
        ];
    }

    /// <summary>The adapters the lab provisions and simulates.</summary>
    public IReadOnlyList<LabAdapter> Adapters { get; }

    /// <summary>The folder holding one log file per child (kamailio, gateway, each adapter).</summary>
    public string LogDirectory => Path.Combine(options.DataDirectory, "logs");

    /// <summary>
    /// Starts the registrar, the gateway and the simulated adapters, then runs until
    /// <paramref name="stopping"/> is cancelled (returns) or a child exits (throws).
    /// </summary>
    /// <param name="stopping">Cancelled by Ctrl-C or SIGTERM.</param>
    /// <exception cref="LabException">Something could not start or stopped on its own.</exception>
    /// <exception cref="OperationCanceledException">Stopped while starting.</exception>
    public async Task RunAsync(CancellationToken stopping)
    {
        RequireBuilt(repo.GatewayAssembly, "gateway");
        RequireBuilt(repo.SimAssembly, "adapter simulator");
        RequiredTool.Locate("kamailio");
        RequiredTool.Locate("mosquitto");
        Directory.CreateDirectory(LogDirectory);
        Say($"lab: data in {options.DataDirectory}, logs in {LogDirectory}");

        var gatewayUrl = new Uri($"http://127.0.0.1:{ChooseHttpPort()}/");
        var registrar = await StartRegistrarAsync(stopping).ConfigureAwait(false);
        using var api = new GatewayApi(gatewayUrl);
        await StartGatewayAsync(api, gatewayUrl, stopping).ConfigureAwait(false);

        // The adapters connect over TLS only (plaintext for devices is off), trusting the gateway's CA alone.
        var (caPem, caSha256) = await api.GetBrokerCaAsync(stopping).ConfigureAwait(false);
        var caFile = Path.Combine(options.DataDirectory, "broker-ca.pem");
        await File.WriteAllTextAsync(caFile, caPem, stopping).ConfigureAwait(false);
        Say($"gateway: broker CA (SHA-256 {caSha256}) in {caFile}");

        var brokers = new Dictionary<string, string>();
        foreach (var adapter in Adapters)
        {
            brokers[adapter.DeviceId] = await api.ProvisionAsync(adapter, registrar.Address, stopping).ConfigureAwait(false);
            Say($"gateway: provisioned {adapter.DeviceId} with line {adapter.Line} (broker TLS {brokers[adapter.DeviceId]})");
        }

        foreach (var adapter in Adapters)
        {
            StartAdapter(adapter, brokers[adapter.DeviceId], caFile);
        }

        await WriteLabDocumentAsync(registrar, gatewayUrl, brokers, caFile, stopping).ConfigureAwait(false);
        Say($"Dashboard: {gatewayUrl}");
        Say($"Phone: type an adapter's number and an action, e.g. '1 offhook', '1 dial {Adapters[1].Line}', '2 answer', " +
            $"'1 mic tone 1000', '1 hangup' (the earpieces are recorded in {Path.Combine(options.DataDirectory, "recordings")}).");
        Say("Press Ctrl-C to stop.");
        _ = Task.Run(() => ForwardPhoneActionsAsync(stopping), CancellationToken.None);
        await WatchAsync(stopping).ConfigureAwait(false);
    }

    /// <summary>Stops everything the lab started, last started first.</summary>
    public async ValueTask DisposeAsync()
    {
        for (var index = started.Count - 1; index >= 0; index--)
        {
            await started[index].DisposeAsync().ConfigureAwait(false);
        }

        started.Clear();
    }

    private static string NewSecret() => RandomNumberGenerator.GetHexString(24, lowercase: true);

    private static void RequireBuilt(string assembly, string what)
    {
        if (!File.Exists(assembly))
        {
            throw new LabException(
                $"the {what} is not built ({assembly} is missing): run ./tools/run, or dotnet build Firmware.sln -c {RepoLayout.Configuration}");
        }
    }

    private async Task<KamailioRegistrar> StartRegistrarAsync(CancellationToken stopping)
    {
        var log = Track(new ChildLog(Path.Combine(LogDirectory, "kamailio.log")));
        var registrar = new KamailioRegistrar(
            Adapters.ToDictionary(adapter => adapter.Line, adapter => adapter.LinePassword),
            new KamailioRegistrarOptions { WorkDirectory = Path.Combine(options.DataDirectory, "kamailio"), OwnSession = true, LogLine = log.Write });
        Track(registrar);
        registrar.DecisionMade += (_, decision) => Say($"registrar: {Describe(decision)}");
        registrar.CallDecisionMade += (_, decision) => Say($"registrar: {Describe(decision)}");
        try
        {
            await registrar.StartAsync(stopping).ConfigureAwait(false);
        }
        catch (InvalidOperationException error)
        {
            throw new LabException($"the registrar (Kamailio) did not start: {FirstLine(error.Message)}; see {log.Path}", error);
        }

        watched.Add(("the registrar (Kamailio)", registrar.Completion, log.Path));
        Say($"registrar: Kamailio on udp:{registrar.Address}, realm {registrar.Realm}, lines {string.Join(", ", Adapters.Select(adapter => adapter.Line))}");
        Say($"registrar: routes calls between the lines (dial {string.Join(" or ", Adapters.Select(adapter => adapter.Line))}); " +
            $"emergency numbers {string.Join(", ", registrar.EmergencyNumbers)} get 503 (the lab has no emergency centre)");
        return registrar;
    }

    private async Task StartGatewayAsync(GatewayApi api, Uri url, CancellationToken stopping)
    {
        List<string> store = [];
        if (options.Postgres)
        {
            var cluster = Track(await PostgresCluster.StartAsync(durable: true, stopping).ConfigureAwait(false));
            store = ["--Store:Provider=PostgreSql", $"--Store:ConnectionString={await cluster.CreateDatabaseAsync("ata_lab", stopping).ConfigureAwait(false)}"];
            Say($"postgres: a throwaway cluster in {cluster.Directory} on 127.0.0.1:{cluster.Port}, database ata_lab (removed when the lab stops)");
        }

        var log = Track(new ChildLog(Path.Combine(LogDirectory, "gateway.log")));
        var gateway = Track(ManagedProcess.StartDotnet(
            repo.GatewayAssembly,
            ["--urls", url.GetLeftPart(UriPartial.Authority), $"--Gateway:DataDirectory={Path.Combine(options.DataDirectory, "gateway")}", .. store],
            new ManagedProcessOptions
            {
                Name = "gateway",
                WorkingDirectory = repo.GatewayProjectDirectory,
                OwnSession = true,
                StopGracePeriod = GatewayStopGrace,
                StandardOutputLine = log.Write,
                StandardErrorLine = log.Write,
            }));
        Say($"gateway: starting on {url} (pid {gateway.Id})");
        await api.WaitUntilHealthyAsync(gateway, log.Path, GatewayHealthTimeout, stopping).ConfigureAwait(false);
        watched.Add(("the gateway", gateway.Completion, log.Path));

        // With no Auth:AdminKey configured, the gateway generates its admin key into its data folder on first start.
        var keyFile = Path.Combine(options.DataDirectory, "gateway", "admin.key");
        if (!File.Exists(keyFile))
        {
            throw new LabException($"the gateway wrote no admin key to {keyFile}; see {log.Path}");
        }

        api.UseKey((await File.ReadAllTextAsync(keyFile, stopping).ConfigureAwait(false)).Trim());
        Say($"gateway: healthy; sign in to the dashboard with the admin key in {keyFile}");
    }

    private void StartAdapter(LabAdapter adapter, string broker, string caFile)
    {
        var log = Track(new ChildLog(Path.Combine(LogDirectory, adapter.DeviceId + ".log")));
        var simulator = Track(ManagedProcess.StartDotnet(
            repo.SimAssembly,
            ["--device-id", adapter.DeviceId, "--broker-tls", broker, "--ca-file", caFile, "--events", "json",
             "--tones-wav", Path.Combine(options.DataDirectory, "recordings", adapter.DeviceId)],
            new ManagedProcessOptions
            {
                Name = adapter.DeviceId,
                OwnSession = true,
                Environment = new Dictionary<string, string?> { ["ATA_SIM_SECRET"] = adapter.Secret },
                StandardOutputLine = line =>
                {
                    log.Write(line);
                    Say($"{adapter.DeviceId}: {line}");
                },
                StandardErrorLine = log.Write,
            }));
        watched.Add(($"adapter {adapter.DeviceId}", simulator.Completion, log.Path));
        simulators[adapter.DeviceId] = simulator;
        Say($"{adapter.DeviceId}: simulator started (pid {simulator.Id})");
    }

    /// <summary>
    /// Lines typed at the lab's terminal, <c>N ACTION</c> (N the adapter, 1 or 2, or its device id), go to
    /// that simulator's phone: <c>offhook</c>, <c>dial 2002</c>, <c>answer</c>, <c>hangup</c>, <c>mic tone 1000</c>…
    /// </summary>
    private async Task ForwardPhoneActionsAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested && await Console.In.ReadLineAsync(stopping).ConfigureAwait(false) is { } line)
        {
            string[] words = line.Trim().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0)
            {
                continue;
            }

            string? deviceId = int.TryParse(words[0], out int index) && index >= 1 && index <= Adapters.Count
                ? Adapters[index - 1].DeviceId
                : simulators.ContainsKey(words[0]) ? words[0] : null;
            if (deviceId is null || words.Length < 2)
            {
                Say($"lab: '{line}': give the adapter (1 to {Adapters.Count}) and a phone action, e.g. '1 dial {Adapters[^1].Line}'");
                continue;
            }

            await simulators[deviceId].WriteLineAsync(words[1], stopping).ConfigureAwait(false);
        }
    }

    private async Task WatchAsync(CancellationToken stopping)
    {
        var stopped = Task.Delay(Timeout.Infinite, stopping);
        var first = await Task.WhenAny(watched.Select(child => (Task)child.Completion).Append(stopped)).ConfigureAwait(false);

        // A child that ends together with a stop request (it got the same Ctrl-C) is part of the stop, not a failure.
        await Task.WhenAny(stopped, Task.Delay(StopRequestGrace, CancellationToken.None)).ConfigureAwait(false);
        if (stopping.IsCancellationRequested)
        {
            return;
        }

        var (name, completion, logPath) = watched.First(child => child.Completion == first);
        throw new LabException($"{name} exited on its own (code {await completion.ConfigureAwait(false)}); see {logPath}");
    }

    private async Task WriteLabDocumentAsync(KamailioRegistrar registrar, Uri gatewayUrl, Dictionary<string, string> brokers, string caFile, CancellationToken stopping)
    {
        var document = new
        {
            dashboard = gatewayUrl.ToString(),
            brokerCaFile = caFile,
            registrar = new { address = registrar.Address, realm = registrar.Realm, lines = registrar.Subscribers, emergencyNumbers = registrar.EmergencyNumbers },
            adapters = Adapters.Select(adapter => new { deviceId = adapter.DeviceId, secret = adapter.Secret, line = adapter.Line, brokerTls = brokers[adapter.DeviceId] }),
        };
        var path = Path.Combine(options.DataDirectory, "lab.json");
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(document, new JsonSerializerOptions { WriteIndented = true }), stopping).ConfigureAwait(false);
        if (!OperatingSystem.IsWindows())
        {
            // It holds the lab's line passwords and device secrets: for this user only.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        Say($"lab: what was set up (lines, secrets) is in {path}");
    }

    private int ChooseHttpPort()
    {
        if (FreePort.IsTcpAvailable(options.HttpPort))
        {
            return options.HttpPort;
        }

        if (options.HttpPortChosen)
        {
            throw new LabException($"port {options.HttpPort} on 127.0.0.1 is taken; choose another with --http-port");
        }

        var port = FreePort.Tcp();
        Say($"lab: port {options.HttpPort} is taken; the gateway uses {port}");
        return port;
    }

    private T Track<T>(T child)
        where T : IAsyncDisposable
    {
        started.Add(child);
        return child;
    }

    private void Say(string line)
    {
        lock (console)
        {
            console.WriteLine(line);
        }
    }

    private static string Describe(RegistrarDecision decision) => decision.Kind switch
    {
        RegistrarDecisionKind.Accepted when decision.Expires == 0 => $"{decision.User} unregistered",
        RegistrarDecisionKind.Accepted => $"{decision.User} registered for {decision.Expires} s from {decision.Contact}",
        RegistrarDecisionKind.Challenged => $"{decision.User} challenged ({decision.Reason})",
        _ => $"{decision.User} refused {decision.Code} ({decision.Reason})",
    };

    private static string Describe(CallDecision decision) => decision.Kind switch
    {
        CallDecisionKind.Challenged => $"call {decision.From} → {decision.To} challenged ({decision.Reason})",
        CallDecisionKind.Rejected => $"call {decision.From} → {decision.To} refused {decision.Code} ({decision.Reason})",
        CallDecisionKind.Routed => $"call {decision.From} → {decision.To} routed to {decision.Target}",
        CallDecisionKind.Emergency => $"emergency call {decision.From} → {decision.To} relayed to {decision.Target}",
        CallDecisionKind.Replied => $"call {decision.From} → {decision.To} answered {decision.Code}",
        CallDecisionKind.Cancelled => $"call {decision.From} → {decision.To} cancelled",
        _ => $"{decision.Method} from {decision.From} relayed in call {decision.CallId}",
    };

    private static string FirstLine(string text) => text.Split('\n', 2)[0].TrimEnd('\r', ';', ' ');

    /// <summary>One child's output, appended to a file with a time stamp per line.</summary>
    private sealed class ChildLog : IAsyncDisposable
    {
        private readonly StreamWriter writer;

        public ChildLog(string path)
        {
            Path = path;
            writer = new StreamWriter(path, append: true) { AutoFlush = true };
        }

        public string Path { get; }

        public void Write(string line)
        {
            lock (writer)
            {
                writer.WriteLine($"{DateTimeOffset.Now:HH:mm:ss.fff} {line}");
            }
        }

        public ValueTask DisposeAsync()
        {
            lock (writer)
            {
                writer.Dispose();
            }

            return ValueTask.CompletedTask;
        }
    }
}
