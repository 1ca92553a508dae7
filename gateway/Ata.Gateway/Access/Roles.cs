namespace Ata.Gateway.Access;

/// <summary>Who may do what: admin provisions (and everything support does); support reads and acts.</summary>
public static class Roles
{
    /// <summary>Provisions and deletes adapters, rotates credentials, manages API keys.</summary>
    public const string Admin = "admin";

    /// <summary>Reads the fleet and acts on adapters (push config, re-register, reboot).</summary>
    public const string Support = "support";

    /// <summary>The policy that admits support and admin.</summary>
    public const string SupportPolicy = "support";

    /// <summary>The policy that admits admin only.</summary>
    public const string AdminPolicy = "admin";

    /// <summary>Whether <paramref name="role"/> is a role name.</summary>
    /// <param name="role">The text.</param>
    public static bool IsRole(string? role) => role is Admin or Support;
}
