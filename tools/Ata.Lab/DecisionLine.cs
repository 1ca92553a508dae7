using System.Globalization;

namespace Ata.Lab;

/// <summary>
/// The shape every decision line of the lab registrar's config has:
/// <c>&lt;marker&gt;&lt;kind&gt; name=value name=value …</c>, values without spaces.
/// </summary>
internal static class DecisionLine
{
    /// <summary>Splits a log line that holds <paramref name="marker"/> into its kind and fields.</summary>
    /// <returns>Whether the line holds a kind of <typeparamref name="TKind"/> after the marker.</returns>
    public static bool TryParse<TKind>(string logLine, string marker, out TKind kind, out IReadOnlyDictionary<string, string> fields)
        where TKind : struct, Enum
    {
        kind = default;
        fields = new Dictionary<string, string>();
        var start = logLine.IndexOf(marker, StringComparison.Ordinal);
        if (start < 0)
        {
            return false;
        }

        var words = logLine[(start + marker.Length)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0 || !Enum.TryParse(words[0], ignoreCase: true, out kind) || !Enum.IsDefined(kind))
        {
            return false;
        }

        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var word in words.Skip(1))
        {
            var equals = word.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                found[word[..equals]] = word[(equals + 1)..];
            }
        }

        fields = found;
        return true;
    }

    /// <summary>A field as a number, or null when it is missing or not one.</summary>
    public static int? Number(IReadOnlyDictionary<string, string> fields, string name) =>
        int.TryParse(fields.GetValueOrDefault(name), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) ? number : null;
}
