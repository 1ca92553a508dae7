using System.Collections.Frozen;
using System.Net;
using Ata.Core.Leds;
using Ata.Gateway.Access;

namespace Ata.Gateway.Dashboard;

/// <summary>
/// The support dashboard: one page at <c>/</c> (fleet overview) and <c>/adapters/{deviceId}</c> (one
/// adapter) with its script and style sheet, embedded in the assembly. The fleet page shows one page of
/// <c>/api/adapters</c> and takes its changes from <c>/api/events</c> (<see cref="FleetEventStream"/>), the adapter page
/// from <c>/api/adapters/{deviceId}/events</c> (<see cref="AdapterEventStream"/>); signing in (<c>/login</c>) sets the session cookie it uses, and each page carries the
/// anti-forgery token its script sends (<see cref="RequestForgery.HeaderName"/>) with every action.
/// </summary>
public static class DashboardEndpoints
{
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>Where a page carries the anti-forgery token its script sends with every request that changes something.</summary>
    private const string TokenPlaceholder = "{request-token}";

    private static readonly FrozenDictionary<string, (string Resource, string ContentType)> Assets =
        new Dictionary<string, (string, string)>
        {
            ["/dashboard-text.js"] = ("Dashboard/dashboard-text.js", "text/javascript; charset=utf-8"),
            ["/adapter-events.js"] = ("Dashboard/adapter-events.js", "text/javascript; charset=utf-8"),
            ["/dashboard.js"] = ("Dashboard/dashboard.js", "text/javascript; charset=utf-8"),
            ["/dashboard-calls.js"] = ("Dashboard/dashboard-calls.js", "text/javascript; charset=utf-8"),
            ["/dashboard.css"] = ("Dashboard/dashboard.css", "text/css; charset=utf-8"),
            ["/people.js"] = ("Dashboard/people.js", "text/javascript; charset=utf-8"),
            ["/adapter-support.js"] = ("Dashboard/adapter-support.js", "text/javascript; charset=utf-8"),
            ["/onboarding-code.js"] = ("Dashboard/onboarding-code.js", "text/javascript; charset=utf-8"),
            ["/import.js"] = ("Dashboard/import.js", "text/javascript; charset=utf-8"),
        }.ToFrozenDictionary();

    /// <summary>
    /// Maps the dashboard's pages (each with its session's anti-forgery token), script, style sheet
    /// and LED timing (from the core's <see cref="LedTable"/>).
    /// </summary>
    /// <param name="app">The route builder.</param>
    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        foreach (var (path, (resource, contentType)) in Assets)
        {
            var content = Load(resource);
            var endpoint = app.MapGet(path, (HttpResponse response) =>
            {
                Protect(response, "no-cache");
                return TypedResults.Bytes(content, contentType);
            }).ExcludeFromDescription();

            // The style sheet also dresses the login page, which is shown before anyone signs in.
            if (path == "/dashboard.css")
            {
                endpoint.AllowAnonymous();
            }
            else
            {
                endpoint.RequireAuthorization(Access.Roles.SupportPolicy);
            }
        }

        app.MapFleetEvents();
        app.MapAdapterEvents();
        MapPage(app, "/", "Dashboard/index.html");
        MapPage(app, "/adapters/{deviceId}", "Dashboard/index.html");
        MapPage(app, "/people", "Dashboard/people.html");
        MapPage(app, "/import", "Dashboard/import.html");

        var ledTable = new LedTiming(LedTable.Names, LedTable.SlowPeriodMs, LedTable.FastPeriodMs, LedTable.CodeBlinkMs, LedTable.CodePauseMs)
        {
            Guide = LedTiming.GuideFromCore(),
        };
        app.MapGet("/dashboard/leds.json", () => TypedResults.Ok(ledTable))
            .RequireAuthorization(Access.Roles.SupportPolicy)
            .ExcludeFromDescription();
        return app;
    }

    /// <summary>Maps a page, with its session's anti-forgery token, for support and admin.</summary>
    private static void MapPage(IEndpointRouteBuilder app, string path, string resource)
    {
        var page = System.Text.Encoding.UTF8.GetString(Load(resource));
        if (!page.Contains(TokenPlaceholder, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The dashboard page {resource} has no {TokenPlaceholder}.");
        }

        app.MapGet(path, (HttpContext context) =>
        {
            var html = page.Replace(TokenPlaceholder, WebUtility.HtmlEncode(RequestForgery.PageToken(context)), StringComparison.Ordinal);
            Protect(context.Response, "no-store");
            return TypedResults.Content(html, "text/html; charset=utf-8");
        }).RequireAuthorization(Access.Roles.SupportPolicy).ExcludeFromDescription();
    }

    private static void Protect(HttpResponse response, string cacheControl)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.CacheControl = cacheControl;
    }

    private static byte[] Load(string resource)
    {
        using var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The dashboard resource {resource} is not embedded.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}

/// <summary>How the LEDs move, from the core's <see cref="LedTable"/>, so the dashboard blinks as the adapter does.</summary>
/// <param name="Names">LED names in panel order.</param>
/// <param name="SlowPeriodMs">Slow blink period (half on).</param>
/// <param name="FastPeriodMs">Fast blink period (half on).</param>
/// <param name="CodeBlinkMs">One blink of a blink code (half on).</param>
/// <param name="CodePauseMs">Dark pause after a blink code's blinks.</param>
public sealed record LedTiming(IReadOnlyList<string> Names, long SlowPeriodMs, long FastPeriodMs, long CodeBlinkMs, long CodePauseMs)
{
    /// <summary>The LED guide: for each LED name, what each pattern it can show means (the core's <see cref="LedGuide"/>).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Guide { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, string>>();

    /// <summary>The guide from the core's LED table, every plain pattern and blink codes up to 9.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> GuideFromCore()
    {
        var patterns = new[] { LedPattern.Off, LedPattern.Solid, LedPattern.SlowBlink, LedPattern.FastBlink }
            .Select(p => LedTable.PatternName(p, 0))
            .Concat(Enumerable.Range(1, 9).Select(n => LedTable.PatternName(LedPattern.BlinkCode, n)))
            .ToList();
        var guide = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        for (var led = 0; led < LedTable.Names.Length; led++)
        {
            var meanings = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pattern in patterns)
            {
                if (LedGuide.Meaning(led, pattern) is { } meaning)
                {
                    meanings[pattern] = meaning;
                }
            }

            guide[LedTable.Names[led]] = meanings;
        }

        return guide;
    }
}
