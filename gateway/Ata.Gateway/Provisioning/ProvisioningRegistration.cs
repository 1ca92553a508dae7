namespace Ata.Gateway.Provisioning;

/// <summary>Registers adapter provisioning.</summary>
public static class ProvisioningRegistration
{
    /// <summary>Adds <see cref="AdapterProvisioning"/>.</summary>
    /// <param name="builder">The host builder.</param>
    public static IHostApplicationBuilder AddProvisioning(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<AdapterProvisioning>();
        return builder;
    }
}
