using System.Net;
using System.Text.RegularExpressions;

namespace Ata.Gateway.Tests.Access;

/// <summary>
/// What a browser does with the dashboard, over HTTP: a cookie jar, no redirects followed, the
/// anti-forgery token of the last page it loaded (the login form's hidden field or the dashboard's
/// <c>request-token</c> meta element) sent back as <c>X-CSRF-Token</c> on every request that changes something.
/// </summary>
internal sealed partial class DashboardBrowser : IDisposable
{
    public const string TokenHeader = "X-CSRF-Token";

    public const string SessionCookie = "ata-session";

    public DashboardBrowser(Uri baseAddress, HttpClientHandler? handler = null)
    {
        handler ??= new HttpClientHandler();
        handler.AllowAutoRedirect = false;
        handler.UseCookies = true;
        handler.CookieContainer = Cookies;
        Http = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public CookieContainer Cookies { get; } = new();

    public HttpClient Http { get; }

    /// <summary>The anti-forgery token of the last page loaded, if it had one.</summary>
    public string? RequestToken { get; set; }

    /// <summary>The session cookie's value, as a thief who copied it would have it.</summary>
    public string? SessionCookieValue => Cookies.GetAllCookies().FirstOrDefault(c => c.Name == SessionCookie)?.Value;

    /// <summary>Opens the login page and submits <paramref name="key"/> with the page's token (if it has one).</summary>
    public async Task<HttpResponseMessage> SignInAsync(string key)
    {
        await OpenLoginPageAsync();
        return await SubmitSignInAsync(key, RequestToken);
    }

    public async Task OpenLoginPageAsync()
    {
        using var page = await Http.GetAsync("/login");
        var html = await page.Content.ReadAsStringAsync();
        RequestToken = LoginToken().Match(html) is { Success: true } match ? WebUtility.HtmlDecode(match.Groups[1].Value) : null;
    }

    public Task<HttpResponseMessage> SubmitSignInAsync(string key, string? token)
    {
        var fields = new List<KeyValuePair<string, string>> { new("key", key) };
        if (token is not null)
        {
            fields.Add(new("__RequestVerificationToken", token));
        }

        return Http.PostAsync("/login", new FormUrlEncodedContent(fields));
    }

    /// <summary>Loads the dashboard page, keeping its token.</summary>
    public async Task<HttpResponseMessage> OpenDashboardAsync()
    {
        var page = await Http.GetAsync("/");
        var html = await page.Content.ReadAsStringAsync();
        RequestToken = PageToken().Match(html) is { Success: true } match ? WebUtility.HtmlDecode(match.Groups[1].Value) : RequestToken;
        return page;
    }

    /// <summary>Signs in and loads the dashboard, as a person does.</summary>
    public async Task SignInToDashboardAsync(string key)
    {
        using var signIn = await SignInAsync(key);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        using var page = await OpenDashboardAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    /// <summary>A request as the dashboard's script makes it: with the page's token, when it has one.</summary>
    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content = null, bool withToken = true)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (withToken && RequestToken is not null)
        {
            request.Headers.Add(TokenHeader, RequestToken);
        }

        return Http.SendAsync(request);
    }

    public void Dispose() => Http.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]*)\"")]
    private static partial Regex LoginToken();

    [GeneratedRegex("""<meta name="request-token" content="([^"]*)">""")]
    private static partial Regex PageToken();
}
