using System.Text.Json;
using Ata.Core.Contract;
using Ata.Core.Provisioning;

namespace Ata.Gateway.Provisioning;

/// <summary>
/// Reads the body of <c>PUT /api/adapters/{deviceId}</c>:
/// <c>{"secret":"…","lines":[{"username":"…","password":"…","registrar":"host[:port]"}]}</c>.
/// Every problem is reported against the field it concerns (<c>secret</c>, <c>lines[0].registrar</c>);
/// messages never repeat a secret or password.
/// </summary>
public static class AdapterRequest
{
    /// <summary>Shortest device secret.</summary>
    public const int MinSecretLength = 8;

    /// <summary>Longest device secret.</summary>
    public const int MaxSecretLength = 128;

    /// <summary>Most lines an adapter has.</summary>
    public const int MaxLines = ProvisioningDocument.MaxLines;

    /// <summary>Longest SIP user name.</summary>
    public const int MaxUsernameLength = 64;

    /// <summary>Longest SIP password.</summary>
    public const int MaxPasswordLength = 128;

    /// <summary>Longest registrar text.</summary>
    public const int MaxRegistrarLength = 255;

    /// <summary>The key errors about the body as a whole are reported under.</summary>
    public const string BodyKey = "body";

    /// <summary>The body's device secret field (the other names are the contract's <see cref="Fields"/>).</summary>
    public const string SecretKey = "secret";

    /// <summary>The key errors about the route's device id are reported under.</summary>
    public const string DeviceIdKey = "deviceId";

    /// <summary>Checks a device id from the route.</summary>
    /// <param name="deviceId">The id.</param>
    /// <param name="errors">Where to add the problem.</param>
    public static void ValidateDeviceId(string deviceId, IDictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (!MqttTopics.IsValidDeviceId(deviceId))
        {
            errors[DeviceIdKey] = ["A device id is 1 to 64 letters, digits, '-', '_' or '.'."];
        }
    }

    /// <summary>Reads and validates a parsed body.</summary>
    /// <param name="body">The JSON document's root.</param>
    /// <param name="errors">Where problems are added, by field.</param>
    /// <returns>The specification, or null when there were problems.</returns>
    public static AdapterSpecification? Read(JsonElement body, IDictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors[BodyKey] = ["The body must be a JSON object with 'secret' and 'lines'."];
            return null;
        }

        var secret = ReadSecret(body, errors);
        var lines = ReadLines(body, errors);
        return errors.Count == 0 && secret is not null && lines is not null
            ? new AdapterSpecification(secret, lines)
            : null;
    }

    private static string? ReadSecret(JsonElement body, IDictionary<string, string[]> errors)
    {
        const string key = SecretKey;
        var message = $"A device secret of {MinSecretLength} to {MaxSecretLength} characters is required.";
        if (!body.TryGetProperty(key, out var value) || value.ValueKind != JsonValueKind.String)
        {
            errors[key] = [message];
            return null;
        }

        var secret = value.GetString()!;
        if (secret.Length is < MinSecretLength or > MaxSecretLength || secret.Any(char.IsControl))
        {
            errors[key] = [message + " Control characters are not allowed."];
            return null;
        }

        return secret;
    }

    private static List<SipAccount>? ReadLines(JsonElement body, IDictionary<string, string[]> errors)
    {
        const string key = Fields.Lines;
        if (!body.TryGetProperty(key, out var value) || value.ValueKind != JsonValueKind.Array)
        {
            errors[key] = [$"An array of 1 to {MaxLines} lines is required."];
            return null;
        }

        var count = value.GetArrayLength();
        if (count is < 1 or > MaxLines)
        {
            errors[key] = [$"An adapter has 1 to {MaxLines} lines; {count} were given."];
            return null;
        }

        var lines = new List<SipAccount>(count);
        var index = 0;
        foreach (var line in value.EnumerateArray())
        {
            var prefix = $"{key}[{index++}]";
            if (line.ValueKind != JsonValueKind.Object)
            {
                errors[prefix] = ["Each line must be an object with 'username', 'password' and 'registrar'."];
                continue;
            }

            var username = ReadString(line, Fields.Username, prefix, MaxUsernameLength, errors, IsUsername,
                "A SIP user name is required: no spaces, '@' or ':'.");
            var password = ReadString(line, Fields.Password, prefix, MaxPasswordLength, errors, p => !p.Any(char.IsControl),
                "A SIP password is required (no control characters).");
            var registrar = ReadRegistrar(line, prefix, errors);
            if (username is not null && password is not null && registrar is not null)
            {
                lines.Add(new SipAccount(username, password, registrar));
            }
        }

        return lines.Count == count ? lines : null;
    }

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
