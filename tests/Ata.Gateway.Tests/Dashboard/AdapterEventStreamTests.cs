using System.Net;
using System.Text.Json.Nodes;
using Ata.Core.Contract;
using Ata.Gateway.Tests.Support;

namespace Ata.Gateway.Tests.Dashboard;

/// <summary>
/// The adapter page's event stream (<c>GET /api/adapters/{deviceId}/events</c>) against the real broker.
/// Found: the adapter page polled its adapter every second and its other parts every 2 to 5 s.
/// </summary>
public sealed class AdapterEventStreamTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private RunningGateway Gateway => fixture.Gateway;

    [Fact]
    public async Task The_stream_sends_the_adapter_page_at_once_then_only_what_changed_and_says_when_the_adapter_is_deleted()
    {
        const string id = "page-events";
        var port = await Gateway.ProvisionAsync(id, "page-events-secret");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/adapters/{id}/events");
        using var response = await Gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var events = new EventReader(await response.Content.ReadAsStreamAsync());

        var first = new Dictionary<string, string>(StringComparer.Ordinal);
        while (first.Count < 5)
        {
            var (name, data) = await events.NextAsync();
            Assert.True(first.TryAdd(name, data), $"{name} twice at the start");
        }

        Assert.Equal(id, JsonNode.Parse(first["adapter"])!["deviceId"]!.GetValue<string>());
        Assert.False(JsonNode.Parse(first["adapter"])!["online"]!.GetValue<bool>());
        Assert.Equal(["faults", "health", "configs", "services", "calls"], JsonNode.Parse(first["changed"])!["parts"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Empty(JsonNode.Parse(first["commands"])!.AsArray());
        Assert.Equal("null", first["refused-logins"]);
        Assert.False(JsonNode.Parse(first["onboarding"])!["needed"]!.GetValue<bool>());
        Assert.DoesNotContain("page-events-secret", string.Concat(first.Values), StringComparison.Ordinal);

        // The adapter connects and reports: its view, and the health history named as grown; never the calls, which did not.
        await using var device = await Device.ConnectAsync(id, "page-events-secret", port, Gateway.Log);
        await device.ReportAsync(MqttTopics.Status, MqttTopics.Online, retain: true);
        await device.ReportAsync(MqttTopics.Health, Reports.Health(id, "solid", "solid", "solid", "off", "registered", 200), MqttTopics.HealthQos);
        var (online, healthGrew) = (false, false);
        while (!online || !healthGrew)
        {
            var (name, data) = await events.NextAsync();
            if (name == "adapter")
            {
                online |= JsonNode.Parse(data)!["online"]!.GetValue<bool>() && JsonNode.Parse(data)!["uptimeMs"] is not null;
            }
            else if (name == "changed")
            {
                var parts = JsonNode.Parse(data)!["parts"]!.AsArray().Select(p => p!.GetValue<string>()).ToList();
                Assert.DoesNotContain("calls", parts);
                Assert.DoesNotContain("services", parts);
                healthGrew |= parts.Contains("health");
            }
        }

        // Once what the report set off has settled, nothing changes and nothing is sent.
        await DrainAsync(events, TimeSpan.FromSeconds(2));
        await Assert.ThrowsAsync<TimeoutException>(() => events.NextAsync(TimeSpan.FromSeconds(3)));

        (await Gateway.Http.DeleteAsync($"/api/adapters/{id}")).EnsureSuccessStatusCode();
        string last;
        do
        {
            last = (await events.NextAsync()).Name;
        }
        while (last != "removed");

        await Assert.ThrowsAsync<EndOfStreamException>(() => events.NextAsync());
    }

    [Fact]
    public async Task The_stream_is_for_people_with_access_only_and_an_unknown_adapter_is_404()
    {
        await Gateway.ProvisionAsync("page-events-access", "page-events-access-secret");
        using var anonymous = Gateway.Client(null);
        using (var refused = await anonymous.GetAsync("/api/adapters/page-events-access/events", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.DoesNotContain("page-events-access", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var unknown = await Gateway.Http.GetAsync("/api/adapters/no-such-adapter/events", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        using var support = await Gateway.SupportClientAsync("page-events-support");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/adapters/page-events-access/events");
        using var response = await support.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var events = new EventReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("adapter", (await events.NextAsync()).Name);
    }

    private static async Task DrainAsync(EventReader events, TimeSpan quietFor)
    {
        try
        {
            while (true)
            {
                await events.NextAsync(quietFor);
            }
        }
        catch (TimeoutException)
        {
        }
    }
}
