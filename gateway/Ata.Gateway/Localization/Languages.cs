using System.Globalization;

namespace Ata.Gateway.Localization;

/// <summary>
/// The languages the dashboard and the texts for support are written in: English (the neutral
/// resources and the fallback), Norwegian Bokmål, Danish, Swedish and Finnish.
/// </summary>
public static class Languages
{
    /// <summary>The language of the neutral resources, used when nothing else matches.</summary>
    public const string Fallback = "en";

    /// <summary>Every language there are texts in, English first.</summary>
    public static IReadOnlyList<string> Supported { get; } = ["en", "nb", "da", "sv", "fi"];

    /// <summary>The supported languages as cultures, for the request localization.</summary>
    public static IList<CultureInfo> Cultures { get; } = [.. Supported.Select(CultureInfo.GetCultureInfo)];

    /// <summary>
    /// The supported language <paramref name="tag"/> asks for (<c>sv-FI</c> is <c>sv</c>; Norwegian
    /// <c>no</c> and Nynorsk <c>nn</c> read Bokmål), or null when there is none.
    /// </summary>
    /// <param name="tag">A language tag such as <c>nb</c>, <c>nb-NO</c> or <c>FI</c>.</param>
    public static string? Normalize(string? tag)
    {
        if (string.IsNullOrWhiteSpace(tag))
        {
            return null;
        }

        var language = tag.Trim().Split('-', '_')[0].ToLowerInvariant();
        language = language is "no" or "nn" ? "nb" : language;
        return Supported.Contains(language) ? language : null;
    }
}
