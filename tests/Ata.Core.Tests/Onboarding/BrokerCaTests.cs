using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Ata.Core.Onboarding;

namespace Ata.Core.Tests.Onboarding;

/// <summary>A CA certificate made by .NET, as the gateway makes its broker CA (ECDSA P-256, self-signed).</summary>
internal static class TestCa
{
    public static X509Certificate2 Create(string name = "Test broker CA")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddYears(10));
    }

    public static string Pem(X509Certificate2 ca) => ca.ExportCertificatePem();

    public static string Fingerprint(X509Certificate2 ca) => Convert.ToHexStringLower(SHA256.HashData(ca.RawData));
}

public sealed class BrokerCaTests
{
    [Fact]
    public void The_fingerprint_of_a_pem_is_dotnets_sha256_of_its_der()
    {
        using var ca = TestCa.Create();
        string pem = TestCa.Pem(ca);

        byte[] der = BrokerCa.DerOf(pem, out string? error);

        Assert.Null(error);
        Assert.Equal(ca.RawData, der);
        Assert.Equal(TestCa.Fingerprint(ca), BrokerCa.FingerprintOf(der!));
        Assert.Equal(TestCa.Fingerprint(ca), BrokerCa.FingerprintOfPem(pem.Replace("\n", "\r\n")));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(55)]
    [InlineData(56)]
    [InlineData(64)]
    [InlineData(1000)]
    public void Core_sha256_matches_dotnet_at_block_boundaries(int length)
    {
        byte[] data = [.. Enumerable.Range(0, length).Select(i => (byte)(i * 31 + 7))];
        Assert.Equal(SHA256.HashData(data), Ata.Core.Sip.Auth.Sha256.Hash(data));
    }

    [Fact]
    public void A_damaged_or_missing_certificate_is_refused_with_a_reason()
    {
        using var ca = TestCa.Create();
        string pem = TestCa.Pem(ca);
        string[] lines = pem.Split('\n');

        Assert.Null(BrokerCa.DerOf("hello", out string? notPem));
        Assert.Contains("not a PEM certificate", notPem);
        Assert.Null(BrokerCa.DerOf(string.Join('\n', lines.Where((_, i) => i != 2)), out string? cut));
        Assert.NotNull(cut);
        Assert.Null(BrokerCa.DerOf(pem.Replace(lines[1][..4], lines[1][..3] + "!"), out string? bad));
        Assert.Contains("not base64", bad);
        Assert.Null(BrokerCa.FingerprintOfPem(string.Empty));
        Assert.Null(BrokerCa.FingerprintOfPem(null!));
    }
}
