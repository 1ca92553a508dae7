using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Ata.Gateway.Broker;
using Ata.Gateway.Broker.Cluster;
using Ata.Gateway.Fleet;
using Ata.Gateway.Tests.Support;
using Ata.Lab;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Tests.Broker;

/// <summary>
/// The RabbitMQ cluster mode's TLS for adapters (<c>Broker:RabbitMq:MqttTlsNodes</c> with the operator's
/// <c>Broker:Tls:*</c> files): checked at start as the embedded broker's own files are, advertised as the
/// embedded broker's listener is, and plaintext only when asked for. TLS against the real nodes is
/// tested in tests/Ata.Scale.Tests.
/// </summary>
public sealed class ClusterTlsOptionsTests
{
    [Fact]
    public async Task A_cluster_gateway_without_tls_listeners_refuses_to_start_in_one_line_saying_secrets_would_cross_in_clear_text()
    {
        using var data = new TempDirectory();
        await using var gateway = ManagedProcess.Start(ManagedProcess.DotnetHost,
        [
            GatewayProcess.Assembly,
            "--urls", $"http://127.0.0.1:{FreePort.Tcp()}",
            $"--Gateway:DataDirectory={data.Path}",
            "--Broker:Kind=RabbitMq",
            "--Broker:Password=cluster-password-123",
            "--Broker:RabbitMq:Nodes:0=127.0.0.1:5672",
            "--Broker:RabbitMq:MqttNodes:0=127.0.0.1:1883",
        ], new ManagedProcessOptions { Name = "gateway", Environment = new Dictionary<string, string?> { ["Auth__AdminKey"] = RunningGateway.AdminKey } });

        var exitCode = await gateway.Completion.WaitAsync(TimeSpan.FromSeconds(60));

        var output = string.Join(Environment.NewLine, gateway.Lines.Select(l => l.Text));
        Assert.True(exitCode != 0, $"exit code 0:{Environment.NewLine}{output}");
        var line = Assert.Single(gateway.StandardErrorLines, l => l.Trim().Length > 0);
        Assert.Contains("clear text", line, StringComparison.Ordinal);
        Assert.Contains("Broker:RabbitMq:MqttTlsNodes", line, StringComparison.Ordinal);
        Assert.Contains("Broker:DevicePlaintext=true", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_device_plaintext_allowed_a_cluster_without_tls_listeners_is_accepted_and_advertises_only_plaintext()
    {
        var options = Cluster();
        Assert.True(new RabbitMqTlsValidation().Validate(null, options).Failed);

        options.DevicePlaintext = true;
        Assert.True(new RabbitMqTlsValidation().Validate(null, options).Succeeded);
        await using var broker = Broker(options);
        Assert.Equal("127.0.0.1:1883", broker.DeviceAddress);
        Assert.Null(broker.DeviceTlsAddress);
        Assert.Null(broker.DeviceTls);
    }

    [Fact]
    public async Task A_cluster_with_tls_listeners_advertises_the_first_with_the_operators_ca_and_no_plaintext_address()
    {
        using var files = new TempDirectory();
        var (caFile, certificateFile, keyFile, fingerprint) = OperatorFiles(files.Path, issuedByTheCa: true);
        var options = Cluster(caFile, certificateFile, keyFile);
        Assert.True(new RabbitMqTlsValidation().Validate(null, options).Succeeded);

        await using (var broker = Broker(options))
        {
            Assert.Null(broker.DeviceAddress);
            Assert.Equal("10.0.0.1:8884", broker.DeviceTlsAddress);
            Assert.Equal(fingerprint, broker.DeviceTls!.CaFingerprint);
            Assert.Equal(await File.ReadAllTextAsync(caFile), broker.DeviceTls.CaPem);
        }

        // Behind a load balancer: its name and TLS port are what adapters are told.
        options.AdvertisedHost = "mqtt.example";
        options.Tls.AdvertisedPort = 443;
        options.DevicePlaintext = true;
        await using (var broker = Broker(options))
        {
            Assert.Equal("mqtt.example:443", broker.DeviceTlsAddress);
            Assert.Equal("mqtt.example:1883", broker.DeviceAddress);
        }
    }

    [Fact]
    public void The_clusters_tls_files_are_checked_at_start_naming_the_setting()
    {
        using var files = new TempDirectory();
        var (caFile, certificateFile, keyFile, _) = OperatorFiles(files.Path, issuedByTheCa: false);
        var options = Cluster(caFile, certificateFile, keyFile);
        var validation = new RabbitMqTlsValidation();

        var notIssued = validation.Validate(null, options);
        Assert.True(notIssued.Failed);
        Assert.Contains("Broker:Tls:CertificateFile", notIssued.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("is not issued by", notIssued.FailureMessage, StringComparison.Ordinal);

        options.Tls.KeyFile = Path.Combine(files.Path, "missing.key");
        var missing = validation.Validate(null, options);
        Assert.Contains("Broker:Tls:KeyFile", missing.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("does not exist", missing.FailureMessage, StringComparison.Ordinal);

        options.Tls.KeyFile = null;
        var notSet = validation.Validate(null, options);
        Assert.Contains("Broker:RabbitMq:MqttTlsNodes needs all three of Broker:Tls:CaFile, CertificateFile and KeyFile", notSet.FailureMessage, StringComparison.Ordinal);

        options.Tls.KeyFile = keyFile;
        options.RabbitMq.MqttTlsNodes = ["10.0.0.1:notaport"];
        Assert.Contains("Broker:RabbitMq:MqttTlsNodes must list", validation.Validate(null, options).FailureMessage, StringComparison.Ordinal);
    }

    private static BrokerOptions Cluster(string? caFile = null, string? certificateFile = null, string? keyFile = null)
    {
        var options = new BrokerOptions
        {
            Kind = BrokerKind.RabbitMq,
            Password = "cluster-password-123",
            Tls = new BrokerTlsOptions { CaFile = caFile, CertificateFile = certificateFile, KeyFile = keyFile },
        };
        options.RabbitMq.Nodes = ["127.0.0.1:5672"];
        options.RabbitMq.MqttNodes = ["127.0.0.1:1883"];
        if (caFile is not null)
        {
            options.RabbitMq.MqttTlsNodes = ["10.0.0.1:8884", "10.0.0.2:8884"];
        }

        return options;
    }

    private static RabbitMqBroker Broker(BrokerOptions options) => new(
        Options.Create(options), Options.Create(new IngestOptions()), TimeProvider.System, NullLogger<RabbitMqBroker>.Instance, NullLogger<RabbitMqLink>.Instance);

    /// <summary>A CA and a server certificate and key (ECDSA P-256) as an operator gives them; the certificate issued by another CA unless <paramref name="issuedByTheCa"/>.</summary>
    private static (string CaFile, string CertificateFile, string KeyFile, string Fingerprint) OperatorFiles(string folder, bool issuedByTheCa)
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Operator cluster CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var ca = caRequest.CreateSelfSigned(now.AddHours(-1), now.AddDays(30));
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var otherRequest = new CertificateRequest("CN=Someone else's CA", otherKey, HashAlgorithmName.SHA256);
        otherRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        otherRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var other = otherRequest.CreateSelfSigned(now.AddHours(-1), now.AddDays(30));
        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=rabbit.example", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Parse("10.0.0.1"));
        serverRequest.CertificateExtensions.Add(names.Build());
        using var server = serverRequest.Create(issuedByTheCa ? ca : other, now.AddHours(-1), now.AddDays(10), [1, 2, 3, 4]);
        string caFile = Path.Combine(folder, "ca.pem"), certificateFile = Path.Combine(folder, "server.pem"), keyFile = Path.Combine(folder, "server.key");
        File.WriteAllText(caFile, ca.ExportCertificatePem());
        File.WriteAllText(certificateFile, server.ExportCertificatePem());
        File.WriteAllText(keyFile, serverKey.ExportPkcs8PrivateKeyPem());
        return (caFile, certificateFile, keyFile, Convert.ToHexStringLower(SHA256.HashData(ca.RawData)));
    }
}
