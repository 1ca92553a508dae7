using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml;
using System.Xml.Linq;
using Ata.Gateway.Broker;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Store;

/// <summary>A key ring certificate setting that cannot be used; the message names the setting and says why.</summary>
public sealed class KeyRingException(string message) : Exception(message);

/// <summary>
/// The certificates of <see cref="KeyRingOptions"/>: the current one encrypts new keys of the Data
/// Protection key ring, every one (current and previous) can decrypt them.
/// </summary>
/// <param name="all">The current certificate first, then the previous ones; empty when the key ring is not encrypted.</param>
public sealed class KeyRingCertificates(IReadOnlyList<X509Certificate2> all)
{
    /// <summary>The configuration path of <see cref="KeyRingOptions"/>.</summary>
    public const string Setting = $"{GatewayOptions.SectionName}:{nameof(GatewayOptions.KeyRing)}";

    /// <summary>The certificate new keys are encrypted with; null when the key ring is not encrypted.</summary>
    public X509Certificate2? Current => all.Count > 0 ? all[0] : null;

    /// <summary>Every certificate that may decrypt a key: the current one first, then the previous ones.</summary>
    public IReadOnlyList<X509Certificate2> All => all;

    /// <summary>Loads and checks every configured certificate.</summary>
    /// <param name="options">The gateway's settings.</param>
    /// <exception cref="KeyRingException">A certificate cannot be used.</exception>
    public static IReadOnlyList<X509Certificate2> LoadAll(GatewayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var ring = options.KeyRing;
        if (!ring.Encrypted)
        {
            return ring.PreviousCertificates.Count > 0
                ? throw new KeyRingException($"{Setting}:PreviousCertificates is set but {Setting}:CertificatePath is not: set the certificate new keys are encrypted with.")
                : [];
        }

        var loaded = new List<X509Certificate2>();
        try
        {
            loaded.Add(Load(ring, $"{Setting}", options.FullDataDirectory));
            for (var index = 0; index < ring.PreviousCertificates.Count; index++)
            {
                loaded.Add(Load(ring.PreviousCertificates[index], $"{Setting}:PreviousCertificates:{index}", options.FullDataDirectory));
            }
        }
        catch
        {
            loaded.ForEach(certificate => certificate.Dispose());
            throw;
        }

        return loaded;
    }

    /// <summary>Loads one certificate file and checks that it can protect the key ring.</summary>
    /// <param name="file">The file and its password.</param>
    /// <param name="setting">The configuration path of <paramref name="file"/>, for messages.</param>
    /// <param name="dataDirectory">The data directory, which the file must be outside of.</param>
    /// <exception cref="KeyRingException">The certificate cannot be used.</exception>
    public static X509Certificate2 Load(KeyRingCertificateOptions file, string setting, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (string.IsNullOrWhiteSpace(file.CertificatePath))
        {
            throw new KeyRingException($"{setting}:CertificatePath is empty.");
        }

        var path = Path.GetFullPath(file.CertificatePath);
        if (IsInside(path, dataDirectory))
        {
            throw new KeyRingException(
                $"{setting}:CertificatePath ({path}) is inside Gateway:DataDirectory ({dataDirectory}): keep it elsewhere, or a copy of the data directory (a backup) holds the key that opens it.");
        }

        if (!File.Exists(path))
        {
            throw new KeyRingException(
                $"{setting}:CertificatePath: {path} does not exist (make one with: Ata.Gateway {KeyRingCertificateCommand.Verb} {path}).");
        }

        var password = Password(file, setting);
        X509Certificate2 certificate;
        try
        {
            certificate = IsPem(path) ? LoadPem(path, password, setting) : LoadPkcs12(path, password, setting);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new KeyRingException($"{setting}:CertificatePath: {path} cannot be read ({error.Message}).");
        }

        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new KeyRingException($"{setting}:CertificatePath: {path} holds a certificate but not its private key, without which the key ring cannot be read.");
        }

        using var rsa = certificate.GetRSAPublicKey();
        if (rsa is null)
        {
            certificate.Dispose();
            throw new KeyRingException($"{setting}:CertificatePath: {path} is not an RSA certificate (Data Protection encrypts the key ring with RSA).");
        }

        return certificate;
    }

    /// <summary>The certificates the key files in <paramref name="keyRing"/> are encrypted with.</summary>
    /// <param name="keyRing">The key ring folder.</param>
    /// <returns>Thumbprint → subject of each certificate the keys name.</returns>
    public static IReadOnlyDictionary<string, string> EncryptedWith(string keyRing)
    {
        var encryptedWith = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (!Directory.Exists(keyRing))
        {
            return encryptedWith;
        }

        foreach (var file in Directory.EnumerateFiles(keyRing, "*.xml"))
        {
            XDocument document;
            try
            {
                document = XDocument.Load(file);
            }
            catch (Exception error) when (error is XmlException or IOException or UnauthorizedAccessException)
            {
                continue;
            }

            foreach (var element in document.Descendants().Where(e => e.Name.LocalName == "X509Certificate"))
            {
                try
                {
                    using var certificate = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(element.Value.Trim()));
                    encryptedWith.TryAdd(certificate.Thumbprint, certificate.Subject);
                }
                catch (Exception error) when (error is FormatException or CryptographicException)
                {
                    encryptedWith.TryAdd("?", "an unreadable certificate");
                }
            }
        }

        return encryptedWith;
    }

    private static bool IsInside(string path, string directory)
    {
        var relative = Path.GetRelativePath(directory, path);
        return relative != "." && !relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative);
    }

    private static string? Password(KeyRingCertificateOptions file, string setting)
    {
        if (!string.IsNullOrEmpty(file.CertificatePassword) && !string.IsNullOrEmpty(file.CertificatePasswordFile))
        {
            throw new KeyRingException($"Set {setting}:CertificatePassword or {setting}:CertificatePasswordFile, not both.");
        }

        if (string.IsNullOrEmpty(file.CertificatePasswordFile))
        {
            return string.IsNullOrEmpty(file.CertificatePassword) ? null : file.CertificatePassword;
        }

        var passwordFile = Path.GetFullPath(file.CertificatePasswordFile);
        try
        {
            using var reader = File.OpenText(passwordFile);
            return reader.ReadLine() ?? string.Empty;
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new KeyRingException($"{setting}:CertificatePasswordFile: {passwordFile} does not exist.");
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new KeyRingException($"{setting}:CertificatePasswordFile: {passwordFile} cannot be read ({error.Message}).");
        }
    }

    private static bool IsPem(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> start = stackalloc byte[64];
        var read = stream.Read(start);
        return System.Text.Encoding.ASCII.GetString(start[..read]).TrimStart().StartsWith("-----BEGIN ", StringComparison.Ordinal);
    }

    private static X509Certificate2 LoadPkcs12(string path, string? password, string setting)
    {
        try
        {
            return X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (CryptographicException)
        {
            throw new KeyRingException(password is null
                ? $"{setting}:CertificatePath: {path} cannot be opened: it needs a password ({setting}:CertificatePassword or {setting}:CertificatePasswordFile), or it is not a PKCS#12 (.pfx) or PEM file."
                : $"{setting}:CertificatePath: {path} cannot be opened: the password is wrong, or it is not a PKCS#12 (.pfx) or PEM file.");
        }
    }

    private static X509Certificate2 LoadPem(string path, string? password, string setting)
    {
        var text = File.ReadAllText(path);
        if (!text.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            throw new KeyRingException($"{setting}:CertificatePath: {path} holds a certificate but not its private key, without which the key ring cannot be read.");
        }

        try
        {
            return password is null ? X509Certificate2.CreateFromPem(text, text) : X509Certificate2.CreateFromEncryptedPem(text, text, password);
        }
        catch (CryptographicException error)
        {
            throw new KeyRingException(text.Contains("ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal)
                ? $"{setting}:CertificatePath: {path}: its private key cannot be decrypted: {(password is null ? $"set {setting}:CertificatePassword or {setting}:CertificatePasswordFile" : "the password is wrong")}."
                : $"{setting}:CertificatePath: {path} is not a usable PEM certificate with its private key ({error.Message}).");
        }
    }
}

/// <summary>
/// Checks at start that the key ring certificates can be used and that they open the keys already
/// in <c>{DataDirectory}/keys</c>: a bad setting stops the gateway with one clear line instead of
/// failing later when a SIP password is needed.
/// </summary>
internal sealed class KeyRingValidation : IValidateOptions<GatewayOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            return ValidateOptionsResult.Skip;
        }

        IReadOnlyList<X509Certificate2> certificates;
        try
        {
            certificates = KeyRingCertificates.LoadAll(options);
        }
        catch (KeyRingException error)
        {
            return ValidateOptionsResult.Fail(error.Message);
        }

        try
        {
            var keyRing = Path.Combine(options.FullDataDirectory, SecretBox.KeyRingFolder);
            var configured = certificates.Select(c => c.Thumbprint).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var missing = KeyRingCertificates.EncryptedWith(keyRing).Where(c => !configured.Contains(c.Key)).ToList();
            if (missing.Count == 0)
            {
                return ValidateOptionsResult.Success;
            }

            var which = string.Join(", ", missing.Select(c => $"{c.Value} (thumbprint {c.Key})"));
            return ValidateOptionsResult.Fail(certificates.Count == 0
                ? $"The key ring in {keyRing} is encrypted with {which}, but {KeyRingCertificates.Setting}:CertificatePath is not set: set it to that certificate, or the SIP passwords cannot be read."
                : $"The key ring in {keyRing} has keys encrypted with {which}, which is not the configured certificate: set {KeyRingCertificates.Setting}:CertificatePath to it, or add it to {KeyRingCertificates.Setting}:PreviousCertificates.");
        }
        finally
        {
            foreach (var certificate in certificates)
            {
                certificate.Dispose();
            }
        }
    }
}

/// <summary>
/// Keeps keys unencrypted on purpose (no certificate configured), which <see cref="KeyRingStatus"/>
/// says once at start, instead of Data Protection's warning on each new key.
/// </summary>
internal sealed class UnencryptedKeyRing : IXmlEncryptor
{
    /// <inheritdoc />
    public EncryptedXmlInfo Encrypt(XElement plaintextElement) =>
        new(new XElement("unencryptedKey", new XComment(" Not encrypted: Gateway:KeyRing:CertificatePath is not set. "), new XElement(plaintextElement)),
            typeof(NullXmlDecryptor));
}

/// <summary>
/// Stands in for the certificate when it could not be loaded: the gateway does not start then
/// (<see cref="KeyRingValidation"/>), and should anything make a key before that check, the key is
/// not written unencrypted.
/// </summary>
/// <param name="reason">Why the certificate could not be loaded.</param>
internal sealed class UnusableKeyRingCertificate(string reason) : IXmlEncryptor
{
    /// <inheritdoc />
    public EncryptedXmlInfo Encrypt(XElement plaintextElement) => throw new KeyRingException(reason);
}

/// <summary>
/// Says at start whether the key ring is encrypted at rest, and how to make it so when it is not.
/// With a certificate, keys written before it was configured are encrypted in place, as Data
/// Protection would have written them (its <see cref="CertificateXmlEncryptor"/>), so that the SIP
/// passwords protected with them are not left readable from a copy of the data directory.
/// </summary>
/// <param name="certificates">The configured certificates.</param>
/// <param name="options">The data directory.</param>
/// <param name="logs">Where it is said.</param>
internal sealed partial class KeyRingStatus(KeyRingCertificates certificates, IOptions<GatewayOptions> options, ILoggerFactory logs) : IHostedService
{
    private static readonly XNamespace DataProtection = "http://schemas.asp.net/2015/03/dataProtection";

    private readonly ILogger _logger = logs.CreateLogger<KeyRingStatus>();

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var keyRing = Path.Combine(options.Value.FullDataDirectory, SecretBox.KeyRingFolder);
        if (certificates.Current is not { } current)
        {
            LogUnencrypted(keyRing, KeyRingCertificateCommand.Verb);
            return Task.CompletedTask;
        }

        LogEncrypted(keyRing, current.Subject, current.Thumbprint);
        var encrypted = 0;
        if (Directory.Exists(keyRing))
        {
            var encryptor = new CertificateXmlEncryptor(current, logs);
            foreach (var file in Directory.EnumerateFiles(keyRing, "key-*.xml"))
            {
                try
                {
                    encrypted += EncryptInPlace(file, encryptor) ? 1 : 0;
                }
                catch (Exception error) when (error is XmlException or IOException or UnauthorizedAccessException or CryptographicException)
                {
                    LogNotEncrypted(file, error.Message);
                }
            }
        }

        if (encrypted > 0)
        {
            LogEncryptedOldKeys(encrypted, keyRing);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Encrypts the master key of an unencrypted key file, replacing the file; false when it was encrypted already.</summary>
    private static bool EncryptInPlace(string file, IXmlEncryptor encryptor)
    {
        var document = XDocument.Load(file, LoadOptions.PreserveWhitespace);
        var masterKeys = document.Descendants().Where(e => e.Name.LocalName == "masterKey").ToList();
        if (masterKeys.Count == 0)
        {
            return false;
        }

        foreach (var masterKey in masterKeys)
        {
            // Either the key as written with no encryptor, or inside what UnencryptedKeyRing wrote around it.
            var replaced = masterKey.Parent is { Name.LocalName: "unencryptedKey", Parent: { } wrapper } && wrapper.Name == DataProtection + "encryptedSecret"
                ? wrapper
                : masterKey;
            var secret = encryptor.Encrypt(new XElement(masterKey));
            replaced.ReplaceWith(new XElement(DataProtection + "encryptedSecret",
                new XAttribute("decryptorType", secret.DecryptorType.AssemblyQualifiedName!),
                secret.EncryptedElement));
        }

        PrivateFile.Write(file, document.Save);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "The Data Protection key ring in {KeyRing} is not encrypted: a copy of the data directory (a backup, say) is enough to read the SIP passwords in gateway.db. " +
        "Make a certificate outside the data directory with 'Ata.Gateway {Verb} PATH' and set Gateway:KeyRing:CertificatePath=PATH.")]
    private partial void LogUnencrypted(string keyRing, string verb);

    [LoggerMessage(Level = LogLevel.Information, Message = "The key ring in {KeyRing} is encrypted with the certificate {Subject} (thumbprint {Thumbprint})")]
    private partial void LogEncrypted(string keyRing, string subject, string thumbprint);

    [LoggerMessage(Level = LogLevel.Information, Message =
        "Encrypted {Count} key(s) in {KeyRing} that were written before the key ring was encrypted (copies made before, in backups say, are still unencrypted)")]
    private partial void LogEncryptedOldKeys(int count, string keyRing);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The key {File} was written before the key ring was encrypted and could not be encrypted now: {Reason}")]
    private partial void LogNotEncrypted(string file, string reason);
}
