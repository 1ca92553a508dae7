using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Ata.Gateway.Broker;

/// <summary>A TLS certificate setting that cannot be used; the message names the setting and says why.</summary>
public sealed class BrokerCertificateException(string message) : Exception(message);

/// <summary>
/// The files of the embedded broker's TLS listener, and the CA adapters check it against.
/// </summary>
/// <param name="CaFile">The CA certificate (PEM) adapters are given at onboarding.</param>
/// <param name="CertificateFile">The broker's server certificate (PEM), issued by that CA.</param>
/// <param name="KeyFile">The server certificate's private key (PEM, mode 0600 when generated).</param>
/// <param name="CaPem">The CA certificate file's text.</param>
/// <param name="CaFingerprint">SHA-256 of the CA certificate (DER), lowercase hex, for onboarding codes.</param>
/// <param name="Generated">Whether the gateway made these files (false: the operator supplied them).</param>
public sealed record BrokerTls(string CaFile, string CertificateFile, string KeyFile, string CaPem, string CaFingerprint, bool Generated);

/// <summary>
/// The embedded broker's certificates: the operator's own (<c>Broker:Tls:CaFile</c>,
/// <c>CertificateFile</c>, <c>KeyFile</c>), or a CA and server certificate the gateway makes on
/// its first start (ECDSA P-256) and keeps in <c>{DataDirectory}/broker/tls/</c>, private keys
/// mode 0600. The CA is kept for good (adapters trust it); the server certificate is made again
/// from it when the broker's host names change or it nears its end.
/// </summary>
public static class BrokerCertificates
{
    /// <summary>How long a generated CA is valid.</summary>
    public static readonly TimeSpan CaLifetime = TimeSpan.FromDays(20 * 365);

    /// <summary>How long a generated server certificate is valid.</summary>
    public static readonly TimeSpan ServerLifetime = TimeSpan.FromDays(2 * 365);

    /// <summary>A generated server certificate this close to its end is made again at start.</summary>
    public static readonly TimeSpan RenewBefore = TimeSpan.FromDays(60);

    /// <summary>The configuration path of <see cref="BrokerTlsOptions"/>.</summary>
    public const string Setting = $"{BrokerOptions.SectionName}:{nameof(BrokerOptions.Tls)}";

    /// <summary>The host names and addresses the server certificate names: loopback, the listen and advertised hosts.</summary>
    /// <param name="options">The broker options.</param>
    public static IReadOnlyList<string> HostNames(BrokerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var names = new List<string> { "localhost", "127.0.0.1", "::1" };
        foreach (var host in new[] { options.ListenAddress, options.AdvertisedHost ?? string.Empty })
        {
            var name = host.Trim().Trim('[', ']');
            if (name.Length > 0 && !names.Contains(name, StringComparer.OrdinalIgnoreCase)
                && !(IPAddress.TryParse(name, out var address) && (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))))
            {
                names.Add(name);
            }
        }

        return names;
    }

    /// <summary>
    /// The TLS files to use: the operator's when configured (checked), else the generated ones,
    /// made or renewed as needed.
    /// </summary>
    /// <param name="directory">The broker's folder.</param>
    /// <param name="options">The broker options.</param>
    /// <param name="now">The current time.</param>
    /// <exception cref="BrokerCertificateException">The operator's files cannot be used.</exception>
    public static BrokerTls Ensure(BrokerDirectory directory, BrokerOptions options, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(options);
        return options.Tls.IsSupplied ? Supplied(options.Tls) : Generate(directory, HostNames(options), now);
    }

    /// <summary>SHA-256 of a certificate's DER encoding, lowercase hex.</summary>
    /// <param name="certificate">The certificate.</param>
    public static string Fingerprint(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Convert.ToHexStringLower(SHA256.HashData(certificate.RawData));
    }

    /// <summary>The DNS names and addresses (as text) a certificate's subject alternative names hold.</summary>
    /// <param name="certificate">The certificate.</param>
    public static IEnumerable<string> NamesOf(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value != "2.5.29.17")
            {
                continue;
            }

            var san = new X509SubjectAlternativeNameExtension(extension.RawData, extension.Critical);
            foreach (var name in san.EnumerateDnsNames().Concat(san.EnumerateIPAddresses().Select(a => a.ToString())))
            {
                yield return name;
            }
        }
    }

    /// <summary>
    /// The operator's TLS files (<c>Broker:Tls:CaFile</c>, <c>CertificateFile</c>, <c>KeyFile</c>), checked:
    /// all three given and there, the key the certificate's, the certificate issued by the CA. Used
    /// for the embedded broker's listener and for the RabbitMQ cluster's (the nodes' <c>ssl_options</c>).
    /// </summary>
    /// <param name="tls">The TLS options.</param>
    /// <exception cref="BrokerCertificateException">The files cannot be used; the message names the setting.</exception>
    public static BrokerTls Supplied(BrokerTlsOptions tls)
    {
        ArgumentNullException.ThrowIfNull(tls);
        string Require(string? path, string name)
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                throw new BrokerCertificateException($"{Setting}:{name} is not set: give all three of CaFile, CertificateFile and KeyFile, or none (the gateway then makes its own).");
            }

            var full = Path.GetFullPath(path);
            return File.Exists(full) ? full : throw new BrokerCertificateException($"{Setting}:{name} ({full}) does not exist.");
        }

        var caFile = Require(tls.CaFile, nameof(BrokerTlsOptions.CaFile));
        var certificateFile = Require(tls.CertificateFile, nameof(BrokerTlsOptions.CertificateFile));
        var keyFile = Require(tls.KeyFile, nameof(BrokerTlsOptions.KeyFile));
        var caPem = File.ReadAllText(caFile);
        X509Certificate2 ca;
        try
        {
            ca = X509Certificate2.CreateFromPem(caPem);
        }
        catch (CryptographicException exception)
        {
            throw new BrokerCertificateException($"{Setting}:CaFile ({caFile}) is not a PEM certificate: {exception.Message}");
        }

        using (ca)
        {
            try
            {
                using var server = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
                if (!server.HasPrivateKey)
                {
                    throw new BrokerCertificateException($"{Setting}:KeyFile ({keyFile}) is not the key of {Setting}:CertificateFile ({certificateFile}).");
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                if (!chain.Build(server))
                {
                    throw new BrokerCertificateException(
                        $"{Setting}:CertificateFile ({certificateFile}) is not issued by {Setting}:CaFile ({caFile}): {string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()))}");
                }
            }
            catch (CryptographicException exception)
            {
                throw new BrokerCertificateException($"{Setting}:CertificateFile ({certificateFile}) with KeyFile ({keyFile}) cannot be read as PEM: {exception.Message}");
            }

            return new BrokerTls(caFile, certificateFile, keyFile, caPem, Fingerprint(ca), Generated: false);
        }
    }

    private static BrokerTls Generate(BrokerDirectory directory, IReadOnlyList<string> hostNames, DateTimeOffset now)
    {
        PrivateFile.EnsureDirectory(directory.TlsDirectory);
        using var ca = LoadOrCreateCa(directory, now);
        if (!ServerIsCurrent(directory, ca, hostNames, now))
        {
            IssueServer(directory, ca, hostNames, now);
        }

        return new BrokerTls(directory.CaFile, directory.ServerCertificateFile, directory.ServerKeyFile, File.ReadAllText(directory.CaFile), Fingerprint(ca), Generated: true);
    }

    private static X509Certificate2 LoadOrCreateCa(BrokerDirectory directory, DateTimeOffset now)
    {
        if (File.Exists(directory.CaFile) && PrivateFile.Read(directory.CaKeyFile) is { } keyPem)
        {
            try
            {
                return X509Certificate2.CreateFromPem(File.ReadAllText(directory.CaFile), keyPem);
            }
            catch (CryptographicException exception)
            {
                // Not made again: adapters trust this CA; a new one would cut them all off.
                throw new BrokerCertificateException(
                    $"The broker's CA ({directory.CaFile} with {directory.CaKeyFile}) cannot be read ({exception.Message}): restore both from a backup, or delete both to make a new CA and onboard every adapter again.");
            }
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var name = new X500DistinguishedName($"CN=Ata Gateway broker CA {Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}");
        var request = new CertificateRequest(name, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var ca = request.CreateSelfSigned(now.AddHours(-1), now + CaLifetime);
        PrivateFile.Write(directory.CaKeyFile, key.ExportPkcs8PrivateKeyPem() + "\n");
        PrivateFile.Write(directory.CaFile, ca.ExportCertificatePem() + "\n");
        File.Delete(directory.ServerCertificateFile);
        return ca;
    }

    private static bool ServerIsCurrent(BrokerDirectory directory, X509Certificate2 ca, IReadOnlyList<string> hostNames, DateTimeOffset now)
    {
        if (!File.Exists(directory.ServerCertificateFile) || !File.Exists(directory.ServerKeyFile))
        {
            return false;
        }

        try
        {
            using var server = X509Certificate2.CreateFromPem(File.ReadAllText(directory.ServerCertificateFile));
            if (server.Issuer != ca.Subject || server.NotAfter - RenewBefore < now.UtcDateTime)
            {
                return false;
            }

            var named = new HashSet<string>(NamesOf(server), StringComparer.OrdinalIgnoreCase);
            return named.SetEquals(hostNames.Select(h => IPAddress.TryParse(h, out var a) ? a.ToString() : h));
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static void IssueServer(BrokerDirectory directory, X509Certificate2 ca, IReadOnlyList<string> hostNames, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={hostNames[^1]}"), key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        foreach (var host in hostNames)
        {
            if (IPAddress.TryParse(host, out var address))
            {
                names.AddIpAddress(address);
            }
            else
            {
                names.AddDnsName(host);
            }
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var notAfter = now + ServerLifetime < ca.NotAfter ? now + ServerLifetime : new DateTimeOffset(ca.NotAfter);
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var server = request.Create(ca, now.AddHours(-1), notAfter, serial);
        PrivateFile.Write(directory.ServerKeyFile, key.ExportPkcs8PrivateKeyPem() + "\n");
        PrivateFile.Write(directory.ServerCertificateFile, server.ExportCertificatePem() + "\n");
    }
}

/// <summary>
/// The embedded broker's TLS listener for adapters, bound from <c>Broker:Tls</c>. Give all three
/// files to use your own certificates; give none and the gateway makes and keeps its own.
/// </summary>
public sealed class BrokerTlsOptions
{
    /// <summary>
    /// The TLS listener's TCP port. 0 (the default) picks a free port once and keeps it in the data
    /// directory, like <see cref="BrokerOptions.EmbeddedPort"/>.
    /// </summary>
    public int Port { get; set; }

    /// <summary>
    /// The TLS port adapters are told to connect to (onboarding codes, the API), when it is not
    /// <see cref="Port"/>: a port forwarded by a router or load balancer. Default: <see cref="Port"/>.
    /// </summary>
    public int? AdvertisedPort { get; set; }

    /// <summary>The CA certificate (PEM) that issued <see cref="CertificateFile"/>; adapters are given it.</summary>
    public string? CaFile { get; set; }

    /// <summary>The broker's server certificate (PEM), naming the host adapters connect to.</summary>
    public string? CertificateFile { get; set; }

    /// <summary>The server certificate's private key (PEM, unencrypted; readable by the gateway's user only).</summary>
    public string? KeyFile { get; set; }

    /// <summary>Whether the operator supplied any file (then all three must be given).</summary>
    public bool IsSupplied => !string.IsNullOrWhiteSpace(CaFile) || !string.IsNullOrWhiteSpace(CertificateFile) || !string.IsNullOrWhiteSpace(KeyFile);
}
