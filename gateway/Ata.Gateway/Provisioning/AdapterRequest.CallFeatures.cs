using System.Text.Json;
using Ata.Core.Contract;

namespace Ata.Gateway.Provisioning;

public static partial class AdapterRequest
{
    /// <summary>Reads a line's on/off feature <paramref name="name"/> (<c>callWaiting</c>, <c>messageWaiting</c>): true, false, or absent (null: the adapter's default, on).</summary>
    private static bool? ReadFeature(JsonElement line, string name, string prefix, IDictionary<string, string[]> errors)
    {
        if (!line.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            errors[$"{prefix}.{name}"] = [$"'{name}' is true or false."];
            return null;
        }

        return value.GetBoolean();
    }
}
