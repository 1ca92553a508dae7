using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Ata.Core.Contract;
using Ata.Gateway.Fleet;
using Ata.Gateway.Tests.Support;
using Ata.Lab;
using Ata.Tests.Mqtt;

namespace Ata.Gateway.Tests.Store;

/// <summary>
/// No SIP password or device secret is at rest in clear anywhere in the data directory (issue 12,
/// finding 4): after provisioning, a credential rotation, changed passwords and secrets, a retained
/// config an older gateway left behind, and a restart, every file of the data directory (database,
/// its WAL, the broker's persistence, the key ring, everything) is searched for each of them, as
/// text and as base64. The broker persisted retained configs in clear before (run with
/// <c>ATA_TEST_GATEWAY_ASSEMBLY</c> set to that build to see it fail).
/// </summary>
public sealed class SecretsAtRestTests
{
    [Fact]
    public async Task After_provisioning_rotation_changes_and_a_restart_no_file_of_the_data_directory_holds_a_secret()
    {
        using var directory = new TempDirectory();
        var httpPort = FreePort.Tcp();
        var secrets = new List<string> { "rest-secret-a1", "rest-secret-b1", "rest-sip-pass-a1", "rest-sip-pass-a2", "rest-sip-pass-b1" };
        var gateway = await GatewayProcess.StartAsync(directory.Path, httpPort);
        try
        {
            await PutAsync(gateway, "rest-a", "rest-secret-a1", "rest-sip-pass-a1", "rest-sip-pass-a2");
            await PutAsync(gateway, "rest-b", "rest-secret-b1", "rest-sip-pass-b1");

            // The adapter gets its config, then a rotated device secret in band, and applies both.
            var adapter = await ConnectAsync(gateway, "rest-a", "rest-secret-a1");
            await AcknowledgeAsync(adapter, "rest-a", await ConfigAsync(adapter, "rest-a", 1));
            var rotation = await gateway.Http.PostAsync("/api/adapters/rest-a/rotate-credential", null);
            Assert.Equal(HttpStatusCode.Accepted, rotation.StatusCode);
            var rotated = await ConfigAsync(adapter, "rest-a", 2);
            var newSecret = rotated[Fields.DeviceSecret]!.GetValue<string>();
            secrets.Add(newSecret);
            await AcknowledgeAsync(adapter, "rest-a", rotated);
            await adapter.DisposeAsync();
            adapter = await Eventually.ValueAsync(async () => await TryConnectAsync(gateway, "rest-a", newSecret), c => c is not null, "a login with the rotated secret");

            // New SIP passwords for one adapter, a new device secret for the other.
            secrets.Add("rest-sip-pass-a3");
            secrets.Add("rest-secret-b2");
            await PutAsync(gateway, "rest-a", newSecret, "rest-sip-pass-a3", "rest-sip-pass-a2");
            await AcknowledgeAsync(adapter!, "rest-a", await ConfigAsync(adapter!, "rest-a", 3));
            await PutAsync(gateway, "rest-b", "rest-secret-b2", "rest-sip-pass-b1");
            await using (var other = await ConnectAsync(gateway, "rest-b", "rest-secret-b2"))
            {
                await ConfigAsync(other, "rest-b", 2);
            }

            await adapter!.DisposeAsync();
            await gateway.StopAsync();
            await gateway.DisposeAsync();
            AssertNoSecretIn(directory.Path, secrets);

            // A retained config such as an older gateway left on the broker.
            gateway = await GatewayProcess.StartAsync(directory.Path, httpPort);
            secrets.Add("rest-sip-pass-legacy");
            await using (var older = await gateway.ConnectAsGatewayAsync("older-gateway"))
            {
                await older.PublishAsync(MqttTopics.For("rest-a", MqttTopics.Config),
                    """{"version":1,"lines":[{"line":1,"username":"2001","password":"rest-sip-pass-legacy","registrar":"127.0.0.1:5060"}]}""",
                    MqttTopics.ReliableQos, retain: true);
            }

            File.Delete(Path.Combine(directory.Path, FleetChannel.RetainedConfigsClearedFile));

            await gateway.StopAsync();
            await gateway.DisposeAsync();
            gateway = await GatewayProcess.StartAsync(directory.Path, httpPort);
            await using (var again = await ConnectAsync(gateway, "rest-a", newSecret))
            {
                await ConfigAsync(again, "rest-a", 3);
            }

            await gateway.StopAsync();
        }
        finally
        {
            await gateway.DisposeAsync();
        }

        AssertNoSecretIn(directory.Path, secrets);
    }

    /// <summary>Searches every file under <paramref name="directory"/> for every secret in every form.</summary>
    private static void AssertNoSecretIn(string directory, IReadOnlyList<string> secrets)
    {
        var files = Directory.GetFiles(directory, "*", SearchOption.AllDirectories);
        Assert.Contains(files, f => f.EndsWith("mosquitto.db", StringComparison.Ordinal));
        var contents = files.Select(f => (Name: Path.GetRelativePath(directory, f), Content: File.ReadAllBytes(f))).ToList();
        if (TestStores.PostgreSql)
        {
            // The store is not a file here: every row of every table of the gateway's database instead.
            using var database = TestStores.Database(directory);
            contents.Add(("the PostgreSQL database", Encoding.UTF8.GetBytes(TestStores.StoredText(database))));
        }
        else
        {
            Assert.Contains(files, f => f.EndsWith("gateway.db", StringComparison.Ordinal));
        }

        var found = new List<string>();
        foreach (var (name, content) in contents)
        {
            foreach (var secret in secrets)
            {
                foreach (var (form, bytes) in Forms(secret))
                {
                    if (content.AsSpan().IndexOf(bytes) >= 0)
                    {
                        found.Add($"{name}: {secret} ({form})");
                    }
                }
            }
        }

        Assert.Empty(found);
    }

    /// <summary>A secret as text (UTF-8, UTF-16) and as base64 (standard and URL-safe, at each of the three byte alignments).</summary>
    private static IEnumerable<(string Form, byte[] Bytes)> Forms(string secret)
    {
        var utf8 = Encoding.UTF8.GetBytes(secret);
        yield return ("text", utf8);
        yield return ("UTF-16", Encoding.Unicode.GetBytes(secret));
        for (var offset = 0; offset < 3; offset++)
        {
            // Only the characters that depend on the secret's bytes alone, whatever precedes or follows them.
            var encoded = Convert.ToBase64String([.. new byte[offset], .. utf8]);
            var core = encoded[(offset == 0 ? 0 : offset + 1)..^4];
            yield return ("base64", Encoding.ASCII.GetBytes(core));
            yield return ("base64url", Encoding.ASCII.GetBytes(core.Replace('+', '-').Replace('/', '_')));
        }
    }

    private static async Task PutAsync(GatewayProcess gateway, string deviceId, string secret, params string[] passwords)
    {
        using var response = await gateway.Http.PutAsJsonAsync($"/api/adapters/{deviceId}", new
        {
            secret,
            lines = passwords.Select((password, i) => new { username = $"{3001 + i}", password, registrar = "127.0.0.1:5060" }).ToArray(),
        });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<MqttTestClient?> TryConnectAsync(GatewayProcess gateway, string deviceId, string secret)
    {
        var client = MqttTestClient.Create("127.0.0.1", gateway.BrokerPort, deviceId, deviceId, secret);
        if (await client.TryConnectAsync() == MQTTnet.MqttClientConnectResultCode.Success)
        {
            await Announce(client, deviceId);
            return client;
        }

        await client.DisposeAsync();
        return null;
    }

    private static async Task<MqttTestClient> ConnectAsync(GatewayProcess gateway, string deviceId, string secret)
    {
        var client = await MqttTestClient.ConnectAsync("127.0.0.1", gateway.BrokerPort, deviceId, deviceId, secret);
        await Announce(client, deviceId);
        return client;
    }

    /// <summary>As the adapter does on every connection: subscribe to its config, then say it is online.</summary>
    private static async Task Announce(MqttTestClient client, string deviceId)
    {
        await client.SubscribeAsync(MqttTopics.For(deviceId, MqttTopics.Config), MqttTopics.ReliableQos);
        await client.PublishAsync(MqttTopics.For(deviceId, MqttTopics.Status), MqttTopics.Online, MqttTopics.ReliableQos, retain: true);
    }

    private static async Task<JsonNode> ConfigAsync(MqttTestClient client, string deviceId, int version)
    {
        var message = await client.WaitForAsync(
            m => m.Topic == MqttTopics.For(deviceId, MqttTopics.Config) && m.Payload.Length > 0
                && JsonNode.Parse(m.PayloadText)?[Fields.Version]?.GetValue<int>() == version,
            $"{deviceId}'s config v{version}");
        return JsonNode.Parse(message.PayloadText)!;
    }

    private static Task AcknowledgeAsync(MqttTestClient client, string deviceId, JsonNode config) =>
        client.PublishAsync(MqttTopics.For(deviceId, MqttTopics.ConfigAck), Reports.ConfigAck(config[Fields.Version]!.GetValue<int>(), applied: true),
            MqttTopics.ReliableQos, retain: false);
}
