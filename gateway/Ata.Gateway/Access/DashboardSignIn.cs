using System.Globalization;
using System.Net;
using Ata.Gateway.Apis;
using Ata.Gateway.Localization;
using Ata.Gateway.People;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Ata.Gateway.Access;

/// <summary>
/// Signing in to the dashboard as a person (name, password and, when they set one up, an
/// authenticator code: <see cref="PeopleDirectory"/>) or with an API key (<c>/login</c>, forms with
/// their own anti-forgery token, so that another site cannot sign a browser in under its own
/// account) and signing out (<c>/logout</c>, which ends the session on the gateway, not just in the
/// browser). Failed sign-ins are limited per person's name (<see cref="AccessThrottles.Account"/>)
/// and, generously, per address; every refusal is the login page with a message, never raw JSON.
/// </summary>
public static class DashboardSignIn
{
    /// <summary>The login page.</summary>
    public const string LoginPath = "/login";

    /// <summary>The sign-out endpoint.</summary>
    public const string LogoutPath = "/logout";

    /// <summary>Largest sign-in form accepted (a key and a token).</summary>
    public const long MaxFormBytes = 4 * 1024;

    private const string ContentSecurityPolicy = "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>Maps the login page, sign-in and sign-out.</summary>
    /// <param name="app">The application.</param>
    public static IEndpointRouteBuilder MapDashboardSignIn(this IEndpointRouteBuilder app)
    {
        app.MapGet(LoginPath, (HttpContext context) => LoginPage(context, problem: null, StatusCodes.Status200OK))
            .AllowAnonymous().ExcludeFromDescription();
        app.MapPost(LoginPath, SignInAsync).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
        app.MapPost(LogoutPath, async (HttpContext context) =>
        {
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
            return TypedResults.Redirect(LoginPath);
        }).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> SignInAsync(HttpContext context, ApiKeys keys, PeopleDirectory people, AccessThrottles throttles, IAntiforgery antiforgery)
    {
        var address = ApiKeyAuthentication.ClientAddress(context);
        if (!throttles.SignIn.MayTry(address, out var retryAfter))
        {
            return TooMany(context, retryAfter, "Login.TooManyFromAddress");
        }

        if (await ReadFormAsync(context).ConfigureAwait(false) is { } refusal)
        {
            return refusal;
        }

        try
        {
            await antiforgery.ValidateRequestAsync(context).ConfigureAwait(false);
        }
        catch (AntiforgeryValidationException)
        {
            return LoginPage(context, SupportText.Get("Login.FormExpired"), StatusCodes.Status400BadRequest);
        }

        var form = context.Request.Form;
        var key = form["key"].ToString().Trim();
        if (key.Length > 0)
        {
            if (!keys.TryAuthenticate(key, out var holder, out var keyRole))
            {
                throttles.SignIn.Failed(address);
                return LoginPage(context, SupportText.Get("Login.KeyInvalid"), StatusCodes.Status401Unauthorized);
            }

            await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
                ApiKeyAuthentication.Principal(holder, keyRole, CookieAuthenticationDefaults.AuthenticationScheme)).ConfigureAwait(false);
            return TypedResults.Redirect("/");
        }

        var name = form["name"].ToString().Trim();
        var password = form["password"].ToString();
        if (name.Length == 0 || password.Length == 0)
        {
            return LoginPage(context, SupportText.Get("Login.NameAndPassword"), StatusCodes.Status400BadRequest, name);
        }

        var account = name.ToLowerInvariant();
        if (!throttles.Account.MayTry(account, out retryAfter))
        {
            return TooMany(context, retryAfter, "Login.TooManyForAccount");
        }

        switch (people.Check(name, password, form["code"].ToString(), out var role))
        {
            case SignInCheck.Accepted:
                await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
                    PersonPrincipal.Create(name, role, CookieAuthenticationDefaults.AuthenticationScheme)).ConfigureAwait(false);
                return TypedResults.Redirect("/");
            case SignInCheck.CodeNeeded:
                return LoginPage(context, SupportText.Get("Login.CodeNeeded"), StatusCodes.Status401Unauthorized, name, askCode: true);
            case SignInCheck.WrongCode:
                throttles.SignIn.Failed(address);
                throttles.Account.Failed(account);
                return LoginPage(context, SupportText.Get("Login.CodeWrong"), StatusCodes.Status401Unauthorized, name, askCode: true);
            default:
                throttles.SignIn.Failed(address);
                throttles.Account.Failed(account);
                return LoginPage(context, SupportText.Get("Login.Refused"), StatusCodes.Status401Unauthorized, name);
        }
    }

    /// <summary>The login page saying how long to wait, 429 with <c>Retry-After</c>.</summary>
    private static IResult TooMany(HttpContext context, TimeSpan retryAfter, string messageKey)
    {
        var seconds = FailureThrottle.RetryAfterSeconds(retryAfter);
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var wait = seconds < 120 ? SupportText.Get("Login.Seconds", seconds) : SupportText.Get("Login.Minutes", (seconds + 59) / 60);
        return LoginPage(context, SupportText.Get(messageKey, wait), StatusCodes.Status429TooManyRequests);
    }

    /// <summary>Reads the sign-in form; a refusal when it is not a form (415), too large (413) or unreadable (400).</summary>
    private static async Task<IResult?> ReadFormAsync(HttpContext context)
    {
        var request = context.Request;
        if (!request.HasFormContentType)
        {
            return RequestBody.LeaveUnread(request, TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "Sign in with the login form.", detail: "The sign-in form is sent as application/x-www-form-urlencoded."));
        }

        if (RequestBody.Limit(request, MaxFormBytes) is { } tooLarge)
        {
            return tooLarge;
        }

        try
        {
            await request.ReadFormAsync(context.RequestAborted).ConfigureAwait(false);
            return null;
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return RequestBody.LeaveUnread(request, RequestBody.TooLarge(MaxFormBytes));
        }
        catch (Exception exception) when (exception is InvalidDataException or IOException or BadHttpRequestException)
        {
            return RequestBody.LeaveUnread(request, TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The sign-in form could not be read."));
        }
    }

    private static IResult LoginPage(HttpContext context, string? problem, int statusCode, string? name = null, bool askCode = false)
    {
        var tokens = context.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context);
        context.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        var page = LoginTemplate
            .Replace("{token-field}", WebUtility.HtmlEncode(tokens.FormFieldName), StringComparison.Ordinal)
            .Replace("{token}", WebUtility.HtmlEncode(tokens.RequestToken), StringComparison.Ordinal)
            .Replace("{lang}", Languages.Normalize(CultureInfo.CurrentUICulture.Name) ?? Languages.Fallback, StringComparison.Ordinal)
            .Replace("{Login.Title}", WebUtility.HtmlEncode(SupportText.Get("Login.Title")), StringComparison.Ordinal)
            .Replace("{Login.Name}", WebUtility.HtmlEncode(SupportText.Get("Login.Name")), StringComparison.Ordinal)
            .Replace("{Login.Password}", WebUtility.HtmlEncode(SupportText.Get("Login.Password")), StringComparison.Ordinal)
            .Replace("{Login.Code}", WebUtility.HtmlEncode(SupportText.Get("Login.Code")), StringComparison.Ordinal)
            .Replace("{Login.SignIn}", WebUtility.HtmlEncode(SupportText.Get("Login.SignIn")), StringComparison.Ordinal)
            .Replace("{Login.KeyLabel}", WebUtility.HtmlEncode(SupportText.Get("Login.KeyLabel")), StringComparison.Ordinal)
            .Replace("{Login.SignInWithKey}", WebUtility.HtmlEncode(SupportText.Get("Login.SignInWithKey")), StringComparison.Ordinal)
            .Replace("{name}", WebUtility.HtmlEncode(name ?? string.Empty), StringComparison.Ordinal)
            .Replace("{code-autofocus}", askCode ? "autofocus" : string.Empty, StringComparison.Ordinal)
            .Replace("{name-autofocus}", askCode ? string.Empty : "autofocus", StringComparison.Ordinal)
            .Replace("<!--problem-->", problem is null ? string.Empty : $"<p class=\"problem\" role=\"alert\">{WebUtility.HtmlEncode(problem)}</p>", StringComparison.Ordinal);
        return TypedResults.Content(page, "text/html; charset=utf-8", statusCode: statusCode);
    }

    private const string LoginTemplate = """
        <!doctype html>
        <html lang="{lang}">
        <head><meta charset="utf-8"><title>{Login.Title} · ATA fleet</title><link rel="stylesheet" href="/dashboard.css"></head>
        <body class="login">
        <main>
        <h1>ATA fleet</h1>
        <!--problem-->
        <form method="post" action="/login" id="person-sign-in">
        <input type="hidden" name="{token-field}" value="{token}">
        <label for="name">{Login.Name}</label>
        <input id="name" name="name" type="text" autocomplete="username" value="{name}" required {name-autofocus}>
        <label for="password">{Login.Password}</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required>
        <label for="code">{Login.Code}</label>
        <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" maxlength="7" {code-autofocus}>
        <button type="submit">{Login.SignIn}</button>
        </form>
        <form method="post" action="/login" id="key-sign-in">
        <input type="hidden" name="{token-field}" value="{token}">
        <label for="key">{Login.KeyLabel}</label>
        <input id="key" name="key" type="password" autocomplete="off" required>
        <button type="submit">{Login.SignInWithKey}</button>
        </form>
        </main>
        </body>
        </html>
        """;
}
