using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Access;

/// <summary>
/// Authenticates a request by its API key: <c>Authorization: Bearer …</c> or <c>X-Api-Key: …</c>.
/// Wrong keys are counted per client address (<see cref="AccessThrottles.ApiKey"/>); once an address
/// is locked out, its requests with a key are answered 429 with <c>Retry-After</c> without the key
/// being checked, so a lockout cannot be used to go on guessing.
/// </summary>
public sealed class ApiKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeys keys, AccessThrottles throttles,
    People.PeopleDirectory people)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private static readonly object ThrottledKey = new();

    /// <summary>The scheme's name.</summary>
    public const string SchemeName = "ApiKey";

    /// <summary>The header that carries a key when <c>Authorization</c> does not.</summary>
    public const string HeaderName = "X-Api-Key";

    /// <summary>Whether the request presents a key at all.</summary>
    /// <param name="request">The request.</param>
    public static bool PresentsKey(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Headers.ContainsKey(HeaderName) || request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.Ordinal);
    }

    /// <summary>A principal for a key holder.</summary>
    /// <param name="name">The holder.</param>
    /// <param name="role">The role.</param>
    /// <param name="scheme">The authentication scheme.</param>
    public static ClaimsPrincipal Principal(string name, string role, string scheme) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, role)], scheme));

    /// <inheritdoc />
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string key;
        var authorization = Request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            key = authorization["Bearer ".Length..].Trim();
        }
        else if (Request.Headers.TryGetValue(HeaderName, out var header))
        {
            key = header.ToString().Trim();
        }
        else
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var address = ClientAddress(Context);
        if (!throttles.ApiKey.MayTry(address, out var retryAfter))
        {
            Context.Items[ThrottledKey] = retryAfter;
            return Task.FromResult(AuthenticateResult.Fail("Too many wrong API keys from this address."));
        }

        if (key.StartsWith(People.PeopleDirectory.TokenPrefix, StringComparison.Ordinal))
        {
            if (!people.TryAuthenticateToken(key, out var person, out var personRole))
            {
                throttles.ApiKey.Failed(address);
                return Task.FromResult(AuthenticateResult.Fail("The API token is not valid."));
            }

            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(People.PersonPrincipal.Create(person, personRole, SchemeName), SchemeName)));
        }

        if (!keys.TryAuthenticate(key, out var name, out var role))
        {
            throttles.ApiKey.Failed(address);
            return Task.FromResult(AuthenticateResult.Fail("The API key is not valid."));
        }

        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(Principal(name, role, SchemeName), SchemeName)));
    }

    /// <inheritdoc />
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items[ThrottledKey] is not TimeSpan retryAfter)
        {
            await base.HandleChallengeAsync(properties).ConfigureAwait(false);
            return;
        }

        var seconds = FailureThrottle.RetryAfterSeconds(retryAfter);
        Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await TypedResults.Problem(
                $"Too many wrong API keys from this address; no key is accepted from it for {seconds} s.",
                statusCode: StatusCodes.Status429TooManyRequests,
                title: "Too many wrong API keys")
            .ExecuteAsync(Context).ConfigureAwait(false);
    }

    /// <summary>The client's address as throttles count it.</summary>
    /// <param name="context">The request.</param>
    public static string ClientAddress(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
    }
}
