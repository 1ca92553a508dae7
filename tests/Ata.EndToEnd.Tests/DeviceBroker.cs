using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Ata.Tests.Mqtt;

namespace Ata.EndToEnd.Tests;

/// <summary>
/// Where adapters meet the gateway's broker end to end: its TLS listener (plaintext for devices is
/// off by default), checked against the gateway's CA from <c>GET /api/broker/ca</c>, kept in a file
/// for the simulators' <c>--ca-file</c>.
/// </summary>
public sealed class DeviceBroker
{
    private DeviceBroker(string caPem, string fingerprint, string caFile)
    {
        CaPem = caPem;
        CaFingerprint = fingerprint;
        CaFile = caFile;
        Ca = X509Certificate2.CreateFromPem(caPem);
    }

    /// <summary>The gateway's CA (PEM).</summary>
    public string CaPem { get; }

    /// <summary>Its SHA-256, as the gateway shows it.</summary>
    public string CaFingerprint { get; }

    /// <summary>The CA as a file, for <c>Ata.Sim --ca-file</c>.</summary>
    public string CaFile { get; }

    /// <summary>The CA.</summary>
    public X509Certificate2 Ca { get; }

    /// <summary>Gets the gateway's CA and keeps it in <paramref name="directory"/>.</summary>
    public static async Task<DeviceBroker> FetchAsync(HttpClient api, string directory)
    {
        using var body = JsonDocument.Parse(await api.GetStringAsync("/api/broker/ca"));
        string pem = body.RootElement.GetProperty("pem").GetString()!;
        Directory.CreateDirectory(directory);
        string file = Path.Combine(directory, "broker-ca.pem");
        await File.WriteAllTextAsync(file, pem);
        return new DeviceBroker(pem, body.RootElement.GetProperty("sha256").GetString()!, file);
    }

    /// <summary>
    /// The simulator's options for the broker's TLS address <paramref name="brokerTls"/>; it connects at
    /// once at boot (no power-on spread: these tests are not about a fleet's mains return).
    /// </summary>
    public string[] SimArguments(string brokerTls) => ["--broker-tls", brokerTls, "--ca-file", CaFile, "--power-on-spread", "0"];

    /// <summary>A test client (a stand-in adapter) on the TLS listener at <paramref name="broker"/> (<c>host:port</c>), trusting the CA alone.</summary>
    internal MqttTestClient Client(string broker, string clientId, string? username = null, string? password = null)
    {
        int colon = broker.LastIndexOf(':');
        return MqttTestClient.Create(broker[..colon], int.Parse(broker[(colon + 1)..]), clientId, username, password, MqttTestClient.TrustOnly(Ca));
    }

    /// <summary>Like <see cref="Client"/>, connected.</summary>
    internal Task<MqttTestClient> ConnectAsync(string broker, string clientId, string? username = null, string? password = null)
    {
        int colon = broker.LastIndexOf(':');
        return MqttTestClient.ConnectAsync(broker[..colon], int.Parse(broker[(colon + 1)..]), clientId, username, password, MqttTestClient.TrustOnly(Ca));
    }
}
