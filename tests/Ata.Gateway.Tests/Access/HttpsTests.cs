using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Ata.Gateway.Tests.Support;

namespace Ata.Gateway.Tests.Access;

/// <summary>The gateway serves HTTPS with a certificate it is given; the dashboard then lives there alone, with Secure cookies.</summary>
public sealed class HttpsTests
{
    [Theory]
    [InlineData("pfx")]
    [InlineData("pem")]
    public async Task Given_a_certificate_the_dashboard_is_served_over_https_only_and_its_cookies_are_secure(string format)
    {
        using var data = new TempDirectory();
        using var elsewhere = new TempDirectory();
        using var certificate = SelfSigned();
        var settings = new Dictionary<string, string?>();
        if (format == "pfx")
        {
            var path = Path.Combine(elsewhere.Path, "gateway.pfx");
            await File.WriteAllBytesAsync(path, certificate.Export(X509ContentType.Pfx, "pfx-password"));
            settings["Kestrel:Certificates:Default:Path"] = path;
            settings["Kestrel:Certificates:Default:Password"] = "pfx-password";
        }
        else
        {
            var path = Path.Combine(elsewhere.Path, "gateway.crt");
            var keyPath = Path.Combine(elsewhere.Path, "gateway.key");
            await File.WriteAllTextAsync(path, certificate.ExportCertificatePem());
            await File.WriteAllTextAsync(keyPath, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
            settings["Kestrel:Certificates:Default:Path"] = path;
            settings["Kestrel:Certificates:Default:KeyPath"] = keyPath;
        }

        await using var gateway = await RunningGateway.StartAsync(data.Path, settings: settings, urls: "https://127.0.0.1:0;http://127.0.0.1:0");
        var https = new Uri(gateway.App.Urls.Single(u => u.StartsWith("https://", StringComparison.Ordinal)));
        string? presented = null;
        using var browser = new DashboardBrowser(https, new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, served, _, _) => (presented = served?.Thumbprint) == certificate.Thumbprint,
        });

        using var signIn = await browser.SignInAsync(RunningGateway.AdminKey);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal(certificate.Thumbprint, presented);
        Assert.Equal(HttpStatusCode.OK, (await browser.Http.GetAsync("/api/adapters")).StatusCode);
        var cookies = browser.Cookies.GetAllCookies();
        Assert.Contains(cookies, c => c.Name == DashboardBrowser.SessionCookie);
        Assert.True(cookies.Count >= 2, "the session and anti-forgery cookies");
        Assert.All(cookies, c => Assert.True(c.Secure, $"{c.Name} is not Secure"));

        // The same gateway on plain HTTP: browsers are sent to HTTPS and no cookie is set; API keys still work.
        using var plain = new DashboardBrowser(gateway.Http.BaseAddress!);
        foreach (var page in new[] { "/login", "/" })
        {
            using var moved = await plain.Http.GetAsync(page);
            Assert.True(moved.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.PermanentRedirect, $"{page}: {moved.StatusCode}");
            Assert.Equal(new Uri(https, page), moved.Headers.Location);
        }

        using var plainSignIn = await plain.SubmitSignInAsync(RunningGateway.AdminKey, token: null);
        Assert.Equal(HttpStatusCode.Forbidden, plainSignIn.StatusCode);
        Assert.Contains("HTTPS", await plainSignIn.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(plain.Cookies.GetAllCookies());
        Assert.Equal(HttpStatusCode.OK, (await gateway.Http.GetAsync("/api/adapters")).StatusCode);
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=ata-gateway-test", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }
}
