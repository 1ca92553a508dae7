using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Ata.Core.Contract;
using Ata.Core.Faults;
using Ata.Gateway.Tests.Support;
using Ata.Lab;

namespace Ata.Gateway.Tests.Incidents;

/// <summary>
/// E-mail through MailKit with STARTTLS when the server offers it (issue 15, item 5), against the real
/// aiosmtpd given a certificate, which then refuses mail before STARTTLS (its <c>require_starttls</c>).
/// System.Net.Mail's SmtpClient, as the relay used it, never said STARTTLS: the first test failed.
/// </summary>
public sealed class MailStartTlsTests : IAsyncLifetime
{
    private const string DeviceSecret = "mail-tls-device-secret";
    private readonly TempDirectory _directory = new();
    private readonly int _smtpPort = FreePort.Tcp();
    private ManagedProcess? _smtp;
    private string _caFile = string.Empty;
    private string _otherCaFile = string.Empty;

    public async Task InitializeAsync()
    {
        using var ca = Authority("Ata test mail CA");
        using var other = Authority("Some other CA");
        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), RandomNumberGenerator.GetBytes(8));

        var certFile = Path.Combine(_directory.Path, "smtp.crt");
        var keyFile = Path.Combine(_directory.Path, "smtp.key");
        _caFile = Path.Combine(_directory.Path, "ca.crt");
        _otherCaFile = Path.Combine(_directory.Path, "other-ca.crt");
        await File.WriteAllTextAsync(certFile, server.ExportCertificatePem());
        await File.WriteAllTextAsync(keyFile, serverKey.ExportPkcs8PrivateKeyPem());
        await File.WriteAllTextAsync(_caFile, ca.ExportCertificatePem());
        await File.WriteAllTextAsync(_otherCaFile, other.ExportCertificatePem());

        _smtp = ManagedProcess.Start(File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : RequiredTool.Locate("python3"),
            ["-u", "-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{_smtpPort}", "--tlscert", certFile, "--tlskey", keyFile], new ManagedProcessOptions { Name = "aiosmtpd-tls" });
        await Eventually.TrueAsync(() => !FreePort.IsTcpAvailable(_smtpPort), "aiosmtpd listening");
    }

    public async Task DisposeAsync()
    {
        if (_smtp is not null)
        {
            await _smtp.DisposeAsync();
        }

        _directory.Dispose();
    }

    [Fact]
    public async Task A_report_goes_by_STARTTLS_to_a_server_that_offers_it_checked_against_the_trusted_CA()
    {
        await using var gateway = await StartGatewayAsync(_caFile);
        await RaiseFaultAsync(gateway, "mail-tls-1");

        await Eventually.TrueAsync(() => MailIds().Contains("<ata-incident-1-opened@ata-gateway>"), "the e-mail over STARTTLS", gateway.Log, TimeSpan.FromSeconds(30));
        var mail = string.Join('\n', _smtp!.StandardOutputLines);
        Assert.Contains("mail-tls-1", mail, StringComparison.Ordinal);
        Assert.Contains("Idempotency-Key: ata-incident-1-opened", mail, StringComparison.Ordinal);
        Assert.DoesNotContain(DeviceSecret, mail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_certificate_from_an_untrusted_CA_is_refused_and_nothing_is_sent()
    {
        await using var gateway = await StartGatewayAsync(_otherCaFile);
        await RaiseFaultAsync(gateway, "mail-tls-2");

        await Eventually.TrueAsync(() => gateway.Log.Lines.Any(l => l.Contains("by email failed", StringComparison.Ordinal) && l.Contains("certificate", StringComparison.OrdinalIgnoreCase)),
            "a failed e-mail attempt over the server's certificate", gateway.Log, TimeSpan.FromSeconds(30));
        Assert.DoesNotContain(gateway.Log.Lines, l => l.Contains("cannot be read as a PEM certificate", StringComparison.Ordinal));
        Assert.Empty(MailIds());
    }

    private static X509Certificate2 Authority(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(365));
    }

    private Task<RunningGateway> StartGatewayAsync(string trusted) =>
        RunningGateway.StartAsync(Path.Combine(_directory.Path, "gw-" + Path.GetFileNameWithoutExtension(trusted)), settings: new Dictionary<string, string?>
        {
            ["Relay:SmtpHost"] = "127.0.0.1",
            ["Relay:SmtpPort"] = _smtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Relay:SmtpTrustedCertificate"] = trusted,
            ["Relay:MailTo"] = "support@example.test",
            ["Relay:PollMilliseconds"] = "100",
            ["Relay:MaxBackoffSeconds"] = "1",
        });

    private static async Task RaiseFaultAsync(RunningGateway gateway, string id)
    {
        var (created, _) = await gateway.PutAdapterAsync(id, new
        {
            secret = DeviceSecret,
            lines = new[] { new { username = "7101", password = "mail-tls-sip", registrar = "127.0.0.1:5060" } },
        });
        created.EnsureSuccessStatusCode();
        await using var device = await Device.ConnectAsync(id, DeviceSecret, gateway.Broker.Port, gateway.Log);
        await device.ReportAsync(MqttTopics.Fault, Reports.Fault(1, FaultCode.WrongCredentials, raised: true, line: 1, sipCode: 403, detail: "403 Forbidden"));
    }

    private List<string> MailIds() =>
        [.. (_smtp?.StandardOutputLines ?? []).Where(l => l.StartsWith("Message-ID:", StringComparison.OrdinalIgnoreCase)).Select(l => l["Message-ID:".Length..].Trim())];
}
