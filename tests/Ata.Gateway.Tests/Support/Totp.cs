using System.Security.Cryptography;

namespace Ata.Gateway.Tests.Support;

/// <summary>RFC 6238 codes as an authenticator app makes them, written here (not the gateway's library), for checking the gateway's second factor.</summary>
internal static class Totp
{
    /// <summary>The 30 s step now, since 1970.</summary>
    public static long StepNow() => DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 30;

    /// <summary>The 6-digit code of <paramref name="base32"/> (RFC 4648, unpadded) for <paramref name="step"/> (HMAC-SHA1).</summary>
    public static string Code(string base32, long step)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bits = string.Concat(base32.TrimEnd('=').Select(c => Convert.ToString(Alphabet.IndexOf(c, StringComparison.Ordinal), 2).PadLeft(5, '0')));
        var key = Enumerable.Range(0, bits.Length / 8).Select(i => Convert.ToByte(bits.Substring(i * 8, 8), 2)).ToArray();
        var message = BitConverter.GetBytes(step);
        if (BitConverter.IsLittleEndian)
        {
            Array.Reverse(message);
        }

        var hash = HMACSHA1.HashData(key, message);
        var offset = hash[^1] & 0x0f;
        var binary = ((hash[offset] & 0x7f) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return (binary % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }
}
