using Microsoft.AspNetCore.DataProtection;

namespace Ata.Gateway.Store;

/// <summary>
/// Encrypts SIP passwords and pending device secrets for the store with ASP.NET Core Data
/// Protection, whose key ring is kept in <c>{Gateway:DataDirectory}/keys</c> (itself encrypted with
/// the certificate of <see cref="KeyRingOptions"/> when one is configured).
/// </summary>
public sealed class SecretBox(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("Ata.Gateway.Store.Secrets.v1");

    /// <summary>The folder of the key ring inside the data directory.</summary>
    public const string KeyRingFolder = "keys";

    /// <summary>Encrypts <paramref name="secret"/>.</summary>
    /// <param name="secret">A password or device secret.</param>
    public string Protect(string secret) => _protector.Protect(secret);

    /// <summary>Decrypts what <see cref="Protect"/> wrote.</summary>
    /// <param name="protectedSecret">The stored text.</param>
    public string Unprotect(string protectedSecret) => _protector.Unprotect(protectedSecret);
}
