using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Ata.Core.Contract;
using Ata.Gateway.Broker;
using Ata.Gateway.Tests.Support;
using Ata.Tests.Mqtt;
using MQTTnet;

namespace Ata.Gateway.Tests.Broker;

/// <summary>
/// The embedded broker's TLS listener for adapters (issue 15, item 1), against the real Mosquitto:
/// the gateway makes its CA and server certificate once and keeps them, a device that checks the
/// broker against that CA connects and gets its config, one with another CA does not, and with
/// <c>Broker:DevicePlaintext</c> false nothing listens in plaintext for devices.
/// </summary>
public sealed class BrokerTlsTests
{
    [Fact]
    public async Task A_device_checking_the_broker_against_the_gateways_CA_connects_over_TLS_and_gets_its_config()
    {
        using var directory = new TempDirectory();
        await using var gateway = await RunningGateway.StartAsync(directory.Path);
        var (response, body) = await gateway.PutAdapterAsync("tls-1", RunningGateway.Adapter("tls-secret-1", ("7001", "tls-sip-1", "127.0.0.1:5060")));
        response.EnsureSuccessStatusCode();
        Assert.Equal($"127.0.0.1:{gateway.Broker.Port}", body!["broker"]!.GetValue<string>());
        Assert.Equal($"127.0.0.1:{gateway.Broker.TlsPort}", body["brokerTls"]!.GetValue<string>());

        var ca = await GetCaAsync(gateway);
        using var caCertificate = X509Certificate2.CreateFromPem(ca["pem"]!.GetValue<string>());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(caCertificate.RawData)), ca["sha256"]!.GetValue<string>());
        Assert.Equal(body["brokerTls"]!.GetValue<string>(), ca["brokerTls"]!.GetValue<string>());

        await using var device = await Device.ConnectAsync("tls-1", "tls-secret-1", gateway.Broker.TlsPort, gateway.Log, MqttTestClient.TrustOnly(caCertificate));
        var config = await device.ReceiveConfigAsync();
        Assert.Equal("tls-sip-1", JsonNode.Parse(config.PayloadText)![Fields.Lines]![0]![Fields.Password]!.GetValue<string>());
    }

    [Fact]
    public async Task A_device_given_another_CA_does_not_connect()
    {
        using var directory = new TempDirectory();
        await using var gateway = await RunningGateway.StartAsync(directory.Path);
        await gateway.ProvisionAsync("tls-2", "tls-secret-2");
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = new CertificateRequest("CN=Someone else's CA", otherKey, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));

        var device = Device.Create("tls-2", "tls-secret-2", gateway.Broker.TlsPort, gateway.Log, configure: MqttTestClient.TrustOnly(other));
        await using (device)
        {
            await Assert.ThrowsAnyAsync<Exception>(() => device.Client.TryConnectAsync());
        }
    }

    [Fact]
    public async Task A_wrong_secret_over_TLS_is_refused_and_attributed_to_the_adapter_as_in_plaintext()
    {
        using var directory = new TempDirectory();
        await using var gateway = await RunningGateway.StartAsync(directory.Path);
        await gateway.ProvisionAsync("tls-5", "tls-secret-5");
        using var ca = X509Certificate2.CreateFromPem((await GetCaAsync(gateway))["pem"]!.GetValue<string>());

        var device = Device.Create("tls-5", "tls-typo-5", gateway.Broker.TlsPort, gateway.Log, configure: MqttTestClient.TrustOnly(ca));
        await using (device)
        {
            Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await device.Client.TryConnectAsync());
        }

        await Eventually.ValueAsync(
            async () => await gateway.Http.GetStringAsync("/api/adapters/tls-5/refused-logins"),
            body => body.Contains("\"attempts\":1", StringComparison.Ordinal),
            "the refused TLS login on the adapter",
            gateway.Log);
    }

    [Fact]
    public async Task The_CA_and_server_certificate_are_made_once_kept_private_and_reused()
    {
        using var directory = new TempDirectory();
        string fingerprint;
        string serverPem;
        BrokerDirectory files;
        await using (var first = await RunningGateway.StartAsync(directory.Path))
        {
            files = first.Broker.Directory;
            fingerprint = (await GetCaAsync(first))["sha256"]!.GetValue<string>();
            serverPem = await File.ReadAllTextAsync(files.ServerCertificateFile);
        }

        if (!OperatingSystem.IsWindows())
        {
            foreach (var key in new[] { files.CaKeyFile, files.ServerKeyFile })
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
            }
        }

        await using var second = await RunningGateway.StartAsync(directory.Path);
        Assert.Equal(fingerprint, (await GetCaAsync(second))["sha256"]!.GetValue<string>());
        Assert.Equal(serverPem, await File.ReadAllTextAsync(files.ServerCertificateFile));
        using var server = X509Certificate2.CreateFromPem(serverPem);
        var names = BrokerCertificates.NamesOf(server).ToList();
        Assert.Contains("localhost", names);
        Assert.Contains("127.0.0.1", names);
    }

    [Fact]
    public async Task With_device_plaintext_off_a_plaintext_connection_is_refused_and_TLS_still_works()
    {
        using var directory = new TempDirectory();
        await using var gateway = await RunningGateway.StartAsync(directory.Path, settings: new Dictionary<string, string?> { ["Broker:DevicePlaintext"] = "false" });
        var (response, body) = await gateway.PutAdapterAsync("tls-3", RunningGateway.Adapter("tls-secret-3", ("7003", "tls-sip-3", "127.0.0.1:5060")));
        response.EnsureSuccessStatusCode();
        Assert.Null(body!["broker"]);
        Assert.Equal($"127.0.0.1:{gateway.Broker.TlsPort}", body["brokerTls"]!.GetValue<string>());

        using (var plaintext = new TcpClient())
        {
            var refused = await Assert.ThrowsAsync<SocketException>(() => plaintext.ConnectAsync("127.0.0.1", gateway.Broker.Port));
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        }

        using var ca = X509Certificate2.CreateFromPem((await GetCaAsync(gateway))["pem"]!.GetValue<string>());
        await using var device = await Device.ConnectAsync("tls-3", "tls-secret-3", gateway.Broker.TlsPort, gateway.Log, MqttTestClient.TrustOnly(ca));
        await device.ReceiveConfigAsync();
    }

    [Fact]
    public async Task An_operators_own_CA_and_server_certificate_are_used_and_a_device_trusting_that_CA_connects()
    {
        using var directory = new TempDirectory();
        using var files = new TempDirectory();
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=Operator CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(30));
        using var serverKey = RSA.Create(2048);
        var serverRequest = new CertificateRequest("CN=broker.example", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        serverRequest.CertificateExtensions.Add(names.Build());
        using var server = serverRequest.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(10), [1, 2, 3, 4]);
        string caFile = Path.Combine(files.Path, "ca.pem"), certificateFile = Path.Combine(files.Path, "server.pem"), keyFile = Path.Combine(files.Path, "server.key");
        await File.WriteAllTextAsync(caFile, ca.ExportCertificatePem());
        await File.WriteAllTextAsync(certificateFile, server.ExportCertificatePem());
        await File.WriteAllTextAsync(keyFile, serverKey.ExportPkcs8PrivateKeyPem());

        await using var gateway = await RunningGateway.StartAsync(directory.Path, settings: new Dictionary<string, string?>
        {
            ["Broker:Tls:CaFile"] = caFile,
            ["Broker:Tls:CertificateFile"] = certificateFile,
            ["Broker:Tls:KeyFile"] = keyFile,
        });
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(ca.RawData)), (await GetCaAsync(gateway))["sha256"]!.GetValue<string>());
        Assert.False(File.Exists(gateway.Broker.Directory.CaKeyFile));
        await gateway.ProvisionAsync("tls-4", "tls-secret-4");
        await using var device = await Device.ConnectAsync("tls-4", "tls-secret-4", gateway.Broker.TlsPort, gateway.Log, MqttTestClient.TrustOnly(ca));
        await device.ReceiveConfigAsync();
    }

    [Fact]
    public void A_server_certificate_not_issued_by_the_operators_CA_is_refused_naming_the_setting()
    {
        using var files = new TempDirectory();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var self = new CertificateRequest("CN=lone", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = new CertificateRequest("CN=Other CA", otherKey, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        string caFile = Path.Combine(files.Path, "ca.pem"), certificateFile = Path.Combine(files.Path, "server.pem"), keyFile = Path.Combine(files.Path, "server.key");
        File.WriteAllText(caFile, other.ExportCertificatePem());
        File.WriteAllText(certificateFile, self.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        var options = new BrokerOptions { Tls = new BrokerTlsOptions { CaFile = caFile, CertificateFile = certificateFile, KeyFile = keyFile } };

        var refused = Assert.Throws<BrokerCertificateException>(() => BrokerCertificates.Ensure(new BrokerDirectory(files.Path), options, DateTimeOffset.UtcNow));
        Assert.Contains("Broker:Tls:CertificateFile", refused.Message, StringComparison.Ordinal);
        Assert.Contains("is not issued by", refused.Message, StringComparison.Ordinal);

        options.Tls.KeyFile = null;
        Assert.Contains("Broker:Tls:KeyFile is not set", Assert.Throws<BrokerCertificateException>(() => BrokerCertificates.Ensure(new BrokerDirectory(files.Path), options, DateTimeOffset.UtcNow)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_damaged_CA_key_stops_the_start_with_what_to_do_and_is_not_replaced()
    {
        using var directory = new TempDirectory();
        var files = new BrokerDirectory(directory.Path);
        BrokerCertificates.Ensure(files, new BrokerOptions(), DateTimeOffset.UtcNow);
        var ca = File.ReadAllText(files.CaFile);
        File.WriteAllText(files.CaKeyFile, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");

        var refused = Assert.Throws<BrokerCertificateException>(() => BrokerCertificates.Ensure(files, new BrokerOptions(), DateTimeOffset.UtcNow));
        Assert.Contains("restore both from a backup", refused.Message, StringComparison.Ordinal);
        Assert.Equal(ca, File.ReadAllText(files.CaFile));
    }

    private static async Task<JsonNode> GetCaAsync(RunningGateway gateway)
    {
        var response = await gateway.Http.GetAsync("/api/broker/ca");
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }
}
