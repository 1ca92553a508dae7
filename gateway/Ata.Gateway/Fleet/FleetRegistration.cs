namespace Ata.Gateway.Fleet;

/// <summary>Registers the gateway's MQTT session with the fleet.</summary>
public static class FleetRegistration
{
    /// <summary>Adds <see cref="FleetChannel"/> (started after the broker) with its <see cref="ReportIngest"/>, its metrics and the <see cref="SilenceWatch"/>.</summary>
    /// <param name="builder">The host builder.</param>
    public static IHostApplicationBuilder AddFleetChannel(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<FleetMetrics>();
        builder.Services.AddOptions<IngestOptions>()
            .BindConfiguration(IngestOptions.SectionName)
            .Validate(o => o.MaxBatch is >= 1 and <= 10_000, "Ingest:MaxBatch must be from 1 to 10000.")
            .Validate(o => o.BatchWindowMilliseconds is >= 0 and <= 1000, "Ingest:BatchWindowMilliseconds must be from 0 to 1000.")
            .Validate(o => o.ReceiveMaximum is >= 1 and <= ushort.MaxValue, "Ingest:ReceiveMaximum must be from 1 to 65535.")
            .Validate(o => o.MaxBacklog >= 1, "Ingest:MaxBacklog must be at least 1.")
            .ValidateOnStart();
        builder.Services.AddSingleton<ReportIngest>();
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
