using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Ata.Gateway.Access;

/// <summary>
/// Cross-site request forgery checks (ASP.NET Core antiforgery). A request that changes something
/// (any method but GET, HEAD, OPTIONS and TRACE) and is signed in with the dashboard's session cookie
/// must carry, in <see cref="HeaderName"/>, the token of a dashboard page this browser was given for
/// that key holder: a page on another site, even a sibling one, can make the browser send the cookie
/// but can neither read the token nor add a header to a form. Requests with an API key need no token (a browser never adds a
/// key by itself). Sign-in has its own token, in the login form (<see cref="DashboardSignIn"/>).
/// </summary>
public static class RequestForgery
{
    /// <summary>The header the dashboard's script sends its page's token in.</summary>
    public const string HeaderName = "X-CSRF-Token";

    /// <summary>The anti-forgery cookie (HttpOnly, SameSite=Strict, Secure over HTTPS).</summary>
    public const string CookieName = "ata-antiforgery";

    /// <summary>Adds antiforgery with the gateway's header and cookie.</summary>
    /// <param name="services">The services.</param>
    public static IServiceCollection AddRequestForgeryChecks(this IServiceCollection services) =>
        services.AddAntiforgery(options =>
        {
            options.HeaderName = HeaderName;
            options.Cookie.Name = CookieName;
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });

    /// <summary>
    /// Refuses (403) a state-changing request signed in with the session cookie that lacks a valid
    /// token; endpoints that check their own token (<c>DisableAntiforgery()</c>, e.g. sign-in) are left to it.
    /// Runs after authentication, before authorization.
    /// </summary>
    /// <param name="app">The application.</param>
    public static IApplicationBuilder UseRequestForgeryChecks(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (!ChangesState(context.Request.Method)
                || context.User.Identity is not { IsAuthenticated: true, AuthenticationType: CookieAuthenticationDefaults.AuthenticationScheme }
                || context.GetEndpoint()?.Metadata.GetMetadata<IAntiforgeryMetadata>() is { RequiresValidation: false })
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            // Only the header counts: the token of a form field would make this read a form a stranger sent.
            if (context.Request.Headers.ContainsKey(HeaderName)
                && await context.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(context).ConfigureAwait(false))
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            await TypedResults.Problem(
                    statusCode: StatusCodes.Status403Forbidden,
                    title: "The request lacks the dashboard page's anti-forgery token.",
                    detail: $"A request signed in with the dashboard's cookie that changes something sends the token of its dashboard page in the {HeaderName} header; programs send an API key instead.")
                .ExecuteAsync(context).ConfigureAwait(false);
        });

    /// <summary>The anti-forgery token for a page of this request's session, stored in its cookie.</summary>
    /// <param name="context">The request for the page.</param>
    public static string PageToken(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context).RequestToken
            ?? throw new InvalidOperationException("Antiforgery made no request token.");
    }

    private static bool ChangesState(string method) =>
        !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method));
}
