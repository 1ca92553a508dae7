using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Ata.Core.Provisioning;

namespace Ata.Gateway.Provisioning;

/// <summary>
/// Checks a registrar written as <c>host</c> or <c>host:port</c> (an IPv6 address in brackets):
/// a host name or address the adapter's own parser (<see cref="LineConfig.ParseRegistrar(string, out string, out int)"/>) accepts too.
/// </summary>
public static class RegistrarAddress
{
    /// <summary>Checks <paramref name="registrar"/>.</summary>
    /// <param name="registrar">The text to check.</param>
    /// <param name="error">Why it is not a registrar address, when it is not.</param>
    /// <returns>Whether it is a registrar address.</returns>
    public static bool IsValid(string registrar, out string error)
    {
        ArgumentNullException.ThrowIfNull(registrar);
        error = string.Empty;
        string host;
        string? port = null;
        if (registrar.StartsWith('['))
        {
            var close = registrar.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                error = "An IPv6 address must be closed with ']'.";
                return false;
            }

            host = registrar[1..close];
            var rest = registrar[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    error = "Only ':port' may follow the bracketed address.";
                    return false;
                }

                port = rest[1..];
            }

            if (!IPAddress.TryParse(host, out var address) || address.AddressFamily != AddressFamily.InterNetworkV6)
            {
                error = $"'{host}' is not an IPv6 address.";
                return false;
            }
        }
        else
        {
            var colon = registrar.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0 && registrar.IndexOf(':', colon + 1) >= 0)
            {
                error = "Write an IPv6 address in brackets, e.g. [2001:db8::1]:5060.";
                return false;
            }

            host = colon < 0 ? registrar : registrar[..colon];
            port = colon < 0 ? null : registrar[(colon + 1)..];
            if (!IsHostName(host))
            {
                error = host.Length == 0 ? "The host is missing." : $"'{host}' is not a host name or IPv4 address.";
                return false;
            }
        }

        if (port is not null && !IsPort(port))
        {
            error = $"The port must be a number from 1 to 65535, not '{port}'.";
            return false;
        }

        if (LineConfig.ParseRegistrar(registrar, out _, out _) is { } refused)
        {
            error = $"The adapter would refuse it: {refused}.";
            return false;
        }

        return true;
    }

    private static bool IsPort(string text) =>
        text.Length is > 0 and <= 5
        && text.All(char.IsAsciiDigit)
        && int.Parse(text, CultureInfo.InvariantCulture) is >= 1 and <= 65535;

    private static bool IsHostName(string host)
    {
        if (host.Length is 0 or > 253)
        {
            return false;
        }

        if (host.All(c => char.IsAsciiDigit(c) || c == '.'))
        {
            var octets = host.Split('.');
            return octets.Length == 4 && octets.All(o => o.Length is > 0 and <= 3 && int.Parse(o, CultureInfo.InvariantCulture) <= 255);
        }

        foreach (var label in host.TrimEnd('.').Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-'
                || !label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                return false;
            }
        }

        return true;
    }
}
