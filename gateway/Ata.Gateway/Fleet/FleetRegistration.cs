namespace Ata.Gateway.Fleet;

/// <summary>Registers the gateway's MQTT session with the fleet.</summary>
public static class FleetRegistration
{
    /// <summary>Adds <see cref="FleetChannel"/> (started after the broker) and its metrics.</summary>
    /// <param name="builder">The host builder.</param>
    public static IHostApplicationBuilder AddFleetChannel(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<FleetMetrics>();
        builder.Services.AddSingleton<FleetChannel>();
        builder.Services.AddHostedService(services => services.GetRequiredService<FleetChannel>());
        return builder;
    }
}
