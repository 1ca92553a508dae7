using System.Text.Json.Nodes;
using Ata.Core.Contract;
using Ata.Core.Sip;
using Ata.Gateway.Fleet;
using Ata.Gateway.Tests.Support;

namespace Ata.Gateway.Tests.Fleet;

/// <summary>A gateway expecting health every second notices an adapter that stops sending it.</summary>
public sealed class SilenceTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private RunningGateway? _gateway;

    private RunningGateway Gateway => _gateway!;

    public async Task InitializeAsync() =>
        _gateway = await RunningGateway.StartAsync(_directory.Path, settings: new Dictionary<string, string?>
        {
            ["Health:IntervalSeconds"] = "1",
            ["Health:SilentAfterIntervals"] = "2",
        });

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        _directory.Dispose();
    }

    [Fact]
    public async Task Silence_is_a_fault_of_its_own_even_without_a_last_will_and_health_clears_it()
    {
        const string id = "silent-1";
        const string secret = "silent-secret-1";
        var port = await Gateway.ProvisionAsync(id, secret);
        await using var device = await Device.ConnectAsync(id, secret, port, Gateway.Log);
        await device.ReportAsync(MqttTopics.Status, MqttTopics.Online, retain: true);
        await device.ReportAsync(MqttTopics.Health, Reports.Health(id, "solid", "solid", "solid", "off", RegistrationState.Registered, 200), MqttTopics.HealthQos);

        var silent = await Gateway.AdapterWhenAsync(id, a => a["silent"]!.GetValue<bool>(), "silent");
        Assert.True(silent["online"]!.GetValue<bool>());
        Assert.Equal(FaultDescriptions.Silent, silent["faults"]![0]!["code"]!.GetValue<string>());

        await device.ReportAsync(MqttTopics.Health, Reports.Health(id, "solid", "solid", "solid", "off", RegistrationState.Registered, 200), MqttTopics.HealthQos);
        var back = await Gateway.AdapterWhenAsync(id, a => !a["silent"]!.GetValue<bool>(), "heard again");
        Assert.Empty(back["faults"]!.AsArray());

        var timeline = JsonNode.Parse(await Gateway.Http.GetStringAsync($"/api/adapters/{id}/faults"))!.AsArray();
        Assert.Equal([false, true], timeline.Take(2).Select(e => e!["raised"]!.GetValue<bool>()));
        Assert.All(timeline.Take(2), e => Assert.Equal(FaultDescriptions.Silent, e!["code"]!.GetValue<string>()));
        var history = JsonNode.Parse(await Gateway.Http.GetStringAsync($"/api/adapters/{id}/health"))!.AsArray();
        Assert.Equal(2, history.Count);
    }
}
