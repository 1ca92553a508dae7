using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Ata.Gateway.Broker;

namespace Ata.Gateway.Store;

/// <summary>
/// <c>Ata.Gateway new-key-ring-certificate PATH [--password-file FILE]</c>: makes a self-signed RSA
/// certificate with its private key into a new PKCS#12 file (mode 0600) for
/// <c>Gateway:KeyRing:CertificatePath</c>. With <c>--password-file</c> the file is encrypted with
/// the password in FILE, which is generated (mode 0600) when FILE does not exist.
/// </summary>
public static class KeyRingCertificateCommand
{
    /// <summary>The verb on the gateway's command line.</summary>
    public const string Verb = "new-key-ring-certificate";

    private const string Usage = $"usage: Ata.Gateway {Verb} PATH [--password-file FILE]";

    /// <summary>Runs the verb.</summary>
    /// <param name="args">The arguments after the verb.</param>
    /// <param name="output">Where the result is said.</param>
    /// <param name="error">Where a problem is said.</param>
    /// <returns>The exit code: 0 made, 1 not made, 2 bad usage.</returns>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        string? path = null;
        string? passwordFile = null;
        for (var index = 0; index < args.Count; index++)
        {
            switch (args[index])
            {
                case "-h" or "--help":
                    output.WriteLine(Usage);
                    return 0;
                case "--password-file" when index + 1 < args.Count:
                    passwordFile = args[++index];
                    break;
                case var argument when path is null && !argument.StartsWith('-'):
                    path = argument;
                    break;
                default:
                    error.WriteLine(Usage);
                    return 2;
            }
        }

        if (path is null)
        {
            error.WriteLine(Usage);
            return 2;
        }

        path = Path.GetFullPath(path);
        try
        {
            var thumbprint = Create(path, passwordFile is null ? null : Path.GetFullPath(passwordFile));
            output.WriteLine($"Wrote the key ring certificate {path} (thumbprint {thumbprint}). Keep it outside the data directory and back it up apart from it; then run the gateway with");
            output.WriteLine($"  --{KeyRingCertificates.Setting}:CertificatePath={path}" +
                (passwordFile is null ? string.Empty : $" --{KeyRingCertificates.Setting}:CertificatePasswordFile={Path.GetFullPath(passwordFile)}"));
            return 0;
        }
        catch (Exception problem) when (problem is IOException or UnauthorizedAccessException or KeyRingException)
        {
            error.WriteLine($"{Verb}: {problem.Message}");
            return 1;
        }
    }

    /// <summary>Makes the certificate file; returns its thumbprint.</summary>
    /// <param name="path">The new file (it must not exist).</param>
    /// <param name="passwordFile">A file holding (or to hold, when missing) the password; null for none.</param>
    /// <exception cref="KeyRingException">The file exists already.</exception>
    public static string Create(string path, string? passwordFile)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (File.Exists(path))
        {
            throw new KeyRingException($"{path} exists already; it was left as it is (the key ring may be encrypted with it).");
        }

        string? password = null;
        if (passwordFile is not null)
        {
            if (File.Exists(passwordFile))
            {
                using var reader = File.OpenText(passwordFile);
                password = reader.ReadLine() ?? string.Empty;
            }
            else
            {
                password = RandomNumberGenerator.GetHexString(32, lowercase: true);
                WritePrivate(passwordFile, System.Text.Encoding.UTF8.GetBytes(password + "\n"));
            }
        }

        using var rsa = RSA.Create(3072);
        var request = new CertificateRequest(
            $"CN=Ata.Gateway key ring ({Environment.MachineName})", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.DataEncipherment, critical: true));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        var now = DateTimeOffset.UtcNow;

        // Data Protection does not check the validity period when it decrypts a key: it is long so as not to alarm anyone.
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(100));
        var pkcs12 = certificate.ExportPkcs12(Pkcs12ExportPbeParameters.Pbes2Aes256Sha256, password);
        WritePrivate(path, pkcs12);
        return certificate.Thumbprint;
    }

    private static void WritePrivate(string path, byte[] content)
    {
        var directory = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        PrivateFile.CreateNew(path, content);
    }
}
