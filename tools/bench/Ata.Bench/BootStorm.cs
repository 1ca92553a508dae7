using System.Diagnostics;
using Ata.Gateway.Broker.Cluster;
using Ata.Lab;
using Ata.Scale.Tests.Support;

namespace Ata.Bench;

/// <summary>
/// A boot storm (issue 17, item 6): a real Kamailio registrar holds every line's credentials, a real
/// gateway (embedded Mosquitto, TLS for devices) has every adapter provisioned through its bulk import,
/// then every stand-in adapter (<see cref="StormAdapter"/>: the core's HostSupervisor and Registration,
/// MQTT 3.1.1 over TLS with its device secret) boots at the same moment. Prints the share connected,
/// provisioned and registered within 60 s, the overload errors (refused or timed-out connects, 5xx
/// answers), and the registrar's peak REGISTER rate, against a fixed 30 s retry (the baseline, in
/// virtual time with the core's own registration state machines: see <see cref="FleetRecovery"/>).
/// With <c>cluster</c>, the same against a 3-node RabbitMQ cluster on loopback (<see cref="RabbitCluster"/>,
/// the scale tests' own) and the gateway in <c>Broker:Kind=RabbitMq</c>: the stand-ins spread over the
/// nodes' plaintext MQTT listeners, in plain MQTT (<c>Broker:DevicePlaintext=true</c>: the cluster mode
/// itself gives adapters TLS by default; the benchmark measures the cluster as it was first measured).
/// </summary>
internal static class BootStorm
{
    private const string AdminKey = "bench-admin-key-0123456789";
    private const string ClusterPassword = "bench-gateway-cluster-password-0123";
    private const string ClusterAuthSecret = "bench-broker-auth-secret-0123456789";
    private const int WindowSeconds = 60;
    private const double Target = 0.99;

    /// <summary>
    /// The stand-ins' clock: every adapter's state machines are ticked this often (ms). Their timers are
    /// seconds long; at 20 ms the clock thread alone took 7.5 CPU seconds of a 10,000-adapter storm.
    /// </summary>
    private const int TickMs = 50;

    /// <summary>How long the registrar is away in the virtual-time comparison: longer than a REGISTER transaction (32 s), as in the recovery benchmark.</summary>
    private const int OutageSeconds = 120;

    /// <param name="adapters">Stand-in adapters.</param>
    /// <param name="cluster">Against a 3-node RabbitMQ cluster (plain MQTT) rather than the embedded Mosquitto (TLS).</param>
    public static async Task<bool> RunAsync(int adapters, bool cluster = false)
    {
        Console.WriteLine(cluster
            ? $"Boot storm benchmark: {adapters:N0} stand-in adapters boot at once against a 3-node RabbitMQ cluster on loopback (Broker:Kind=RabbitMq; PLAIN MQTT, no TLS: Broker:DevicePlaintext=true, the nodes' plaintext listeners; device secrets) and a real Kamailio"
            : $"Boot storm benchmark: {adapters:N0} stand-in adapters boot at once against the embedded broker (TLS, device secrets) and a real Kamailio");
        Console.WriteLine($"  open files allowed: {OpenFilesLimit()} (the storm needs about one per adapter here and one per adapter in the broker)");
        var subscribers = Enumerable.Range(1, adapters).ToDictionary(n => ProvisioningRate.SipUser(n), _ => ProvisioningRate.SipPassword, StringComparer.Ordinal);
        var perSecond = new int[WindowSeconds * 4];
        var clock = new Stopwatch();
        await using var registrar = await KamailioRegistrar.StartAsync(subscribers);
        registrar.DecisionMade += (_, _) =>
        {
            if (clock.IsRunning && (int)clock.Elapsed.TotalSeconds is var second && second < perSecond.Length)
            {
                Interlocked.Increment(ref perSecond[second]);
            }
        };

        var data = Directory.CreateTempSubdirectory("ata-bench-storm-");
        try
        {
            var httpPort = FreePort.Tcp();
            List<string> arguments = ["--urls", $"http://127.0.0.1:{httpPort}", $"--Gateway:DataDirectory={data.FullName}", "--Logging:LogLevel:Default=Warning"];
            await using var nodes = cluster ? await StartClusterAsync(httpPort, arguments) : null;
            await using var gateway = ManagedProcess.StartDotnet(
                RepoLayout.Find().GatewayAssembly,
                arguments,
                new ManagedProcessOptions { Name = "gateway", Environment = new Dictionary<string, string?> { ["Auth__AdminKey"] = AdminKey } });
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromMinutes(5) };
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminKey);
            await IngestRate.WaitReadyAsync(http, gateway);

            var provisioning = Stopwatch.StartNew();
            for (var done = 0; done < adapters; done += 500)
            {
                var chunk = Math.Min(500, adapters - done);
                if (await ProvisioningRate.ImportAsync(http, done + 1, chunk, registrar.Address) != chunk)
                {
                    throw new InvalidOperationException($"the import of adapters {done + 1}-{done + chunk} did not create them all");
                }
            }

            Console.WriteLine($"  provisioned {adapters:N0} adapters through the bulk import in {provisioning.Elapsed.TotalSeconds:F0} s, their lines at {registrar.Address}");
            var broker = Path.Combine(data.FullName, "broker");
            using var network = nodes is not null
                ? new StormNetwork([.. nodes.Nodes.Select(n => n.MqttPort)], null)
                : new StormNetwork([int.Parse(File.ReadAllText(Path.Combine(broker, "tls-port")).Trim(), System.Globalization.CultureInfo.InvariantCulture)],
                    Path.Combine(broker, "tls", "ca.crt"));
            if (nodes is not null)
            {
                Console.WriteLine($"  the stand-ins spread over the nodes' MQTT listeners (PLAIN MQTT, no TLS, Broker:DevicePlaintext=true): {string.Join(", ", nodes.MqttNodes)}");
            }

            var fleet = Enumerable.Range(1, adapters).Select(n => new StormAdapter(n, ProvisioningRate.DeviceId(n), ProvisioningRate.Secret(n), network)).ToArray();

            // The storm: every adapter's first tick is its boot, all in the same moment; then ticks every TickMs on one clock thread.
            var cpu = new StormCpu(gateway.Id, cluster);
            var lowered = StormCpu.YieldToServers();
            Console.WriteLine($"  the stand-ins run at nice {StormCpu.StandInsNice} ({lowered} threads), the broker, gateway and registrar at 0: they get the CPU first, as on machines of their own");
            Console.WriteLine($"  the storm starts ({StormCpu.Load()}); every 10 s, each part's CPU as a share of one core:");
            var ticking = new Stopwatch();
            clock.Start();
            var end = WindowSeconds * 1000L;
            var lastReport = 0L;
            double[] total = new double[cpu.Names.Count];
            var tickingCpu = 0.0;
            await Task.Run(() =>
            {
                var threadCpu = StormCpu.ThisThread();
                for (var now = 0L; now <= end; now = clock.ElapsedMilliseconds)
                {
                    ticking.Start();
                    network.Drain(now);
                    foreach (var adapter in fleet)
                    {
                        adapter.Tick(now);
                    }

                    ticking.Stop();
                    if (now - lastReport >= 10_000)
                    {
                        lastReport = now;
                        var (used, wall) = cpu.Take();
                        Console.WriteLine($"    {now / 1000,3} s: connected {fleet.Count(a => a.ConnectedAt >= 0),6:N0}, provisioned {fleet.Count(a => a.ProvisionedAt >= 0),6:N0}, "
                            + $"registered {fleet.Count(a => a.RegisteredAt >= 0),6:N0}, overload errors {network.OverloadErrors:N0}; {cpu.Shares(used, wall)}");
                        total = [.. total.Zip(used, (a, b) => a + b)];
                    }

                    if (fleet.All(a => a.RegisteredAt >= 0))
                    {
                        break;
                    }

                    Thread.Sleep(TickMs);
                }

                tickingCpu = StormCpu.ThisThread() - threadCpu;
            });
            clock.Stop();
            var (rest, _) = cpu.Take();
            total = [.. total.Zip(rest, (a, b) => a + b)];

            var connected = Times(fleet.Select(a => a.ConnectedAt));
            var provisioned = Times(fleet.Select(a => a.ProvisionedAt));
            var registered = Times(fleet.Select(a => a.RegisteredAt));
            var failures = network.Failures.OrderByDescending(f => f.Value).ToList();
            var peak = perSecond.Max();
            var registers = perSecond.Sum();
            var overload = network.OverloadErrors;
            foreach (var adapter in fleet)
            {
                adapter.Close();
            }

            Console.WriteLine();
            Console.WriteLine($"  {"within " + WindowSeconds + " s",-14} {"share",8} {"median s",9} {"99th % s",9} {"last s",8}");
            Print("connected", connected, adapters);
            Print("provisioned", provisioned, adapters);
            Print("registered", registered, adapters);
            Console.WriteLine($"  connection attempts: {network.ConnectAttempts:N0} for {adapters:N0} adapters; failures: {(failures.Count == 0 ? "none" : string.Join(", ", failures.Select(f => $"{f.Key} {f.Value:N0}")))}");
            Console.WriteLine($"  overload errors (refused, reset or timed-out connects, refused CONNACKs, lost sessions, SIP 5xx): {overload:N0}, of which SIP 5xx: {network.ServerErrors:N0}");
            Console.WriteLine($"  registrar (real Kamailio, the storm above): {registers:N0} REGISTERs seen (challenge and answer per line), peak {peak:N0} a second");
            var seconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"  CPU seconds over the storm's {seconds:F0} s ({StormCpu.Load()} at its end; the machine's {Environment.ProcessorCount} cores hold {Environment.ProcessorCount * seconds:F0}):");
            for (var i = 0; i < total.Length; i++)
            {
                var per = cpu.Names[i] switch
                {
                    "stand-ins" => $"{total[i] / adapters * 1000:F2} ms per adapter; of which their clock thread (the core's state machines, {TickMs} ms ticks) {tickingCpu:F1} s ({ticking.Elapsed.TotalSeconds:F1} s busy)",
                    "broker" => $"{total[i] / Math.Max(1, network.ConnectAttempts) * 1000:F2} ms per connection attempt ({(cluster ? "3 RabbitMQ nodes: plain MQTT, login asked of the gateway" : "TLS handshake, login")}, subscriptions, messages)",
                    "gateway" => $"{total[i] / adapters * 1000:F2} ms per adapter (sessions seen, config published, hello and status recorded)",
                    _ => $"{total[i] / Math.Max(1, registers) * 1000:F2} ms per REGISTER",
                };
                Console.WriteLine($"    {cpu.Names[i],-10} {total[i],7:F1} s  {per}");
            }


            // The baseline, in virtual time (running it for real would take minutes of 30 s retries): the same number of lines
            // booting at once while the registrar is away for the first 120 s, with the core's policy and with a fixed 30 s retry.
            var ours = FleetRecovery.Run("jittered exponential back-off (ours)", adapters, OutageSeconds, jitteredBackoff: true);
            var naive = FleetRecovery.Run("fixed 30 s retry, no jitter (baseline)", adapters, OutageSeconds, jitteredBackoff: false);
            Console.WriteLine($"  the same {adapters:N0} lines booting while the registrar is away for {OutageSeconds} s, VIRTUAL TIME (the core's Registration, simulated network):");
            Console.WriteLine($"    {"policy",-42} {"peak REGISTER/s",16} {"all registered after",22}");
            foreach (var o in new[] { ours, naive })
            {
                Console.WriteLine($"    {o.Policy,-42} {o.PeakPerSecond,16:N0} {o.AllRegisteredSeconds,20:F1} s");
            }

            Console.WriteLine($"  peak on the returning registrar: {(double)naive.PeakPerSecond / Math.Max(1, ours.PeakPerSecond):F1}x lower than the fixed 30 s retry");
            var met = connected.Share(adapters) >= Target && provisioned.Share(adapters) >= Target && registered.Share(adapters) >= Target && overload == 0;
            Console.WriteLine($"target: {Target:P0} connected, provisioned and registered within {WindowSeconds} s with 0 overload errors: {(met ? "met" : "MISSED")}");
            return met;
        }
        finally
        {
            try
            {
                data.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>
    /// Starts the 3-node cluster, its auth backend pointed at the gateway's HTTP port, and adds the gateway's
    /// RabbitMQ settings (as the scale tests' ClusterFleet) to <paramref name="arguments"/>.
    /// </summary>
    private static async Task<RabbitCluster> StartClusterAsync(int httpPort, List<string> arguments)
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        var nodes = await RabbitCluster.StartAsync(3, $"http://rabbitmq:{ClusterAuthSecret}@127.0.0.1:{httpPort}{BrokerAuthEndpoints.Path}", plaintext: true);
        Console.WriteLine($"  a 3-node RabbitMQ cluster started in {started.Elapsed.TotalSeconds:F0} s");
        arguments.AddRange(["--Broker:Kind=RabbitMq", "--Broker:DevicePlaintext=true", $"--Broker:Password={ClusterPassword}", $"--Broker:RabbitMq:AuthSecret={ClusterAuthSecret}"]);
        for (var i = 0; i < nodes.Nodes.Count; i++)
        {
            arguments.Add($"--Broker:RabbitMq:Nodes:{i}=127.0.0.1:{nodes.Nodes[i].AmqpPort}");
            arguments.Add($"--Broker:RabbitMq:MqttNodes:{i}=127.0.0.1:{nodes.Nodes[i].MqttPort}");
            arguments.Add($"--Broker:RabbitMq:Management:{i}=http://127.0.0.1:{nodes.Nodes[i].ManagementPort}");
        }

        return nodes;
    }

    private sealed record Spread(List<long> Sorted)
    {
        public double Share(int of) => (double)Sorted.Count / of;

        public string At(double fraction, int of) =>
            Sorted.Count >= Math.Ceiling(fraction * of) && Sorted.Count > 0 ? $"{Sorted[(int)Math.Ceiling(fraction * of) - 1] / 1000.0:F1}" : "-";
    }

    private static Spread Times(IEnumerable<long> times) => new([.. times.Where(t => t >= 0 && t <= WindowSeconds * 1000L).Order()]);

    private static void Print(string what, Spread spread, int adapters) =>
        Console.WriteLine($"  {what,-14} {spread.Share(adapters),8:P1} {spread.At(0.5, adapters),9} {spread.At(0.99, adapters),9} {(spread.Sorted.Count > 0 ? $"{spread.Sorted[^1] / 1000.0:F1}" : "-"),8}");

    private static string OpenFilesLimit()
    {
        try
        {
            var line = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
            return line is null ? "unknown" : string.Join(" / ", line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(2)) + " (soft / hard)";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
