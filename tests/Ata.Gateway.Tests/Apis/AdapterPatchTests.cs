using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Ata.Gateway.Provisioning;
using Ata.Gateway.Store;
using Ata.Gateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Ata.Gateway.Tests.Apis;

/// <summary>
/// <c>PATCH /api/adapters/{id}</c> (JSON merge patch, RFC 7396) with roles: support changes a line's
/// password, barring, dial plan and tones without resending the rest; everything else is an admin's;
/// every change is audited with who, what (secrets as "changed") and why.
/// </summary>
public sealed class AdapterPatchTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private RunningGateway Gateway => fixture.Gateway;

    private AdapterStore Store => Gateway.App.Services.GetRequiredService<AdapterStore>();

    [Fact]
    public async Task Support_sets_one_lines_password_without_resending_the_others_or_the_device_secret()
    {
        // The finding: support got 403 on PUT, a partial PUT got 400 lines[0].password, and PATCH 405.
        await ProvisionTwoLinesAsync("patch-pw");
        using var support = await Gateway.SupportClientAsync("patch-pw-agent");
        var accounts = Store.ListBrokerAccounts().Single(a => a.Key == "patch-pw").Value;
        var before = Store.FindConfig("patch-pw")!;

        var put = await support.PutAsJsonAsync("/api/adapters/patch-pw", new { lines = new[] { new { password = "x" } } });
        Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);

        var (response, body) = await PatchAsync(support, "patch-pw", """{"lines":{"1":{"password":"new-sip-pass-2"}},"reason":"customer lost it"}""");

        Assert.True(response.StatusCode == HttpStatusCode.OK, body?.ToJsonString());
        Assert.Equal(["lines[1].password"], body!["changed"]!.AsArray().Select(c => c!.GetValue<string>()));
        var after = Store.FindConfig("patch-pw")!;
        Assert.Equal(before.Version + 1, after.Version);
        Assert.Equal(before.Lines[0], after.Lines[0]);
        Assert.Equal(before.Lines[1] with { Password = "new-sip-pass-2" }, after.Lines[1]);
        Assert.Equal(accounts, Store.ListBrokerAccounts().Single(a => a.Key == "patch-pw").Value);

        var audit = JsonNode.Parse(await Gateway.Http.GetStringAsync("/api/audit?target=patch-pw"))!.AsArray()[0]!;
        Assert.Equal("patch-pw-agent", audit["actor"]!.GetValue<string>());
        Assert.Equal("support", audit["role"]!.GetValue<string>());
        Assert.Contains("lines[1].password: changed", audit["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("reason: customer lost it", audit["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("new-sip-pass-2", string.Join('\n', Gateway.ResponseBodies) + audit.ToJsonString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"barring":["premium","international"]}""", "lines[0].barring")]
    [InlineData("""{"dialPlan":"0[1-9]x.|11[02]"}""", "lines[0].dialPlan")]
    [InlineData("""{"shortTimerMs":3000}""", "lines[0].shortTimerMs")]
    [InlineData("""{"longTimerMs":15000}""", "lines[0].longTimerMs")]
    [InlineData("""{"tones":{"busy":"425:250 0:250"}}""", "lines[0].tones")]
    [InlineData("""{"tonePlan":"DE"}""", "lines[0].tonePlan")]
    [InlineData("""{"password":"support-set-1"}""", "lines[0].password")]
    [InlineData("""{"messageWaiting":false}""", "lines[0].messageWaiting")]
    public async Task Support_may_change_each_of_its_line_settings(string line, string field)
    {
        var id = "patch-s-" + field.Split('.')[^1].ToLowerInvariant();
        await ProvisionTwoLinesAsync(id);
        using var support = await Gateway.SupportClientAsync(id + "-agent");
        var before = Store.FindConfig(id)!;

        var (response, body) = await PatchAsync(support, id, "{\"lines\":{\"0\":" + line + "}}");

        Assert.True(response.StatusCode == HttpStatusCode.OK, body?.ToJsonString());
        Assert.Equal([field], body!["changed"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal(before.Version + 1, Store.FindConfig(id)!.Version);
        Assert.Equal(before.Lines[1], Store.FindConfig(id)!.Lines[1]);
    }

    [Theory]
    [InlineData("""{"secret":"a-new-device-secret"}""", "secret")]
    [InlineData("""{"customerReference":"CUST-9"}""", "customerReference")]
    [InlineData("""{"sendHa1":true,"lines":{"0":{"realm":"r"},"1":{"realm":"r"}}}""", "sendHa1")]
    [InlineData("""{"lines":{"0":{"registrar":"127.0.0.9"}}}""", "lines[0].registrar")]
    [InlineData("""{"lines":{"0":{"username":"7777"}}}""", "lines[0].username")]
    [InlineData("""{"lines":{"0":{"expires":600}}}""", "lines[0].expires")]
    [InlineData("""{"lines":{"0":{"country":"DE"}}}""", "lines[0].country")]
    [InlineData("""{"lines":{"1":null}}""", "lines[1]")]
    [InlineData("""{"lines":[{"username":"1","password":"p","registrar":"127.0.0.1"}]}""", "lines[0].username")]
    [InlineData("""{"lines":{"0":{"password":"fine"},"1":{"transport":"tcp"}}}""", "lines[1].transport")]
    public async Task Support_may_not_change_what_is_an_admins_and_nothing_changes(string patch, string field)
    {
        var id = "patch-a-" + Math.Abs(patch.GetHashCode(StringComparison.Ordinal)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await ProvisionTwoLinesAsync(id);
        using var support = await Gateway.SupportClientAsync(id + "-agent");
        var before = Store.FindConfig(id)!;

        var (response, body) = await PatchAsync(support, id, patch);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains(field, body!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(before.Version, Store.FindConfig(id)!.Version);
        Assert.Equal(before.Lines, Store.FindConfig(id)!.Lines);

        // The same patch from an admin is taken.
        var (admin, answer) = await PatchAsync(Gateway.Http, id, patch);
        Assert.True(admin.StatusCode == HttpStatusCode.OK, answer?.ToJsonString());
        Assert.Contains(field, answer!["changed"]!.AsArray().Select(c => c!.GetValue<string>()));
    }

    [Fact]
    public async Task An_admin_re_keys_adds_and_removes_lines_and_nulls_remove_settings()
    {
        await ProvisionTwoLinesAsync("patch-admin");
        var accounts = Store.ListBrokerAccounts().Single(a => a.Key == "patch-admin").Value;

        var (rekey, _) = await PatchAsync(Gateway.Http, "patch-admin", """{"secret":"patch-admin-new-secret","lines":{"1":null}}""");
        Assert.Equal(HttpStatusCode.OK, rekey.StatusCode);
        Assert.NotEqual(accounts, Store.ListBrokerAccounts().Single(a => a.Key == "patch-admin").Value);
        Assert.Single(Store.FindConfig("patch-admin")!.Lines);

        var (added, body) = await PatchAsync(Gateway.Http, "patch-admin",
            """{"customerReference":"CUST-42","lines":{"1":{"username":"6102","password":"p2","registrar":"127.0.0.1","dialPlan":"x."}}}""");
        Assert.True(added.StatusCode == HttpStatusCode.OK, body?.ToJsonString());
        Assert.Equal(2, Store.FindConfig("patch-admin")!.Lines.Count);
        Assert.Equal("CUST-42", (await Gateway.GetAdapterAsync("patch-admin"))!["customerReference"]!.GetValue<string>());

        var (removed, _) = await PatchAsync(Gateway.Http, "patch-admin", """{"customerReference":null,"lines":{"1":{"dialPlan":null}}}""");
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        Assert.Null(Store.FindConfig("patch-admin")!.Lines[1].DialPlan);
        Assert.Null((await Gateway.GetAdapterAsync("patch-admin"))!["customerReference"]);

        var audit = JsonNode.Parse(await Gateway.Http.GetStringAsync("/api/audit?target=patch-admin"))!.AsArray();
        Assert.Contains("secret: changed", audit[2]!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("lines[1]: removed", audit[2]!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("patch-admin-new-secret", audit.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("\"p2\"", audit.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_patch_of_an_adapter_with_every_setting_changes_nothing()
    {
        var (put, answer) = await Gateway.PutAdapterAsync("patch-full", new
        {
            secret = "patch-full-secret",
            customerReference = "CUST-FULL",
            sendHa1 = true,
            lines = new[]
            {
                new
                {
                    username = "6001", password = "full-pass", registrar = "127.0.0.1:5060", realm = "lab.example", authUsername = "auth6001",
                    secondaryRegistrar = "127.0.0.2:5060", outboundProxy = "127.0.0.1:5070", transport = "tcp",
                    country = "de", tonePlan = "UK", dialPlan = "0[1-9]x.|11[02]", barring = new[] { "mobile", "international" },
                    keepAliveSeconds = 0, retryBaseSeconds = 10, retryMaxSeconds = 120, expires = 600, flashMs = 600,
                    shortTimerMs = 3000, longTimerMs = 12000, registrarProbeSeconds = 60, noAnswerSeconds = 90,
                    tones = new Dictionary<string, string> { ["busy"] = "425:250 0:250" },
                    callWaiting = false, messageWaiting = false, serviceCodes = new Dictionary<string, string> { ["anonymousCall"] = "*67" },
                },
            },
        });
        Assert.True(put.StatusCode == HttpStatusCode.Created, answer?.ToJsonString());
        var before = Store.FindConfig("patch-full")!;

        var (response, body) = await PatchAsync(Gateway.Http, "patch-full", """{"reason":"just looking"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(body!["changed"]!.AsArray());
        Assert.Equal(before.Version, body["configVersion"]!.GetValue<int>());
        Assert.Equal(before.Lines, Store.FindConfig("patch-full")!.Lines);

        // Every setting a line has is written back, so none is lost by a patch of another.
        var rendered = AdapterPatch.RenderLine(before.Lines[0]);
        Assert.Equal(AdapterPatch.LineFieldNames.Order(StringComparer.Ordinal), rendered.Select(p => p.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_setting_a_line_can_have_is_one_a_patch_keeps_and_writes_back()
    {
        // A setting added to SipAccount but not to AdapterPatch would be reset by any patch of its line.
        var settings = typeof(SipAccount).GetProperties().Where(p => p.SetMethod is { IsPublic: true })
            .Select(p => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(p.Name));
        Assert.Equal(settings.Order(StringComparer.Ordinal), AdapterPatch.LineFieldNames.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("""{"lines":{"0":{"password":""}}}""", "lines[0].password")]
    [InlineData("""{"lines":{"0":{"barring":["nope"]}}}""", "lines[0].barring")]
    [InlineData("""{"lines":{"0":{"dialPlan":"[["}}}""", "lines[0].dialPlan")]
    [InlineData("""{"lines":{"0":{"tones":{"busy":"loud"}}}}""", "lines[0].tones.busy")]
    [InlineData("""{"lines":{"0":{"pasword":"typo"}}}""", "lines[0].pasword")]
    [InlineData("""{"lines":{"5":{"password":"x"}}}""", "lines.5")]
    [InlineData("""{"lines":{"0":"x"}}""", "lines[0]")]
    [InlineData("""{"lines":[{"username":"6001"}]}""", "lines[0].password")]
    [InlineData("""{"colour":"red"}""", "colour")]
    [InlineData("""{"reason":5}""", "reason")]
    [InlineData("""[1]""", "body")]
    public async Task A_bad_patch_is_refused_naming_its_field(string patch, string field)
    {
        await ProvisionTwoLinesAsync("patch-bad");
        using var support = await Gateway.SupportClientAsync("patch-bad-agent-" + Math.Abs(patch.GetHashCode(StringComparison.Ordinal)));
        var before = Store.FindConfig("patch-bad")!;

        var (response, body) = await PatchAsync(support, "patch-bad", patch);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(body!["errors"]!.AsObject().ContainsKey(field), body.ToJsonString());
        Assert.Equal(before.Version, Store.FindConfig("patch-bad")!.Version);
    }

    [Fact]
    public async Task Unknown_adapters_other_media_types_and_anonymous_callers_are_refused()
    {
        await ProvisionTwoLinesAsync("patch-misc");
        Assert.Equal(HttpStatusCode.NotFound, (await PatchAsync(Gateway.Http, "patch-nobody", "{}")).Response.StatusCode);

        using var text = new StringContent("{}", Encoding.UTF8, "text/plain");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await Gateway.Http.PatchAsync("/api/adapters/patch-misc", text)).StatusCode);

        using var plainJson = new StringContent("""{"lines":{"0":{"password":"via-json"}}}""", Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.OK, (await Gateway.Http.PatchAsync("/api/adapters/patch-misc", plainJson)).StatusCode);

        using var anonymous = Gateway.Client(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await PatchAsync(anonymous, "patch-misc", "{}")).Response.StatusCode);
    }

    private async Task ProvisionTwoLinesAsync(string id)
    {
        var (response, body) = await Gateway.PutAdapterAsync(id, RunningGateway.Adapter(id + "-secret",
            ("6101", "line-one-pass", "127.0.0.1:5060"), ("6102", "line-two-pass", "127.0.0.1:5060")));
        Assert.True(response.IsSuccessStatusCode, body?.ToJsonString());
    }


    private async Task<(HttpResponseMessage Response, JsonNode? Body)> PatchAsync(HttpClient client, string id, string patch)
    {
        using var content = new StringContent(patch, Encoding.UTF8, AdapterPatch.MediaType);
        var response = await client.PatchAsync($"/api/adapters/{id}", content);
        var text = await response.Content.ReadAsStringAsync();
        lock (Gateway.ResponseBodies)
        {
            Gateway.ResponseBodies.Add(text);
        }

        return (response, text.Length == 0 ? null : JsonNode.Parse(text));
    }
}
