using Microsoft.Extensions.Logging;

namespace Ata.Mqtt.Tests.Fixtures;

internal static class TestClient
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>A client id no other test uses, so brokers never hand one test's session to another.</summary>
    public static string UniqueId(string name) => $"{name}-{Guid.NewGuid().ToString("N")[..8]}";

    public static MqttClientOptions Options(MosquittoBroker broker, string clientId) => new()
    {
        Host = broker.Host,
        Port = broker.Port,
        ClientId = clientId,
    };

    public static Task<MosquittoClient> ConnectAsync(MosquittoBroker broker, string name) =>
        ConnectAsync(Options(broker, UniqueId(name)));

    public static async Task<MosquittoClient> ConnectAsync(MqttClientOptions options, ILogger<MosquittoClient>? logger = null)
    {
        var client = new MosquittoClient(options, logger);
        try
        {
            client.Start();
            await client.WaitUntilConnectedAsync(Timeout);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }
}
