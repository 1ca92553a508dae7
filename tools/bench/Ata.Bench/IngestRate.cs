using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Ata.Core.Contract;
using Ata.Lab;

namespace Ata.Bench;

/// <summary>
/// The gateway's ingest against the broker's pace: adapters' health reports (QoS 0) are published
/// through the gateway's embedded Mosquitto by <c>mosquitto_pub</c> at a set rate (0: as fast as
/// they can), and in the same run <c>mosquitto_sub</c> (the baseline: a client that only receives)
/// and the gateway (which stores every report) take the same stream. Prints both rates, the ratio
/// (target at least 0.8x), and each one's CPU seconds per 1,000 messages.
/// </summary>
internal static class IngestRate
{
    private const string AdminKey = "bench-admin-key-0123456789";
    private const int Adapters = 50;

    public static async Task RunAsync(int messages, int perSecond)
    {
        var data = Directory.CreateTempSubdirectory("ata-bench-ingest-");
        var httpPort = FreePort.Tcp();
        Console.WriteLine($"Ingest benchmark: {messages:N0} health reports (QoS 0) from {Adapters} adapters through the embedded Mosquitto, "
            + (perSecond > 0 ? $"{perSecond:N0} a second" : "as fast as mosquitto_pub sends them"));
        try
        {
            await using var gateway = ManagedProcess.StartDotnet(
                RepoLayout.Find().GatewayAssembly,
                ["--urls", $"http://127.0.0.1:{httpPort}", $"--Gateway:DataDirectory={data.FullName}", "--Logging:LogLevel:Default=Warning"],
                new ManagedProcessOptions { Name = "gateway", Environment = new Dictionary<string, string?> { ["Auth__AdminKey"] = AdminKey } });
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminKey);
            await WaitReadyAsync(http, gateway);
            for (var i = 1; i <= Adapters; i++)
            {
                using var put = await http.PutAsJsonAsync($"/api/adapters/bench-{i}", new
                {
                    secret = $"bench-secret-{i}",
                    lines = new[] { new { username = $"{2000 + i}", password = "bench-pass", registrar = "127.0.0.1:5060" } },
                });
                put.EnsureSuccessStatusCode();
            }

            var broker = Path.Combine(data.FullName, "broker");
            // Adapters reach the broker over TLS only (plaintext for devices is off by default), trusting the gateway's CA.
            var port = File.ReadAllText(Path.Combine(broker, "tls-port")).Trim();
            var ca = Path.Combine(broker, "tls", "ca.crt");
            var secret = File.ReadAllText(Path.Combine(broker, "gateway.secret")).Trim();
            // The baseline reads every adapter's health as the gateway does: on the gateway's own socket, with its login.
            string[] gatewayLogin = ["--unix", Path.Combine(broker, "gateway.sock")];

            var subscriber = new Receiver();
            using var sub = Start("mosquitto_sub", [.. gatewayLogin, "-i", "bench-sub", "-q", "0", "-t", MqttTopics.AllDevices(MqttTopics.Health)], subscriber.OnLine,
                login: Login(data, "sub", "@gateway", secret));
            await Task.Delay(500);
            var gatewayCpu = CpuSeconds(gateway.Id);
            var subCpu = CpuSeconds(sub.Id);
            var storedBefore = await RecordedAsync(http);

            var perAdapter = messages / Adapters;
            var publishers = new List<Process>();
            for (var i = 1; i <= Adapters; i++)
            {
                // Each adapter publishes its own health with its own login, as an adapter does.
                string[] address = ["-h", "127.0.0.1", "-p", port, "--cafile", ca];
                publishers.Add(Start("mosquitto_pub", [.. address, "-q", "0", "-l", "-t", MqttTopics.For($"bench-{i}", MqttTopics.Health)], null, stdin: true,
                    login: Login(data, $"pub-{i}", $"bench-{i}", $"bench-secret-{i}")));
            }

            var stored = new StoreWatch(http, storedBefore);
            var watching = stored.RunAsync();
            await Task.WhenAll(publishers.Select((p, i) => FeedAsync(p, $"bench-{i + 1}", perAdapter, perSecond / (double)Adapters)));
            foreach (var publisher in publishers)
            {
                await publisher.WaitForExitAsync();
                publisher.Dispose();
            }

            await watching;
            await subscriber.QuietAsync();
            var gatewaySeconds = CpuSeconds(gateway.Id) - gatewayCpu;
            var subSeconds = CpuSeconds(sub.Id) - subCpu;
            sub.Kill();

            var published = perAdapter * Adapters;
            Console.WriteLine($"  {"receiver",-36} {"messages",10} {"per second",12} {"CPU s per 1,000",16}");
            Print("mosquitto_sub (baseline)", subscriber.Count, subscriber.Rate, subSeconds);
            Print("gateway, stored (ours)", stored.Count, stored.Rate, gatewaySeconds);
            Console.WriteLine($"  published {published:N0}; dropped by the gateway (backlog): {published - stored.Count:N0}");
            var ratio = stored.Rate / Math.Max(1, subscriber.Rate);
            Console.WriteLine($"stored-health rate: {ratio:F2}x mosquitto_sub's (target >= 0.8x): {(ratio >= 0.8 ? "met" : "MISSED")}");
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    private static void Print(string name, long count, double rate, double cpuSeconds) =>
        Console.WriteLine($"  {name,-36} {count,10:N0} {rate,12:N0} {cpuSeconds / Math.Max(1, count) * 1000,16:F3}");

    private static async Task FeedAsync(Process publisher, string deviceId, int count, double perSecond)
    {
        var line = new JsonObject
        {
            [Fields.DeviceId] = deviceId,
            [Fields.UptimeMs] = 123456,
            [Fields.Rssi] = -60,
            [Fields.FreeHeap] = 123456,
            [Fields.Wan] = "online",
            [Fields.WanAddress] = "192.0.2.10",
            [Fields.ConfigVersion] = 1,
            [Fields.Leds] = new JsonObject { ["pwr"] = "solid", ["wan"] = "solid", ["tel1"] = "solid", ["tel2"] = "off" },
            [Fields.Lines] = new JsonArray(new JsonObject { [Fields.Line] = 1, [Fields.Registration] = "registered", [Fields.SipCode] = 200, [Fields.LineState] = "idle" }),
        }.ToJsonString() + "\n";
        // Paced: a few lines every 20 ms; unpaced: blocks of 100 as fast as the pipe takes them.
        var step = perSecond > 0 ? Math.Max(1, (int)Math.Round(perSecond / 50)) : 100;
        var block = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(line, step)));
        var stdin = publisher.StandardInput.BaseStream;
        var clock = Stopwatch.StartNew();
        for (var sent = 0; sent < count; sent += step)
        {
            if (perSecond > 0 && TimeSpan.FromSeconds(sent / perSecond) - clock.Elapsed is { Ticks: > 0 } wait)
            {
                await Task.Delay(wait);
            }

            await stdin.WriteAsync(block.AsMemory(0, Math.Min(step, count - sent) * line.Length));
            await stdin.FlushAsync();
        }

        publisher.StandardInput.Close();
    }

    /// <summary>
    /// A private folder for <c>XDG_CONFIG_HOME</c> whose <c>mosquitto_pub</c> and <c>mosquitto_sub</c>
    /// files hold the login: the mosquitto clients read default options there, so no password is on their command line.
    /// </summary>
    internal static string Login(DirectoryInfo data, string name, string user, string password)
    {
        var folder = Path.Combine(data.FullName, "login-" + name);
        Directory.CreateDirectory(folder);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        foreach (var tool in new[] { "mosquitto_pub", "mosquitto_sub" })
        {
            File.WriteAllText(Path.Combine(folder, tool), $"-u {user}\n-P {password}\n");
        }

        return folder;
    }

    internal static Process Start(string tool, string[] arguments, Action<string>? onLine, bool stdin = false, string? login = null)
    {
        var start = new ProcessStartInfo(RequiredTool.Locate(tool))
        {
            RedirectStandardOutput = onLine is not null,
            RedirectStandardInput = stdin,
            UseShellExecute = false,
        };
        if (login is not null)
        {
            start.Environment["XDG_CONFIG_HOME"] = login;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
        if (onLine is not null)
        {
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    onLine(e.Data);
                }
            };
            process.BeginOutputReadLine();
        }

        return process;
    }

    internal static async Task WaitReadyAsync(HttpClient http, ManagedProcess gateway)
    {
        for (var i = 0; i < 600; i++)
        {
            if (gateway.HasExited)
            {
                throw new InvalidOperationException($"the gateway exited:{Environment.NewLine}{gateway.Tail()}");
            }

            try
            {
                using var health = await http.GetAsync("/healthz");
                if (health.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("the gateway was not ready within 60 s");
    }

    private static async Task<long> RecordedAsync(HttpClient http)
    {
        var metrics = await http.GetStringAsync("/metrics");
        var line = metrics.Split('\n').First(l => l.StartsWith("ata_reports_recorded_total ", StringComparison.Ordinal));
        return long.Parse(line["ata_reports_recorded_total ".Length..], CultureInfo.InvariantCulture);
    }

    /// <summary>User plus system CPU seconds a process has used.</summary>
    private static double CpuSeconds(int pid) => StormCpu.CpuSeconds($"/proc/{pid}/stat");

    /// <summary>Counts what mosquitto_sub prints, one line per message, with the times of the first and last.</summary>
    private sealed class Receiver
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private long _count;
        private long _firstTicks = -1;
        private long _lastTicks;

        public long Count => Interlocked.Read(ref _count);

        public double Rate => Count < 2 ? 0 : (Count - 1) / TimeSpan.FromTicks(_lastTicks - _firstTicks).TotalSeconds;

        public void OnLine(string line)
        {
            var now = _clock.Elapsed.Ticks;
            if (Interlocked.Increment(ref _count) == 1)
            {
                _firstTicks = now;
            }

            _lastTicks = now;
        }

        public async Task QuietAsync()
        {
            var seen = -1L;
            while (seen != Count)
            {
                seen = Count;
                await Task.Delay(1000);
            }
        }
    }

    /// <summary>Polls the gateway's recorded count until it stops growing, timing the first and last growth.</summary>
    private sealed class StoreWatch(HttpClient http, long before)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private TimeSpan _first;
        private TimeSpan _last;

        public long Count { get; private set; }

        public double Rate { get; private set; }

        public async Task RunAsync()
        {
            var quietSince = _clock.Elapsed;
            var started = false;
            while (!started || _clock.Elapsed - quietSince < TimeSpan.FromSeconds(3))
            {
                await Task.Delay(50);
                var count = await RecordedAsync(http) - before;
                if (count > Count)
                {
                    if (!started)
                    {
                        started = true;
                        _first = _clock.Elapsed;
                    }

                    Count = count;
                    _last = _clock.Elapsed;
                    quietSince = _last;
                }
                else if (!started && _clock.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new TimeoutException("the gateway stored nothing within 60 s");
                }
            }

            // Timed from the first poll that saw growth: one poll interval is added to cover the start.
            Rate = Count / (_last - _first + TimeSpan.FromMilliseconds(50)).TotalSeconds;
        }
    }
}
