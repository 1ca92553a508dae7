using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Ata.Core.Contract;
using Ata.Gateway.Tests.Support;

namespace Ata.Gateway.Tests.Apis;

/// <summary>
/// The fleet as pages over HTTP (filters, sort, keyset cursor), the overview's counts, and the
/// dashboard's event stream. Found: the API had no paging, sorting or filters, and the dashboard
/// fetched the whole fleet every second.
/// </summary>
public sealed class FleetPagingTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private RunningGateway Gateway => fixture.Gateway;

    [Fact]
    public async Task The_fleet_pages_by_cursor_filters_and_sorts_and_says_how_many_match()
    {
        for (var i = 0; i < 7; i++)
        {
            var (put, _) = await Gateway.PutAdapterAsync($"pages-{i}", new
            {
                secret = $"pages-secret-{i}",
                customerReference = i % 2 == 0 ? "EVEN" : $"ODD-{i}",
                lines = new[] { new { username = $"55{i}01", password = "pw", registrar = i < 3 ? "reg-a.example.net:5060" : "reg-b.example.net" } },
            });
            put.EnsureSuccessStatusCode();
        }

        var seen = new List<string>();
        string? after = null;
        do
        {
            var page = (await Gateway.Http.GetFromJsonAsync<JsonObject>($"/api/adapters?q=pages-&limit=3{(after is null ? string.Empty : "&after=" + Uri.EscapeDataString(after))}"))!;
            Assert.Equal(7, page["total"]!.GetValue<int>());
            var items = page["items"]!.AsArray();
            Assert.True(items.Count <= 3);
            seen.AddRange(items.Select(a => a!["deviceId"]!.GetValue<string>()));
            after = page["next"]?.GetValue<string>();
        }
        while (after is not null);

        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"pages-{i}"), seen);
        Assert.Equal(["pages-6", "pages-5"], await IdsAsync("/api/adapters?q=pages-&sort=-deviceId&limit=2"));
        Assert.Equal(["pages-0", "pages-2", "pages-4", "pages-6"], await IdsAsync("/api/adapters?customer=even"));
        Assert.Equal(["pages-0", "pages-1", "pages-2"], await IdsAsync("/api/adapters?registrar=REG-A.example.net"));
        Assert.Equal(["pages-3", "pages-4", "pages-5", "pages-6"], await IdsAsync("/api/adapters?registrar=reg-b.example.net"));
        Assert.Equal(["pages-4"], await IdsAsync("/api/adapters?q=55401&state=never"));
        Assert.Empty(await IdsAsync("/api/adapters?q=pages-&state=online"));

        var overview = (await Gateway.Http.GetFromJsonAsync<JsonObject>("/api/overview"))!;
        Assert.True(overview["adapters"]!.GetValue<long>() >= 7);
        Assert.True(overview["never"]!.GetValue<long>() >= 7);
    }

    [Theory]
    [InlineData("state=sleepy", "state")]
    [InlineData("limit=many", "limit")]
    [InlineData("limit=500", "limit")]
    [InlineData("sort=colour", "sort")]
    [InlineData("after=not-a-cursor", "after")]
    public async Task A_filter_the_gateway_cannot_take_is_refused_naming_the_parameter(string query, string parameter)
    {
        foreach (var path in new[] { "/api/adapters?", "/api/events?" })
        {
            using var response = await Gateway.Http.GetAsync(path + query);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.True(problem["errors"]![parameter] is not null, problem.ToJsonString());
        }
    }

    [Fact]
    public async Task The_event_stream_sends_the_page_then_only_what_changed_on_it()
    {
        for (var i = 0; i < 3; i++)
        {
            (await Gateway.PutAdapterAsync($"stream-{i}", RunningGateway.Adapter($"stream-secret-{i}", ($"66{i}", "pw", "127.0.0.1:5060")))).Response.EnsureSuccessStatusCode();
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/events?q=stream-&limit=2");
        using var response = await Gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var events = new EventReader(await response.Content.ReadAsStreamAsync());
        var (name, data) = await events.NextAsync();
        Assert.Equal("page", name);
        Assert.Equal(["stream-0", "stream-1"], JsonNode.Parse(data)!["items"]!.AsArray().Select(a => a!["deviceId"]!.GetValue<string>()));
        Assert.Equal("counts", (await events.NextAsync()).Name);

        // An adapter on the page connects: only it is sent (and the counts, which changed).
        var secret = "stream-secret-1";
        await using var device = await Device.ConnectAsync("stream-1", secret, Gateway.Broker.Port, Gateway.Log);
        await device.ReportAsync(MqttTopics.Status, MqttTopics.Online, retain: true);
        // Changes made before the stream opened may come first; the page's adapters only, never another.
        JsonNode? online = null;
        while (online is null)
        {
            var (next, changed) = await events.NextAsync();
            if (next == "adapters")
            {
                var items = JsonNode.Parse(changed)!.AsArray();
                Assert.All(items, a => Assert.Contains(a!["deviceId"]!.GetValue<string>(), new[] { "stream-0", "stream-1" }));
                online = items.FirstOrDefault(a => a!["deviceId"]!.GetValue<string>() == "stream-1" && a["online"]!.GetValue<bool>());
            }
        }

        // A change of an adapter that is not on the page sends nothing about it.
        (await Gateway.PutAdapterAsync("stream-2", new { secret = "stream-secret-2", customerReference = "C-2", lines = new[] { new { username = "662", password = "pw", registrar = "127.0.0.1:5060" } } }))
            .Response.EnsureSuccessStatusCode();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        try
        {
            while (true)
            {
                var (_, later) = await events.NextAsync(until - DateTime.UtcNow);
                Assert.DoesNotContain("stream-2", later, StringComparison.Ordinal);
            }
        }
        catch (TimeoutException)
        {
        }
    }

    private async Task<List<string>> IdsAsync(string path)
    {
        var page = (await Gateway.Http.GetFromJsonAsync<JsonObject>(path))!;
        var items = page.TryGetPropertyValue("items", out var list) ? list!.AsArray() : throw new InvalidOperationException(page.ToJsonString());
        return [.. items.Select(a => a!["deviceId"]!.GetValue<string>()).Where(id => id.StartsWith("pages-", StringComparison.Ordinal))];
    }
}
