using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Ata.Lab;
using Ata.Tests.Mqtt;
using MQTTnet;

namespace Ata.Gateway.Tests.Support;

/// <summary>
/// The built gateway (<c>Ata.Gateway.dll</c>) as its own process, as it runs in production, so a
/// test can kill it with SIGKILL, restart it on the same data directory, or limit its file sizes.
/// It starts through <c>bash</c> with SIGXFSZ ignored, so a file size limit makes its writes fail
/// (as on a full disk) instead of killing it. <c>ATA_TEST_GATEWAY_ASSEMBLY</c> runs another build
/// (e.g. an older commit's, to see a test fail on it).
/// </summary>
internal sealed class GatewayProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private static readonly ConcurrentDictionary<string, bool> LeftoverBrokers = new(StringComparer.Ordinal);
    private bool _killed;

    static GatewayProcess()
    {
        // A test that failed between killing a gateway and starting the next must not leave its broker behind.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var dataDirectory in LeftoverBrokers.Keys)
            {
                StopLeftoverBroker(dataDirectory);
            }
        };
    }

    private GatewayProcess(ManagedProcess process, string dataDirectory, int httpPort)
    {
        Process = process;
        DataDirectory = dataDirectory;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(30) };
        Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", RunningGateway.AdminKey);
    }

    public ManagedProcess Process { get; }

    public string DataDirectory { get; }

    public HttpClient Http { get; }

    /// <summary>The embedded broker's port (kept in the data directory across restarts).</summary>
    public int BrokerPort => int.Parse(File.ReadAllText(Path.Combine(DataDirectory, "broker", "port")).Trim(), CultureInfo.InvariantCulture);

    /// <summary>The gateway build the tests run: <c>ATA_TEST_GATEWAY_ASSEMBLY</c>, or this repository's.</summary>
    public static string Assembly =>
        Environment.GetEnvironmentVariable("ATA_TEST_GATEWAY_ASSEMBLY") is { Length: > 0 } other ? other : RepoLayout.Find().GatewayAssembly;

    public static async Task<GatewayProcess> StartAsync(string dataDirectory, int httpPort, params string[] settings)
    {
        string[] arguments =
        [
            "-c", "trap '' XFSZ; exec \"$0\" \"$@\"", ManagedProcess.DotnetHost, Assembly,
            "--urls", $"http://127.0.0.1:{httpPort}",
            $"--Gateway:DataDirectory={dataDirectory}",
            "--Broker:DevicePlaintext=true", // stand-in devices on loopback, as in RunningGateway
            .. (await TestStores.SettingsAsync(dataDirectory)).Select(s => $"--{s.Key}={s.Value}"),
            .. settings,
        ];
        var process = ManagedProcess.Start("bash", arguments, new ManagedProcessOptions
        {
            Name = "gateway",
            OwnSession = true,
            StopGracePeriod = TimeSpan.FromSeconds(15),
            Environment = new Dictionary<string, string?> { ["Auth__AdminKey"] = RunningGateway.AdminKey },
        });
        var gateway = new GatewayProcess(process, dataDirectory, httpPort);
        await gateway.WaitUntilReadyAsync(ReadyTimeout);
        return gateway;
    }

    /// <summary>The embedded broker's folder.</summary>
    public string BrokerDirectory => Path.Combine(DataDirectory, "broker");

    /// <summary>The running embedded broker's process id.</summary>
    public int BrokerProcessId => int.Parse(File.ReadAllText(Path.Combine(BrokerDirectory, "mosquitto.pid")).Trim(), CultureInfo.InvariantCulture);

    /// <summary>
    /// A session with the gateway's own broker login, which may read and write every adapter's
    /// topics: on the gateway's socket, or (a gateway before it had one, see
    /// <c>ATA_TEST_GATEWAY_ASSEMBLY</c>) on the device port.
    /// </summary>
    public Task<MqttTestClient> ConnectAsGatewayAsync(string clientId)
    {
        var password = File.ReadAllText(Path.Combine(BrokerDirectory, "gateway.secret")).Trim();
        var socket = Path.Combine(BrokerDirectory, "gateway.sock");
        return File.Exists(socket)
            ? MqttTestClient.ConnectAsync("127.0.0.1", 0, clientId, "@gateway", password, o => o.WithEndPoint(new System.Net.Sockets.UnixDomainSocketEndPoint(socket)))
            : MqttTestClient.ConnectAsync("127.0.0.1", BrokerPort, clientId, "@gateway", password);
    }

    /// <summary>Stops the gateway cleanly (SIGTERM): it stops its broker, which saves its persistence first.</summary>
    public async Task StopAsync()
    {
        await Process.StopAsync();
        Assert.True(Process.HasExited);
    }

    /// <summary>Waits for <c>/healthz</c> to answer 200 (broker session up, database writable).</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (Process.HasExited)
            {
                throw new InvalidOperationException($"The gateway exited with {await Process.Completion}:{Environment.NewLine}{Process.Tail(60)}");
            }

            try
            {
                if ((await HealthAsync()).Status == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The gateway was not ready within {timeout.TotalSeconds} s:{Environment.NewLine}{Process.Tail(60)}");
            }

            await Task.Delay(100);
        }
    }

    public async Task<(HttpStatusCode Status, string Body)> HealthAsync()
    {
        using var response = await Http.GetAsync("/healthz");
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task<string> MetricsAsync()
    {
        using var response = await Http.GetAsync("/metrics");
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>One sample of a metric (the first line starting with <paramref name="sample"/>, e.g. <c>ata_store_writable</c>).</summary>
    public async Task<long> MetricAsync(string sample)
    {
        var line = (await MetricsAsync()).Split('\n').FirstOrDefault(l => l.StartsWith(sample + " ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"/metrics has no {sample}");
        return long.Parse(line[(sample.Length + 1)..], CultureInfo.InvariantCulture);
    }

    /// <summary>Provisions an adapter with one line.</summary>
    public async Task ProvisionAsync(string deviceId, string secret)
    {
        using var response = await Http.PutAsJsonAsync($"/api/adapters/{deviceId}", RunningGateway.Adapter(secret, ("2001", "sip-password", "127.0.0.1:5060")));
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The <c>detail</c> of every fault event the gateway recorded for an adapter (the last 500).</summary>
    public async Task<IReadOnlyList<string>> FaultDetailsAsync(string deviceId)
    {
        var events = await Http.GetFromJsonAsync<JsonArray>($"/api/adapters/{deviceId}/faults") ?? [];
        return [.. events.Select(e => e!["detail"]?.GetValue<string>() ?? string.Empty)];
    }

    /// <summary>
    /// SIGKILL to the gateway alone, and this handle released: its broker keeps running, as after a
    /// crash (until the next gateway on this data directory stops it, or this test process ends).
    /// </summary>
    public async Task KillAsync()
    {
        _killed = true;
        LeftoverBrokers[DataDirectory] = true;
        using (var process = System.Diagnostics.Process.GetProcessById(Process.Id))
        {
            process.Kill(entireProcessTree: false);
        }

        await Process.Completion.WaitAsync(TimeSpan.FromSeconds(15));
        await DisposeAsync();
    }

    /// <summary>Sets the gateway's file size limit (soft; <c>unlimited</c> or bytes), as <c>prlimit</c> does.</summary>
    public async Task LimitFileSizeAsync(string limit)
    {
        using var prlimit = System.Diagnostics.Process.Start(new ProcessStartInfo("prlimit", ["--pid", Process.Id.ToString(CultureInfo.InvariantCulture), $"--fsize={limit}:"])
        {
            RedirectStandardError = true,
        })!;
        var error = await prlimit.StandardError.ReadToEndAsync();
        await prlimit.WaitForExitAsync();
        if (prlimit.ExitCode != 0)
        {
            throw new InvalidOperationException($"prlimit failed: {error}");
        }
    }

    /// <summary>Stops the gateway (and so its broker); after <see cref="KillAsync"/> it leaves the broker running.</summary>
    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        Http.Dispose();
        if (!_killed)
        {
            LeftoverBrokers.TryRemove(DataDirectory, out _);
        }
    }

    private static void StopLeftoverBroker(string dataDirectory)
    {
        var pidFile = Path.Combine(dataDirectory, "broker", "mosquitto.pid");
        if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture, out var pid))
        {
            try
            {
                using var broker = System.Diagnostics.Process.GetProcessById(pid);
                if (File.ReadAllText($"/proc/{pid}/cmdline").Contains(dataDirectory, StringComparison.Ordinal))
                {
                    broker.Kill();
                }
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException)
            {
                // Gone already.
            }
        }
    }
}
