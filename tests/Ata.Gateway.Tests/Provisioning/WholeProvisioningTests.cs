using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Ata.Core.Contract;
using Ata.Gateway.Tests.Support;
using Ata.Lab;
using Ata.Tests.Mqtt;
using MQTTnet;

namespace Ata.Gateway.Tests.Provisioning;

/// <summary>
/// Provisioning an adapter is one unit with its broker login (issue 12, finding 8): both are made or
/// neither, and a retry makes right what a failure left. Before, with the data directory read-only,
/// PUT answered 500 but saved the adapter without its login, and a retry answered 200 still
/// without it (run with <c>ATA_TEST_GATEWAY_ASSEMBLY</c> set to that build to see these fail).
/// </summary>
public sealed class WholeProvisioningTests(GatewayProcessFixture fixture) : IClassFixture<GatewayProcessFixture>
{
    private GatewayProcess Gateway => fixture.Gateway;

    [Fact]
    public async Task With_the_data_directory_read_only_an_adapter_is_saved_with_its_login_or_not_at_all_and_a_retry_then_does_both()
    {
        const string id = "whole-new";
        var body = RunningGateway.Adapter("whole-secret-1", ("2001", "whole-sip-1", "127.0.0.1:5060"));

        // A login is appended to the broker's logins file: an immutable folder still lets its files be
        // written, a read-only disk does not, so the file is made read-only too.
        using (new ReadOnlyDirectories(Gateway.DataDirectory, Gateway.BrokerDirectory, Path.Combine(Gateway.BrokerDirectory, "passwd")))
        {
            foreach (var attempt in new[] { 1, 2 })
            {
                using var refused = await Gateway.Http.PutAsJsonAsync($"/api/adapters/{id}", body);
                var problem = await refused.Content.ReadAsStringAsync();
                Assert.True(refused.StatusCode == HttpStatusCode.ServiceUnavailable, $"attempt {attempt}: {(int)refused.StatusCode} {problem}");
                Assert.Contains("cannot be written", problem, StringComparison.Ordinal);
                Assert.DoesNotContain("   at ", problem, StringComparison.Ordinal);
                Assert.Equal(HttpStatusCode.NotFound, (await Gateway.Http.GetAsync($"/api/adapters/{id}")).StatusCode);
            }

            Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await TryLoginAsync(id, "whole-secret-1"));
        }

        using var saved = await Gateway.Http.PutAsJsonAsync($"/api/adapters/{id}", body);
        Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
        await Eventually.ValueAsync(() => TryLoginAsync(id, "whole-secret-1"), code => code == MqttClientConnectResultCode.Success, "the adapter's login");
        Assert.Equal(HttpStatusCode.OK, (await Gateway.HealthAsync()).Status);
        Assert.DoesNotContain(Gateway.Process.Lines, l => l.Text.Contains("Unhandled exception", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Putting_an_adapter_again_gives_it_back_a_broker_login_a_failure_left_it_without()
    {
        const string id = "whole-left";
        await Gateway.ProvisionAsync(id, "whole-secret-2");
        Assert.Equal(MqttClientConnectResultCode.Success, await TryLoginAsync(id, "whole-secret-2"));

        // What a failure used to leave: the adapter saved, its line missing from the broker's password file.
        var passwords = Path.Combine(Gateway.BrokerDirectory, "passwd");
        await File.WriteAllLinesAsync(passwords, (await File.ReadAllLinesAsync(passwords)).Where(l => !l.StartsWith(id + ":", StringComparison.Ordinal)));
        using (var broker = System.Diagnostics.Process.Start("kill", ["-HUP", Gateway.BrokerProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await broker.WaitForExitAsync();
        }

        await Eventually.ValueAsync(() => TryLoginAsync(id, "whole-secret-2"), code => code == MqttClientConnectResultCode.NotAuthorized, "the login gone");

        // The same adapter again, unchanged: 200, and its login is back.
        using var again = await Gateway.Http.PutAsJsonAsync($"/api/adapters/{id}", RunningGateway.Adapter("whole-secret-2", ("2001", "sip-password", "127.0.0.1:5060")));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(1, (await again.Content.ReadFromJsonAsync<JsonNode>())!["configVersion"]!.GetValue<int>());
        await Eventually.ValueAsync(() => TryLoginAsync(id, "whole-secret-2"), code => code == MqttClientConnectResultCode.Success, "the login back");
    }

    private async Task<MqttClientConnectResultCode> TryLoginAsync(string deviceId, string secret)
    {
        await using var client = MqttTestClient.Create("127.0.0.1", Gateway.BrokerPort, deviceId, deviceId, secret);
        return await client.TryConnectAsync();
    }
}
