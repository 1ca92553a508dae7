using System.Text.Json;
using Ata.Core.Contract;
using Ata.Core.Provisioning;
using Ata.Core.Sip.Auth;
using Ata.Gateway.Provisioning;

namespace Ata.Gateway.Fleet;

/// <summary>
/// The provisioning document published retained to <c>ata/{deviceId}/config</c>, with the
/// contract's <see cref="Fields"/>: the fields the core's <see cref="ProvisioningDocument"/> parses
/// (<c>version</c>, <c>lines[].line/username/authUsername/password/registrar/expires</c>) and the
/// line settings the device side is being extended with (secondary registrar, outbound proxy,
/// transport, realm, country, tone plan, dial plan, barring, keep-alive, registrar probe interval,
/// no-answer limit, retry back-off) and the
/// telephony fields the core's <c>LineProfile</c> reads (flash window, tone overrides, inter-digit timers;
/// left out when not provisioned, so the adapter uses its defaults).
/// With <see cref="AdapterConfig.SendHa1"/>, a line carries <c>ha1</c> instead of <c>password</c>.
/// It carries secrets: it goes to the broker and nowhere else.
/// </summary>
public static class ConfigDocument
{
    /// <summary>The document's UTF-8 JSON.</summary>
    /// <param name="config">The adapter's config (registrars already validated).</param>
    /// <exception cref="InvalidOperationException">A registrar the core cannot parse.</exception>
    public static byte[] Render(AdapterConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber(Fields.Version, config.Version);
            if (config.PendingSecret is { } secret)
            {
                json.WriteString(Fields.DeviceSecret, secret);
            }

            json.WriteStartArray(Fields.Lines);
            for (var i = 0; i < config.Lines.Count; i++)
            {
                WriteLine(json, config, i);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>The digest HA1 of an account: <c>MD5(user:realm:password)</c>, lowercase hex.</summary>
    /// <param name="account">An account with a realm.</param>
    public static string Ha1(SipAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        return Md5.HexOf($"{account.AuthUsername ?? account.Username}:{account.Realm}:{account.Password}");
    }

    private static void WriteLine(Utf8JsonWriter json, AdapterConfig config, int index)
    {
        var account = config.Lines[index];
        if (LineConfig.ParseRegistrar(account.Registrar, out var host, out var port, out var portGiven) is { } error)
        {
            throw new InvalidOperationException($"{config.DeviceId} line {index + 1}: {error}");
        }

        json.WriteStartObject();
        json.WriteNumber(Fields.Line, index + 1);
        json.WriteString(Fields.Username, account.Username);
        if (account.AuthUsername is { } authUsername && authUsername != account.Username)
        {
            json.WriteString(Fields.AuthUsername, authUsername);
        }

        if (config.SendHa1 && account.Realm is not null)
        {
            json.WriteString(Fields.Ha1, Ha1(account));
        }
        else
        {
            json.WriteString(Fields.Password, account.Password);
        }

        // A registrar given without a port stays so: the adapter then looks up its SRV records (RFC 3263).
        json.WriteString(Fields.Registrar, ProvisioningDocument.FormatRegistrar(host, portGiven ? port : 0));
        json.WriteNumber(Fields.Expires, account.Expires);
        WriteOptional(json, Fields.SecondaryRegistrar, account.SecondaryRegistrar);
        WriteOptional(json, Fields.OutboundProxy, account.OutboundProxy);
        json.WriteString(Fields.Transport, account.Transport);
        WriteOptional(json, Fields.Realm, account.Realm);
        WriteOptional(json, Fields.Country, account.Country);
        WriteOptional(json, Fields.TonePlan, account.TonePlan);
        WriteOptional(json, Fields.DialPlan, account.DialPlan);
        json.WriteStartArray(Fields.Barring);
        foreach (var barred in account.BarringClasses)
        {
            json.WriteStringValue(barred);
        }

        json.WriteEndArray();
        WriteOptional(json, Fields.FlashMs, account.FlashMs);
        WriteOptional(json, Fields.ShortTimerMs, account.ShortTimerMs);
        WriteOptional(json, Fields.LongTimerMs, account.LongTimerMs);
        if (account.Tones is { Count: > 0 } tones)
        {
            json.WriteStartObject(Fields.Tones);
            foreach (var (name, text) in tones)
            {
                json.WriteString(name, text);
            }

            json.WriteEndObject();
        }

        if (account.ServiceCodes is { Count: > 0 } codes)
        {
            json.WriteStartObject(Ata.Core.DialPlan.ServiceCodes.Field);
            foreach (var (name, code) in codes)
            {
                json.WriteString(name, code);
            }

            json.WriteEndObject();
        }

        json.WriteNumber(Fields.KeepAliveSeconds, account.KeepAliveSeconds);
        WriteOptional(json, Fields.RegistrarProbeSeconds, account.RegistrarProbeSeconds);
        WriteOptional(json, Fields.NoAnswerSeconds, account.NoAnswerSeconds);
        if (account.CallWaiting is bool callWaiting)
        {
            json.WriteBoolean(Fields.CallWaiting, callWaiting);
        }

        if (account.MessageWaiting is bool messageWaiting)
        {
            json.WriteBoolean(Fields.MessageWaiting, messageWaiting);
        }

        json.WriteNumber(Fields.RetryBaseSeconds, account.RetryBaseSeconds);
        json.WriteNumber(Fields.RetryMaxSeconds, account.RetryMaxSeconds);
        json.WriteEndObject();
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, int? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(name, number);
        }
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }
}
