using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Ata.Core.Contract;
using Ata.Lab;

namespace Ata.Bench;

/// <summary>
/// Provisioning as the fleet grows (issue 17, item 1): adapters are provisioned one after another
/// through the gateway's real provisioning path (the bulk import, <c>POST /api/adapters/import</c>,
/// 500 rows a request, each row as <c>PUT /api/adapters/{id}</c>: the store, the adapter's broker
/// login, its config published) into its embedded Mosquitto, from 0 up to a target. Prints the rate
/// over the 500 provisions before 1,000, 10,000, 50,000 and 90,000 adapters (the first 500 warm the
/// gateway up: the JIT, its connections), checks at each mark
/// that the last adapter logs in at the real broker, and compares in the same run with the
/// baseline: the password file rewritten and reloaded on every change (<c>Broker:DeviceLogins=File</c>),
/// which is stopped early because it only gets slower. When the time budget ends before the
/// target, it says how far it got and projects the rest from the last rate, labelled as such.
/// </summary>
internal static class ProvisioningRate
{
    private const string AdminKey = "bench-admin-key-0123456789";
    private const int Window = 500;
    private static readonly int[] Marks = [1_000, 10_000, 50_000, 90_000];

    public static async Task<bool> RunAsync(int target, int budgetSeconds)
    {
        Console.WriteLine($"Provisioning benchmark: up to {target:N0} adapters through the bulk import ({Window:N0} rows a request, each provisioned as PUT does) "
            + $"into the embedded Mosquitto, {budgetSeconds} s budget for ours, 60 s and 5,000 for the baseline");
        var ours = await MeasureAsync("device logins plugin (ours)", "Plugin", target, TimeSpan.FromSeconds(budgetSeconds));
        var baseline = await MeasureAsync("password file rewritten and reloaded per change (baseline)", "File", Math.Min(target, 5_000), TimeSpan.FromSeconds(60));

        Console.WriteLine();
        Console.WriteLine($"  {"adapters",10} {"ours /s",10} {"baseline /s",12}");
        foreach (var mark in Marks.Where(m => m <= Math.Max(ours.Reached, baseline.Reached)))
        {
            Console.WriteLine($"  {mark,10:N0} {Rate(ours, mark),10} {Rate(baseline, mark),12}");
        }

        var first = ours.RateAt(Marks[0]);
        var last = ours.RateAt(Marks[^1]);
        var baseFirst = baseline.RateAt(Marks[0]);
        Console.WriteLine();
        Console.WriteLine($"ours: {ours.Reached:N0} adapters in {ours.Elapsed.TotalSeconds:F0} s, {ours.Reached / ours.Elapsed.TotalSeconds:F0}/s overall; "
            + $"baseline: {baseline.Reached:N0} in {baseline.Elapsed.TotalSeconds:F0} s, {baseline.LastRate:F0}/s at the end");
        if (first is { } f && baseFirst is { } b)
        {
            Console.WriteLine($"at 1,000 adapters ours is {f / b:F1}x the baseline; at {baseline.Reached:N0} it is {ours.RateAt(baseline.Reached) / baseline.LastRate:F1}x");
        }

        var met = first is >= 200 && ours.Reached >= target;
        if (last is { } l && first is { } f1)
        {
            var drop = (f1 - l) / f1;
            Console.WriteLine($"target: >= 200/s sustained to {target:N0}: overall {ours.Reached / ours.Elapsed.TotalSeconds:F0}/s, "
                + $"every window: {(met && ours.MinimumRate >= 200 ? "met" : "MISSED")} (slowest window {ours.MinimumRate:F0}/s, ending at {ours.SlowestAt:N0}); "
                + $"rate at 90,000 vs 1,000: {-drop:+0.0%;-0.0%}, no more than 20 % lower: {(drop <= 0.2 ? "met" : "MISSED")}, within ±20 %: {(Math.Abs(drop) <= 0.2 ? "met" : "MISSED")}");
            var slow = ours.Windows.Where(w => w.Key > Window && w.Value < 200).ToList();
            Console.WriteLine($"windows of {Window} under 200/s after the first: {slow.Count} of {ours.Windows.Count - 1}"
                + (slow.Count > 0 ? $" (ending at {string.Join(", ", slow.Select(w => $"{w.Key:N0}: {w.Value:F0}/s"))})" : string.Empty)
                + $"; median window {Median(ours.Windows.Values):F0}/s");
            return met && ours.MinimumRate >= 200 && Math.Abs(drop) <= 0.2;
        }

        if (ours.Reached >= target)
        {
            Console.WriteLine($"target: judged at 100,000 (the rate at 90,000 against 1,000); this run of {target:N0}: overall {ours.Reached / ours.Elapsed.TotalSeconds:F0}/s, "
                + $"slowest window after the first {ours.MinimumRate:F0}/s");
            return false;
        }

        var remaining = target - ours.Reached;
        Console.WriteLine($"target: NOT MEASURED to {target:N0}: the {budgetSeconds} s budget ended at {ours.Reached:N0} adapters. "
            + $"PROJECTION ONLY (not measured): the remaining {remaining:N0} at the last window's {ours.LastRate:F0}/s would take {remaining / Math.Max(1, ours.LastRate):F0} s more; "
            + $"slowest window so far {ours.MinimumRate:F0}/s, rate at the last mark vs 1,000: {(first is { } ff ? $"{(ours.LastRate - ff) / ff:+0.0%;-0.0%}" : "n/a")}");
        return false;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted[sorted.Count / 2];
    }

    private static string Rate(Run run, int mark) => run.RateAt(mark) is { } rate ? $"{rate:F0}" : "-";

    private static async Task<Run> MeasureAsync(string name, string mode, int target, TimeSpan budget)
    {
        Console.WriteLine();
        Console.WriteLine($"  {name}:");
        var data = Directory.CreateTempSubdirectory("ata-bench-provision-");
        var httpPort = FreePort.Tcp();
        var run = new Run();
        try
        {
            await using var gateway = ManagedProcess.StartDotnet(
                RepoLayout.Find().GatewayAssembly,
                ["--urls", $"http://127.0.0.1:{httpPort}", $"--Gateway:DataDirectory={data.FullName}", "--Logging:LogLevel:Default=Warning",
                    $"--Broker:DeviceLogins={mode}"],
                new ManagedProcessOptions { Name = "gateway", Environment = new Dictionary<string, string?> { ["Auth__AdminKey"] = AdminKey } });
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminKey);
            await IngestRate.WaitReadyAsync(http, gateway);
            // Adapters log in over TLS (the embedded broker has no plaintext listener for them by default).
            var port = File.ReadAllText(Path.Combine(data.FullName, "broker", "tls-port")).Trim();

            var clock = Stopwatch.StartNew();
            var done = 0;
            while (done < target && clock.Elapsed < budget)
            {
                var chunk = Math.Min(Window, target - done);
                var started = clock.Elapsed;
                var created = await ImportAsync(http, done + 1, chunk);
                if (created != chunk)
                {
                    throw new InvalidOperationException($"the import of rows {done + 1}-{done + chunk} created {created} adapters, not {chunk}");
                }

                done += chunk;
                run.Windows[done] = chunk / (clock.Elapsed - started).TotalSeconds;
                if (Array.IndexOf(Marks, done) >= 0)
                {
                    Console.WriteLine($"    at {done,7:N0}: {run.Windows[done],6:F0} provisions/s over the last {Window:N0}; adapter {DeviceId(done)} logs in: {await LogsInAsync(data, port, done)}");
                }
                else if (done % 10_000 == 0 || done == Window * 5)
                {
                    Console.WriteLine($"    at {done,7:N0}: {run.Windows[done],6:F0} provisions/s ({clock.Elapsed.TotalSeconds:F0} s)");
                }
            }

            run.Reached = done;
            run.Elapsed = clock.Elapsed;
            Console.WriteLine($"    {(run.Reached >= target ? "reached" : "stopped at")} {run.Reached:N0} adapters after {run.Elapsed.TotalSeconds:F0} s");
            return run;
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    /// <summary>Provisions adapters <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> - 1 in one CSV import; how many it created.</summary>
    internal static async Task<int> ImportAsync(HttpClient http, int first, int count, string registrar = "127.0.0.1:5060")
    {
        var csv = new System.Text.StringBuilder(count * 100).Append("mac,device_id,secret,line1_username,line1_password,line1_registrar\n");
        for (var n = first; n < first + count; n++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"02:00:00:{n >> 16 & 0xff:x2}:{n >> 8 & 0xff:x2}:{n & 0xff:x2},{DeviceId(n)},{Secret(n)},{SipUser(n)},{SipPassword},{registrar}\n");
        }

        using var content = new StringContent(csv.ToString(), System.Text.Encoding.UTF8, "text/csv");
        using var response = await http.PostAsync("/api/adapters/import", content);
        var report = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"the import answered {(int)response.StatusCode}: {report}");
        }

        var last = System.Text.Json.Nodes.JsonNode.Parse(report.TrimEnd().Split('\n')[^1])!;
        return last["type"]!.GetValue<string>() == "done"
            ? last["created"]!.GetValue<int>()
            : throw new InvalidOperationException($"the import ended: {report.TrimEnd().Split('\n')[^1]}");
    }

    /// <summary>The SIP password of every benchmark adapter's line.</summary>
    internal const string SipPassword = "bench-sip-pass";

    internal static string DeviceId(int n) => $"bench-{n:D6}";

    internal static string Secret(int n) => $"bench-secret-{n:D6}";

    internal static string SipUser(int n) => string.Create(CultureInfo.InvariantCulture, $"{100000 + n}");

    /// <summary>Whether the adapter logs in at the real broker (mosquitto_pub over TLS with its login, trusting the gateway's CA alone).</summary>
    private static async Task<string> LogsInAsync(DirectoryInfo data, string port, int n)
    {
        var ca = Path.Combine(data.FullName, "broker", "tls", "ca.crt");
        using var pub = IngestRate.Start("mosquitto_pub", ["-h", "127.0.0.1", "-p", port, "--cafile", ca, "-q", "1", "-t", MqttTopics.For(DeviceId(n), MqttTopics.Status), "-m", MqttTopics.Online],
            null, login: IngestRate.Login(data, $"check-{n}", DeviceId(n), Secret(n)));
        await pub.WaitForExitAsync();
        return pub.ExitCode == 0 ? "yes" : "NO";
    }

    private sealed class Run
    {
        public SortedDictionary<int, double> Windows { get; } = [];

        public int Reached { get; set; }

        public TimeSpan Elapsed { get; set; }

        public double LastRate => Windows.Count > 0 ? Windows.Last().Value : 0;

        /// <summary>The slowest window after the first (whose 500 include the gateway's warm-up: JIT, connections).</summary>
        public double MinimumRate => Sustained.Any() ? Sustained.Min(w => w.Value) : 0;

        public int SlowestAt => Sustained.Any() ? Sustained.MinBy(w => w.Value).Key : 0;

        private IEnumerable<KeyValuePair<int, double>> Sustained => Windows.Where(w => w.Key > Window);

        public double? RateAt(int mark)
        {
            var at = Windows.Keys.Where(k => k <= mark).DefaultIfEmpty(0).Max();
            return at >= mark - Window + 1 && Windows.TryGetValue(at, out var rate) ? rate : null;
        }
    }
}
