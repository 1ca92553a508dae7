using System.Text.Json;
using Ata.Core.Contract;

namespace Ata.Gateway.Provisioning;

/// <summary>
/// A line's telephony settings in the body: dial plan, call barring, service codes and tones, each checked by the
/// adapter's own rules (what the adapter would refuse is refused here, with its reason).
/// </summary>
public static partial class AdapterRequest
{
    private static string? ReadDialPlan(JsonElement line, string prefix, IDictionary<string, string[]> errors)
    {
        var key = $"{prefix}.{Fields.DialPlan}";
        var text = ReadOptional(line, Fields.DialPlan, key, MaxDialPlanLength, errors, _ => true, "A dial plan is a digit map such as 0[1-9]x.|11[02]");
        if (text is not null && Ata.Core.DialPlan.DigitMap.Parse(text, out var problem) is null)
        {
            errors[key] = [$"The adapter would refuse this dial plan: {problem}."];
            return null;
        }

        return text;
    }

    private static string ReadBarring(JsonElement line, string prefix, IDictionary<string, string[]> errors)
    {
        var key = $"{prefix}.{Fields.Barring}";
        if (!line.TryGetProperty(Fields.Barring, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return string.Empty;
        }

        var message = $"Barring is an array of call classes: {string.Join(", ", LineDefaults.BarringClasses)}.";
        if (value.ValueKind != JsonValueKind.Array)
        {
            errors[key] = [message];
            return string.Empty;
        }

        var chosen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || !LineDefaults.BarringClasses.Contains(item.GetString()!))
            {
                errors[key] = [message];
                return string.Empty;
            }

            chosen.Add(item.GetString()!);
        }

        return string.Join(',', LineDefaults.BarringClasses.Where(chosen.Contains));
    }

    /// <summary>The line's service codes, checked by the core's own rules (<see cref="Ata.Core.DialPlan.ServiceCodes"/>), or null when not given.</summary>
    private static NamedTexts? ReadServiceCodes(JsonElement line, string prefix, string? country, IDictionary<string, string[]> errors)
    {
        if (!line.TryGetProperty(Ata.Core.DialPlan.ServiceCodes.Field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var key = $"{prefix}.{Ata.Core.DialPlan.ServiceCodes.Field}";
        var table = value.ValueKind == JsonValueKind.Object
            ? Ata.Core.Json.JsonReader.ParseObject("{\"" + Ata.Core.DialPlan.ServiceCodes.Field + "\":" + value.GetRawText() + "}")
            : null;
        if (table is null)
        {
            errors[key] = ["Service codes are an object such as {\"anonymousCall\":\"*67\",\"callReturn\":\"*69\"}."];
            return null;
        }

        if (Ata.Core.DialPlan.ServiceCodes.Parse(table, Ata.Core.Telephony.Country.Normalize(country) ?? Ata.Core.Telephony.Country.Default, prefix, out var problem) is null)
        {
            errors[key] = [problem];
            return null;
        }

        var codes = new NamedTexts();
        foreach (var service in value.EnumerateObject())
        {
            codes[service.Name] = service.Value.GetString() ?? string.Empty;
        }

        return codes;
    }

    private static NamedTexts? ReadTones(JsonElement line, string prefix, string? country, IDictionary<string, string[]> errors)
    {
        var key = $"{prefix}.{Fields.Tones}";
        if (!line.TryGetProperty(Fields.Tones, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var names = string.Join(", ", LineDefaults.ToneNames);
        if (value.ValueKind != JsonValueKind.Object)
        {
            errors[key] = [$"Tones are an object of tone name ({names}) to tone text, e.g. {{\"busy\":\"425:500 0:500\"}}."];
            return null;
        }

        var plan = Ata.Core.Telephony.Country.Normalize(country) ?? Ata.Core.Telephony.Country.Default;
        var tones = new NamedTexts();
        var valid = true;
        foreach (var tone in value.EnumerateObject())
        {
            if (!LineDefaults.ToneNames.Contains(tone.Name))
            {
                var shown = tone.Name.Length <= 32 && IsPrintable(tone.Name) ? $"{key}.{tone.Name}" : key;
                errors[shown] = [$"Not a tone name; the tones are {names}."];
                valid = false;
                continue;
            }

            var toneKey = $"{key}.{tone.Name}";
            if (tone.Value.ValueKind != JsonValueKind.String || tone.Value.GetString() is not { Length: > 0 and <= MaxToneTextLength } text)
            {
                errors[toneKey] = [$"A tone is text of 1 to {MaxToneTextLength} characters, e.g. \"425:500 0:500\"."];
                valid = false;
                continue;
            }

            // The adapter parses the same text with the same parser; what it would refuse is refused here.
            var single = new System.Collections.Hashtable { [tone.Name] = text };
            if (Ata.Core.Tones.TonePlan.Build(plan, single, out var problem) is null)
            {
                var reason = problem.StartsWith(tone.Name + ": ", StringComparison.Ordinal) ? problem[(tone.Name.Length + 2)..] : problem;
                errors[toneKey] = [$"The adapter would refuse this tone: {reason}."];
                valid = false;
                continue;
            }

            tones[tone.Name] = text;
        }

        return valid && tones.Count > 0 ? tones : null;
    }
}
