using Microsoft.Extensions.Options;

namespace Ata.Gateway.Broker.Cluster;

/// <summary>
/// Checks at start that a RabbitMQ cluster (<c>Broker:Kind=RabbitMq</c>) gives adapters TLS: its
/// MQTT-over-TLS listeners (<see cref="RabbitMqOptions.MqttTlsNodes"/>) with the operator's CA,
/// certificate and key (<c>Broker:Tls:*</c>, the files of the nodes' <c>ssl_options</c>, checked as
/// the embedded broker's are), or plaintext explicitly allowed (<c>Broker:DevicePlaintext=true</c>).
/// </summary>
public sealed class RabbitMqTlsValidation : IValidateOptions<BrokerOptions>
{
    /// <summary>Why a cluster without TLS listeners does not start.</summary>
    public const string ClearTextError =
        "Broker:Kind=RabbitMq without Broker:RabbitMq:MqttTlsNodes: adapters would send their device secrets to the cluster in clear text. "
        + "List the nodes' MQTT-over-TLS listeners in Broker:RabbitMq:MqttTlsNodes with Broker:Tls:CaFile, CertificateFile and KeyFile (the files of the nodes' ssl_options), "
        + "or set Broker:DevicePlaintext=true to accept plaintext.";

    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, BrokerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Kind != BrokerKind.RabbitMq)
        {
            return ValidateOptionsResult.Skip;
        }

        var tlsNodes = options.RabbitMq.MqttTlsNodes;
        if (tlsNodes.Count == 0)
        {
            return options.DevicePlaintext ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(ClearTextError);
        }

        if (!tlsNodes.TrueForAll(n => RabbitMqOptions.TryParseNode(n, RabbitMqOptions.DefaultMqttTlsPort, out _, out _)))
        {
            return ValidateOptionsResult.Fail("Broker:RabbitMq:MqttTlsNodes must list the cluster's MQTT-over-TLS listeners (what adapters connect to) as host:port.");
        }

        var tls = options.Tls;
        if (string.IsNullOrWhiteSpace(tls.CaFile) || string.IsNullOrWhiteSpace(tls.CertificateFile) || string.IsNullOrWhiteSpace(tls.KeyFile))
        {
            return ValidateOptionsResult.Fail(
                $"Broker:RabbitMq:MqttTlsNodes needs all three of {BrokerCertificates.Setting}:CaFile, CertificateFile and KeyFile: the CA adapters are given and the nodes' certificate and key (their ssl_options).");
        }

        try
        {
            BrokerCertificates.Supplied(tls);
            return ValidateOptionsResult.Success;
        }
        catch (BrokerCertificateException exception)
        {
            return ValidateOptionsResult.Fail(exception.Message);
        }
    }
}
