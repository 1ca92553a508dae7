using System.Text.Json;
using Ata.Core.Contract;

namespace Ata.Gateway.Provisioning;

public static partial class AdapterRequest
{
    /// <summary>Reads <c>callWaiting</c>: true, false, or absent (null: the adapter's default, on).</summary>
    private static bool? ReadCallWaiting(JsonElement line, string prefix, IDictionary<string, string[]> errors)
    {
        if (!line.TryGetProperty(Fields.CallWaiting, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            errors[$"{prefix}.{Fields.CallWaiting}"] = [$"'{Fields.CallWaiting}' is true or false."];
            return null;
        }

        return value.GetBoolean();
    }
}
