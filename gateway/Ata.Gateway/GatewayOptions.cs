namespace Ata.Gateway;

/// <summary>Settings of the gateway itself, bound from the <c>Gateway</c> configuration section.</summary>
public sealed class GatewayOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Gateway";

    /// <summary>
    /// Where the gateway keeps its state: <c>gateway.db</c> and, with the embedded broker,
    /// <c>broker/</c>. Relative paths are resolved against the current directory. Default <c>./data</c>.
    /// </summary>
    public string DataDirectory { get; set; } = "./data";

    /// <summary>
    /// This gateway's name when it is one of several instances sharing one database and one external
    /// broker (letters, digits, <c>-</c> and <c>_</c>, at most 40; stable across its restarts, e.g. its
    /// host's name). Empty (the default): the only gateway. See the README's "Several gateways at once".
    /// </summary>
    public string? Instance { get; set; }

    /// <summary>The data directory as an absolute path.</summary>
    public string FullDataDirectory => Path.GetFullPath(DataDirectory);

    /// <summary>
    /// The certificate the Data Protection key ring (<c>{DataDirectory}/keys</c>) is encrypted with
    /// (<c>Gateway:KeyRing:…</c>); without one the key ring is stored unencrypted.
    /// </summary>
    public KeyRingOptions KeyRing { get; set; } = new();
}

/// <summary>A certificate file (RSA, with its private key) and its password.</summary>
public class KeyRingCertificateOptions
{
    /// <summary>A PKCS#12 (<c>.pfx</c>/<c>.p12</c>) or PEM (certificate and private key) file.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The file's password, if it has one.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>A file holding the password (its first line), instead of <see cref="CertificatePassword"/>.</summary>
    public string? CertificatePasswordFile { get; set; }
}

/// <summary>
/// The X.509 certificate that encrypts the Data Protection key ring at rest
/// (<c>Gateway:KeyRing:CertificatePath</c>, <c>…:CertificatePassword</c> or <c>…:CertificatePasswordFile</c>),
/// kept outside the data directory so that a copy of the data directory alone cannot open the SIP
/// passwords in <c>gateway.db</c>. Without a certificate the key ring is stored unencrypted.
/// </summary>
public sealed class KeyRingOptions : KeyRingCertificateOptions
{
    /// <summary>
    /// Certificates the key ring was encrypted with before (<c>Gateway:KeyRing:PreviousCertificates:0:CertificatePath</c>, …):
    /// keys written under them can still be read; new keys are encrypted with the current one.
    /// </summary>
    public IList<KeyRingCertificateOptions> PreviousCertificates { get; } = [];

    /// <summary>Whether a certificate is configured.</summary>
    public bool Encrypted => !string.IsNullOrWhiteSpace(CertificatePath);
}
