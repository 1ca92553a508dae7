using Ata.Core.Contract;
using Microsoft.Playwright;

namespace Ata.Gateway.UiTests;

/// <summary>The adapter page's calls: the per-call table and the call quality chart, in a real headless Chromium.</summary>
public sealed class CallsDashboardTests(DashboardHost host) : IClassFixture<DashboardHost>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static string Record(long seq, int line, double? mos, int sipCode, string reason, string outcome, string farEnd) =>
        $$"""
        {"ageMs":{{seq * 1000}},"boot":"ui1","seq":{{seq}},"line":{{line}},"direction":"outgoing","farEnd":"{{farEnd}}","emergency":false,
         "outcome":"{{outcome}}","sipCode":{{sipCode}},"reason":"{{reason}}","endedBy":"household","totalMs":70000,
         "durationMs":{{(mos is null ? 0 : 60000)}}{{(mos is { } score
            ? $",\"answeredAfterMs\":10000,\"codec\":\"PCMA\",\"packetsSent\":3000,\"packetsReceived\":2900,\"packetsLost\":100,\"latePackets\":3,\"lossPercent\":3.33,\"jitterMs\":12.5,\"roundTripMs\":80,\"jitterBufferMs\":60,\"concealedMs\":2000,\"mos\":{score.ToString(System.Globalization.CultureInfo.InvariantCulture)}"
            : string.Empty)}}}
        """;

    [Fact]
    public async Task The_adapter_page_shows_each_call_with_its_status_reason_and_quality_and_a_quality_chart_over_days()
    {
        await host.ReportAsync(MqttTopics.Call, Record(3, 1, 4.4, 200, "OK", "completed", "****234"));
        await host.ReportAsync(MqttTopics.Call, Record(2, 2, 3.0, 200, "OK", "completed", "*****567"));
        await host.ReportAsync(MqttTopics.Call, Record(1, 1, null, 404, "Not Found", "not-reachable", "****999"));

        var page = await host.SignedInPageAsync();
        await page.GotoAsync($"{host.BaseUrl}/adapters/{DashboardHost.DeviceId}");
        var rows = page.Locator("#calls tr.call");
        await Assertions.Expect(rows).ToHaveCountAsync(3, new LocatorAssertionsToHaveCountOptions { Timeout = (float)Wait.TotalMilliseconds });

        // Newest first: the failed call (ended 1 s before it was sent) shows its status and reason phrase.
        await Assertions.Expect(rows.Nth(0).Locator(".call-sip")).ToHaveTextAsync("404 Not Found");
        await Assertions.Expect(rows.Nth(0)).ToContainTextAsync("not-reachable");
        await Assertions.Expect(rows.Nth(0)).ToContainTextAsync("****999");
        await Assertions.Expect(rows.Nth(1).Locator(".call-mos")).ToHaveTextAsync("3.00");
        await Assertions.Expect(rows.Nth(1)).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("\\bpoor\\b"));
        await Assertions.Expect(rows.Nth(1)).ToContainTextAsync("12.5 ms");
        await Assertions.Expect(rows.Nth(2).Locator(".call-mos")).ToHaveTextAsync("4.40");
        await Assertions.Expect(rows.Nth(2)).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("\\bpoor\\b"));

        var chart = page.Locator("#call-quality-chart");
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-days", "1");
        await Assertions.Expect(chart).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex("median MOS 3\\.70 over 2 calls"));
        var inked = await page.EvaluateAsync<int[]>(
            """
            () => {
              const canvas = document.getElementById("call-quality-chart");
              const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
              let green = 0, red = 0;
              for (let i = 0; i < data.length; i += 4) {
                if (data[i + 3] === 0) continue;
                if (data[i + 1] > 120 && data[i] < 80) green++;
                if (data[i] > 180 && data[i + 1] < 100) red++;
              }
              return [green, red];
            }
            """);
        Assert.True(inked[1] > 10, $"the dashed 3.6 line drew {inked[1]} red pixels");
        Assert.True(inked[0] > 200, $"the day's median bar (3.70, above 3.6: green) drew {inked[0]} green pixels");
        await page.Context.CloseAsync();
    }
}
