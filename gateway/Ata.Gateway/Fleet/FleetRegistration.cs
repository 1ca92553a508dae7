namespace Ata.Gateway.Fleet;

/// <summary>Registers the gateway's MQTT session with the fleet.</summary>
public static class FleetRegistration
{
    /// <summary>Adds <see cref="FleetChannel"/> (started after the broker), its metrics and the <see cref="SilenceWatch"/>.</summary>
    /// <param name="builder">The host builder.</param>
    public static IHostApplicationBuilder AddFleetChannel(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<FleetMetrics>();
        builder.Services.AddSingleton<FleetChannel>();
        builder.Services.AddHostedService(services => services.GetRequiredService<FleetChannel>());
        builder.Services.AddOptions<HealthOptions>()
            .BindConfiguration(HealthOptions.SectionName)
            .Validate(o => o.IntervalSeconds is >= 1 and <= 86400, "Health:IntervalSeconds must be from 1 to 86400.")
            .Validate(o => o.SilentAfterIntervals is >= 1 and <= 100, "Health:SilentAfterIntervals must be from 1 to 100.")
            .ValidateOnStart();
        builder.Services.AddSingleton<SilenceWatch>();
        builder.Services.AddHostedService(services => services.GetRequiredService<SilenceWatch>());
        return builder;
    }
}
