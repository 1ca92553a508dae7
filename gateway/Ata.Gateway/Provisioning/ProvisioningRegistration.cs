namespace Ata.Gateway.Provisioning;

/// <summary>Registers adapter provisioning.</summary>
public static class ProvisioningRegistration
{
    /// <summary>Adds <see cref="AdapterProvisioning"/> and <see cref="OnboardingCodes"/> with its options.</summary>
    /// <param name="builder">The host builder.</param>
    public static IHostApplicationBuilder AddProvisioning(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<AdapterProvisioning>();
        builder.Services.AddSingleton<AdapterImport>();
        builder.Services.AddOptions<OnboardingOptions>()
            .BindConfiguration(OnboardingOptions.SectionName)
            .Validate(o => o.CodeLifetimeSeconds is >= 1 and <= 30 * 86400, "Onboarding:CodeLifetimeSeconds must be from 1 to 2592000 (30 days).")
            .Validate(o => o.SweepSeconds is >= 1 and <= 3600, "Onboarding:SweepSeconds must be from 1 to 3600.")
            .ValidateOnStart();
        builder.Services.AddSingleton<OnboardingCodes>();
        builder.Services.AddHostedService(services => services.GetRequiredService<OnboardingCodes>());
        return builder;
    }
}
