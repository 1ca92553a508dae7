using System.Net.Http.Json;
using System.Text;
using Ata.Core.Contract;
using Ata.Gateway.Broker;
using Ata.Tests.Mqtt;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace Ata.Gateway.UiTests;

/// <summary>
/// The real gateway (with its embedded Mosquitto) on a loopback port, one provisioned adapter
/// reporting through the broker as a device does, and Debian's Chromium driven by Playwright.
/// </summary>
public sealed class DashboardHost : IAsyncLifetime
{
    public const string AdminKey = "ui-admin-key-0123456789abcdef";
    public const string DeviceId = "ui-adapter-1";
    public const string DeviceSecret = "ui-device-secret-1";
    public const string SipPassword = "ui-sip-password-never-shown";
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>A second adapter, both lines registered, whose Last Will came: offline, not registered.</summary>
    public const string GoneDeviceId = "ui-adapter-gone";

    private static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "ata-ui-" + Guid.NewGuid().ToString("N")[..8]);
    private WebApplication? _app;
    private MqttTestClient? _device;
    private IPlaywright? _playwright;

    public string BaseUrl { get; private set; } = string.Empty;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The running gateway's services.</summary>
    public IServiceProvider Services => _app!.Services;

    internal MqttTestClient Device => _device!;

    internal IReadOnlyList<ReceivedMessage> Commands => Device.Messages;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production, ContentRootPath = _directory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:DataDirectory"] = _directory,
            ["Auth:AdminKey"] = AdminKey,

            // The stand-in devices here use the loopback plaintext listener (off by default): TLS is
            // tested on its own (BrokerTlsTests), and everything runs over it in the lab and end to end.
            ["Broker:DevicePlaintext"] = "true",
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddGateway();
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapGateway();
        await _app.StartAsync();
        BaseUrl = _app.Urls.First();

        using var http = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminKey);
        var put = await http.PutAsJsonAsync($"/api/adapters/{DeviceId}", new
        {
            secret = DeviceSecret,
            customerReference = "CUST-UI-9",
            lines = new[]
            {
                new { username = "8001", password = SipPassword, registrar = "127.0.0.1:5060" },
                new { username = "8002", password = SipPassword, registrar = "127.0.0.1:5060" },
            },
        });
        put.EnsureSuccessStatusCode();

        var broker = _app.Services.GetRequiredService<IBroker>();
        _device = await MqttTestClient.ConnectAsync(
            "127.0.0.1", int.Parse(broker.DeviceAddress!.Split(':')[^1], System.Globalization.CultureInfo.InvariantCulture), DeviceId, DeviceId, DeviceSecret);
        await _device.SubscribeAsync(MqttTopics.For(DeviceId, MqttTopics.Command), MqttTopics.ReliableQos);
        await ReportAsync(MqttTopics.Status, MqttTopics.Online, retain: true);
        await ReportAsync(MqttTopics.Hello, """{"firmware":"3.1.4","hardware":"esp32-ata-r2","resetReason":"power-on","mac":"02:00:00:00:00:09"}""");
        foreach (var rssi in new[] { -71, -66, -62 })
        {
            await ReportAsync(MqttTopics.Health, Health(rssi), qos: MqttTopics.HealthQos);
        }

        await ReportAsync(MqttTopics.Fault, """{"seq":1,"code":"sip.credentials","state":"raised","line":2,"sipCode":403,"detail":"403 Forbidden"}""");
        await AddGoneAdapterAsync(http, broker);

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ChromiumArgs,
        });
    }

    private static async Task AddGoneAdapterAsync(HttpClient http, IBroker broker)
    {
        const string secret = "ui-device-secret-gone";
        var put = await http.PutAsJsonAsync($"/api/adapters/{GoneDeviceId}", new
        {
            secret,
            lines = new[] { new { username = "8101", password = SipPassword, registrar = "127.0.0.1:5060" } },
        });
        put.EnsureSuccessStatusCode();
        await using var gone = await MqttTestClient.ConnectAsync(
            "127.0.0.1", int.Parse(broker.DeviceAddress!.Split(':')[^1], System.Globalization.CultureInfo.InvariantCulture), GoneDeviceId, GoneDeviceId, secret);
        Task Report(string leaf, string payload, int qos = MqttTopics.ReliableQos, bool retain = false) =>
            gone.PublishAsync(MqttTopics.For(GoneDeviceId, leaf), Encoding.UTF8.GetBytes(payload), qos, retain);
        await Report(MqttTopics.Status, MqttTopics.Online, retain: true);
        await Report(MqttTopics.Health,
            """
            {"uptimeMs":60000,"freeHeap":120000,"wan":"online","wanAddress":"192.0.2.11","configVersion":1,
             "leds":{"pwr":"solid","wan":"solid","tel1":"solid","tel2":"off"},"lines":[{"line":1,"registration":"registered","sipCode":200,"lineState":"idle"}]}
            """, MqttTopics.HealthQos);

        // What the broker publishes as its Last Will when the adapter's connection dies.
        await Report(MqttTopics.Status, MqttTopics.Offline, retain: true);
    }

    public Task ReportAsync(string leaf, string payload, int qos = MqttTopics.ReliableQos, bool retain = false) =>
        Device.PublishAsync(MqttTopics.For(DeviceId, leaf), Encoding.UTF8.GetBytes(payload), qos, retain);

    /// <summary>A new browser context signed in with the admin key (or <paramref name="key"/>) through the login page.</summary>
    public async Task<IPage> SignedInPageAsync(string key = AdminKey, Func<IPage, Task>? beforeSignIn = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1200, Height = 1400 } });
        var page = await context.NewPageAsync();
        if (beforeSignIn is not null)
        {
            await beforeSignIn(page);
        }

        await page.GotoAsync(BaseUrl + "/");
        await page.FillAsync("#key", key);
        await Task.WhenAll(
            page.WaitForURLAsync(BaseUrl + "/", new PageWaitForURLOptions { WaitUntil = WaitUntilState.Commit }),
            page.ClickAsync("#key-sign-in button[type=submit]"));
        return page;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_device is not null)
        {
            await _device.DisposeAsync();
        }

        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    internal static string Health(int rssi) =>
        $$"""
        {"uptimeMs":3600000,"rssi":{{rssi}},"freeHeap":120000,"wan":"online","wanAddress":"192.0.2.10","configVersion":1,
         "leds":{"pwr":"solid","wan":"slow-blink","tel1":"fast-blink","tel2":"code-3"},
         "lines":[{"line":1,"registration":"registered","sipCode":200,"lineState":"idle","voicemail":"waiting"},{"line":2,"registration":"failed","sipCode":403,"lineState":"idle","voicemail":"off"}]}
        """;
}
