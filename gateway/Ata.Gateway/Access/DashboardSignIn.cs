using System.Globalization;
using System.Net;
using Ata.Gateway.Apis;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Ata.Gateway.Access;

/// <summary>
/// Signing in to the dashboard with a key (<c>/login</c>, a form with its own anti-forgery token, so
/// that another site cannot sign a browser in under its own key) and signing out (<c>/logout</c>,
/// which ends the session on the gateway, not just in the browser).
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

    private static async Task<IResult> SignInAsync(HttpContext context, ApiKeys keys, AccessThrottles throttles, IAntiforgery antiforgery)
    {
        var throttle = throttles.SignIn;
        var address = ApiKeyAuthentication.ClientAddress(context);
        if (!throttle.MayTry(address, out var retryAfter))
        {
            var seconds = FailureThrottle.RetryAfterSeconds(retryAfter);
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return TypedResults.Problem($"Too many failed sign-ins from this address; try again in {seconds} s.",
                statusCode: StatusCodes.Status429TooManyRequests);
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
            return LoginPage(context, "The sign-in form had expired or did not come from this gateway; sign in again.", StatusCodes.Status400BadRequest);
        }

        var key = context.Request.Form["key"].ToString().Trim();
        if (!keys.TryAuthenticate(key, out var name, out var role))
        {
            throttle.Failed(address);
            return LoginPage(context, "That key is not valid.", StatusCodes.Status401Unauthorized);
        }

        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
            ApiKeyAuthentication.Principal(name, role, CookieAuthenticationDefaults.AuthenticationScheme)).ConfigureAwait(false);
        return TypedResults.Redirect("/");
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

    private static IResult LoginPage(HttpContext context, string? problem, int statusCode)
    {
        var tokens = context.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context);
        context.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        var page = LoginTemplate
            .Replace("{token-field}", WebUtility.HtmlEncode(tokens.FormFieldName), StringComparison.Ordinal)
            .Replace("{token}", WebUtility.HtmlEncode(tokens.RequestToken), StringComparison.Ordinal)
            .Replace("<!--problem-->", problem is null ? string.Empty : $"<p class=\"problem\">{WebUtility.HtmlEncode(problem)}</p>", StringComparison.Ordinal);
        return TypedResults.Content(page, "text/html; charset=utf-8", statusCode: statusCode);
    }

    private const string LoginTemplate = """
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><title>Sign in · ATA fleet</title><link rel="stylesheet" href="/dashboard.css"></head>
        <body class="login">
        <main>
        <h1>ATA fleet</h1>
        <form method="post" action="/login">
        <input type="hidden" name="{token-field}" value="{token}">
        <label for="key">API key</label>
        <input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
        <button type="submit">Sign in</button>
        </form>
        <!--problem-->
        </main>
        </body>
        </html>
        """;
}
