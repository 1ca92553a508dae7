using Ata.Gateway.Store;

namespace Ata.Gateway.Fleet;

/// <summary>
/// What support types to find an adapter: part of its device id or customer reference, its MAC in any
/// common notation (<c>02:00:5E:10:00:01</c>, <c>02-00-5e-10-00-01</c>, <c>02005e100001</c>, or a part),
/// or one of its line's numbers as people write them (<c>800 12 345</c>, <c>+47 800 12 345</c>,
/// <c>0047 80012345</c>, <c>(0)8-123 456</c>).
/// </summary>
public static class FleetSearch
{
    private const int MinimumDigits = 3;
    private const int MinimumMacDigits = 4;

    /// <summary>Whether <paramref name="adapter"/> matches <paramref name="query"/> (already trimmed, not empty).</summary>
    /// <param name="adapter">An adapter.</param>
    /// <param name="query">What support typed.</param>
    public static bool Matches(AdapterView adapter, string query)
    {
        ArgumentNullException.ThrowIfNull(adapter);
        ArgumentNullException.ThrowIfNull(query);
        if (adapter.DeviceId.Contains(query, StringComparison.OrdinalIgnoreCase)
            || (adapter.CustomerReference?.Contains(query, StringComparison.OrdinalIgnoreCase) ?? false)
            || adapter.Lines.Any(l => l.Username.Contains(query, StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        var mac = Hex(query);
        if (mac is not null && adapter.Mac is { } adapterMac && Hex(adapterMac) is { } known && known.Contains(mac, StringComparison.Ordinal))
        {
            return true;
        }

        var number = NumberForms(query);
        return number.Count > 0 && adapter.Lines.Any(l => MatchesNumber(l.Username, number));
    }

    /// <summary>
    /// The digits of a SIP user name that is a number (<c>+47 22 33 44 55</c> → <c>4722334455</c>), as
    /// the store indexes it; null when it has letters or fewer than three digits.
    /// </summary>
    /// <param name="username">A line's SIP user.</param>
    public static string? NumberOf(string username)
    {
        ArgumentNullException.ThrowIfNull(username);
        var digits = new string([.. username.Where(char.IsAsciiDigit)]);
        return digits.Length < MinimumDigits || digits.Length < username.Count(char.IsLetterOrDigit) ? null : digits;
    }

    /// <summary>What the store looks up for <paramref name="query"/> (already trimmed, not empty).</summary>
    /// <param name="query">What support typed.</param>
    public static SearchTerms TermsOf(string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var forms = NumberForms(query);

        // A number the query stands for matches an account that contains it, or that it ends with
        // (the query carrying a country code the account lacks): the account is one of its suffixes.
        var suffixes = forms.SelectMany(f => Enumerable.Range(0, f.Length - MinimumDigits + 1).Select(i => f[i..])).Distinct(StringComparer.Ordinal).ToList();
        return new SearchTerms(query, Hex(query), forms, suffixes);
    }

    /// <summary>The digits of a MAC-like text in lower case, or null when it is not one (a separator or non-hex character).</summary>
    private static string? Hex(string text)
    {
        var hex = new System.Text.StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (Uri.IsHexDigit(c))
            {
                hex.Append(char.ToLowerInvariant(c));
            }
            else if (c is not (':' or '-' or '.' or ' '))
            {
                return null;
            }
        }

        return hex.Length >= MinimumMacDigits ? hex.ToString() : null;
    }

    /// <summary>
    /// The digit strings a typed number may stand for: as typed, without an international prefix
    /// (<c>+</c> or <c>00</c>), and without a national trunk <c>0</c>; empty when it is not a number.
    /// </summary>
    private static List<string> NumberForms(string text)
    {
        // "+47 (0) 22 33 44 55": the bracketed trunk 0 is not dialled after a country code.
        text = text.Replace("(0)", string.Empty, StringComparison.Ordinal);
        var digits = new System.Text.StringBuilder(text.Length);
        var international = false;
        foreach (var c in text)
        {
            if (char.IsAsciiDigit(c))
            {
                digits.Append(c);
            }
            else if (c == '+' && digits.Length == 0)
            {
                international = true;
            }
            else if (c is not (' ' or '-' or '.' or '(' or ')' or '/'))
            {
                return [];
            }
        }

        var number = digits.ToString();
        if (number.StartsWith("00", StringComparison.Ordinal))
        {
            number = number[2..];
            international = true;
        }

        if (number.Length < MinimumDigits)
        {
            return [];
        }

        List<string> forms = [number];
        if (!international && number.Length > MinimumDigits && number[0] == '0')
        {
            forms.Add(number[1..]);
        }

        return forms;
    }

    private static bool MatchesNumber(string username, List<string> forms)
    {
        if (NumberOf(username) is not { } digits)
        {
            return false; // not a number, or letters in it
        }

        // The query may carry a country code the account lacks (which one is not checked: an account
        // holds no country code to compare with), or be a part of it.
        return forms.Any(f => digits.Contains(f, StringComparison.Ordinal) || f.EndsWith(digits, StringComparison.Ordinal));
    }
}

/// <summary>What a search looks up in the store's index (see <see cref="FleetSearch.TermsOf"/>).</summary>
/// <param name="Text">Contained in a device id, customer reference or SIP user (case-insensitive).</param>
/// <param name="MacDigits">Contained in a MAC's hex digits; null when the query is not MAC-like.</param>
/// <param name="NumberForms">Contained in a line's number (digits); empty when the query is not a number.</param>
/// <param name="NumberSuffixes">A line's whole number, for a query that carries more digits (a country code) in front of it.</param>
public sealed record SearchTerms(string Text, string? MacDigits, IReadOnlyList<string> NumberForms, IReadOnlyList<string> NumberSuffixes);
