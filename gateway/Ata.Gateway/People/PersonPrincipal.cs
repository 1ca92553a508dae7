using System.Security.Claims;

namespace Ata.Gateway.People;

/// <summary>
/// The principal of a person (signed in with name and password, or with a personal API token), told
/// apart from an API key's holder by a claim, so that a session is checked against the right registry.
/// </summary>
public static class PersonPrincipal
{
    /// <summary>The claim that marks a person.</summary>
    public const string KindClaim = "ata:kind";

    /// <summary>Its value for a person.</summary>
    public const string Person = "person";

    /// <summary>A person's principal.</summary>
    /// <param name="name">Their name.</param>
    /// <param name="role">Their role.</param>
    /// <param name="scheme">The authentication scheme.</param>
    public static ClaimsPrincipal Create(string name, string role, string scheme) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, role), new Claim(KindClaim, Person)], scheme));

    /// <summary>Whether <paramref name="user"/> is a person (not an API key's holder).</summary>
    /// <param name="user">The caller.</param>
    public static bool IsPerson(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.FindFirstValue(KindClaim) == Person;
    }
}
