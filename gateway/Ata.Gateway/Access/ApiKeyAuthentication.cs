using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Access;

/// <summary>
/// Authenticates a request by its API key: <c>Authorization: Bearer …</c> or <c>X-Api-Key: …</c>.
/// </summary>
public sealed class ApiKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeys keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
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

        return Task.FromResult(keys.TryAuthenticate(key, out var name, out var role)
            ? AuthenticateResult.Success(new AuthenticationTicket(Principal(name, role, SchemeName), SchemeName))
            : AuthenticateResult.Fail("The API key is not valid."));
    }
}
