using System.Net.Http.Json;
using System.Text.Json;
using Ata.Lab;

namespace Ata.EndToEnd.Tests;

/// <summary>
/// The whole system on loopback: a real Kamailio registrar, the real gateway (which starts its own
/// real mosquitto) relaying incidents to a webhook receiver, shared by the tests of this collection.
/// Adapters are provisioned per test. <c>ATA_TEST_GATEWAY_ASSEMBLY</c> runs another build of the
/// gateway (e.g. an older one, to see a test fail on it).
/// </summary>
public sealed class FirstLightFixture : IAsyncLifetime
{
    public const string GoodUser = "2001";
    public const string GoodPassword = "lab-pass-2001";
    public const string SecondUser = "2002";
    public const string SecondPassword = "lab-pass-2002";

    /// <summary>
    /// The gateway's <c>Incidents:QuietSeconds</c>: a cleared fault ends its incident after this long
    /// (120 s by default; short here, so an incident's end can be waited for).
    /// </summary>
    public const int QuietSeconds = 3;

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "ata-e2e-" + Guid.NewGuid().ToString("N")[..8]);

    public RepoLayout Layout { get; } = RepoLayout.Find();
    public KamailioRegistrar Registrar { get; private set; } = null!;
    /// <summary>The admin API key the gateway is started with (environment, not the command line).</summary>
    public const string AdminKey = "first-light-admin-key-5c0ffee";

    public ManagedProcess Gateway { get; private set; } = null!;
    public HttpClient Api { get; private set; } = null!;
    public string GatewayUrl { get; private set; } = null!;

    /// <summary>The embedded broker's plaintext device port (chosen and kept in its data directory): nothing listens there by default.</summary>
    public int PlaintextPort => int.Parse(File.ReadAllText(Path.Combine(_dataDirectory, "broker", "port")).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The broker's TLS listener and the CA adapters check it against (plaintext for devices is off by default).</summary>
    public DeviceBroker Broker { get; private set; } = null!;

    /// <summary>Where the gateway's fault relay sends its reports.</summary>
    public WebhookReceiver Webhook { get; } = new();

    public async Task InitializeAsync()
    {
        Registrar = await KamailioRegistrar.StartAsync(new Dictionary<string, string>
        {
            [GoodUser] = GoodPassword,
            [SecondUser] = SecondPassword,
        });

        int httpPort = FreePort.Tcp();
        GatewayUrl = $"http://127.0.0.1:{httpPort}";
        var assembly = Environment.GetEnvironmentVariable("ATA_TEST_GATEWAY_ASSEMBLY") is { Length: > 0 } other ? other : Layout.GatewayAssembly;
        Gateway = ManagedProcess.StartDotnet(assembly,
            ["--urls", GatewayUrl, "--Gateway:DataDirectory=" + _dataDirectory],
            new ManagedProcessOptions
            {
                Name = "gateway",
                Environment = new Dictionary<string, string?>
                {
                    ["Auth__AdminKey"] = AdminKey,
                    ["Incidents__QuietSeconds"] = QuietSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["Relay__WebhookUrl"] = Webhook.Url,
                    ["Relay__PollMilliseconds"] = "200",
                },
            });
        Api = new HttpClient { BaseAddress = new Uri(GatewayUrl), Timeout = TimeSpan.FromSeconds(10) };
        Api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminKey);
        await Eventually.Until(async () =>
        {
            if (Gateway.HasExited)
            {
                throw new InvalidOperationException("the gateway exited:\n" + Gateway.Tail());
            }

            try
            {
                return (await Api.GetAsync("/healthz")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), () => "gateway did not become healthy:\n" + Gateway.Tail());
        Broker = await DeviceBroker.FetchAsync(Api, Path.Combine(_dataDirectory, "test"));
    }

    public async Task DisposeAsync()
    {
        Api?.Dispose();
        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }

        if (Registrar is not null)
        {
            await Registrar.DisposeAsync();
        }

        Webhook.Dispose();

        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Provisions an adapter with one line through the API; returns the broker's TLS address for devices.</summary>
    public async Task<string> ProvisionAsync(string deviceId, string secret, string username, string password, string registrar)
    {
        var response = await Api.PutAsJsonAsync($"/api/adapters/{deviceId}", new
        {
            secret,
            lines = new[] { new { username, password, registrar } },
        });
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"PUT failed: {(int)response.StatusCode} {body}");
        using var doc = JsonDocument.Parse(body);
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("broker").ValueKind);
        return doc.RootElement.GetProperty("brokerTls").GetString()!;
    }

    public async Task<JsonElement> GetAdapterAsync(string deviceId)
    {
        string body = await Api.GetStringAsync($"/api/adapters/{deviceId}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>The adapter's fault timeline, newest first.</summary>
    public async Task<IReadOnlyList<JsonElement>> GetFaultEventsAsync(string deviceId) =>
        [.. JsonDocument.Parse(await Api.GetStringAsync($"/api/adapters/{deviceId}/faults")).RootElement.Clone().EnumerateArray()];

    /// <summary>A sample of <c>/metrics</c> by its name and labels as written there, e.g. <c>ata_reports_recorded_total</c>; 0 when absent.</summary>
    public async Task<long> GetMetricAsync(string sample)
    {
        string text = await Api.GetStringAsync("/metrics");
        string? line = text.Split('\n').FirstOrDefault(l => l.StartsWith(sample + " ", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line[(sample.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The adapter's incidents, newest first.</summary>
    public async Task<IReadOnlyList<JsonElement>> GetIncidentsAsync(string deviceId) =>
        [.. JsonDocument.Parse(await Api.GetStringAsync("/api/incidents")).RootElement.Clone().EnumerateArray()
            .Where(i => i.GetProperty("deviceId").ValueKind == JsonValueKind.String && i.GetProperty("deviceId").GetString() == deviceId)];

    /// <summary>Starts Ata.Sim in gateway mode with JSON events, over TLS to <paramref name="broker"/> checked against the gateway's CA.</summary>
    public SimAdapter StartSim(string deviceId, string secret, string broker) =>
        new(ManagedProcess.StartDotnet(Layout.SimAssembly,
            ["--device-id", deviceId, .. Broker.SimArguments(broker), "--events", "json", "--health-interval", "5"],
            new ManagedProcessOptions { Name = "sim-" + deviceId, Environment = new Dictionary<string, string?> { ["ATA_SIM_SECRET"] = secret } }));
}

[CollectionDefinition(Name)]
public sealed class FirstLightCollection : ICollectionFixture<FirstLightFixture>
{
    public const string Name = "first light";
}

/// <summary>A running simulator, followed through its JSON events.</summary>
public sealed class SimAdapter(ManagedProcess process) : IAsyncDisposable
{
    public ManagedProcess Process => process;

    /// <summary>
    /// Starts Ata.Sim without a gateway, registering <paramref name="user"/> to <paramref name="registrar"/>
    /// with JSON events and no NAT keep-alive; <paramref name="extra"/> adds or overrides options.
    /// </summary>
    public static SimAdapter StartStandalone(string user, string password, string registrar, params string[] extra) =>
        new(ManagedProcess.StartDotnet(RepoLayout.Find().SimAssembly,
            ["--sip-user", user, "--registrar", registrar, "--events", "json", "--keepalive", "0", .. extra],
            new ManagedProcessOptions { Name = "sim", Environment = new Dictionary<string, string?> { ["ATA_SIM_SIP_PASSWORD"] = password } }));

    /// <summary>Every JSON event printed so far.</summary>
    public IReadOnlyList<JsonElement> Events =>
        process.StandardOutputLines.Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    /// <summary>Waits for an event of <paramref name="kind"/> matching <paramref name="predicate"/>.</summary>
    public async Task<JsonElement> WaitForEventAsync(string kind, Func<JsonElement, bool> predicate, TimeSpan? timeout = null, bool includeEarlier = true)
    {
        string line = await process.WaitForOutputLineAsync(l =>
        {
            if (!l.StartsWith('{'))
            {
                return false;
            }

            var e = JsonDocument.Parse(l).RootElement;
            return e.GetProperty("event").GetString() == kind && predicate(e);
        }, timeout ?? TimeSpan.FromSeconds(30), includeEarlier);
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    public ValueTask DisposeAsync() => process.DisposeAsync();
}

/// <summary>Polling for a condition with a deadline, for state that is only visible by asking.</summary>
public static class Eventually
{
    public static async Task Until(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(describe());
            }

            await Task.Delay(100);
        }
    }
}
