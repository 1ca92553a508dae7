using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Ata.Gateway.Store;

/// <summary>Registers the SQLite store.</summary>
public static class StoreRegistration
{
    /// <summary>Adds <see cref="GatewayOptions"/> and the <see cref="AdapterStore"/> in its data directory.</summary>
    /// <param name="builder">The host builder.</param>
    public static IHostApplicationBuilder AddAdapterStore(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<GatewayOptions>()
            .BindConfiguration(GatewayOptions.SectionName)
            .Validate(o => !string.IsNullOrWhiteSpace(o.DataDirectory), "Gateway:DataDirectory must not be empty.")
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<AdapterStore>();
        return builder;
    }
}
