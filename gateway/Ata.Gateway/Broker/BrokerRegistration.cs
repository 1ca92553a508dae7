namespace Ata.Gateway.Broker;

/// <summary>Registers the broker: embedded unless <c>Broker:Url</c> names an external one.</summary>
public static class BrokerRegistration
{
    /// <summary>Adds <see cref="BrokerOptions"/> and the <see cref="IBroker"/> they select.</summary>
    /// <param name="builder">The host builder.</param>
    public static IHostApplicationBuilder AddBroker(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<BrokerOptions>()
            .BindConfiguration(BrokerOptions.SectionName)
            .Validate(o => o.EmbeddedPort is >= 0 and <= 65535, "Broker:EmbeddedPort must be 0 (choose one) or 1-65535.")
            .Validate(o => o.Tls.Port is >= 0 and <= 65535, "Broker:Tls:Port must be 0 (choose one) or 1-65535.")
            .Validate(o => o.Tls.Port == 0 || o.Tls.Port != o.EmbeddedPort, "Broker:Tls:Port must differ from Broker:EmbeddedPort.")
            .Validate(o => o.Tls.AdvertisedPort is null or (>= 1 and <= 65535), "Broker:Tls:AdvertisedPort must be 1-65535 (or left out: the TLS port).")
            .Validate(o => !o.IsExternal || ExternalBroker.TryParseUrl(o.Url, out _), ExternalBroker.UrlError)
            .Validate(o => !string.IsNullOrWhiteSpace(o.ClientId), "Broker:ClientId must not be empty.")
            .Validate(o => o.Queue.Messages >= 1, "Broker:Queue:Messages must be at least 1.")
            .Validate(o => o.Queue.Megabytes is >= 1 and <= 1_000_000, "Broker:Queue:Megabytes must be from 1 to 1000000.")
            .Validate(o => o.MaxPacketKilobytes is >= BrokerOptions.MinMaxPacketKilobytes and <= 262_144,
                $"Broker:MaxPacketKilobytes must be from {BrokerOptions.MinMaxPacketKilobytes} (twice the largest config document) to 262144.")
            .ValidateOnStart();

        builder.Services.AddSingleton<RefusedLogins>();
        builder.Services.AddHostedService(services => services.GetRequiredService<RefusedLogins>());
        var external = builder.Configuration.GetSection(BrokerOptions.SectionName).Get<BrokerOptions>()?.IsExternal ?? false;
        if (external)
        {
            builder.Services.AddSingleton<IBroker, ExternalBroker>();
        }
        else
        {
            builder.Services.AddSingleton<EmbeddedBroker>();
            builder.Services.AddSingleton<IBroker>(services => services.GetRequiredService<EmbeddedBroker>());
            builder.Services.AddHostedService(services => services.GetRequiredService<EmbeddedBroker>());
        }

        return builder;
    }
}
