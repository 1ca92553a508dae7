using System.Text.Json;
using Ata.Core.Leds;
using Microsoft.Playwright;

namespace Ata.Gateway.UiTests;

/// <summary>What support staff see and do in the dashboard, in a real headless Chromium.</summary>
public sealed class DashboardTests(DashboardHost host) : IClassFixture<DashboardHost>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Signing_in_shows_the_fleet_overview_and_search_finds_an_adapter_by_customer_reference()
    {
        var page = await host.SignedInPageAsync();
        var card = page.Locator(".card", new PageLocatorOptions { HasText = DashboardHost.DeviceId });
        await Assertions.Expect(card).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = (float)Wait.TotalMilliseconds });
        await Assertions.Expect(page.Locator("#tiles [data-tile=online] .tile-count")).ToHaveTextAsync("1");
        await Assertions.Expect(page.Locator("#tiles [data-tile=faulted] .tile-count")).ToHaveTextAsync("2");

        // Found: "registered" counted adapters that were gone, and offline had no count or colour of its own.
        await Assertions.Expect(page.Locator("#tiles [data-tile=offline] .tile-count")).ToHaveTextAsync("1");
        await Assertions.Expect(page.Locator("#tiles [data-tile=silent] .tile-count")).ToHaveTextAsync("0");
        await Assertions.Expect(page.Locator("#tiles [data-tile=registered] .tile-count")).ToHaveTextAsync("0");
        var gone = page.Locator(".card", new PageLocatorOptions { HasText = DashboardHost.GoneDeviceId });
        await Assertions.Expect(gone.Locator(".presence")).ToHaveTextAsync("offline");
        await Assertions.Expect(gone.Locator(".presence")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\boffline\b"));
        Assert.NotEqual(await Style(gone.Locator(".presence"), "backgroundColor"), await Style(card.Locator(".presence"), "backgroundColor"));
        await Assertions.Expect(gone.Locator(".faults")).ToContainTextAsync("offline");
        await Assertions.Expect(card.Locator(".customer")).ToHaveTextAsync("Customer CUST-UI-9");
        // One line per incident, with its adapter (a link to its page), line and customer reference.
        await Assertions.Expect(page.Locator("#incidents")).ToContainTextAsync($"{DashboardHost.DeviceId} (line 2, customer CUST-UI-9): Wrong SIP user name",
            new LocatorAssertionsToContainTextOptions { Timeout = (float)Wait.TotalMilliseconds });
        await Assertions.Expect(page.Locator("#incidents li a")).ToHaveAttributeAsync("href", $"/adapters/{DashboardHost.DeviceId}");
        await Assertions.Expect(page.Locator("#incidents li")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#incidents .next-step")).ToContainTextAsync("re-provision");

        await page.FillAsync("#search", "cust-ui");
        await Assertions.Expect(card).ToBeVisibleAsync();
        await page.FillAsync("#search", "nobody-matches-this");
        await Assertions.Expect(page.Locator(".card")).ToHaveCountAsync(0, new LocatorAssertionsToHaveCountOptions { Timeout = (float)Wait.TotalMilliseconds });
        await page.FillAsync("#search", "8002");
        await Assertions.Expect(card).ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = (float)Wait.TotalMilliseconds });

        var html = await page.ContentAsync();
        Assert.DoesNotContain(DashboardHost.SipPassword, html, StringComparison.Ordinal);
        Assert.DoesNotContain(DashboardHost.DeviceSecret, html, StringComparison.Ordinal);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_adapter_page_blinks_the_leds_as_the_adapter_does_and_shows_lines_faults_charts_and_configs()
    {
        var page = await OpenAdapterPageAsync();

        var pwr = page.Locator("#adapter-detail .led[data-led=pwr]");
        var wan = page.Locator("#adapter-detail .led[data-led=wan]");
        var tel1 = page.Locator("#adapter-detail .led[data-led=tel1]");
        var tel2 = page.Locator("#adapter-detail .led[data-led=tel2]");
        Assert.Equal("none", await Style(pwr, "animationName"));
        Assert.Equal("rgb(31, 157, 85)", await Style(pwr, "backgroundColor"));
        Assert.Equal("led-blink", await Style(wan, "animationName"));
        Assert.Equal($"{LedTable.SlowPeriodMs / 1000.0:0.###}s", await Style(wan, "animationDuration"));
        Assert.Equal($"{LedTable.FastPeriodMs / 1000.0:0.###}s", await Style(tel1, "animationDuration"));
        Assert.Equal("led-code-3", await Style(tel2, "animationName"));
        Assert.Equal("3", await tel2.Locator(".count").TextContentAsync());

        var colours = new HashSet<string>(StringComparer.Ordinal);
        var until = DateTime.UtcNow + TimeSpan.FromMilliseconds(LedTable.SlowPeriodMs * 2.5);
        while (DateTime.UtcNow < until && colours.Count < 2)
        {
            colours.Add(await Style(wan, "backgroundColor"));
            await page.WaitForTimeoutAsync(LedTable.SlowPeriodMs / 10f);
        }

        Assert.Equal(2, colours.Count);

        var rows = page.Locator("#adapter-detail .lines tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(rows.Nth(0).Locator(".registration")).ToHaveTextAsync("registered");
        await Assertions.Expect(rows.Nth(1).Locator(".registration")).ToHaveTextAsync("failed");
        await Assertions.Expect(page.Locator("#timeline li.raised")).ToContainTextAsync("Wrong SIP user name", new LocatorAssertionsToContainTextOptions { Timeout = (float)Wait.TotalMilliseconds });
        await Assertions.Expect(page.Locator("#configs tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#configs tr").First).ToContainTextAsync("v1");
        await Assertions.Expect(page.Locator("#adapter-detail .more-facts")).ToContainTextAsync("-62 dBm");

        var inked = await page.EvaluateAsync<int>(
            """
            () => {
              const canvas = document.getElementById("rssi-chart");
              const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
              let green = 0;
              for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && data[i + 1] > 120 && data[i] < 80) green++;
              return green;
            }
            """);
        Assert.True(inked > 50, $"the signal chart drew {inked} green pixels");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Re_register_on_the_adapter_page_reaches_the_adapter_on_its_command_topic()
    {
        var page = await OpenAdapterPageAsync();
        var before = host.Commands.Count;

        await page.ClickAsync("button[data-command=reregister]");

        await Assertions.Expect(page.Locator("#action-result")).ToContainTextAsync("Re-register: pending", new LocatorAssertionsToContainTextOptions { Timeout = (float)Wait.TotalMilliseconds });
        var deadline = DateTime.UtcNow + Wait;
        while (host.Commands.Count == before && DateTime.UtcNow < deadline)
        {
            await page.WaitForTimeoutAsync(50);
        }

        var command = JsonDocument.Parse(host.Commands[^1].PayloadText).RootElement;
        Assert.Equal("reregister", command.GetProperty("command").GetString());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Signing_out_in_the_dashboard_ends_the_session_on_the_gateway_not_just_in_the_browser()
    {
        var page = await host.SignedInPageAsync();
        await Assertions.Expect(page.Locator(".card", new PageLocatorOptions { HasText = DashboardHost.DeviceId }))
            .ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = (float)Wait.TotalMilliseconds });
        var session = (await page.Context.CookiesAsync()).Single(c => c.Name == "ata-session");

        await Task.WhenAll(page.WaitForURLAsync(host.BaseUrl + "/login"), page.ClickAsync("#sign-out"));

        // Someone who had copied the cookie puts it back: the session it named is gone on the gateway.
        await page.Context.AddCookiesAsync([new Cookie { Name = session.Name, Value = session.Value, Domain = session.Domain, Path = session.Path }]);
        var api = await page.Context.APIRequest.GetAsync(host.BaseUrl + "/api/adapters");
        Assert.Equal(401, api.Status);
        await page.GotoAsync(host.BaseUrl + "/");
        Assert.StartsWith(host.BaseUrl + "/login", page.Url, StringComparison.Ordinal);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_screenshot_of_the_adapter_page_shows_the_panel_as_the_customer_sees_it()
    {
        var page = await OpenAdapterPageAsync();
        var pwr = await page.Locator("#adapter-detail .led[data-led=pwr]").BoundingBoxAsync();
        var screenshot = await page.ScreenshotAsync(new PageScreenshotOptions { FullPage = true, Animations = ScreenshotAnimations.Disabled });
        var artifacts = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(artifacts);
        await File.WriteAllBytesAsync(Path.Combine(artifacts, "adapter-page.png"), screenshot);

        Assert.NotNull(pwr);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], screenshot[..4]);
        var decoder = await page.Context.NewPageAsync();
        var pixel = await decoder.EvaluateAsync<int[]>(
            """
            async ([png, x, y]) => {
              const image = new Image();
              image.src = "data:image/png;base64," + png;
              await image.decode();
              const canvas = document.createElement("canvas");
              canvas.width = image.width;
              canvas.height = image.height;
              const context = canvas.getContext("2d");
              context.drawImage(image, 0, 0);
              const [r, g, b] = context.getImageData(x, y, 1, 1).data;
              return [image.width, image.height, r, g, b];
            }
            """,
            new object[] { Convert.ToBase64String(screenshot), (int)(pwr.X + pwr.Width / 2), (int)(pwr.Y + pwr.Height / 2) });

        Assert.Equal(1200, pixel[0]);
        Assert.True(pixel[1] >= 800, $"page height {pixel[1]}");
        Assert.True(pixel[3] > 120 && pixel[2] < 90 && pixel[4] < 130, $"the PWR LED should be lit green, was rgb({pixel[2]}, {pixel[3]}, {pixel[4]})");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_adapter_page_writes_each_lines_voicemail_light_from_health_next_to_its_tel_led()
    {
        // TEL1 blinks fast (a test ring) while a message waits, and TEL2 shows a fault code: the LED alone cannot say it.
        var page = await OpenAdapterPageAsync();
        await Assertions.Expect(page.Locator("#adapter-detail .led-cell:has(.led[data-led=tel1]) .voicemail")).ToHaveTextAsync("messages waiting");
        await Assertions.Expect(page.Locator("#adapter-detail .led-cell:has(.led[data-led=tel2]) .voicemail")).ToHaveTextAsync("message waiting off");
        await Assertions.Expect(page.Locator("#line-settings")).ToContainTextAsync("message waiting: on");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_adapter_page_says_what_each_led_means_from_the_cores_led_guide()
    {
        // Found: the LED tooltip called every blink code a "registration fault" (PWR code 1 means "not set
        // up", WAN code 2 a refused device secret), and the LED guide was nowhere on the dashboard.
        var page = await OpenAdapterPageAsync();
        var tel2 = page.Locator("#adapter-detail .led[data-led=tel2]");
        Assert.Equal($"TEL2: blink code 3 ({LedGuide.Meaning(LedTable.Tel1 + 1, "code-3")})", await tel2.GetAttributeAsync("title"));
        Assert.Equal($"TEL1: fast blink ({LedGuide.Meaning(LedTable.Tel1, "fast-blink")})",
            await page.Locator("#adapter-detail .led[data-led=tel1]").GetAttributeAsync("title"));
        Assert.DoesNotContain("registration fault", await page.ContentAsync(), StringComparison.Ordinal);

        await page.ClickAsync(".led-guide summary");
        var pwr = page.Locator("#led-guide table[data-led=pwr]");
        await Assertions.Expect(pwr).ToContainTextAsync(LedGuide.Meaning(LedTable.Power, "code-1")!);
        await Assertions.Expect(page.Locator("#led-guide table[data-led=wan]")).ToContainTextAsync(LedGuide.Meaning(LedTable.Wan, "code-2")!);
        Assert.Contains("device secret", LedGuide.Meaning(LedTable.Wan, "code-2"), StringComparison.Ordinal);
        foreach (var code in LedTable.TelFaultCodes)
        {
            await Assertions.Expect(page.Locator("#led-guide table[data-led=tel1]")).ToContainTextAsync(LedGuide.FaultMeaning(code));
        }

        await page.Context.CloseAsync();
    }

    private async Task<IPage> OpenAdapterPageAsync()
    {
        var page = await host.SignedInPageAsync();
        await page.GotoAsync($"{host.BaseUrl}/adapters/{DashboardHost.DeviceId}");
        await Assertions.Expect(page.Locator("#adapter-detail .led[data-led=tel2]")).ToHaveAttributeAsync("data-pattern", "code-3",
            new LocatorAssertionsToHaveAttributeOptions { Timeout = (float)Wait.TotalMilliseconds });
        return page;
    }

    private static Task<string> Style(ILocator led, string property) =>
        led.EvaluateAsync<string>($"element => getComputedStyle(element).{property}");
}
