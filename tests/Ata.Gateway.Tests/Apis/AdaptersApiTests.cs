using System.Net;
using System.Text.Json.Nodes;
using Ata.Gateway.Tests.Support;

namespace Ata.Gateway.Tests.Apis;

public sealed class AdaptersApiTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private RunningGateway Gateway => fixture.Gateway;

    [Fact]
    public async Task Put_creates_the_adapter_then_updates_it_bumping_the_config_version()
    {
        var secret = "create-secret-1";
        var (created, createdBody) = await Gateway.PutAdapterAsync("api-create", RunningGateway.Adapter(secret, ("2001", "pw-one", "127.0.0.1:5060")));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/api/adapters/api-create", created.Headers.Location?.OriginalString);
        Assert.Equal("api-create", createdBody!["deviceId"]!.GetValue<string>());
        Assert.Equal(1, createdBody["configVersion"]!.GetValue<int>());
        Assert.Equal($"127.0.0.1:{Gateway.Broker.Port}", createdBody["broker"]!.GetValue<string>());

        var (same, sameBody) = await Gateway.PutAdapterAsync("api-create", RunningGateway.Adapter(secret, ("2001", "pw-one", "127.0.0.1:5060")));
        Assert.Equal(HttpStatusCode.OK, same.StatusCode);
        Assert.Equal(1, sameBody!["configVersion"]!.GetValue<int>());

        var (updated, updatedBody) = await Gateway.PutAdapterAsync("api-create", RunningGateway.Adapter(
            secret, ("2001", "pw-two", "127.0.0.1:5060"), ("2002", "pw-three", "[::1]:5070")));
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal(2, updatedBody!["configVersion"]!.GetValue<int>());

        var (rekeyed, rekeyedBody) = await Gateway.PutAdapterAsync("api-create", RunningGateway.Adapter(
            "create-secret-2", ("2001", "pw-two", "127.0.0.1:5060"), ("2002", "pw-three", "[::1]:5070")));
        Assert.Equal(HttpStatusCode.OK, rekeyed.StatusCode);
        Assert.Equal(3, rekeyedBody!["configVersion"]!.GetValue<int>());

        var adapter = await Gateway.GetAdapterAsync("api-create");
        Assert.Equal(3, adapter!["configVersion"]!.GetValue<int>());
        Assert.Equal(["2001", "2002"], adapter["lines"]!.AsArray().Select(l => l!["username"]!.GetValue<string>()));
        Assert.Equal([1, 2], adapter["lines"]!.AsArray().Select(l => l!["line"]!.GetValue<int>()));
    }

    [Fact]
    public async Task Get_shows_the_adapter_before_any_report_without_its_secret_or_passwords()
    {
        const string secret = "visible-nowhere-7f3a";
        const string sipPassword = "sip-pass-nowhere-91c2";
        await Gateway.PutAdapterAsync("api-get", RunningGateway.Adapter(secret, ("3001", sipPassword, "sip.example.net")));

        var adapter = await Gateway.GetAdapterAsync("api-get");
        var list = await Gateway.ListAdaptersAsync();

        Assert.NotNull(adapter);
        Assert.Equal("api-get", adapter["deviceId"]!.GetValue<string>());
        Assert.False(adapter["online"]!.GetValue<bool>());
        Assert.Null(adapter["lastSeen"]);
        Assert.Null(adapter["lastHealthAt"]);
        Assert.Null(adapter["firmware"]);
        Assert.Null(adapter["appliedConfigVersion"]);
        Assert.Null(adapter["configRefusedReason"]);
        Assert.Equal("""{"pwr":"off","wan":"off","tel1":"off","tel2":"off"}""", adapter["leds"]!.ToJsonString());
        var line = adapter["lines"]![0]!;
        Assert.Equal(1, line["line"]!.GetValue<int>());
        Assert.Equal("3001", line["username"]!.GetValue<string>());
        Assert.Equal("sip.example.net", line["registrar"]!.GetValue<string>());
        Assert.Equal("unknown", line["registration"]!.GetValue<string>());
        Assert.Null(line["sipCode"]);
        Assert.Empty(adapter["faults"]!.AsArray());
        Assert.Contains(list, a => a!["deviceId"]!.GetValue<string>() == "api-get");

        foreach (var view in new[] { adapter.ToJsonString(), list.ToJsonString() })
        {
            Assert.DoesNotContain("secret", view, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("password", view, StringComparison.OrdinalIgnoreCase);
        }

        lock (Gateway.ResponseBodies)
        {
            Assert.All(Gateway.ResponseBodies, body =>
            {
                Assert.DoesNotContain(secret, body, StringComparison.Ordinal);
                Assert.DoesNotContain(sipPassword, body, StringComparison.Ordinal);
            });
        }

        Assert.DoesNotContain(secret, Gateway.Log.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(sipPassword, Gateway.Log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_of_an_unknown_adapter_is_404()
    {
        var response = await Gateway.Http.GetAsync("/api/adapters/nobody-here");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("bad-json", """{"secret": "abcdefgh", "lines": [ """, "body")]
    [InlineData("not-object", """[1, 2]""", "body")]
    [InlineData("no-secret", """{"lines":[{"username":"2001","password":"p","registrar":"127.0.0.1"}]}""", "secret")]
    [InlineData("short-secret", """{"secret":"short","lines":[{"username":"2001","password":"p","registrar":"127.0.0.1"}]}""", "secret")]
    [InlineData("secret-type", """{"secret":12345678,"lines":[{"username":"2001","password":"p","registrar":"127.0.0.1"}]}""", "secret")]
    [InlineData("no-lines", """{"secret":"abcdefgh"}""", "lines")]
    [InlineData("lines-type", """{"secret":"abcdefgh","lines":"2001"}""", "lines")]
    [InlineData("no-line", """{"secret":"abcdefgh","lines":[]}""", "lines")]
    [InlineData("three-lines", """{"secret":"abcdefgh","lines":[{"username":"1","password":"p","registrar":"h"},{"username":"2","password":"p","registrar":"h"},{"username":"3","password":"p","registrar":"h"}]}""", "lines")]
    [InlineData("line-type", """{"secret":"abcdefgh","lines":[42]}""", "lines[0]")]
    [InlineData("bad-port", """{"secret":"abcdefgh","lines":[{"username":"2001","password":"p","registrar":"127.0.0.1:70000"}]}""", "lines[0].registrar")]
    [InlineData("zero-port", """{"secret":"abcdefgh","lines":[{"username":"2001","password":"p","registrar":"127.0.0.1:0"}]}""", "lines[0].registrar")]
    [InlineData("bare-ipv6", """{"secret":"abcdefgh","lines":[{"username":"2001","password":"p","registrar":"::1:5060"}]}""", "lines[0].registrar")]
    [InlineData("no-registrar", """{"secret":"abcdefgh","lines":[{"username":"2001","password":"p"}]}""", "lines[0].registrar")]
    [InlineData("second-line", """{"secret":"abcdefgh","lines":[{"username":"2001","password":"p","registrar":"h"},{"username":"2002","password":"p","registrar":"bad host"}]}""", "lines[1].registrar")]
    [InlineData("user-at", """{"secret":"abcdefgh","lines":[{"username":"2001@x","password":"p","registrar":"h"}]}""", "lines[0].username")]
    [InlineData("user-space", """{"secret":"abcdefgh","lines":[{"username":"20 01","password":"p","registrar":"h"}]}""", "lines[0].username")]
    [InlineData("user-type", """{"secret":"abcdefgh","lines":[{"username":2001,"password":"p","registrar":"h"}]}""", "lines[0].username")]
    [InlineData("no-password", """{"secret":"abcdefgh","lines":[{"username":"2001","password":"","registrar":"h"}]}""", "lines[0].password")]
    [InlineData("transport", """{"secret":"abcdefgh","lines":[{"username":"2001","password":"p","registrar":"h","transport":"sctp"}]}""", "lines[0].transport")]
    [InlineData("country", """{"secret":"abcdefgh","lines":[{"username":"2001","password":"p","registrar":"h","country":"XX"}]}""", "lines[0].country")]
    [InlineData("tone-plan", """{"secret":"abcdefgh","lines":[{"username":"2001","password":"p","registrar":"h","tonePlan":"ZZ"}]}""", "lines[0].tonePlan")]
    [InlineData("dial-plan", """{"secret":"abcdefgh","lines":[{"username":"2001","password":"p","registrar":"h","dialPlan":"[12"}]}""", "lines[0].dialPlan")]
    [InlineData("barring", """{"secret":"abcdefgh","lines":[{"username":"2001","password":"p","registrar":"h","barring":["everything"]}]}""", "lines[0].barring")]
    [InlineData("keep-alive", """{"secret":"abcdefgh","lines":[{"username":"2001","password":"p","registrar":"h","keepAliveSeconds":3}]}""", "lines[0].keepAliveSeconds")]
    [InlineData("retry-order", """{"secret":"abcdefgh","lines":[{"username":"2001","password":"p","registrar":"h","retryBaseSeconds":600,"retryMaxSeconds":60}]}""", "lines[0].retryMaxSeconds")]
    [InlineData("expires", """{"secret":"abcdefgh","lines":[{"username":"2001","password":"p","registrar":"h","expires":5}]}""", "lines[0].expires")]
    [InlineData("proxy", """{"secret":"abcdefgh","lines":[{"username":"2001","password":"p","registrar":"h","outboundProxy":"bad host"}]}""", "lines[0].outboundProxy")]
    [InlineData("secondary", """{"secret":"abcdefgh","lines":[{"username":"2001","password":"p","registrar":"h","secondaryRegistrar":"h:0"}]}""", "lines[0].secondaryRegistrar")]
    [InlineData("ha1-no-realm", """{"secret":"abcdefgh","sendHa1":true,"lines":[{"username":"2001","password":"p","registrar":"h"}]}""", "lines[0].realm")]
    [InlineData("ha1-type", """{"secret":"abcdefgh","sendHa1":"yes","lines":[{"username":"2001","password":"p","registrar":"h"}]}""", "sendHa1")]
    [InlineData("customer", """{"secret":"abcdefgh","customerReference":42,"lines":[{"username":"2001","password":"p","registrar":"h"}]}""", "customerReference")]
    [InlineData("flash", """{"secret":"abcdefgh","lines":[{"username":"2001","password":"p","registrar":"h","flashMs":5000}]}""", "lines[0].flashMs")]
    [InlineData("short-timer", """{"secret":"abcdefgh","lines":[{"username":"2001","password":"p","registrar":"h","shortTimerMs":100}]}""", "lines[0].shortTimerMs")]
    [InlineData("long-timer", """{"secret":"abcdefgh","lines":[{"username":"2001","password":"p","registrar":"h","longTimerMs":90000}]}""", "lines[0].longTimerMs")]
    [InlineData("timer-order", """{"secret":"abcdefgh","lines":[{"username":"2001","password":"p","registrar":"h","shortTimerMs":9000,"longTimerMs":4000}]}""", "lines[0].longTimerMs")]
    [InlineData("tones-type", """{"secret":"abcdefgh","lines":[{"username":"2001","password":"p","registrar":"h","tones":["busy"]}]}""", "lines[0].tones")]
    [InlineData("bad-tone", """{"secret":"abcdefgh","lines":[{"username":"2001","password":"p","registrar":"h","tones":{"busy":"425:0"}}]}""", "lines[0].tones.busy")]
    [InlineData("unknown-tone", """{"secret":"abcdefgh","lines":[{"username":"2001","password":"p","registrar":"h","tones":{"bell":"425"}}]}""", "lines[0].tones.bell")]
    [InlineData("bad id!", """{"secret":"abcdefgh","lines":[{"username":"2001","password":"p","registrar":"h"}]}""", "deviceId")]
    public async Task Bad_requests_get_400_naming_the_field(string deviceId, string body, string field)
    {
        var (response, problem) = await Gateway.PutRawAsync(deviceId, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = problem!["errors"]!.AsObject();
        Assert.True(errors.ContainsKey(field), $"errors should name {field}: {problem.ToJsonString()}");
        Assert.All(errors, e => Assert.All(e.Value!.AsArray(), m => Assert.False(string.IsNullOrWhiteSpace(m!.GetValue<string>()))));
        Assert.DoesNotContain("   at ", problem.ToJsonString(), StringComparison.Ordinal);
        Assert.Null(await Gateway.GetAdapterAsync(deviceId));
    }

    [Fact]
    public async Task A_long_device_id_is_refused_and_a_valid_one_with_dots_accepted()
    {
        var (tooLong, problem) = await Gateway.PutRawAsync(new string('a', 65), """{"secret":"abcdefgh","lines":[{"username":"1","password":"p","registrar":"h"}]}""");
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.True(problem!["errors"]!.AsObject().ContainsKey("deviceId"));

        var (ok, _) = await Gateway.PutRawAsync("ata.lab_2-x", """{"secret":"abcdefgh","lines":[{"username":"1","password":"p","registrar":"h"}]}""");
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
    }

    [Fact]
    public async Task Healthz_answers_ok()
    {
        var response = await Gateway.Http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
    }
}
