using System.Text.Json;
using Ata.Gateway.Apis;
using Ata.Gateway.Localization;
using Ata.Gateway.People;
using Ata.Gateway.Store;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Ata.Gateway.Access;

/// <summary>
/// Authentication and roles: API keys for programs (<see cref="ApiKeyAuthentication"/>), a cookie
/// signed in with a key for the dashboard, and the <c>support</c>/<c>admin</c> policies. Every
/// endpoint requires a signed-in caller unless it says otherwise (only <c>/healthz</c> and the
/// login page do).
/// </summary>
public static class AccessRegistration
{
    private const string SelectScheme = "Gateway";

    /// <summary>Largest body of <c>POST /api/keys</c>.</summary>
    public const long MaxKeyBodyBytes = 4 * 1024;

    /// <summary>Adds authentication, authorization, the key registry and the audit log.</summary>
    /// <param name="builder">The host builder.</param>
    public static IHostApplicationBuilder AddAccess(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<AccessOptions>()
            .BindConfiguration(AccessOptions.SectionName)
            .Validate(o => o.AdminKey is null || o.AdminKey.Length >= AccessOptions.MinKeyLength,
                $"Auth:AdminKey must be at least {AccessOptions.MinKeyLength} characters.")
            .Validate(o => o.SupportKey is null || o.SupportKey.Length >= AccessOptions.MinKeyLength,
                $"Auth:SupportKey must be at least {AccessOptions.MinKeyLength} characters.")
            .Validate(o => o.SignInThrottle is { MaxFailures: >= 1, WindowSeconds: >= 1 },
                "Auth:SignInThrottle:MaxFailures and Auth:SignInThrottle:WindowSeconds must be at least 1.")
            .Validate(o => o.AccountThrottle is { MaxFailures: >= 1, WindowSeconds: >= 1 },
                "Auth:AccountThrottle:MaxFailures and Auth:AccountThrottle:WindowSeconds must be at least 1.")
            .Validate(o => o.ApiKeyThrottle is { MaxFailures: >= 1, WindowSeconds: >= 1 },
                "Auth:ApiKeyThrottle:MaxFailures and Auth:ApiKeyThrottle:WindowSeconds must be at least 1.")
            .ValidateOnStart();
        builder.Services.AddSingleton<ApiKeys>();
        builder.Services.AddSingleton<People.PeopleDirectory>();
        builder.Services.AddSingleton<DashboardSessions>();
        builder.Services.AddSingleton<DashboardTransport>();
        builder.Services.AddRequestForgeryChecks();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<AccessThrottles>();
        builder.Services.AddHostedService<AdminKeyBootstrap>();
        builder.Services.AddSingleton<AuditLog>();
        builder.Services.AddAuthentication(SelectScheme)
            .AddPolicyScheme(SelectScheme, "API key or dashboard cookie", scheme =>
                scheme.ForwardDefaultSelector = context => ApiKeyAuthentication.PresentsKey(context.Request)
                    ? ApiKeyAuthentication.SchemeName
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null)
            .AddCookie(CookieAuthenticationDefaults.AuthenticationScheme, cookie =>
            {
                cookie.Cookie.Name = "ata-session";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Strict;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                cookie.ExpireTimeSpan = TimeSpan.FromHours(12);
                cookie.SlidingExpiration = true;
                cookie.LoginPath = DashboardSignIn.LoginPath;
                cookie.Events.OnValidatePrincipal = DashboardSessionCookie.ValidateAsync;
                cookie.Events.OnRedirectToLogin = context => Refuse(context, StatusCodes.Status401Unauthorized);
                cookie.Events.OnRedirectToAccessDenied = context => Refuse(context, StatusCodes.Status403Forbidden);
            });
        builder.Services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<DashboardSessions>((cookie, sessions) => cookie.SessionStore = sessions);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Roles.SupportPolicy, policy => policy.RequireRole(Roles.Support, Roles.Admin))
            .AddPolicy(Roles.AdminPolicy, policy => policy.RequireRole(Roles.Admin))
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        return builder;
    }

    /// <summary>
    /// Uses the dashboard over HTTPS alone when HTTPS is served, authentication, the anti-forgery check
    /// of cookie requests and authorization, and maps the login page, <c>/logout</c>,
    /// <c>/api/keys</c> (admin) and <c>/api/audit</c> (support).
    /// </summary>
    /// <param name="app">The application.</param>
    public static WebApplication MapAccess(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use((context, next) => context.RequestServices.GetRequiredService<DashboardTransport>().SendBrowsersToHttpsAsync(context, next));
        app.UseAuthentication();
        app.UseGatewayLocalization();
        app.UseRequestForgeryChecks();
        app.UseAuthorization();
        app.MapDashboardSignIn();
        app.MapPeopleApi();

        var keys = app.MapGroup("/api/keys").WithTags("Access").RequireAuthorization(Roles.AdminPolicy);
        keys.MapGet("/", (ApiKeys registry) => TypedResults.Ok(registry.List()));
        keys.MapPost("/", CreateKeyAsync);
        keys.MapDelete("/{name}", (string name, ApiKeys registry, AuditLog audit, HttpContext context) =>
        {
            if (!registry.Revoke(name))
            {
                return (Results<NoContent, NotFound>)TypedResults.NotFound();
            }

            audit.Record(context.User, "key.revoke", name);
            return TypedResults.NoContent();
        });

        app.MapGet("/api/audit", (AuditLog audit, string? target, int? limit) => TypedResults.Ok(audit.List(target, limit ?? 100)))
            .WithTags("Access").RequireAuthorization(Roles.SupportPolicy);
        return app;
    }

    private static async Task<Results<Created<CreatedKey>, ValidationProblem, Conflict, ProblemHttpResult>> CreateKeyAsync(
        HttpRequest request, ApiKeys registry, AuditLog audit)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var (body, refusal) = await RequestBody.ReadJsonAsync(request, MaxKeyBodyBytes, errors).ConfigureAwait(false);
        if (refusal is not null)
        {
            return refusal;
        }

        string? name = null;
        string? role = null;
        using (body)
        {
            if (body?.RootElement is { ValueKind: JsonValueKind.Object } root)
            {
                name = root.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
                role = root.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
                if (name is not { Length: > 0 and <= 64 } || name.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
                {
                    errors["name"] = ["A key holder's name is 1 to 64 characters without spaces."];
                }
                else if (ApiKeys.IsConfiguredHolder(name))
                {
                    errors["name"] = [$"'{ApiKeys.ConfiguredAdmin}' and '{ApiKeys.ConfiguredSupport}' are the holders of the configured keys."];
                }

                if (!Roles.IsRole(role))
                {
                    errors["role"] = [$"The role is '{Roles.Admin}' or '{Roles.Support}'."];
                }
            }
            else if (body is not null)
            {
                errors[RequestBody.BodyKey] = ["The body must be a JSON object with 'name' and 'role'."];
            }
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The key was not made.");
        }

        var key = registry.Create(name!, role!, AuditLog.ActorOf(request.HttpContext.User));
        if (key is null)
        {
            return TypedResults.Conflict();
        }

        audit.Record(request.HttpContext.User, "key.create", name, $"role {role}");
        return TypedResults.Created($"/api/keys/{Uri.EscapeDataString(name!)}", new CreatedKey(name!, role!, key));
    }

    private static Task Refuse(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        var path = context.Request.Path;
        if (DashboardTransport.ProgramPaths.Any(p => path.StartsWithSegments(p, StringComparison.Ordinal)) || context.Request.Method != HttpMethods.Get)
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        }

        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}

/// <summary>
/// Makes sure some admin key exists when the gateway starts (after its settings were validated,
/// so that a bad setting is reported as one line, not as an exception while mapping endpoints).
/// </summary>
/// <param name="keys">The key registry.</param>
internal sealed class AdminKeyBootstrap(ApiKeys keys) : IHostedService
{
    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        keys.EnsureAdminKey();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>A key just made: shown once, never again.</summary>
/// <param name="Name">The holder.</param>
/// <param name="Role">The role.</param>
/// <param name="Key">The key.</param>
public sealed record CreatedKey(string Name, string Role, string Key);
