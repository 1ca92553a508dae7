using Ata.Gateway.Broker;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Instances;

/// <summary>Registers the gateway's instance identity, its leases and the taking over of dead instances' sessions.</summary>
public static class InstanceRegistration
{
    /// <summary>Adds <see cref="Leases"/>, <see cref="GatewayInstance"/> and <see cref="SessionAdoption"/>, and checks <see cref="GatewayOptions.Instance"/>.</summary>
    /// <param name="builder">The host builder.</param>
    public static IHostApplicationBuilder AddGatewayInstance(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IValidateOptions<GatewayOptions>, InstanceValidation>();
        builder.Services.AddSingleton<Leases>();
        builder.Services.AddSingleton<GatewayInstance>();
        builder.Services.AddHostedService(services => services.GetRequiredService<GatewayInstance>());
        builder.Services.AddSingleton<SessionAdoption>();
        builder.Services.AddHostedService(services => services.GetRequiredService<SessionAdoption>());
        return builder;
    }
}

/// <summary>Checks <see cref="GatewayOptions.Instance"/>: a short name, and only with an external broker or the RabbitMQ cluster (the instances share it).</summary>
/// <param name="broker">The broker options.</param>
internal sealed class InstanceValidation(IOptions<BrokerOptions> broker) : IValidateOptions<GatewayOptions>
{
    /// <summary>The longest instance name.</summary>
    public const int MaxLength = 40;

    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrEmpty(options.Instance))
        {
            return ValidateOptionsResult.Success;
        }

        if (options.Instance.Length > MaxLength || !options.Instance.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return ValidateOptionsResult.Fail($"Gateway:Instance must be at most {MaxLength} letters, digits, '-' or '_'.");
        }

        return broker.Value.Kind == BrokerKind.Mosquitto && string.IsNullOrWhiteSpace(broker.Value.Url)
            ? ValidateOptionsResult.Fail("Gateway:Instance needs Broker:Url or Broker:Kind=RabbitMq: several gateway instances share one external broker (an embedded broker is one gateway's own).")
            : ValidateOptionsResult.Success;
    }
}
