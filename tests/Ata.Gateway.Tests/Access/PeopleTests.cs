using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Ata.Gateway.People;
using Ata.Gateway.Tests.Support;

namespace Ata.Gateway.Tests.Access;

/// <summary>
/// People, not shared keys: named accounts with hashed passwords and an optional TOTP second factor,
/// sign-in limited per account and (generously) per address, personal API tokens that can be revoked,
/// and API keys still working for programs.
/// </summary>
public sealed class PeopleTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private RunningGateway Gateway => fixture.Gateway;

    [Fact]
    public async Task Five_wrong_sign_ins_from_one_office_address_do_not_lock_out_the_office()
    {
        // The finding: after five wrong keys from one address, everyone behind that NAT address was refused.
        await AddPersonAsync("office-alice", "support", "alice-password-1");
        using var guesser = new DashboardBrowser(Gateway.Http.BaseAddress!);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await guesser.SignInAsync("wrong-key-" + i)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(guesser, "office-mallory-" + i, "not-the-password")).StatusCode);
        }

        using var alice = new DashboardBrowser(Gateway.Http.BaseAddress!);
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(alice, "office-alice", "alice-password-1")).StatusCode);
        using var admin = new DashboardBrowser(Gateway.Http.BaseAddress!);
        Assert.Equal(HttpStatusCode.Redirect, (await admin.SignInAsync(RunningGateway.AdminKey)).StatusCode);
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_that_account_with_a_page_that_says_so_and_no_other()
    {
        await AddPersonAsync("locked-bob", "support", "bob-password-12");
        await AddPersonAsync("locked-carol", "support", "carol-password-1");
        using var browser = new DashboardBrowser(Gateway.Http.BaseAddress!);
        for (var i = 0; i < 5; i++)
        {
            var wrong = await SignInAsync(browser, "locked-bob", "guess-" + i + "-password");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            Assert.Contains("That name and password do not match.", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Even the right password now waits, and what the browser shows is the sign-in page with a message, not JSON.
        var refused = await SignInAsync(browser, "LOCKED-BOB", "bob-password-12");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("text/html", refused.Content.Headers.ContentType?.MediaType);
        var page = await refused.Content.ReadAsStringAsync();
        Assert.Contains("Too many failed sign-ins for this account. Try again in 15 minutes.", page, StringComparison.Ordinal);
        Assert.Contains("<form", page, StringComparison.Ordinal);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.FromMinutes(14));

        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(browser, "locked-carol", "carol-password-1")).StatusCode);
    }

    [Fact]
    public async Task An_address_lockout_is_a_sign_in_page_with_a_message()
    {
        using var directory = new TempDirectory();
        await using var gateway = await RunningGateway.StartAsync(directory.Path, settings: new Dictionary<string, string?>
        {
            ["Auth:SignInThrottle:MaxFailures"] = "2",
        });
        using var browser = new DashboardBrowser(gateway.Http.BaseAddress!);
        await browser.SignInAsync("wrong-1");
        await browser.SignInAsync("wrong-2");

        var refused = await browser.SignInAsync(RunningGateway.AdminKey);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("text/html", refused.Content.Headers.ContentType?.MediaType);
        Assert.Matches("Too many failed sign-ins from this address. Try again in [0-9]+ (seconds|minutes)\\.", await refused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_person_signs_in_with_secure_cookies_acts_under_their_name_and_needs_the_page_token()
    {
        await AddPersonAsync("dora-support", "support", "dora-password-1");
        await Gateway.PutAdapterAsync("people-1", RunningGateway.Adapter("people-1-secret", ("6201", "pw-1", "127.0.0.1")));
        using var browser = new DashboardBrowser(Gateway.Http.BaseAddress!);

        var signIn = await SignInAsync(browser, "dora-support", "dora-password-1");

        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        var cookie = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(DashboardBrowser.SessionCookie, StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await browser.OpenDashboardAsync()).StatusCode);
        var me = JsonNode.Parse(await browser.Http.GetStringAsync("/api/me"))!;
        Assert.Equal(("dora-support", "support", true), (me["name"]!.GetValue<string>(), me["role"]!.GetValue<string>(), me["person"]!.GetValue<bool>()));

        static StringContent Patch() => new("""{"lines":{"0":{"password":"from-dora-1"}},"reason":"ticket 7"}""", Encoding.UTF8, "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.SendAsync(HttpMethod.Patch, "/api/adapters/people-1", Patch(), withToken: false)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.SendAsync(HttpMethod.Patch, "/api/adapters/people-1", Patch())).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await browser.Http.GetAsync("/api/people")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.Http.GetAsync("/people")).StatusCode);

        var audit = JsonNode.Parse(await Gateway.Http.GetStringAsync("/api/audit?target=people-1"))!.AsArray()[0]!;
        Assert.Equal(("dora-support", "support"), (audit["actor"]!.GetValue<string>(), audit["role"]!.GetValue<string>()));

        // Removing the person ends their session at once.
        Assert.Equal(HttpStatusCode.NoContent, (await Gateway.Http.DeleteAsync("/api/people/dora-support")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.Http.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(browser, "dora-support", "dora-password-1")).StatusCode);
    }

    [Fact]
    public async Task A_second_factor_is_set_up_with_a_code_then_asked_for_and_each_code_is_taken_once()
    {
        await AddPersonAsync("erin-admin", "admin", "erin-password-1");
        using var browser = new DashboardBrowser(Gateway.Http.BaseAddress!);
        await SignInAsync(browser, "erin-admin", "erin-password-1");
        await browser.OpenDashboardAsync();

        var enrolment = JsonNode.Parse(await (await browser.SendAsync(HttpMethod.Post, "/api/me/totp")).Content.ReadAsStringAsync())!;
        var secret = enrolment["secret"]!.GetValue<string>();
        var step = Totp.StepNow();
        var (current, next) = (Totp.Code(secret, step), Totp.Code(secret, step + 1));
        Assert.StartsWith("otpauth://totp/ATA%20fleet%3Aerin-admin?secret=" + secret, enrolment["uri"]!.GetValue<string>(), StringComparison.Ordinal);
        var wrongConfirm = await browser.SendAsync(HttpMethod.Post, "/api/me/totp/confirm", JsonContent.Create(new { code = current == "000000" ? "111111" : "000000" }));
        Assert.Equal(HttpStatusCode.BadRequest, wrongConfirm.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await browser.SendAsync(HttpMethod.Post, "/api/me/totp/confirm", JsonContent.Create(new { code = current }))).StatusCode);
        Assert.True(JsonNode.Parse(await Gateway.Http.GetStringAsync("/api/people"))!.AsArray().Single(p => p!["name"]!.GetValue<string>() == "erin-admin")!["totpEnabled"]!.GetValue<bool>());

        using var later = new DashboardBrowser(Gateway.Http.BaseAddress!);
        var asked = await SignInAsync(later, "erin-admin", "erin-password-1");
        Assert.Equal(HttpStatusCode.Unauthorized, asked.StatusCode);
        Assert.Contains("6-digit code", await asked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(later, "erin-admin", "erin-password-1", "12345x")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(later, "erin-admin", "erin-password-1", current)).StatusCode);

        // The next step's code (within the allowed clock drift) is taken once; sent again, it is refused.
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(later, "erin-admin", "erin-password-1", next)).StatusCode);
        using var replay = new DashboardBrowser(Gateway.Http.BaseAddress!);
        var replayed = await SignInAsync(replay, "erin-admin", "erin-password-1", next);
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
        Assert.Contains("used already", await replayed.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // An admin turns it off for someone who lost their phone.
        Assert.Equal(HttpStatusCode.NoContent, (await Gateway.Http.DeleteAsync("/api/people/erin-admin/totp")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(replay, "erin-admin", "erin-password-1")).StatusCode);
    }

    [Fact]
    public async Task A_person_makes_and_revokes_their_own_api_tokens_and_keys_keep_working_for_programs()
    {
        await AddPersonAsync("fred-support", "support", "fred-password-1");
        using var browser = new DashboardBrowser(Gateway.Http.BaseAddress!);
        await SignInAsync(browser, "fred-support", "fred-password-1");
        await browser.OpenDashboardAsync();

        var made = await browser.SendAsync(HttpMethod.Post, "/api/me/tokens", JsonContent.Create(new { label = "ticket script" }));
        Assert.Equal(HttpStatusCode.Created, made.StatusCode);
        var created = JsonNode.Parse(await made.Content.ReadAsStringAsync())!;
        var token = created["token"]!.GetValue<string>();
        var id = created["id"]!.GetValue<string>();
        Assert.StartsWith(PeopleDirectory.TokenPrefix, token, StringComparison.Ordinal);

        using var script = Gateway.Client(token);
        Assert.Equal(HttpStatusCode.OK, (await script.GetAsync("/api/adapters")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await script.GetAsync("/api/people")).StatusCode);
        Assert.Equal("fred-support", JsonNode.Parse(await script.GetStringAsync("/api/me"))!["name"]!.GetValue<string>());
        var listed = await browser.Http.GetStringAsync("/api/me/tokens");
        Assert.Contains("ticket script", listed, StringComparison.Ordinal);
        Assert.DoesNotContain(token, listed + await Gateway.Http.GetStringAsync("/api/people/fred-support/tokens") + await Gateway.Http.GetStringAsync("/api/audit"), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NoContent, (await browser.SendAsync(HttpMethod.Delete, $"/api/me/tokens/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await script.GetAsync("/api/adapters")).StatusCode);

        // An admin revokes anyone's token.
        var second = JsonNode.Parse(await (await browser.SendAsync(HttpMethod.Post, "/api/me/tokens", JsonContent.Create(new { label = "other" }))).Content.ReadAsStringAsync())!;
        using var other = Gateway.Client(second["token"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync("/api/adapters")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Gateway.Http.DeleteAsync($"/api/people/fred-support/tokens/{second["id"]!.GetValue<string>()}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await other.GetAsync("/api/adapters")).StatusCode);

        // The configured admin key still works, and has no personal tokens.
        var keyTokens = await Gateway.Http.PostAsJsonAsync("/api/me/tokens", new { label = "x" });
        Assert.Equal(HttpStatusCode.Conflict, keyTokens.StatusCode);
    }

    [Theory]
    [InlineData("""{"name":"has space","role":"admin","password":"long-enough-pw"}""", "name")]
    [InlineData("""{"name":"admin","role":"admin","password":"long-enough-pw"}""", "name")]
    [InlineData("""{"name":"gina","role":"root","password":"long-enough-pw"}""", "role")]
    [InlineData("""{"name":"gina","role":"admin","password":"short"}""", "password")]
    [InlineData("""{"name":"gina","role":"admin","password":5}""", "password")]
    public async Task A_person_is_added_only_with_a_valid_name_role_and_password(string body, string field)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        var response = await Gateway.Http.PostAsync("/api/people", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["errors"]!.AsObject().ContainsKey(field));
    }

    [Fact]
    public async Task The_first_admin_is_added_on_the_command_line_with_the_password_on_standard_input()
    {
        using var directory = new TempDirectory();
        var error = new StringWriter();
        string[] store = [.. (await TestStores.SettingsAsync(directory.Path)).Select(s => $"--{s.Key}={s.Value}")];
        var code = AddPersonCommand.Run(["first-admin", "--role", "admin", $"--Gateway:DataDirectory={directory.Path}", .. store],
            new StringReader("first-admin-password\n"), new StringWriter(), error);
        Assert.True(code == 0, error.ToString());
        Assert.Equal(2, AddPersonCommand.Run(["second", $"--Gateway:DataDirectory={directory.Path}", .. store], new StringReader("short\n"), new StringWriter(), new StringWriter()));

        await using var gateway = await RunningGateway.StartAsync(directory.Path);
        using var browser = new DashboardBrowser(gateway.Http.BaseAddress!);
        Assert.Equal(HttpStatusCode.Redirect, (await SignInAsync(browser, "first-admin", "first-admin-password")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.Http.GetAsync("/api/people")).StatusCode);
    }

    private async Task AddPersonAsync(string name, string role, string password)
    {
        var response = await Gateway.Http.PostAsJsonAsync("/api/people", new { name, role, password });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    internal static async Task<HttpResponseMessage> SignInAsync(DashboardBrowser browser, string name, string password, string? code = null)
    {
        await browser.OpenLoginPageAsync();
        var fields = new List<KeyValuePair<string, string>> { new("name", name), new("password", password), new("code", code ?? string.Empty) };
        fields.Add(new("__RequestVerificationToken", browser.RequestToken!));
        return await browser.Http.PostAsync("/login", new FormUrlEncodedContent(fields));
    }
}
