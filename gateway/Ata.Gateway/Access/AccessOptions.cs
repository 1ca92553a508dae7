namespace Ata.Gateway.Access;

/// <summary>Bootstrap API keys and the throttles on wrong keys, bound from the <c>Auth</c> configuration section.</summary>
public sealed class AccessOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Auth";

    /// <summary>Shortest key accepted from configuration.</summary>
    public const int MinKeyLength = 16;

    /// <summary>
    /// An admin key from configuration (e.g. <c>--Auth:AdminKey=…</c> or <c>Auth__AdminKey</c>).
    /// When neither this nor any stored admin key exists, the gateway generates one into
    /// <c>{DataDirectory}/admin.key</c> (mode 0600) on first start.
    /// </summary>
    public string? AdminKey { get; set; }

    /// <summary>An optional support key from configuration.</summary>
    public string? SupportKey { get; set; }

    /// <summary>
    /// Failed dashboard sign-ins per address (<c>Auth:SignInThrottle:MaxFailures</c>, <c>…:WindowSeconds</c>);
    /// default 50 in 5 minutes: generous, as a whole office may sign in from behind one NAT address;
    /// guessing one person's password is stopped by <see cref="AccountThrottle"/>.
    /// </summary>
    public ThrottleLimits SignInThrottle { get; set; } = new() { MaxFailures = 50, WindowSeconds = 300 };

    /// <summary>
    /// Failed dashboard sign-ins per person's name, from any address (<c>Auth:AccountThrottle:MaxFailures</c>,
    /// <c>…:WindowSeconds</c>); default 5 in 15 minutes.
    /// </summary>
    public ThrottleLimits AccountThrottle { get; set; } = new() { MaxFailures = 5, WindowSeconds = 900 };

    /// <summary>
    /// Requests with a wrong API key per address (<c>Auth:ApiKeyThrottle:MaxFailures</c>, <c>…:WindowSeconds</c>);
    /// default 10 a minute.
    /// </summary>
    public ThrottleLimits ApiKeyThrottle { get; set; } = new() { MaxFailures = 10, WindowSeconds = 60 };
}

/// <summary>How many failed attempts from one address a <see cref="FailureThrottle"/> allows, in how long.</summary>
public sealed class ThrottleLimits
{
    /// <summary>Failures allowed per address within the window; the next attempt is refused.</summary>
    public int MaxFailures { get; set; } = 5;

    /// <summary>The window, in seconds.</summary>
    public int WindowSeconds { get; set; } = 60;
}
