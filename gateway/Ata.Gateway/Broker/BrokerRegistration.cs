using Microsoft.Extensions.Options;

namespace Ata.Gateway.Broker;

/// <summary>Registers the broker: embedded unless <c>Broker:Url</c> names an external one, or a RabbitMQ cluster (<c>Broker:Kind=RabbitMq</c>).</summary>
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
            .Validate(o => o.Kind != BrokerKind.RabbitMq || o.RabbitMq.Nodes.Count > 0 && o.RabbitMq.Nodes.TrueForAll(n => Cluster.RabbitMqOptions.TryParseNode(n, 5672, out _, out _)),
                "Broker:RabbitMq:Nodes must list the cluster's AMQP listeners as host:port.")
            .Validate(o => o.Kind != BrokerKind.RabbitMq
                    || (o.RabbitMq.MqttNodes.Count > 0 || o.RabbitMq.MqttTlsNodes.Count > 0 || !o.DevicePlaintext) && o.RabbitMq.MqttNodes.TrueForAll(n => Cluster.RabbitMqOptions.TryParseNode(n, ExternalBroker.DefaultPort, out _, out _)),
                "Broker:RabbitMq:MqttNodes must list the cluster's plaintext MQTT listeners (what adapters connect to with Broker:DevicePlaintext=true) as host:port.")
            .Validate(o => o.Kind != BrokerKind.RabbitMq || !string.IsNullOrEmpty(o.Password), "Broker:Password (the gateway's login on the broker cluster) must be set.")
            .Validate(o => o.Kind != BrokerKind.RabbitMq || o.RabbitMq.AuthClientsValid, "Broker:RabbitMq:AuthClients must be IP addresses.")
            .Validate(o => o.Kind != BrokerKind.RabbitMq || o.RabbitMq.ManagementValid, "Broker:RabbitMq:Management must list the nodes' management API as http://host:port.")
            .Validate(o => o.Kind != BrokerKind.RabbitMq || o.RabbitMq.AuthClients.Count == 0 || !string.IsNullOrEmpty(o.RabbitMq.AuthSecret),
                "Broker:RabbitMq:AuthSecret must be set when the broker's nodes ask from other hosts (Broker:RabbitMq:AuthClients).")
            .Validate(o => o.Kind != BrokerKind.RabbitMq || !string.IsNullOrWhiteSpace(o.RabbitMq.QueuePrefix), "Broker:RabbitMq:QueuePrefix must not be empty.")
            .Validate(o => o.Kind != BrokerKind.RabbitMq || o.RabbitMq.HealthQueueLength >= 1, "Broker:RabbitMq:HealthQueueLength must be at least 1.")
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<BrokerOptions>, Cluster.RabbitMqTlsValidation>();

        builder.Services.AddSingleton<RefusedLogins>();
        builder.Services.AddHostedService(services => services.GetRequiredService<RefusedLogins>());
        var configured = builder.Configuration.GetSection(BrokerOptions.SectionName).Get<BrokerOptions>();
        if (configured?.Kind == BrokerKind.RabbitMq)
        {
            builder.Services.AddSingleton<Cluster.RabbitMqBroker>();
            builder.Services.AddSingleton<IBroker>(services => services.GetRequiredService<Cluster.RabbitMqBroker>());
            builder.Services.AddHostedService(services => services.GetRequiredService<Cluster.RabbitMqBroker>());
            builder.Services.AddSingleton<Cluster.BrokerAuth>();
        }
        else if (configured?.IsExternal ?? false)
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
