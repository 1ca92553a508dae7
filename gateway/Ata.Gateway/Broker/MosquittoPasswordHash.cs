using System.Security.Cryptography;
using System.Text;

namespace Ata.Gateway.Broker;

/// <summary>
/// Mosquitto's password-file hash: <c>$7$iterations$salt$hash</c>, PBKDF2-HMAC-SHA512 with a
/// 12-byte salt and a 64-byte hash, both base64, as <c>mosquitto_passwd</c> writes it. The gateway
/// stores only this hash of a device secret and writes it to the broker's password file as is.
/// </summary>
public static class MosquittoPasswordHash
{
    /// <summary>The iteration count <c>mosquitto_passwd</c> uses.</summary>
    public const int DefaultIterations = 101;

    private const string Prefix = "$7$";
    private const int SaltBytes = 12;
    private const int HashBytes = 64;

    /// <summary>Hashes <paramref name="password"/> with a fresh random salt.</summary>
    /// <param name="password">The clear-text password.</param>
    /// <returns>The hash in the <c>$7$</c> password-file format.</returns>
    public static string Create(string password) =>
        Create(password, RandomNumberGenerator.GetBytes(SaltBytes), DefaultIterations);

    /// <summary>Hashes <paramref name="password"/> with the given salt and iteration count.</summary>
    /// <param name="password">The clear-text password.</param>
    /// <param name="salt">The salt.</param>
    /// <param name="iterations">The PBKDF2 iteration count.</param>
    /// <returns>The hash in the <c>$7$</c> password-file format.</returns>
    public static string Create(string password, byte[] salt, int iterations)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(salt);
        var hash = Derive(password, salt, iterations);
        return $"{Prefix}{iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    /// <summary>Whether <paramref name="password"/> matches <paramref name="encoded"/>.</summary>
    /// <param name="password">The clear-text password to check.</param>
    /// <param name="encoded">A hash in the <c>$7$</c> format.</param>
    /// <returns>False on a mismatch and on a malformed hash.</returns>
    public static bool Verify(string password, string encoded)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (!TryDecode(encoded, out var iterations, out var salt, out var expected))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Derive(password, salt, iterations), expected);
    }

    /// <summary>Splits a <c>$7$</c> hash into its parts.</summary>
    /// <param name="encoded">The hash.</param>
    /// <param name="iterations">The iteration count.</param>
    /// <param name="salt">The salt.</param>
    /// <param name="hash">The derived key.</param>
    /// <returns>Whether the text was a well-formed <c>$7$</c> hash.</returns>
    public static bool TryDecode(string? encoded, out int iterations, out byte[] salt, out byte[] hash)
    {
        iterations = 0;
        salt = [];
        hash = [];
        if (encoded is null || !encoded.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var parts = encoded[Prefix.Length..].Split('$');
        if (parts.Length != 3 || !int.TryParse(parts[0], out iterations) || iterations < 1)
        {
            return false;
        }

        try
        {
            salt = Convert.FromBase64String(parts[1]);
            hash = Convert.FromBase64String(parts[2]);
        }
        catch (FormatException)
        {
            return false;
        }

        return salt.Length > 0 && hash.Length == HashBytes;
    }

    private static byte[] Derive(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA512, HashBytes);
}
