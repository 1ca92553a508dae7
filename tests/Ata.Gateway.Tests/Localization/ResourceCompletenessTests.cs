using System.Collections;
using System.Globalization;
using System.Resources;
using System.Text.RegularExpressions;
using Ata.Gateway.Localization;

namespace Ata.Gateway.Tests.Localization;

/// <summary>
/// Every text the gateway and the dashboard show is there in every language: each key of the English
/// resources has a non-empty translation with the same placeholders (<c>{0}</c>, <c>{name}</c>) and the
/// same figures (the operators' advice, "power-cycle for 10 s", says the same in every language), and
/// no translation has a key English lacks.
/// </summary>
public sealed partial class ResourceCompletenessTests
{
    public static TheoryData<string, string> Translations()
    {
        var data = new TheoryData<string, string>();
        foreach (var resource in new[] { nameof(SupportText), nameof(DashboardText) })
        {
            foreach (var language in Languages.Supported.Where(l => l != Languages.Fallback))
            {
                data.Add(resource, language);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Translations))]
    public void Every_key_has_a_translation_with_the_same_placeholders_and_figures(string resource, string language)
    {
        var english = Read(resource, CultureInfo.InvariantCulture);
        var translated = Read(resource, CultureInfo.GetCultureInfo(language));
        if (resource == nameof(DashboardText))
        {
            // The LED guide's English is the core's table; its translations are checked against that.
            foreach (var (key, meaning) in LedGuideFromCore())
            {
                english[key] = meaning;
            }
        }

        Assert.True(english.Count > 10, $"{resource}: only {english.Count} English texts were read");
        Assert.Empty(english.Keys.Except(translated.Keys).Select(key => $"{resource}.{language}.resx lacks {key}"));
        Assert.Empty(translated.Keys.Except(english.Keys).Select(key => $"{resource}.{language}.resx has {key}, which English lacks"));
        var problems = new List<string>();
        foreach (var (key, text) in english)
        {
            var translation = translated[key];
            if (string.IsNullOrWhiteSpace(translation))
            {
                problems.Add($"{key} is empty");
                continue;
            }

            if (!Placeholders(text).SequenceEqual(Placeholders(translation)))
            {
                problems.Add($"{key}: placeholders {string.Join(" ", Placeholders(translation))}, English has {string.Join(" ", Placeholders(text))}");
            }

            if (!Figures(text).SequenceEqual(Figures(translation)))
            {
                problems.Add($"{key}: figures {string.Join(" ", Figures(translation))}, English has {string.Join(" ", Figures(text))}");
            }
        }

        Assert.Empty(problems);
    }

    [Fact]
    public void No_resource_file_names_a_key_twice()
    {
        // A key written twice compiles, and the later text silently wins: the earlier one is dead and may say something untrue.
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Firmware.sln")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        var files = Directory.GetFiles(Path.Combine(dir.FullName, "gateway", "Ata.Gateway", "Localization"), "*.resx");
        Assert.NotEmpty(files);
        Assert.Empty(files.SelectMany(file => System.Xml.Linq.XDocument.Load(file).Root!.Elements("data")
            .GroupBy(data => (string?)data.Attribute("name"), StringComparer.Ordinal)
            .Where(group => group.Count() > 1)
            .Select(group => $"{Path.GetFileName(file)} names {group.Key} {group.Count()} times")));
    }

    [Fact]
    public void English_resources_have_no_empty_text()
    {
        foreach (var resource in new[] { nameof(SupportText), nameof(DashboardText) })
        {
            Assert.All(Read(resource, CultureInfo.InvariantCulture), text => Assert.False(string.IsNullOrWhiteSpace(text.Value), $"{resource}: {text.Key} is empty"));
        }
    }

    [Fact]
    public void The_LED_guide_is_not_copied_into_the_English_resources()
    {
        Assert.DoesNotContain(Read(nameof(DashboardText), CultureInfo.InvariantCulture).Keys, key => key.StartsWith(LedGuidePrefix, StringComparison.Ordinal));
    }

    private const string LedGuidePrefix = "ledMeaning.";

    /// <summary>The core's LED guide as the dashboard shows it, by translation key (<c>ledMeaning.{pwr|wan|tel}.{pattern}</c>: TEL1 and TEL2 share theirs).</summary>
    private static Dictionary<string, string> LedGuideFromCore()
    {
        var guide = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (led, meanings) in global::Ata.Gateway.Dashboard.LedTiming.GuideFromCore())
        {
            foreach (var (pattern, meaning) in meanings)
            {
                guide[$"{LedGuidePrefix}{(led.StartsWith("tel", StringComparison.Ordinal) ? "tel" : led)}.{pattern}"] = meaning;
            }
        }

        return guide;
    }

    private static Dictionary<string, string> Read(string resource, CultureInfo culture)
    {
        var manager = new ResourceManager($"{typeof(SupportText).Namespace}.{resource}", typeof(SupportText).Assembly);
        var set = manager.GetResourceSet(culture, createIfNotExists: true, tryParents: false)
            ?? throw new InvalidOperationException($"No {resource} resources for '{culture.Name}' (a missing satellite assembly?)");
        return set.Cast<DictionaryEntry>().ToDictionary(e => (string)e.Key, e => e.Value as string ?? string.Empty, StringComparer.Ordinal);
    }

    private static List<string> Placeholders(string text) => [.. Placeholder().Matches(text).Select(m => m.Value).Order(StringComparer.Ordinal)];

    private static List<string> Figures(string text) => [.. Figure().Matches(Placeholder().Replace(text, string.Empty)).Select(m => m.Value).Order(StringComparer.Ordinal)];

    [GeneratedRegex(@"\{[A-Za-z0-9_]+\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex("[0-9]+")]
    private static partial Regex Figure();
}
