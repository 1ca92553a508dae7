using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Ata.Gateway.Tests.Support;

namespace Ata.Gateway.Tests.Access;

public sealed class AccessTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private RunningGateway Gateway => fixture.Gateway;

    [Theory]
    [InlineData("GET", "/api/adapters")]
    [InlineData("PUT", "/api/adapters/anon-1")]
    [InlineData("DELETE", "/api/adapters/anon-1")]
    [InlineData("GET", "/metrics")]
    [InlineData("GET", "/openapi/v1.json")]
    [InlineData("GET", "/api/audit")]
    [InlineData("GET", "/api/keys")]
    public async Task Every_endpoint_but_the_liveness_check_needs_a_key(string method, string path)
    {
        using var anonymous = Gateway.Client(null);
        using var wrongKey = Gateway.Client("not-a-key-of-this-gateway");

        using var refused = await anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        using var wrong = await wrongKey.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task The_dashboard_sends_a_browser_to_sign_in_and_the_cookie_then_opens_it()
    {
        using var browser = new DashboardBrowser(Gateway.Http.BaseAddress!);

        foreach (var path in new[] { "/", "/dashboard.js", "/adapters/any", "/dashboard/leds.json" })
        {
            var page = await browser.Http.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
            Assert.StartsWith("/login", page.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.OK, (await browser.Http.GetAsync("/login")).StatusCode);

        var bad = await browser.SignInAsync("wrong-key");
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        Assert.Contains("not valid", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var signIn = await browser.SignInAsync(RunningGateway.AdminKey);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Contains("samesite=strict", signIn.Headers.GetValues("Set-Cookie").Single(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await browser.OpenDashboardAsync()).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.Http.GetAsync("/api/adapters")).StatusCode);

        await browser.SendAsync(HttpMethod.Post, "/logout");
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Http.GetAsync("/api/adapters")).StatusCode);
    }

    [Fact]
    public async Task Support_reads_and_acts_but_only_admin_provisions_and_every_change_is_audited()
    {
        var (made, key) = await MakeKeyAsync("carol-support", "support");
        Assert.Equal(HttpStatusCode.Created, made.StatusCode);
        Assert.StartsWith("ata_", key, StringComparison.Ordinal);
        Assert.DoesNotContain(key, (await Gateway.Http.GetStringAsync("/api/keys")), StringComparison.Ordinal);
        using var support = Gateway.Client(key);

        var put = await support.PutAsJsonAsync("/api/adapters/access-1", RunningGateway.Adapter("secret-access-1", ("2001", "pw", "127.0.0.1")));
        Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await support.DeleteAsync("/api/adapters/access-1")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await support.GetAsync("/api/keys")).StatusCode);

        var (created, _) = await Gateway.PutAdapterAsync("access-1", RunningGateway.Adapter("secret-access-1", ("2001", "pw-a", "127.0.0.1")));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await Gateway.PutAdapterAsync("access-1", new
        {
            secret = "secret-access-1",
            customerReference = "CUST-77",
            lines = new[] { new { username = "2001", password = "pw-b", registrar = "127.0.0.1" } },
        });

        Assert.Equal(HttpStatusCode.OK, (await support.GetAsync("/api/adapters/access-1")).StatusCode);
        var pushed = await support.PostAsync("/api/adapters/access-1/actions/push-config", null);
        Assert.Equal(HttpStatusCode.Accepted, pushed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await support.PostAsync("/api/adapters/access-1/actions/explode", null)).StatusCode);

        var audit = JsonNode.Parse(await support.GetStringAsync("/api/audit?target=access-1"))!.AsArray();
        Assert.Equal(["adapter.push-config", "adapter.update", "adapter.create"], audit.Select(e => e!["action"]!.GetValue<string>()));
        Assert.Equal(["carol-support", "admin", "admin"], audit.Select(e => e!["actor"]!.GetValue<string>()));
        Assert.Contains("lines", audit[1]!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("customerReference", audit[1]!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("pw-b", audit.ToJsonString(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NoContent, (await Gateway.Http.DeleteAsync("/api/keys/carol-support")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await support.GetAsync("/api/adapters")).StatusCode);
    }

    [Fact]
    public async Task Keys_are_checked_and_named_once()
    {
        var bad = await Gateway.Http.PostAsJsonAsync("/api/keys", new { name = "has space", role = "root" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = JsonNode.Parse(await bad.Content.ReadAsStringAsync())!["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("name"));
        Assert.True(errors.ContainsKey("role"));

        Assert.Equal(HttpStatusCode.Created, (await MakeKeyAsync("dave-admin", "admin")).Response.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await MakeKeyAsync("dave-admin", "admin")).Response.StatusCode);
    }

    [Fact]
    public async Task The_openapi_description_and_prometheus_metrics_are_served()
    {
        await Gateway.ProvisionAsync("access-metrics", "secret-metrics-1");

        var openApi = JsonNode.Parse(await Gateway.Http.GetStringAsync("/openapi/v1.json"))!;
        Assert.StartsWith("3.", openApi["openapi"]!.GetValue<string>(), StringComparison.Ordinal);
        var paths = openApi["paths"]!.AsObject();
        Assert.True(paths.ContainsKey("/api/adapters/{deviceId}"));
        Assert.True(paths.ContainsKey("/api/adapters/{deviceId}/actions/{action}"));

        var metrics = await Gateway.Http.GetAsync("/metrics");
        Assert.Equal("text/plain", metrics.Content.Headers.ContentType?.MediaType);
        var text = await metrics.Content.ReadAsStringAsync();
        Assert.Contains("# TYPE ata_adapters gauge\n", text, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^ata_adapters [1-9][0-9]*$", text);
        Assert.Contains("ata_reports_dropped_total{reason=\"malformed\"} ", text, StringComparison.Ordinal);
        Assert.Contains("ata_adapters_config{status=\"pending\"} ", text, StringComparison.Ordinal);
        Assert.Contains("ata_broker_connected 1\n", text, StringComparison.Ordinal);
        Assert.Contains("ata_incidents_open{kind=\"adapter\"} ", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_show_the_processes_memory_and_its_garbage_collections()
    {
        static long Value(string text, string sample) =>
            long.Parse(System.Text.RegularExpressions.Regex.Match(text, "(?m)^" + System.Text.RegularExpressions.Regex.Escape(sample) + " ([0-9]+)$").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

        var before = await Gateway.Http.GetStringAsync("/metrics");
        Assert.Contains("# TYPE process_resident_memory_bytes gauge\n", before, StringComparison.Ordinal);
        Assert.Contains("# TYPE dotnet_gc_collections_total counter\n", before, StringComparison.Ordinal);

        // The gateway runs in this test's process: its figures are this process's.
        var resident = Value(before, "process_resident_memory_bytes");
        Assert.InRange(resident, Environment.WorkingSet / 2, Environment.WorkingSet * 2);
        Assert.True(Value(before, "dotnet_gc_committed_bytes") >= Value(before, "dotnet_gc_heap_bytes"));
        var collections = Value(before, "dotnet_gc_collections_total{generation=\"2\"}");

        GC.Collect();
        var after = await Gateway.Http.GetStringAsync("/metrics");
        Assert.True(Value(after, "dotnet_gc_collections_total{generation=\"2\"}") > collections);
        Assert.True(Value(after, "dotnet_gc_collections_total{generation=\"0\"}") >= Value(after, "dotnet_gc_collections_total{generation=\"2\"}"));
        Assert.True(Value(after, "dotnet_gc_heap_bytes") > 0);
    }

    private async Task<(HttpResponseMessage Response, string Key)> MakeKeyAsync(string name, string role)
    {
        var response = await Gateway.Http.PostAsJsonAsync("/api/keys", new { name, role });
        var text = await response.Content.ReadAsStringAsync();
        return (response, response.IsSuccessStatusCode ? JsonNode.Parse(text)!["key"]!.GetValue<string>() : string.Empty);
    }
}
