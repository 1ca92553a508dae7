using System.Text.Json;
using Ata.Core.Contract;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Ata.Gateway.UiTests;

/// <summary>
/// The adapter page kept current by its own event stream, in a real headless Chromium. Found: the page
/// polled its adapter and refused logins every second, its commands every 2 s and its histories, calls and
/// onboarding state every 5 s, whether anything changed or not.
/// </summary>
public sealed class AdapterPageStreamTests(DashboardHost host, ITestOutputHelper output) : IClassFixture<DashboardHost>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    /// <summary>"Within a few seconds": the feed is read once a second, and the page fetches what it is told of.</summary>
    private static readonly LocatorAssertionsToContainTextOptions Soon = new() { Timeout = 5000 };

    [Fact]
    public async Task An_idle_adapter_page_receives_under_5_KB_a_second_and_a_health_report_and_a_command_outcome_still_reach_it()
    {
        var received = new BytesReceived();
        var page = await host.SignedInPageAsync(beforeSignIn: received.StartAsync);
        await page.GotoAsync($"{host.BaseUrl}/adapters/{DashboardHost.DeviceId}");
        await Assertions.Expect(page.Locator("#adapter-detail .led[data-led=tel2]")).ToHaveAttributeAsync("data-pattern", "code-3",
            new LocatorAssertionsToHaveAttributeOptions { Timeout = (float)Wait.TotalMilliseconds });
        await Assertions.Expect(page.Locator("#configs tr")).ToHaveCountAsync(1, new LocatorAssertionsToHaveCountOptions { Timeout = (float)Wait.TotalMilliseconds });
        await Assertions.Expect(page.Locator("#timeline li.raised")).Not.ToHaveCountAsync(0);
        await page.WaitForTimeoutAsync(3000);

        var before = received.Total;
        var idleFrom = received.Requests;
        await page.WaitForTimeoutAsync(10_000);
        var idle = received.Total - before;
        output.WriteLine($"adapter page idle: {idle} bytes in 10 s; {received.Detail}");
        Assert.True(idle < 5 * 1024 * 10, $"{idle} bytes in 10 s of idle: {received.Detail}");
        Assert.Equal(idleFrom, received.Requests);

        // A health report: its signal reaches the facts, and the chart's history is fetched again.
        var quiet = received.Total;
        await host.ReportAsync(MqttTopics.Health, DashboardHost.Health(-48), qos: MqttTopics.HealthQos);
        await Assertions.Expect(page.Locator("#adapter-detail .more-facts")).ToContainTextAsync("-48 dBm", Soon);
        Assert.True(received.Total > quiet, "the change came as bytes the page received");

        // A command and its outcome: pending, then done when the adapter answers on cmd/result.
        var sentBefore = host.Commands.Count;
        await page.ClickAsync("button[data-command=reregister]");
        var deadline = DateTime.UtcNow + Wait;
        while (host.Commands.Count == sentBefore && DateTime.UtcNow < deadline)
        {
            await page.WaitForTimeoutAsync(50);
        }

        var id = JsonDocument.Parse(host.Commands[^1].PayloadText).RootElement.GetProperty(Fields.Id).GetString()!;
        var row = page.Locator($"#commands tr[data-command='{id}'] .command-status");
        await Assertions.Expect(row).ToContainTextAsync("pending", Soon);
        await host.ReportAsync(MqttTopics.CommandResult, $$"""{"id":"{{id}}","ok":true,"detail":"registering again"}""");
        await Assertions.Expect(row).ToContainTextAsync("done: registering again", Soon);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_fault_and_a_call_reach_the_adapter_page_without_a_reload()
    {
        var page = await host.SignedInPageAsync();
        await page.GotoAsync($"{host.BaseUrl}/adapters/{DashboardHost.DeviceId}");
        await Assertions.Expect(page.Locator("#timeline li.raised")).Not.ToHaveCountAsync(0, new LocatorAssertionsToHaveCountOptions { Timeout = (float)Wait.TotalMilliseconds });
        await Assertions.Expect(page.Locator("#calls-status")).Not.ToBeEmptyAsync(new LocatorAssertionsToBeEmptyOptions { Timeout = (float)Wait.TotalMilliseconds });

        await host.ReportAsync(MqttTopics.Fault, """{"seq":21,"code":"storage.failed","state":"raised","detail":"flash worn on the page"}""");
        await Assertions.Expect(page.Locator("#adapter-detail .faults")).ToContainTextAsync("flash worn on the page", Soon);
        await Assertions.Expect(page.Locator("#timeline")).ToContainTextAsync("flash worn on the page", Soon);

        await host.ReportAsync(MqttTopics.Call,
            """
            {"ageMs":1000,"boot":"stream1","seq":1,"line":1,"direction":"incoming","farEnd":"****771","emergency":false,
             "outcome":"no-answer","endedBy":"far-end","totalMs":20000,"durationMs":0}
            """);
        await Assertions.Expect(page.Locator("#calls")).ToContainTextAsync("****771", Soon);
        await page.Context.CloseAsync();
    }
}
