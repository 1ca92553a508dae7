using System.Text;
using Ata.Core.Provisioning;
using Ata.Gateway.Provisioning;

namespace Ata.Gateway.Fleet;

/// <summary>
/// The provisioning document published retained to <c>ata/{deviceId}/config</c>, written by the
/// core's <see cref="ProvisioningDocument"/>, the same code the adapter parses it with:
/// <c>{"version":3,"lines":[{"line":1,"username":"2001","password":"…","registrar":"host:port","expires":3600}]}</c>.
/// It carries SIP passwords: it goes to the broker and nowhere else.
/// </summary>
public static class ConfigDocument
{
    /// <summary>The document's UTF-8 JSON.</summary>
    /// <param name="config">The adapter's config (registrars already validated).</param>
    /// <exception cref="InvalidOperationException">A registrar the core cannot parse.</exception>
    public static byte[] Render(AdapterConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var lines = new LineConfig[config.Lines.Count];
        for (var i = 0; i < lines.Length; i++)
        {
            var account = config.Lines[i];
            if (LineConfig.ParseRegistrar(account.Registrar, out var host, out var port) is { } error)
            {
                throw new InvalidOperationException($"{config.DeviceId} line {i + 1}: {error}");
            }

            lines[i] = new LineConfig(i + 1, account.Username, null, account.Password, host, port, LineConfig.DefaultExpires);
        }

        return Encoding.UTF8.GetBytes(new ProvisioningDocument(config.Version, lines).ToJson());
    }
}
