using System.Text.Json.Nodes;
using Ata.Core.Contract;
using Ata.Gateway.Tests.Support;
using Ata.Lab;
using Ata.Tests.Mqtt;

namespace Ata.Gateway.Tests.Broker;

public sealed class ExternalBrokerTests
{
    [Fact]
    public async Task With_a_broker_url_the_gateway_uses_that_broker_and_runs_none()
    {
        using var directory = new TempDirectory();
        var port = FreePort.Tcp();
        await using var broker = await ExternalMosquitto.StartAsync(directory.Path, port, "allow_anonymous true");
        var data = Path.Combine(directory.Path, "data");
        await using var gateway = await RunningGateway.StartAsync(data, settings: new Dictionary<string, string?>
        {
            ["Broker:Url"] = $"mqtt://127.0.0.1:{port}",
            ["Broker:AdvertisedHost"] = "broker.example.net",
        });

        var (response, body) = await gateway.PutAdapterAsync("ext-1", RunningGateway.Adapter("ext-secret-1", ("8001", "ext-sip-1", "127.0.0.1:5060")));

        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal($"broker.example.net:{port}", body!["broker"]!.GetValue<string>());
        Assert.False(Directory.Exists(Path.Combine(data, "broker")));

        // Configs are never retained, on an external broker either: the adapter gets its own once it says it is online.
        await using var device = await MqttTestClient.ConnectAsync("127.0.0.1", port, "ext-1");
        await device.SubscribeAsync(MqttTopics.For("ext-1", MqttTopics.Config), MqttTopics.ReliableQos);
        await device.PublishAsync(MqttTopics.For("ext-1", MqttTopics.Status), MqttTopics.Online, MqttTopics.ReliableQos, retain: false);
        var config = await device.WaitForAsync(_ => true, "the config");
        Assert.False(config.Retain);
        Assert.Equal("ext-sip-1", JsonNode.Parse(config.PayloadText)![Fields.Lines]![0]![Fields.Password]!.GetValue<string>());
        await Eventually.ValueAsync(() => gateway.GetAdapterAsync("ext-1"), a => a?["online"]?.GetValue<bool>() == true, "online via the external broker", gateway.Log);
    }

    [Fact]
    public async Task A_broker_that_refuses_the_gateway_is_told_in_the_log_and_on_healthz_without_the_password()
    {
        using var directory = new TempDirectory();
        var port = FreePort.Tcp();
        var passwords = Path.Combine(directory.Path, "passwd");
        await File.WriteAllTextAsync(passwords, string.Empty);
        await using var broker = await ExternalMosquitto.StartAsync(directory.Path, port, $"allow_anonymous false\npassword_file {passwords}");
        var log = new CapturedLog();
        var app = RunningGateway.Build(Path.Combine(directory.Path, "data"), log, new Dictionary<string, string?>
        {
            ["Broker:Url"] = $"mqtt://127.0.0.1:{port}",
            ["Broker:Username"] = "gateway",
            ["Broker:Password"] = "not-the-password-77",
        });
        await app.StartAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
            var (status, body) = await Eventually.ValueAsync(
                async () =>
                {
                    using var response = await http.GetAsync("/healthz");
                    return (response.StatusCode, await response.Content.ReadAsStringAsync());
                },
                h => h.Item2.Contains("refused", StringComparison.Ordinal),
                "/healthz telling the refusal",
                log);
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, status);
            Assert.Contains($"no broker session (the broker at 127.0.0.1:{port} as gateway refused the gateway: NotAuthorized)", body, StringComparison.Ordinal);
            Assert.Contains(log.Lines, l => l.StartsWith("Error", StringComparison.Ordinal) && l.Contains("refused the gateway's connection: NotAuthorized", StringComparison.Ordinal));
            Assert.DoesNotContain("not-the-password-77", log.Text + body, StringComparison.Ordinal);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
