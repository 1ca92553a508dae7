using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ata.Gateway.Broker;
using Ata.Tests.Mqtt;
using Ata.Gateway.Fleet;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ata.Gateway.Tests.Support;

/// <summary>
/// The real gateway, as Program.cs builds it, hosted in the test process: Kestrel on a free
/// loopback port, its own embedded Mosquitto, a data folder of the test's choosing, and every log
/// line captured.
/// </summary>
internal sealed class RunningGateway : IAsyncDisposable
{
    private bool _stopped;

    private RunningGateway(WebApplication app, CapturedLog log, string dataDirectory)
    {
        App = app;
        Log = log;
        DataDirectory = dataDirectory;
        Http = Client(AdminKey);
    }

    /// <summary>The admin key every test gateway is configured with; <see cref="Http"/> sends it.</summary>
    public const string AdminKey = "test-admin-key-0123456789";

    /// <summary>A client of this gateway presenting <paramref name="apiKey"/> (none when null).</summary>
    public HttpClient Client(string? apiKey)
    {
        var address = App.Urls.FirstOrDefault(u => u.StartsWith("http://", StringComparison.Ordinal)) ?? App.Urls.First();
        var client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        }

        return client;
    }

    public WebApplication App { get; }

    public CapturedLog Log { get; }

    public string DataDirectory { get; }

    public HttpClient Http { get; }

    public EmbeddedBroker Broker => App.Services.GetRequiredService<EmbeddedBroker>();

    public FleetMetrics Metrics => App.Services.GetRequiredService<FleetMetrics>();

    public FleetChannel Channel => App.Services.GetRequiredService<FleetChannel>();

    /// <summary>Everything the HTTP API answered so far, for "never in any response" assertions.</summary>
    public List<string> ResponseBodies { get; } = [];

    public static async Task<RunningGateway> StartAsync(
        string dataDirectory, CapturedLog? log = null, IDictionary<string, string?>? settings = null, string urls = "http://127.0.0.1:0")
    {
        log ??= new CapturedLog();
        var app = Build(dataDirectory, log, settings, urls);
        await app.StartAsync();
        var gateway = new RunningGateway(app, log, dataDirectory);
        try
        {
            await Eventually.TrueAsync(() => gateway.Channel.IsConnected, "the gateway's MQTT session", log);
        }
        catch
        {
            // Stopped, so its broker does not outlive the failed start.
            await gateway.DisposeAsync();
            throw;
        }

        return gateway;
    }

    /// <summary>Builds the gateway as Program.cs does, with test settings and captured logs, listening on <paramref name="urls"/>.</summary>
    public static WebApplication Build(string dataDirectory, CapturedLog log, IDictionary<string, string?>? settings = null, string urls = "http://127.0.0.1:0")
    {
        Directory.CreateDirectory(dataDirectory);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = Environments.Production,
            ContentRootPath = dataDirectory,
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:DataDirectory"] = dataDirectory,
            ["Auth:AdminKey"] = AdminKey,

            // The stand-in devices here use the loopback plaintext listener (off by default): TLS is
            // tested on its own (BrokerTlsTests), and everything runs over it in the lab and end to end.
            ["Broker:DevicePlaintext"] = "true",
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
        });
        builder.Configuration.AddInMemoryCollection(TestStores.SettingsAsync(dataDirectory).GetAwaiter().GetResult());
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.WebHost.UseUrls(urls);
        builder.AddGateway();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(log);
        var app = builder.Build();
        app.MapGateway();
        return app;
    }

    /// <summary>A client with a new API key of the support role, named <paramref name="name"/>.</summary>
    public async Task<HttpClient> SupportClientAsync(string name)
    {
        var response = await Http.PostAsJsonAsync("/api/keys", new { name, role = "support" });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, text);
        return Client(JsonNode.Parse(text)!["key"]!.GetValue<string>());
    }

    public async Task<(HttpResponseMessage Response, JsonNode? Body)> PutAdapterAsync(string deviceId, object body)
    {
        var response = await Http.PutAsJsonAsync($"/api/adapters/{deviceId}", body);
        return (response, await ReadAsync(response));
    }

    public async Task<(HttpResponseMessage Response, JsonNode? Body)> PutRawAsync(string deviceId, string body)
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        var response = await Http.PutAsync($"/api/adapters/{Uri.EscapeDataString(deviceId)}", content);
        return (response, await ReadAsync(response));
    }

    public async Task<JsonNode?> GetAdapterAsync(string deviceId)
    {
        var response = await Http.GetAsync($"/api/adapters/{deviceId}");
        var body = await ReadAsync(response);
        return response.IsSuccessStatusCode ? body : null;
    }

    /// <summary>Waits until the adapter exists and its API view satisfies <paramref name="condition"/>.</summary>
    public Task<JsonNode> AdapterWhenAsync(string deviceId, Func<JsonNode, bool> condition, string what) =>
        Eventually.ValueAsync(
            async () => await GetAdapterAsync(deviceId) ?? new JsonObject(),
            adapter => adapter["deviceId"] is not null && condition(adapter),
            $"{deviceId}: {what}",
            Log)!;

    /// <summary>
    /// A broker session with the gateway's own credentials on the gateway's own socket (it may publish
    /// on any adapter's topics and read them all), for playing devices the gateway does not know.
    /// </summary>
    public Task<MqttTestClient> ConnectAsGatewayAsync(string clientId) =>
        MqttTestClient.ConnectAsync("127.0.0.1", 0, clientId, MosquittoFiles.GatewayUser, File.ReadAllText(Broker.Directory.GatewaySecretFile).Trim(),
            options => options.WithEndPoint(new System.Net.Sockets.UnixDomainSocketEndPoint(Broker.Directory.GatewaySocket)));

    public async Task<JsonArray> ListAdaptersAsync()
    {
        var response = await Http.GetAsync("/api/adapters");
        response.EnsureSuccessStatusCode();
        return (await ReadAsync(response))!.AsArray();
    }

    /// <summary>Creates an adapter with one line and returns the broker port it was told (plaintext; TLS when it is told no plaintext one).</summary>
    public async Task<int> ProvisionAsync(string deviceId, string secret, string sipUser = "2001", string sipPassword = "sip-password")
    {
        var (response, body) = await PutAdapterAsync(deviceId, Adapter(secret, (sipUser, sipPassword, "127.0.0.1:5060")));
        response.EnsureSuccessStatusCode();
        return int.Parse((body!["broker"] ?? body["brokerTls"])!.GetValue<string>().Split(':')[^1], System.Globalization.CultureInfo.InvariantCulture);
    }

    public static object Adapter(string secret, params (string Username, string Password, string Registrar)[] lines) => new
    {
        secret,
        lines = lines.Select(l => new { username = l.Username, password = l.Password, registrar = l.Registrar }).ToArray(),
    };

    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await App.StopAsync();
        await App.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Http.Dispose();
    }

    private async Task<JsonNode?> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        lock (ResponseBodies)
        {
            ResponseBodies.Add(text);
        }

        if (text.Length == 0)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }
}
