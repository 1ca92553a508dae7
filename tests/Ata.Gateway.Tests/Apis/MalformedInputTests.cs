using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Ata.Gateway.Tests.Access;
using Ata.Gateway.Tests.Support;

namespace Ata.Gateway.Tests.Apis;

/// <summary>Malformed request bodies are the client's fault: a 4xx naming what is wrong, never a 500 or a stack trace in the log.</summary>
public sealed class MalformedInputTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private const string Json = "application/json";
    private const string Form = "application/x-www-form-urlencoded";

    private static readonly (string Method, string Path)[] StateChangingEndpoints =
    [
        ("PUT", "/api/adapters/malformed-1"),
        ("POST", "/api/keys"),
        ("POST", "/login"),
        ("POST", "/logout"),
        ("POST", "/api/adapters/malformed-1/actions/reboot"),
        ("PATCH", "/api/adapters/malformed-1"),
        ("POST", "/api/adapters/malformed-1/commands"),
        ("POST", "/api/people"),
        ("POST", "/api/people/malformed-none/password"),
        ("POST", "/api/adapters/malformed-1/rotate-credential"),
        ("DELETE", "/api/adapters/malformed-none"),
        ("DELETE", "/api/keys/malformed-none"),
    ];

    private static readonly (string What, byte[] Body, string? ContentType)[] MalformedBodies =
    [
        ("truncated JSON", Utf8("""{"secret":"abcdefgh","lines":["""), Json),
        ("a JSON array", Utf8("[1,2]"), Json),
        ("wrong types", Utf8("""{"secret":5,"lines":{},"name":["x"],"role":7,"customerReference":false}"""), Json),
        ("a lone surrogate", Utf8("""{"secret":"abcd\ud800efgh","customerReference":"\udc00","name":"\ud800","role":"admin","lines":[]}"""), Json),
        ("a lone surrogate in a name", Utf8("""{"\ud800":1}"""), Json),
        ("bytes that are not UTF-8", [.. Utf8("""{"secret":"ab"""), 0xFF, 0xFE, .. Utf8("""cdefgh","name":"x"""), 0xC3, 0x28, .. Utf8("\"}")], Json),
        ("a name that is not UTF-8", [.. Utf8("{\""), 0xFF, .. Utf8("\":1}")], Json),
        ("nesting 10,000 deep", Utf8(new string('[', 10_000)), Json),
        ("a number beyond double", Utf8("""{"secret":"abcdefgh","lines":[{"username":"1","password":"p","registrar":"h","flashMs":1e400}]}"""), Json),
        ("a NUL in a string", Utf8("""{"secret":"abc\u0000defgh","name":"a\u0000b","role":"admin"}"""), Json),
        ("an empty body", [], Json),
        ("UTF-16 declared", Encoding.Unicode.GetBytes("""{"secret":"abcdefgh"}"""), "application/json; charset=utf-16"),
        ("2 MB", Utf8($$"""{"secret":"{{new string('a', 2_000_000)}}"}"""), Json),
        ("JSON as text/plain", Utf8("""{"secret":"abcdefgh"}"""), "text/plain"),
        ("no content type", Utf8("""{"secret":"abcdefgh"}"""), null),
        ("a broken form", Utf8("key=%ZZ&&=&%"), Form),
        ("a form of 1 MB", Utf8("key=" + new string('k', 1_000_000)), Form),
        ("a form with 10,000 fields", Utf8(string.Join('&', Enumerable.Range(0, 10_000).Select(i => $"f{i}=1"))), Form),
        ("multipart without a boundary", Utf8("--x\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nv\r\n--x--\r\n"), "multipart/form-data"),
        ("multipart cut short", Utf8("--x\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nv"), "multipart/form-data; boundary=x"),
        ("a made-up content type", Utf8("\u0001\u0002"), "application/x-ata-nonsense"),
    ];

    private RunningGateway Gateway => fixture.Gateway;

    [Fact]
    public async Task A_lone_surrogate_in_the_customer_reference_is_400_naming_the_field()
    {
        var (response, body) = await Gateway.PutRawAsync("malformed-surrogate",
            """{"secret":"abcdefgh","customerReference":"CUST-\ud800","lines":[{"username":"2001","password":"pw","registrar":"127.0.0.1"}]}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not valid text", body!["errors"]!["customerReference"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(await Gateway.GetAdapterAsync("malformed-surrogate"));
        AssertNoErrorInTheLog();
    }

    [Fact]
    public async Task Bytes_that_are_not_utf8_in_a_field_are_400_naming_the_field()
    {
        byte[] json = [.. Utf8("""{"secret":"abcdefgh","lines":[{"username":"20"""), 0xFF, 0xFE, .. Utf8("\",\"password\":\"pw\",\"registrar\":\"127.0.0.1\"}]}")];
        using var response = await Gateway.Http.PutAsync("/api/adapters/malformed-utf8", Content(json, Json));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["errors"]!.AsObject();
        Assert.Contains("not valid text", errors["lines[0].username"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        AssertNoErrorInTheLog();
    }

    [Theory]
    [InlineData("JSON", """{"key":"x"}""", Json, HttpStatusCode.UnsupportedMediaType)]
    [InlineData("no content type", "key=x", null, HttpStatusCode.UnsupportedMediaType)]
    [InlineData("multipart without a boundary", "--x\r\n\r\n", "multipart/form-data", HttpStatusCode.BadRequest)]
    [InlineData("multipart cut short", "--x\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nv", "multipart/form-data; boundary=x", HttpStatusCode.BadRequest)]
    [InlineData("broken form encoding", "key=%ZZ&&=&%", Form, HttpStatusCode.BadRequest)]
    public async Task Malformed_sign_in_bodies_are_refused_with_a_4xx_and_a_clear_message(string what, string body, string? contentType, HttpStatusCode expected)
    {
        using var browser = new DashboardBrowser(Gateway.Http.BaseAddress!);
        await browser.OpenLoginPageAsync();

        using var response = await browser.Http.PostAsync("/login", Content(Utf8(body), contentType));

        Assert.True(expected == response.StatusCode, $"{what}: {response.StatusCode}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.Matches("sign-in form|application/x-www-form-urlencoded|sign in again", text);
        AssertNoErrorInTheLog();
    }

    [Theory]
    [InlineData("PUT", "/api/adapters/malformed-big", 64)]
    [InlineData("POST", "/api/keys", 4)]
    [InlineData("POST", "/login", 4)]
    public async Task Bodies_beyond_an_endpoints_limit_are_refused_with_413_saying_the_limit(string method, string path, int kibibytes)
    {
        var contentType = path == "/login" ? Form : Json;
        var body = path == "/login" ? "key=" + new string('k', kibibytes * 1024) : $$"""{"secret":"{{new string('s', kibibytes * 1024)}}"}""";

        using var response = await Gateway.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = Content(Utf8(body), contentType) });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains($"{kibibytes} KiB", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        AssertNoErrorInTheLog();
    }

    [Fact]
    public async Task Every_state_changing_endpoint_answers_every_malformed_body_without_a_5xx_or_a_stack_trace()
    {
        await Gateway.ProvisionAsync("malformed-1", "secret-malformed-1");
        var failures = new List<string>();
        foreach (var (method, path) in StateChangingEndpoints)
        {
            foreach (var (what, body, contentType) in MalformedBodies)
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = Content(body, contentType) };

                // As a careful client sends a large body: the gateway's early 413 (or 409, 415…) comes before
                // the body is sent. Without it, a body still being written when the gateway answers and
                // closes the connection fails the client with a broken pipe, however right the answer.
                request.Headers.ExpectContinue = true;
                HttpResponseMessage response;
                try
                {
                    response = await Gateway.Http.SendAsync(request);
                }
                catch (HttpRequestException exception)
                {
                    failures.Add($"{method} {path} with {what}: {exception.Message} {exception.InnerException?.Message}");
                    continue;
                }

                var text = await response.Content.ReadAsStringAsync();
                if ((int)response.StatusCode >= 500 || text.Contains("   at ", StringComparison.Ordinal))
                {
                    failures.Add($"{method} {path} with {what}: {(int)response.StatusCode} {text[..Math.Min(200, text.Length)]}");
                }

                response.Dispose();
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
        AssertNoErrorInTheLog();
        Assert.NotNull(await Gateway.GetAdapterAsync("malformed-1"));
    }

    /// <summary>
    /// Nothing at the levels the gateway logs by default (information, and warnings of ASP.NET Core)
    /// is an error or carries a stack trace.
    /// </summary>
    private void AssertNoErrorInTheLog()
    {
        var shown = Gateway.Log.Lines.Where(l => l.StartsWith("Information", StringComparison.Ordinal) || l.StartsWith("Warning", StringComparison.Ordinal)
            || l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(shown, l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal));
        Assert.DoesNotContain(shown, l => l.Contains("\n   at ", StringComparison.Ordinal));
    }

    private static ByteArrayContent Content(byte[] body, string? contentType)
    {
        var content = new ByteArrayContent(body);
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        return content;
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
