using System.Text.Json;
using Ata.Core.Contract;
using Ata.Core.Provisioning;

namespace Ata.Gateway.Provisioning;

/// <summary>
/// Reads the body of <c>PUT /api/adapters/{deviceId}</c>:
/// <c>{"secret":"…","customerReference":"…","sendHa1":false,"lines":[{"username":"…","password":"…","registrar":"host[:port]",…}]}</c>
/// with each line's optional settings (see the gateway's README).
/// Every problem is reported against the field it concerns (<c>secret</c>, <c>lines[0].registrar</c>);
/// messages never repeat a secret or password.
/// </summary>
public static partial class AdapterRequest
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

    /// <summary>The body's customer reference field.</summary>
    public const string CustomerReferenceKey = "customerReference";

    /// <summary>The body's "send HA1 instead of passwords" field.</summary>
    public const string SendHa1Key = "sendHa1";

    /// <summary>Longest customer reference.</summary>
    public const int MaxCustomerReferenceLength = 64;

    /// <summary>Longest realm.</summary>
    public const int MaxRealmLength = 128;

    /// <summary>Longest dial plan.</summary>
    public const int MaxDialPlanLength = 512;

    /// <summary>Longest tone text.</summary>
    public const int MaxToneTextLength = 256;

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
        var customer = ReadOptional(body, CustomerReferenceKey, CustomerReferenceKey, MaxCustomerReferenceLength, errors,
            IsPrintable, "A customer reference is printable text");
        var sendHa1 = false;
        if (body.TryGetProperty(SendHa1Key, out var ha1) && ha1.ValueKind != JsonValueKind.Null)
        {
            if (ha1.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                sendHa1 = ha1.GetBoolean();
            }
            else
            {
                errors[SendHa1Key] = ["'sendHa1' is true or false."];
            }
        }

        if (sendHa1 && lines is not null)
        {
            for (var i = 0; i < lines.Count; i++)
            {
                if (lines[i].Realm is null)
                {
                    errors[$"{Fields.Lines}[{i}].{Fields.Realm}"] = ["A realm is required when 'sendHa1' is true: HA1 is computed with it."];
                }
            }
        }

        return errors.Count == 0 && secret is not null && lines is not null
            ? new AdapterSpecification(secret, lines) { CustomerReference = customer, SendHa1 = sendHa1 }
            : null;
    }

    /// <summary>Checks a request for a new device secret: <c>{"secret":"…"}</c>.</summary>
    /// <param name="body">The JSON document's root.</param>
    /// <param name="errors">Where problems are added, by field.</param>
    /// <returns>The secret, or null when there were problems.</returns>
    public static string? ReadSecretOnly(JsonElement body, IDictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors[BodyKey] = ["The body must be a JSON object with 'secret'."];
            return null;
        }

        return ReadSecret(body, errors);
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
            var before = errors.Count;
            var settings = ReadSettings(line, prefix, errors);
            if (username is not null && password is not null && registrar is not null && errors.Count == before)
            {
                lines.Add(settings(new SipAccount(username, password, registrar)));
            }
        }

        return lines.Count == count ? lines : null;
    }

    private static Func<SipAccount, SipAccount> ReadSettings(JsonElement line, string prefix, IDictionary<string, string[]> errors)
    {
        var authUsername = ReadOptional(line, Fields.AuthUsername, $"{prefix}.{Fields.AuthUsername}", MaxUsernameLength, errors,
            IsUsername, "A digest user name has no spaces, '@' or ':'");
        var secondary = ReadOptionalAddress(line, Fields.SecondaryRegistrar, prefix, errors);
        var proxy = ReadOptionalAddress(line, Fields.OutboundProxy, prefix, errors);
        var transport = ReadOptional(line, Fields.Transport, $"{prefix}.{Fields.Transport}", 8, errors,
            t => LineDefaults.Transports.Contains(t), LineDefaults.TransportError);
        var realm = ReadOptional(line, Fields.Realm, $"{prefix}.{Fields.Realm}", MaxRealmLength, errors,
            r => IsPrintable(r) && !r.Contains('"', StringComparison.Ordinal), "A realm is printable text without '\"'");
        var country = ReadOptional(line, Fields.Country, $"{prefix}.{Fields.Country}", 2, errors,
            t => Ata.Core.Telephony.Country.Normalize(t) is not null,
            $"The country (numbering, ringing) is one of {string.Join(", ", LineDefaults.Countries)}");
        var tonePlan = ReadOptional(line, Fields.TonePlan, $"{prefix}.{Fields.TonePlan}", 2, errors,
            t => Ata.Core.Telephony.Country.Normalize(t) is not null,
            $"The tone plan is a country: one of {string.Join(", ", LineDefaults.Countries)}");
        var dialPlan = ReadDialPlan(line, prefix, errors);
        var barring = ReadBarring(line, prefix, errors);
        var expires = ReadSeconds(line, Fields.Expires, prefix, LineDefaults.MinExpires, LineDefaults.MaxExpires, errors);
        var keepAlive = ReadSeconds(line, Fields.KeepAliveSeconds, prefix, 0, LineDefaults.MaxKeepAliveSeconds, errors);
        if (keepAlive is > 0 and < LineDefaults.MinKeepAliveSeconds)
        {
            errors[$"{prefix}.{Fields.KeepAliveSeconds}"] = [$"A keep-alive is 0 (none) or {LineDefaults.MinKeepAliveSeconds} to {LineDefaults.MaxKeepAliveSeconds} seconds."];
        }

        var flashMs = ReadMilliseconds(line, Fields.FlashMs, prefix, LineDefaults.MinFlashMs, LineDefaults.MaxFlashMs, errors);
        var shortTimer = ReadMilliseconds(line, Fields.ShortTimerMs, prefix, LineDefaults.MinShortTimerMs, LineDefaults.MaxShortTimerMs, errors);
        var longTimer = ReadMilliseconds(line, Fields.LongTimerMs, prefix, LineDefaults.MinLongTimerMs, LineDefaults.MaxLongTimerMs, errors);
        var longKey = $"{prefix}.{Fields.LongTimerMs}";
        if (!errors.ContainsKey(longKey) && !errors.ContainsKey($"{prefix}.{Fields.ShortTimerMs}")
            && (longTimer ?? LineDefaults.LongTimerMs) < (shortTimer ?? LineDefaults.ShortTimerMs))
        {
            errors[longKey] = [$"The long inter-digit timer cannot be shorter than the short one ({shortTimer ?? LineDefaults.ShortTimerMs} ms)."];
        }

        var tones = ReadTones(line, prefix, tonePlan ?? country, errors);
        var serviceCodes = ReadServiceCodes(line, prefix, country, errors);
        var registrarProbe = ReadSecondsTheAdapterTakes(line, Fields.RegistrarProbeSeconds, prefix, errors);
        var noAnswer = ReadSecondsTheAdapterTakes(line, Fields.NoAnswerSeconds, prefix, errors);
        var callWaiting = ReadFeature(line, Fields.CallWaiting, prefix, errors);
        var messageWaiting = ReadFeature(line, Fields.MessageWaiting, prefix, errors);
        var retryBase = ReadSeconds(line, Fields.RetryBaseSeconds, prefix, LineDefaults.MinRetrySeconds, LineDefaults.MaxRetrySeconds, errors);
        var retryMax = ReadSeconds(line, Fields.RetryMaxSeconds, prefix, LineDefaults.MinRetrySeconds, LineDefaults.MaxRetrySeconds, errors);
        var effectiveBase = retryBase ?? LineDefaults.RetryBaseSeconds;
        var effectiveMax = retryMax ?? Math.Max(LineDefaults.RetryMaxSeconds, effectiveBase);
        if (effectiveMax < effectiveBase)
        {
            errors[$"{prefix}.{Fields.RetryMaxSeconds}"] = ["The longest retry delay cannot be shorter than the first."];
        }

        return account => account with
        {
            AuthUsername = authUsername,
            SecondaryRegistrar = secondary,
            OutboundProxy = proxy,
            Transport = transport ?? LineDefaults.Transport,
            Realm = realm,
            Country = country is null ? null : Ata.Core.Telephony.Country.Normalize(country),
            TonePlan = tonePlan is null ? null : Ata.Core.Telephony.Country.Normalize(tonePlan),
            DialPlan = dialPlan,
            Barring = barring,
            FlashMs = flashMs,
            Tones = tones,
            ServiceCodes = serviceCodes,
            ShortTimerMs = shortTimer,
            LongTimerMs = longTimer,
            RegistrarProbeSeconds = registrarProbe,
            NoAnswerSeconds = noAnswer,
            CallWaiting = callWaiting,
            MessageWaiting = messageWaiting,
            Expires = expires ?? LineDefaults.Expires,
            KeepAliveSeconds = keepAlive ?? LineDefaults.KeepAliveSeconds,
            RetryBaseSeconds = effectiveBase,
            RetryMaxSeconds = effectiveMax,
        };
    }
}
