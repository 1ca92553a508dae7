using System.Net;
using Ata.Gateway.Tests.Support;

namespace Ata.Gateway.Tests.Dashboard;

public sealed class DashboardTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    [Fact]
    public async Task The_page_is_served_and_takes_its_changes_from_event_streams_not_polls()
    {
        var page = await fixture.Gateway.Http.GetAsync("/");
        var script = await fixture.Gateway.Http.GetAsync("/dashboard.js");
        var style = await fixture.Gateway.Http.GetAsync("/dashboard.css");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("/api/adapters", html, StringComparison.Ordinal);
        Assert.Contains("""<script src="/dashboard.js" defer></script>""", html, StringComparison.Ordinal);
        Assert.Contains("""<script src="/adapter-events.js" defer></script>""", html, StringComparison.Ordinal);
        Assert.Contains("""<link rel="stylesheet" href="/dashboard.css">""", html, StringComparison.Ordinal);
        foreach (var led in new[] { "PWR", "WAN", "TEL1", "TEL2" })
        {
            Assert.Contains($">{led}<", html, StringComparison.Ordinal);
        }

        Assert.Contains("default-src 'none'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.DoesNotContain("http://", html + await script.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        var js = await script.Content.ReadAsStringAsync();
        var events = await fixture.Gateway.Http.GetStringAsync("/adapter-events.js");
        Assert.Contains("new EventSource(", js, StringComparison.Ordinal);
        Assert.Contains("new EventSource(`${path}/events`)", events, StringComparison.Ordinal);
        Assert.DoesNotContain("setTimeout(poll", js, StringComparison.Ordinal);
        Assert.DoesNotContain("innerHTML", js + events, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.OK, style.StatusCode);
        Assert.Equal("text/css", style.Content.Headers.ContentType?.MediaType);
        var css = await style.Content.ReadAsStringAsync();
        Assert.Contains("animation: led-blink 1s", css, StringComparison.Ordinal);
        Assert.Contains("animation: led-blink 0.2s", css, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_led_timing_comes_from_the_cores_led_table()
    {
        var timing = System.Text.Json.Nodes.JsonNode.Parse(await fixture.Gateway.Http.GetStringAsync("/dashboard/leds.json"))!;

        Assert.Equal(Ata.Core.Leds.LedTable.Names, timing["names"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(Ata.Core.Leds.LedTable.SlowPeriodMs, timing["slowPeriodMs"]!.GetValue<long>());
        Assert.Equal(Ata.Core.Leds.LedTable.FastPeriodMs, timing["fastPeriodMs"]!.GetValue<long>());
        Assert.Equal(Ata.Core.Leds.LedTable.CodeBlinkMs, timing["codeBlinkMs"]!.GetValue<long>());
        Assert.Equal(Ata.Core.Leds.LedTable.CodePauseMs, timing["codePauseMs"]!.GetValue<long>());
    }
}
