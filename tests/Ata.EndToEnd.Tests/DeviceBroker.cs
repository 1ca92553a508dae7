using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Ata.Tests.Mqtt;
using MQTTnet;

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

    /// <summary>The simulator's options for the broker's TLS address <paramref name="brokerTls"/>.</summary>
    public string[] SimArguments(string brokerTls) => ["--broker-tls", brokerTls, "--ca-file", CaFile];

    /// <summary>A test client (a stand-in adapter) on the TLS listener at <paramref name="broker"/> (<c>host:port</c>), trusting the CA alone.</summary>
    internal MqttTestClient Client(string broker, string clientId, string? username = null, string? password = null)
    {
        int colon = broker.LastIndexOf(':');
        return MqttTestClient.Create(broker[..colon], int.Parse(broker[(colon + 1)..]), clientId, username, password, TrustOnlyCa);
    }

    /// <summary>Like <see cref="Client"/>, connected.</summary>
    internal async Task<MqttTestClient> ConnectAsync(string broker, string clientId, string? username = null, string? password = null)
    {
        var client = Client(broker, clientId, username, password);
        try
        {
            await client.ConnectAsync();
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>TLS to the broker, which must present a certificate for the host dialled that chains to the CA alone.</summary>
    public void TrustOnlyCa(MqttClientOptionsBuilder builder) =>
        builder.WithTlsOptions(tls => tls.UseTls().WithCertificateValidationHandler(e =>
        {
            if (e.Certificate is null || e.SslPolicyErrors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(Ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var presented = new X509Certificate2(e.Certificate);
            return chain.Build(presented);
        }));
}
