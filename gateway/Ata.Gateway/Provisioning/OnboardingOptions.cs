namespace Ata.Gateway.Provisioning;

/// <summary>How long an onboarding code lives, bound from the <c>Onboarding</c> section.</summary>
public sealed class OnboardingOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Onboarding";

    /// <summary>
    /// Seconds an onboarding code works for when no adapter logs in with it. Default 86400 (24 h).
    /// </summary>
    public int CodeLifetimeSeconds { get; set; } = 86400;

    /// <summary>Seconds between looks for codes that expired unused or were used without the broker saying so. Default 60.</summary>
    public int SweepSeconds { get; set; } = 60;
}
