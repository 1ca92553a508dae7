using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Ata.Core.Contract;
using Ata.Gateway.Store;
using Ata.Gateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Ata.Gateway.Tests.Store;

/// <summary>The Data Protection key ring encrypted at rest with a certificate kept outside the data directory.</summary>
public sealed class KeyRingTests : IDisposable
{
    private const string SipPassword = "key-ring-sip-password-7c1";

    private readonly TempDirectory _directory = new();

    private string DataDirectory => Path.Combine(_directory.Path, "data");

    private string KeyRing => Path.Combine(DataDirectory, SecretBox.KeyRingFolder);

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task With_a_certificate_the_keys_on_disk_are_encrypted_and_a_restart_still_reads_the_sip_passwords()
    {
        var certificate = Path.Combine(_directory.Path, "secrets", "key-ring.pfx");
        var passwordFile = Path.Combine(_directory.Path, "secrets", "key-ring.password");
        KeyRingCertificateCommand.Create(certificate, passwordFile);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(certificate));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(passwordFile));
        var settings = Settings(certificate, passwordFile);

        var log = new CapturedLog();
        int port;
        await using (var first = await RunningGateway.StartAsync(DataDirectory, log, settings))
        {
            port = await first.ProvisionAsync("ring-1", "ring-secret-1", "7001", SipPassword);
        }

        var keyFiles = Directory.GetFiles(KeyRing, "key-*.xml");
        Assert.NotEmpty(keyFiles);
        foreach (var file in keyFiles)
        {
            var xml = File.ReadAllText(file);
            Assert.DoesNotContain("masterKey", xml, StringComparison.Ordinal);
            Assert.Contains("<encryptedSecret", xml, StringComparison.Ordinal);
            Assert.Contains("EncryptedData", xml, StringComparison.Ordinal);
        }

        Assert.Contains(log.Lines, l => l.Contains("is encrypted with the certificate", StringComparison.Ordinal));
        Assert.DoesNotContain(log.Lines, l => l.Contains("not encrypted", StringComparison.Ordinal) || l.Contains("unencrypted", StringComparison.Ordinal));

        var secondLog = new CapturedLog();
        await using var second = await RunningGateway.StartAsync(DataDirectory, secondLog, settings);
        Assert.Equal(SipPassword, Assert.Single(second.App.Services.GetRequiredService<AdapterStore>().FindConfig("ring-1")!.Lines).Password);

        // The config the gateway builds again after the restart (it decrypts the password) reaches the adapter.
        await using var device = await Device.ConnectAsync("ring-1", "ring-secret-1", port, secondLog);
        var delivered = await device.ReceiveConfigAsync();
        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await second.Http.PostAsync("/api/adapters/ring-1/actions/push-config", null)).StatusCode);
        var pushed = await device.WaitForAsync(m => !ReferenceEquals(m, delivered) && m.Topic == delivered.Topic, "the config pushed again after the restart");
        Assert.Equal(SipPassword, JsonNode.Parse(pushed.PayloadText)![Fields.Lines]![0]![Fields.Password]!.GetValue<string>());
        Assert.DoesNotContain(SipPassword, log.Text + secondLog.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_certificate_one_warning_says_the_key_ring_is_not_encrypted_and_how_to_encrypt_it()
    {
        var log = new CapturedLog();
        await using (var gateway = await RunningGateway.StartAsync(DataDirectory, log))
        {
            await gateway.ProvisionAsync("plain-1", "plain-secret-1", "7002", SipPassword);
        }

        var warning = Assert.Single(log.Lines, l => l.Contains("key ring", StringComparison.OrdinalIgnoreCase) && l.StartsWith("Warning", StringComparison.Ordinal));
        Assert.Contains("is not encrypted", warning, StringComparison.Ordinal);
        Assert.Contains("Gateway:KeyRing:CertificatePath", warning, StringComparison.Ordinal);
        Assert.Contains(KeyRingCertificateCommand.Verb, warning, StringComparison.Ordinal);
        Assert.DoesNotContain(log.Lines, l => l.Contains("No XML encryptor", StringComparison.Ordinal));

        Assert.Contains(Directory.GetFiles(KeyRing, "key-*.xml"), f => File.ReadAllText(f).Contains("<masterKey", StringComparison.Ordinal));

        // Encrypting it later: the keys made so far are encrypted in place and still open the passwords.
        var certificate = Path.Combine(_directory.Path, "key-ring.pfx");
        KeyRingCertificateCommand.Create(certificate, null);
        var later = new CapturedLog();
        await using (var encrypted = await RunningGateway.StartAsync(DataDirectory, later, Settings(certificate, null)))
        {
            Assert.Contains(later.Lines, l => l.Contains("Encrypted 1 key(s)", StringComparison.Ordinal));
            Assert.All(Directory.GetFiles(KeyRing, "key-*.xml"), f => Assert.DoesNotContain("masterKey", File.ReadAllText(f), StringComparison.Ordinal));
            Assert.Equal(SipPassword, Assert.Single(encrypted.App.Services.GetRequiredService<AdapterStore>().FindConfig("plain-1")!.Lines).Password);
        }

        // A new gateway reads the rewritten key files from disk.
        await using var again = await RunningGateway.StartAsync(DataDirectory, new CapturedLog(), Settings(certificate, null));
        Assert.Equal(SipPassword, Assert.Single(again.App.Services.GetRequiredService<AdapterStore>().FindConfig("plain-1")!.Lines).Password);
    }

    [Fact]
    public async Task A_gateway_whose_keys_were_encrypted_with_another_certificate_does_not_start_and_says_why()
    {
        var right = Path.Combine(_directory.Path, "right.pfx");
        var other = Path.Combine(_directory.Path, "other.pfx");
        KeyRingCertificateCommand.Create(right, null);
        KeyRingCertificateCommand.Create(other, null);
        await using (var gateway = await RunningGateway.StartAsync(DataDirectory, new CapturedLog(), Settings(right, null)))
        {
            await gateway.ProvisionAsync("ring-2", "ring-secret-2", "7003", SipPassword);
        }

        var (code, wrong) = await RunAsync(Settings(other, null));
        Assert.Equal(1, code);
        Assert.Contains("not the configured certificate", wrong, StringComparison.Ordinal);
        Assert.Contains("Gateway:KeyRing:PreviousCertificates", wrong, StringComparison.Ordinal);

        var (_, none) = await RunAsync(null);
        Assert.Contains("Gateway:KeyRing:CertificatePath is not set", none, StringComparison.Ordinal);

        // Rotation: the new certificate encrypts new keys, the previous one still opens the old ones.
        var rotated = Settings(other, null);
        rotated["Gateway:KeyRing:PreviousCertificates:0:CertificatePath"] = right;
        await using var gatewayAfter = await RunningGateway.StartAsync(DataDirectory, new CapturedLog(), rotated);
        Assert.Equal(SipPassword, Assert.Single(gatewayAfter.App.Services.GetRequiredService<AdapterStore>().FindConfig("ring-2")!.Lines).Password);
    }

    [Fact]
    public async Task A_missing_or_unusable_certificate_stops_the_gateway_with_one_clear_line()
    {
        var missing = Path.Combine(_directory.Path, "nowhere", "key-ring.pfx");
        var (code, text) = await RunAsync(Settings(missing, null));
        Assert.Equal(1, code);
        Assert.Contains($"Gateway:KeyRing:CertificatePath: {missing} does not exist", text, StringComparison.Ordinal);
        Assert.Contains(KeyRingCertificateCommand.Verb, text, StringComparison.Ordinal);

        var protectedFile = Path.Combine(_directory.Path, "protected.pfx");
        var passwordFile = Path.Combine(_directory.Path, "protected.password");
        KeyRingCertificateCommand.Create(protectedFile, passwordFile);
        var wrongPassword = Settings(protectedFile, null);
        wrongPassword["Gateway:KeyRing:CertificatePassword"] = "not-the-password";
        Assert.Contains("the password is wrong", (await RunAsync(wrongPassword)).Log, StringComparison.Ordinal);
        Assert.Contains("it needs a password", (await RunAsync(Settings(protectedFile, null))).Log, StringComparison.Ordinal);

        var publicOnly = Path.Combine(_directory.Path, "public-only.pfx");
        using (var withKey = X509CertificateLoader.LoadPkcs12FromFile(protectedFile, File.ReadAllText(passwordFile).Trim()))
        using (var certificateOnly = X509CertificateLoader.LoadCertificate(withKey.RawData))
        {
            File.WriteAllBytes(publicOnly, certificateOnly.Export(X509ContentType.Pkcs12));
        }

        Assert.Contains("not its private key", (await RunAsync(Settings(publicOnly, null))).Log, StringComparison.Ordinal);

        var inside = Path.Combine(DataDirectory, "key-ring.pfx");
        Directory.CreateDirectory(DataDirectory);
        File.Copy(protectedFile, inside);
        var insideSettings = Settings(inside, passwordFile);
        Assert.Contains("is inside Gateway:DataDirectory", (await RunAsync(insideSettings)).Log, StringComparison.Ordinal);

        var ecdsa = Path.Combine(_directory.Path, "ecdsa.pfx");
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        using (var certificate = new CertificateRequest("CN=not rsa", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddYears(1)))
        {
            File.WriteAllBytes(ecdsa, certificate.Export(X509ContentType.Pkcs12));
        }

        Assert.Contains("not an RSA certificate", (await RunAsync(Settings(ecdsa, null))).Log, StringComparison.Ordinal);
        Assert.False(Directory.Exists(KeyRing) && Directory.EnumerateFiles(KeyRing).Any(), "no key was written without its certificate");
    }

    [Fact]
    public void The_command_makes_a_private_rsa_certificate_and_never_overwrites_one()
    {
        var path = Path.Combine(_directory.Path, "made", "key-ring.pfx");
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Equal(0, KeyRingCertificateCommand.Run([path], output, error));
        Assert.Contains($"--Gateway:KeyRing:CertificatePath={path}", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var before = File.ReadAllBytes(path);
        using (var certificate = KeyRingCertificates.Load(new KeyRingOptions { CertificatePath = path }, "Gateway:KeyRing", DataDirectory))
        {
            Assert.True(certificate.HasPrivateKey);
            Assert.Equal(3072, certificate.GetRSAPublicKey()!.KeySize);
        }

        Assert.Equal(1, KeyRingCertificateCommand.Run([path], output, error));
        Assert.Contains("exists already", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(2, KeyRingCertificateCommand.Run([], output, error));
    }

    [Fact]
    public void A_pem_file_with_the_certificate_and_its_key_does_as_well()
    {
        using var rsa = RSA.Create(2048);
        using var made = new CertificateRequest("CN=pem key ring", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddYears(1));
        var plain = Path.Combine(_directory.Path, "key-ring.pem");
        File.WriteAllText(plain, made.ExportCertificatePem() + "\n" + rsa.ExportPkcs8PrivateKeyPem());
        using (var loaded = KeyRingCertificates.Load(new KeyRingOptions { CertificatePath = plain }, "Gateway:KeyRing", DataDirectory))
        {
            Assert.Equal(made.Thumbprint, loaded.Thumbprint);
            Assert.True(loaded.HasPrivateKey);
        }

        var encrypted = Path.Combine(_directory.Path, "key-ring-encrypted.pem");
        var pbe = new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 100_000);
        File.WriteAllText(encrypted, made.ExportCertificatePem() + "\n" + rsa.ExportEncryptedPkcs8PrivateKeyPem("pem-password", pbe));
        using (var loaded = KeyRingCertificates.Load(new KeyRingOptions { CertificatePath = encrypted, CertificatePassword = "pem-password" }, "Gateway:KeyRing", DataDirectory))
        {
            Assert.True(loaded.HasPrivateKey);
        }

        var wrong = Assert.Throws<KeyRingException>(() =>
            KeyRingCertificates.Load(new KeyRingOptions { CertificatePath = encrypted, CertificatePassword = "nope" }, "Gateway:KeyRing", DataDirectory));
        Assert.Contains("the password is wrong", wrong.Message, StringComparison.Ordinal);

        var certificateOnly = Path.Combine(_directory.Path, "certificate-only.pem");
        File.WriteAllText(certificateOnly, made.ExportCertificatePem());
        Assert.Contains("not its private key", Assert.Throws<KeyRingException>(() =>
            KeyRingCertificates.Load(new KeyRingOptions { CertificatePath = certificateOnly }, "Gateway:KeyRing", DataDirectory)).Message, StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> Settings(string certificate, string? passwordFile) => new()
    {
        ["Gateway:KeyRing:CertificatePath"] = certificate,
        ["Gateway:KeyRing:CertificatePasswordFile"] = passwordFile,
    };

    /// <summary>Runs the gateway as Program.cs does; returns its exit code and its log (it ends at once when it cannot start).</summary>
    private async Task<(int Code, string Log)> RunAsync(IDictionary<string, string?>? settings)
    {
        var log = new CapturedLog();
        await using var app = RunningGateway.Build(DataDirectory, log, settings);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var run = app.RunGatewayAsync();
        var finished = await Task.WhenAny(run, Task.Delay(Timeout.Infinite, timeout.Token));
        if (finished != run)
        {
            await app.StopAsync();
            Assert.Fail("the gateway started although its key ring certificate is unusable:" + Environment.NewLine + log.Tail());
        }

        var critical = log.Lines.Where(l => l.StartsWith("Critical", StringComparison.Ordinal)).ToList();
        Assert.Single(critical);
        Assert.DoesNotContain(log.Lines, l => l.Contains("   at ", StringComparison.Ordinal));
        return (await run, critical[0]);
    }
}
