using System.Globalization;
using Ata.Gateway.Access;
using Ata.Gateway.People;
using Microsoft.AspNetCore.Localization;
using Microsoft.Extensions.Localization;

namespace Ata.Gateway.Localization;

/// <summary>
/// Chooses each request's language and serves the dashboard's words: the signed-in person's stored
/// language (<see cref="PeopleDirectory.Language"/>), else the browser's <c>Accept-Language</c>, else
/// English; <c>GET /api/strings</c> gives the dashboard's words (<see cref="DashboardText"/>) in that language.
/// </summary>
public static class LocalizationRegistration
{
    /// <summary>Adds the framework's localization (resources read by <see cref="IStringLocalizer{T}"/>) and the language choice.</summary>
    /// <param name="builder">The host builder.</param>
    public static IHostApplicationBuilder AddGatewayLocalization(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddLocalization();
        builder.Services.Configure<RequestLocalizationOptions>(options =>
        {
            options.DefaultRequestCulture = new RequestCulture(Languages.Fallback);
            options.SupportedCultures = Languages.Cultures;
            options.SupportedUICultures = Languages.Cultures;
            options.FallBackToParentCultures = true;
            options.FallBackToParentUICultures = true;
            options.RequestCultureProviders =
            [
                new PersonLanguageProvider(),
                new BrowserLanguageProvider(),
            ];
        });
        return builder;
    }

    /// <summary>Sets each request's culture; after authentication, so that a person's stored language is known.</summary>
    /// <param name="app">The application.</param>
    public static IApplicationBuilder UseGatewayLocalization(this IApplicationBuilder app) => app.UseRequestLocalization();

    /// <summary>Maps <c>GET /api/strings</c> (support): <c>{"language","strings":{key: text}}</c>, every dashboard word in the request's language (English where a translation lacks one).</summary>
    /// <param name="app">The route builder.</param>
    public static IEndpointRouteBuilder MapStringsApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/api/strings", (HttpContext context, IStringLocalizer<DashboardText> words) =>
            {
                context.Response.Headers.CacheControl = "no-cache";
                context.Response.Headers.Vary = "Accept-Language, Cookie, Authorization";
                var strings = words.GetAllStrings(includeParentCultures: true)
                    .ToDictionary(s => s.Name, s => s.Value, StringComparer.Ordinal);
                return TypedResults.Ok(new DashboardStrings(Languages.Normalize(CultureInfo.CurrentUICulture.Name) ?? Languages.Fallback, strings));
            })
            .WithTags("People")
            .RequireAuthorization(Roles.SupportPolicy);
        return app;
    }

    /// <summary>
    /// The first language of <c>Accept-Language</c>, by quality, that there are texts in
    /// (<see cref="Languages.Normalize"/>: <c>sv-FI</c> reads Swedish, <c>no</c> and <c>nn</c> Bokmål,
    /// which the framework's own provider would not match).
    /// </summary>
    private sealed class BrowserLanguageProvider : RequestCultureProvider
    {
        private const int MostTried = 8;

        public override Task<ProviderCultureResult?> DetermineProviderCultureResult(HttpContext httpContext)
        {
            var language = httpContext.Request.GetTypedHeaders().AcceptLanguage
                .Where(value => value.Quality is null or > 0)
                .OrderByDescending(value => value.Quality ?? 1)
                .Take(MostTried)
                .Select(value => Languages.Normalize(value.Value.Value))
                .FirstOrDefault(language => language is not null);
            return language is null ? NullProviderCultureResult : Task.FromResult<ProviderCultureResult?>(new ProviderCultureResult(language));
        }
    }

    /// <summary>The signed-in person's stored language, when they chose one.</summary>
    private sealed class PersonLanguageProvider : RequestCultureProvider
    {
        public override Task<ProviderCultureResult?> DetermineProviderCultureResult(HttpContext httpContext)
        {
            var user = httpContext.User;
            if (user.Identity?.IsAuthenticated != true || !PersonPrincipal.IsPerson(user)
                || httpContext.RequestServices.GetService<PeopleDirectory>()?.Language(Store.AuditLog.ActorOf(user)) is not { } language)
            {
                return NullProviderCultureResult;
            }

            return Task.FromResult<ProviderCultureResult?>(new ProviderCultureResult(language));
        }
    }
}

/// <summary>The dashboard's words in one language.</summary>
/// <param name="Language">The language they are in (<see cref="Languages.Supported"/>).</param>
/// <param name="Strings">Each word by its key.</param>
public sealed record DashboardStrings(string Language, IReadOnlyDictionary<string, string> Strings);
