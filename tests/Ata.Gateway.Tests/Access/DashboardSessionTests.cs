using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Ata.Gateway.Tests.Support;

namespace Ata.Gateway.Tests.Access;

/// <summary>Dashboard sessions end with their key and at sign-out; what the cookie may change needs the page's token.</summary>
public sealed class DashboardSessionTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private RunningGateway Gateway => fixture.Gateway;

    [Fact]
    public async Task Revoking_a_key_ends_the_dashboard_sessions_signed_in_with_it_at_once()
    {
        await Gateway.ProvisionAsync("session-revoke-1", "secret-session-revoke-1");
        var key = await MakeKeyAsync("erin-support", "support");
        using var browser = Browser();
        await browser.SignInToDashboardAsync(key);
        Assert.Equal(HttpStatusCode.OK, (await browser.Http.GetAsync("/api/adapters")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await browser.SendAsync(HttpMethod.Post, "/api/adapters/session-revoke-1/actions/push-config")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await Gateway.Http.DeleteAsync("/api/keys/erin-support")).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Http.GetAsync("/api/adapters")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.SendAsync(HttpMethod.Post, "/api/adapters/session-revoke-1/actions/push-config")).StatusCode);
        var audit = JsonNode.Parse(await Gateway.Http.GetStringAsync("/api/audit?target=session-revoke-1"))!.AsArray();
        Assert.Single(audit, e => e!["actor"]!.GetValue<string>() == "erin-support");
    }

    [Fact]
    public async Task Signing_out_ends_the_session_even_for_a_copy_of_its_cookie()
    {
        using var browser = Browser();
        await browser.SignInToDashboardAsync(RunningGateway.AdminKey);
        var copied = browser.SessionCookieValue;
        Assert.NotNull(copied);
        using var thief = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = Gateway.Http.BaseAddress };
        thief.DefaultRequestHeaders.Add("Cookie", $"{DashboardBrowser.SessionCookie}={copied}");
        Assert.Equal(HttpStatusCode.OK, (await thief.GetAsync("/api/adapters")).StatusCode);

        var signOut = await browser.SendAsync(HttpMethod.Post, "/logout");
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await thief.GetAsync("/api/adapters")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Http.GetAsync("/api/adapters")).StatusCode);
    }

    [Fact]
    public async Task What_the_session_cookie_changes_needs_the_token_of_its_own_dashboard_page_and_api_keys_need_none()
    {
        await Gateway.ProvisionAsync("session-csrf-1", "secret-session-csrf-1");
        using var browser = Browser();
        await browser.SignInToDashboardAsync(RunningGateway.AdminKey);
        using var other = Browser();
        await other.SignInToDashboardAsync(RunningGateway.AdminKey);
        const string action = "/api/adapters/session-csrf-1/actions/push-config";

        // What a form on a sibling site can send: the cookie, without the page's token.
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.SendAsync(HttpMethod.Post, action, withToken: false)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.SendAsync(HttpMethod.Delete, "/api/keys/nobody", withToken: false)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.SendAsync(HttpMethod.Put, "/api/adapters/session-csrf-2",
            JsonContent.Create(RunningGateway.Adapter("secret-session-csrf-2", ("2001", "pw", "127.0.0.1"))), withToken: false)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.SendAsync(HttpMethod.Post, "/logout", withToken: false)).StatusCode);
        var foreign = browser.RequestToken;
        browser.RequestToken = other.RequestToken;
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.SendAsync(HttpMethod.Post, action)).StatusCode);
        browser.RequestToken = foreign;
        Assert.Equal(HttpStatusCode.NotFound, (await Gateway.Http.GetAsync("/api/adapters/session-csrf-2")).StatusCode);
        var refused = JsonNode.Parse(await (await browser.SendAsync(HttpMethod.Post, action, withToken: false)).Content.ReadAsStringAsync())!;
        Assert.Contains(DashboardBrowser.TokenHeader, refused["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Accepted, (await browser.SendAsync(HttpMethod.Post, action)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await browser.SendAsync(HttpMethod.Put, "/api/adapters/session-csrf-2",
            JsonContent.Create(RunningGateway.Adapter("secret-session-csrf-2", ("2001", "pw", "127.0.0.1"))))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await Gateway.Http.PostAsync(action, null)).StatusCode);
        var audit = JsonNode.Parse(await Gateway.Http.GetStringAsync("/api/audit?target=session-csrf-1"))!.AsArray();
        Assert.Equal(2, audit.Count(e => e!["action"]!.GetValue<string>() == "adapter.push-config"));
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData(null)]
    public async Task Json_bodies_in_another_content_type_are_refused_with_415(string? contentType)
    {
        var id = $"session-type-{(contentType ?? "none").Split(';')[0].Replace('/', '-')}";
        var json = $$"""{"secret":"secret-{{id}}","lines":[{"username":"2001","password":"pw","registrar":"127.0.0.1"}]}""";
        using var browser = Browser();
        await browser.SignInToDashboardAsync(RunningGateway.AdminKey);

        foreach (var client in new Func<HttpRequestMessage, Task<HttpResponseMessage>>[] { r => Gateway.Http.SendAsync(r), r => SendWithToken(browser, r) })
        {
            using var put = await client(Request(HttpMethod.Put, $"/api/adapters/{id}", json, contentType));
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, put.StatusCode);
            Assert.Contains("application/json", await put.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            using var key = await client(Request(HttpMethod.Post, "/api/keys", """{"name":"mallory","role":"admin"}""", contentType));
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, key.StatusCode);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await Gateway.Http.GetAsync($"/api/adapters/{id}")).StatusCode);
        Assert.DoesNotContain("mallory", await Gateway.Http.GetStringAsync("/api/keys"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Signing_in_needs_the_token_of_the_login_page_it_was_given()
    {
        using var browser = Browser();
        using var noToken = await browser.SubmitSignInAsync(RunningGateway.AdminKey, token: null);
        Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);
        Assert.DoesNotContain(noToken.Headers.TryGetValues("Set-Cookie", out var set) ? set : [], c => c.StartsWith(DashboardBrowser.SessionCookie, StringComparison.Ordinal));
        Assert.Contains("sign in again", await noToken.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);

        using var attacker = Browser();
        await attacker.OpenLoginPageAsync();
        Assert.NotNull(attacker.RequestToken);
        using var foreignToken = await browser.SubmitSignInAsync(RunningGateway.AdminKey, attacker.RequestToken);
        Assert.Equal(HttpStatusCode.BadRequest, foreignToken.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Http.GetAsync("/api/adapters")).StatusCode);

        using var signIn = await browser.SignInAsync(RunningGateway.AdminKey);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.Http.GetAsync("/api/adapters")).StatusCode);
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string body, string? contentType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        return new HttpRequestMessage(method, path) { Content = content };
    }

    private static Task<HttpResponseMessage> SendWithToken(DashboardBrowser browser, HttpRequestMessage request)
    {
        if (browser.RequestToken is not null)
        {
            request.Headers.Add(DashboardBrowser.TokenHeader, browser.RequestToken);
        }

        return browser.Http.SendAsync(request);
    }

    private DashboardBrowser Browser() => new(Gateway.Http.BaseAddress!);

    private async Task<string> MakeKeyAsync(string name, string role)
    {
        var response = await Gateway.Http.PostAsJsonAsync("/api/keys", new { name, role });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["key"]!.GetValue<string>();
    }
}
