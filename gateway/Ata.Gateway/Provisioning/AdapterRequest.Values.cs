using System.Text.Json;
using Ata.Core.Contract;
using Ata.Core.Provisioning;

namespace Ata.Gateway.Provisioning;

/// <summary>
/// One value of the body read and checked: required and optional text, host[:port] addresses, whole numbers of
/// seconds or milliseconds; each problem is reported under its field's key.
/// </summary>
public static partial class AdapterRequest
{
    /// <summary>
    /// A line setting in whole seconds, checked by the adapter's own provisioning parser
    /// (<see cref="ProvisioningDocument.Parse"/>): what it would refuse is refused here, with its reason.
    /// </summary>
    private static int? ReadSecondsTheAdapterTakes(JsonElement line, string name, string prefix, IDictionary<string, string[]> errors)
    {
        var key = $"{prefix}.{name}";
        if (!line.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var seconds))
        {
            errors[key] = [$"'{name}' is a whole number of seconds."];
            return null;
        }

        var document = $$"""{"{{Fields.Version}}":0,"{{Fields.Lines}}":[{"{{Fields.Username}}":"u","{{Fields.Password}}":"p","{{Fields.Registrar}}":"127.0.0.1","{{name}}":{{seconds}}}]}""";
        if (ProvisioningDocument.Parse(document, out var problem) is null)
        {
            var field = $"{Fields.Lines}[0].{name}: ";
            errors[key] = [$"'{name}' {(problem.StartsWith(field, StringComparison.Ordinal) ? problem[field.Length..] : problem)}."];
            return null;
        }

        return seconds;
    }

    private static int? ReadMilliseconds(JsonElement line, string name, string prefix, int min, int max, IDictionary<string, string[]> errors) =>
        ReadWholeNumber(line, name, prefix, min, max, "milliseconds", errors);

    private static int? ReadSeconds(JsonElement line, string name, string prefix, int min, int max, IDictionary<string, string[]> errors) =>
        ReadWholeNumber(line, name, prefix, min, max, "seconds", errors);

    private static int? ReadWholeNumber(JsonElement line, string name, string prefix, int min, int max, string unit, IDictionary<string, string[]> errors)
    {
        if (!line.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number) || number < min || number > max)
        {
            errors[$"{prefix}.{name}"] = [$"'{name}' is a whole number of {unit} from {min} to {max}."];
            return null;
        }

        return number;
    }

    private static string? ReadOptionalAddress(JsonElement line, string name, string prefix, IDictionary<string, string[]> errors)
    {
        var key = $"{prefix}.{name}";
        if (!line.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        const string format = "Write it as host or host:port (port 1-65535).";
        if (value.ValueKind != JsonValueKind.String || value.GetString() is not { Length: > 0 and <= MaxRegistrarLength } address)
        {
            errors[key] = [format];
            return null;
        }

        if (!RegistrarAddress.IsValid(address, out var problem))
        {
            errors[key] = [$"{problem} {format}"];
            return null;
        }

        return address;
    }

    private static string? ReadOptional(
        JsonElement element, string name, string key, int maxLength, IDictionary<string, string[]> errors,
        Func<string, bool> isValid, string message)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String || value.GetString() is not { Length: > 0 } text
            || text.Length > maxLength || !isValid(text))
        {
            errors[key] = [$"{message}, 1 to {maxLength} characters, or left out."];
            return null;
        }

        return text;
    }

    private static bool IsPrintable(string text) => !text.Any(char.IsControl);

    private static string? ReadRegistrar(JsonElement line, string prefix, IDictionary<string, string[]> errors)
    {
        var key = $"{prefix}.{Fields.Registrar}";
        const string format = "A registrar is required as host or host:port (port 1-65535).";
        if (!line.TryGetProperty(Fields.Registrar, out var value) || value.ValueKind != JsonValueKind.String
            || value.GetString() is not { Length: > 0 and <= MaxRegistrarLength } registrar)
        {
            errors[key] = [format];
            return null;
        }

        if (!RegistrarAddress.IsValid(registrar, out var problem))
        {
            errors[key] = [$"{problem} {format}"];
            return null;
        }

        return registrar;
    }

    private static string? ReadString(
        JsonElement line, string name, string prefix, int maxLength, IDictionary<string, string[]> errors,
        Func<string, bool> isValid, string message)
    {
        var key = $"{prefix}.{name}";
        if (!line.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String
            || value.GetString() is not { Length: > 0 } text)
        {
            errors[key] = [message];
            return null;
        }

        if (text.Length > maxLength || !isValid(text))
        {
            errors[key] = [$"{message} At most {maxLength} characters."];
            return null;
        }

        return text;
    }

    private static bool IsUsername(string username) =>
        !username.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '@' or ':');
}
