using System.Text.Json;
using System.Text.Json.Nodes;
using Ata.Core.Contract;

namespace Ata.Gateway.Provisioning;

/// <summary>What a partial change asks for, once applied to the adapter as it is.</summary>
/// <param name="Specification">The adapter as it will be (its secret kept unless the patch names one).</param>
/// <param name="Changed">What the patch changes, by field (<c>lines[0].password</c>); empty when nothing.</param>
/// <param name="Described">The same changes for the audit log: a secret as "changed", never its value.</param>
public sealed record PatchOutcome(AdapterSpecification Specification, IReadOnlyList<string> Changed, string Described);

/// <summary>
/// Reads <c>PATCH /api/adapters/{deviceId}</c>: a JSON merge patch (RFC 7396) of the document
/// <c>PUT</c> takes, applied to the adapter as stored, so only what it names changes. Two additions
/// to the RFC's rules make a line's setting changeable alone: <c>lines</c> given as an object is
/// patched line by line, keyed by the line's index (<c>{"lines":{"0":{"password":"…"}}}</c>; a key one
/// past the last line adds one, a null removes it), whereas <c>lines</c> given as an array replaces
/// every line, as the RFC says; and the device secret is kept unless the patch names one. An optional
/// top-level <c>reason</c> says why, for the audit log. Field names the document does not have are
/// refused by name, so a misspelt field is never silently ignored; the result is checked exactly as
/// <c>PUT</c> checks its body (<see cref="AdapterRequest.Read"/>), so every problem names its field.
/// </summary>
public static class AdapterPatch
{
    /// <summary>The optional top-level field saying why.</summary>
    public const string ReasonKey = "reason";

    /// <summary>Longest reason.</summary>
    public const int MaxReasonLength = 500;

    /// <summary>The media type of a JSON merge patch (RFC 7396); <c>application/json</c> is taken as the same.</summary>
    public const string MediaType = "application/merge-patch+json";

    /// <summary>The line settings <see cref="Access.Roles.Support"/> may change: the password, barring, dial plan and tones.</summary>
    public static readonly IReadOnlySet<string> SupportLineFields = new HashSet<string>(StringComparer.Ordinal)
    {
        Fields.Password, Fields.Barring, Fields.DialPlan, Fields.ShortTimerMs, Fields.LongTimerMs, Fields.Tones, Fields.TonePlan,
        Fields.MessageWaiting,
    };

    // Stands in for the kept device secret while the patched document is checked; never stored.
    private const string KeptSecret = "kept-device-secret";

    /// <summary>
    /// Every setting a line has, as <c>PUT</c> takes it and <see cref="RenderLine"/> writes it: a patch
    /// naming another is refused by name.
    /// </summary>
    public static readonly IReadOnlySet<string> LineFieldNames = new HashSet<string>(StringComparer.Ordinal)
    {
        Fields.Username, Fields.Password, Fields.Registrar, Fields.Transport, Fields.Expires, Fields.KeepAliveSeconds,
        Fields.RetryBaseSeconds, Fields.RetryMaxSeconds, Fields.AuthUsername, Fields.SecondaryRegistrar, Fields.OutboundProxy,
        Fields.Realm, Fields.Country, Fields.TonePlan, Fields.DialPlan, Fields.FlashMs, Fields.ShortTimerMs, Fields.LongTimerMs,
        Fields.RegistrarProbeSeconds, Fields.NoAnswerSeconds, Fields.Barring, Fields.Tones, Fields.CallWaiting,
        Fields.MessageWaiting, Ata.Core.DialPlan.ServiceCodes.Field,
    };

    private static readonly HashSet<string> TopFields = new(StringComparer.Ordinal)
    {
        AdapterRequest.SecretKey, AdapterRequest.CustomerReferenceKey, AdapterRequest.SendHa1Key, Fields.Lines, ReasonKey,
    };

    /// <summary>The adapter's document as <c>PUT</c> takes it, without its secret (which the gateway keeps only as a hash).</summary>
    /// <param name="config">Its stored config, with passwords.</param>
    /// <param name="customerReference">Its customer reference.</param>
    public static JsonObject Render(AdapterConfig config, string? customerReference)
    {
        ArgumentNullException.ThrowIfNull(config);
        var lines = new JsonArray();
        foreach (var line in config.Lines)
        {
            lines.Add(RenderLine(line));
        }

        var document = new JsonObject { [AdapterRequest.SendHa1Key] = config.SendHa1, [Fields.Lines] = lines };
        if (customerReference is not null)
        {
            document[AdapterRequest.CustomerReferenceKey] = customerReference;
        }

        return document;
    }

    /// <summary>One line as <c>PUT</c> takes it: every setting it has, so that reading it back gives the same line.</summary>
    /// <param name="line">The line.</param>
    public static JsonObject RenderLine(SipAccount line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var rendered = new JsonObject
        {
            [Fields.Username] = line.Username,
            [Fields.Password] = line.Password,
            [Fields.Registrar] = line.Registrar,
            [Fields.Transport] = line.Transport,
            [Fields.Expires] = line.Expires,
            [Fields.KeepAliveSeconds] = line.KeepAliveSeconds,
            [Fields.RetryBaseSeconds] = line.RetryBaseSeconds,
            [Fields.RetryMaxSeconds] = line.RetryMaxSeconds,
        };
        Add(rendered, Fields.AuthUsername, line.AuthUsername);
        Add(rendered, Fields.SecondaryRegistrar, line.SecondaryRegistrar);
        Add(rendered, Fields.OutboundProxy, line.OutboundProxy);
        Add(rendered, Fields.Realm, line.Realm);
        Add(rendered, Fields.Country, line.Country);
        Add(rendered, Fields.TonePlan, line.TonePlan);
        Add(rendered, Fields.DialPlan, line.DialPlan);
        Add(rendered, Fields.FlashMs, line.FlashMs);
        Add(rendered, Fields.ShortTimerMs, line.ShortTimerMs);
        Add(rendered, Fields.LongTimerMs, line.LongTimerMs);
        Add(rendered, Fields.RegistrarProbeSeconds, line.RegistrarProbeSeconds);
        Add(rendered, Fields.NoAnswerSeconds, line.NoAnswerSeconds);
        if (line.CallWaiting is { } callWaiting)
        {
            rendered[Fields.CallWaiting] = callWaiting;
        }

        if (line.MessageWaiting is { } messageWaiting)
        {
            rendered[Fields.MessageWaiting] = messageWaiting;
        }

        if (line.ServiceCodes is { Count: > 0 } serviceCodes)
        {
            var codes = new JsonObject();
            foreach (var (name, code) in serviceCodes)
            {
                codes[name] = code;
            }

            rendered[Ata.Core.DialPlan.ServiceCodes.Field] = codes;
        }

        if (line.Barring.Length > 0)
        {
            rendered[Fields.Barring] = new JsonArray([.. line.BarringClasses.Select(c => (JsonNode)JsonValue.Create(c)!)]);
        }

        if (line.Tones is { Count: > 0 } tones)
        {
            var rendering = new JsonObject();
            foreach (var (name, text) in tones)
            {
                rendering[name] = text;
            }

            rendered[Fields.Tones] = rendering;
        }

        return rendered;
    }

    /// <summary>
    /// Applies <paramref name="patch"/> to <paramref name="current"/> and checks the result; null with
    /// the problems in <paramref name="errors"/>, by field, when it cannot be applied.
    /// </summary>
    /// <param name="current">The adapter as stored (<see cref="Render"/>).</param>
    /// <param name="patch">The patch's root.</param>
    /// <param name="errors">Where problems are added.</param>
    /// <param name="reason">The patch's reason, when it gives one.</param>
    public static PatchOutcome? Apply(JsonObject current, JsonElement patch, IDictionary<string, string[]> errors, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(errors);
        reason = null;
        if (patch.ValueKind != JsonValueKind.Object)
        {
            errors[AdapterRequest.BodyKey] = ["A merge patch is a JSON object naming only what changes, e.g. {\"lines\":{\"0\":{\"password\":\"…\"}}}."];
            return null;
        }

        var target = (JsonObject)current.DeepClone();
        foreach (var property in patch.EnumerateObject())
        {
            if (!TopFields.Contains(property.Name))
            {
                errors[Shown(property.Name)] = [$"An adapter has no field '{Shown(property.Name)}'; it has {string.Join(", ", TopFields)}."];
            }
            else if (property.Name == ReasonKey)
            {
                reason = ReadReason(property.Value, errors);
            }
            else if (property.Name == Fields.Lines && property.Value.ValueKind == JsonValueKind.Object)
            {
                PatchLines(target, property.Value, errors);
            }
            else if (property.Value.ValueKind == JsonValueKind.Null)
            {
                target.Remove(property.Name);
            }
            else
            {
                if (property.Name == Fields.Lines && property.Value.ValueKind == JsonValueKind.Array)
                {
                    CheckLineFields(property.Value.EnumerateArray().Select((l, i) => (l, $"{Fields.Lines}[{i}]")), errors);
                }

                target[property.Name] = JsonNode.Parse(property.Value.GetRawText());
            }
        }

        if (errors.Count > 0)
        {
            return null;
        }

        var keepSecret = !target.ContainsKey(AdapterRequest.SecretKey);
        if (keepSecret)
        {
            target[AdapterRequest.SecretKey] = KeptSecret;
        }

        using var merged = JsonDocument.Parse(target.ToJsonString());
        if (AdapterRequest.Read(merged.RootElement, errors) is not { } specification)
        {
            return null;
        }

        var changed = new List<string>();
        var described = new List<string>();
        if (!keepSecret)
        {
            changed.Add(AdapterRequest.SecretKey);
            described.Add($"{AdapterRequest.SecretKey}: changed");
        }

        foreach (var name in new[] { AdapterRequest.CustomerReferenceKey, AdapterRequest.SendHa1Key })
        {
            if (!JsonNode.DeepEquals(current[name], target[name]))
            {
                changed.Add(name);
                described.Add($"{name}: {Describe(target[name])}");
            }
        }

        DiffLines(current[Fields.Lines]!.AsArray(), target[Fields.Lines]?.AsArray() ?? [], changed, described);
        return new PatchOutcome(specification with { Secret = keepSecret ? string.Empty : specification.Secret, KeepsSecret = keepSecret }, changed,
            string.Join("; ", described));
    }

    /// <summary>Whether the changes are all ones <see cref="Access.Roles.Support"/> may make (<see cref="SupportLineFields"/>).</summary>
    /// <param name="changed">What a patch changes, by field.</param>
    /// <param name="adminOnly">Those only an admin may change.</param>
    public static bool SupportMay(IReadOnlyList<string> changed, out IReadOnlyList<string> adminOnly)
    {
        ArgumentNullException.ThrowIfNull(changed);
        adminOnly = [.. changed.Where(path =>
        {
            var dot = path.IndexOf("].", StringComparison.Ordinal);
            return !(path.StartsWith(Fields.Lines + "[", StringComparison.Ordinal) && dot > 0 && SupportLineFields.Contains(path[(dot + 2)..]));
        })];
        return adminOnly.Count == 0;
    }

    private static void PatchLines(JsonObject target, JsonElement patch, IDictionary<string, string[]> errors)
    {
        var lines = target[Fields.Lines]!.AsArray();
        var count = lines.Count;
        var removed = new SortedSet<int>();
        foreach (var entry in patch.EnumerateObject())
        {
            var key = $"{Fields.Lines}.{Shown(entry.Name)}";
            if (!int.TryParse(entry.Name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index)
                || index > count || index >= AdapterRequest.MaxLines || entry.Name != index.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                errors[key] = [$"Lines are patched by index: 0 to {count - 1} for this adapter's lines, {count} to add one."];
                continue;
            }

            var prefix = $"{Fields.Lines}[{index}]";
            if (entry.Value.ValueKind == JsonValueKind.Null)
            {
                if (index < count)
                {
                    removed.Add(index);
                }

                continue;
            }

            if (entry.Value.ValueKind != JsonValueKind.Object)
            {
                errors[prefix] = ["A line's patch is an object of the settings that change, or null to remove the line."];
                continue;
            }

            CheckLineFields([(entry.Value, prefix)], errors);
            if (index == count)
            {
                lines.Add(new JsonObject());
            }

            var line = lines[index]!.AsObject();
            foreach (var setting in entry.Value.EnumerateObject())
            {
                if (setting.Value.ValueKind == JsonValueKind.Null)
                {
                    line.Remove(setting.Name);
                }
                else
                {
                    line[setting.Name] = JsonNode.Parse(setting.Value.GetRawText());
                }
            }
        }

        foreach (var index in removed.Reverse())
        {
            lines.RemoveAt(index);
        }
    }

    private static void CheckLineFields(IEnumerable<(JsonElement Line, string Prefix)> lines, IDictionary<string, string[]> errors)
    {
        foreach (var (line, prefix) in lines)
        {
            if (line.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            foreach (var setting in line.EnumerateObject())
            {
                if (!LineFieldNames.Contains(setting.Name))
                {
                    errors[$"{prefix}.{Shown(setting.Name)}"] = [$"A line has no setting '{Shown(setting.Name)}'; see the gateway's README for a line's settings."];
                }
            }
        }
    }

    private static void DiffLines(JsonArray before, JsonArray after, List<string> changed, List<string> described)
    {
        for (var i = 0; i < Math.Max(before.Count, after.Count); i++)
        {
            var prefix = $"{Fields.Lines}[{i}]";
            if (i >= before.Count || i >= after.Count)
            {
                changed.Add(prefix);
                described.Add($"{prefix}: {(i >= before.Count ? "added" : "removed")}");
                continue;
            }

            var old = before[i]!.AsObject();
            var now = after[i]!.AsObject();
            foreach (var name in old.Select(p => p.Key).Union(now.Select(p => p.Key)).Order(StringComparer.Ordinal))
            {
                if (!JsonNode.DeepEquals(old[name], now[name]))
                {
                    changed.Add($"{prefix}.{name}");
                    described.Add($"{prefix}.{name}: {(name == Fields.Password ? "changed" : Describe(now[name]))}");
                }
            }
        }
    }

    private static string? ReadReason(JsonElement value, IDictionary<string, string[]> errors)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String || value.GetString() is not { } text || text.Length > MaxReasonLength || text.Any(char.IsControl))
        {
            errors[ReasonKey] = [$"A reason is text of up to {MaxReasonLength} characters without control characters."];
            return null;
        }

        return text.Trim().Length == 0 ? null : text.Trim();
    }

    private static string Describe(JsonNode? value)
    {
        var text = value is null ? "removed" : value.ToJsonString();
        return text.Length <= 120 ? text : text[..117] + "...";
    }

    private static string Shown(string name) => name.Length <= 32 && !name.Any(char.IsControl) ? name : "(field)";

    private static void Add(JsonObject line, string name, string? value)
    {
        if (value is not null)
        {
            line[name] = value;
        }
    }

    private static void Add(JsonObject line, string name, int? value)
    {
        if (value is not null)
        {
            line[name] = value.Value;
        }
    }
}
