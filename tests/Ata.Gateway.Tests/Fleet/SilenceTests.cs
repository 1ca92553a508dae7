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

    [Fact]
    public async Task An_adapter_whose_last_will_came_is_offline_at_once_never_silent_and_an_incident_only_when_it_stays_away()
    {
        // Found: between the Last Will (seconds) and "silent" (three health intervals) an offline adapter
        // had no fault at all, and then it was called silent like one that vanished without a word.
        const string id = "offline-1";
        const string secret = "offline-secret-1";
        var port = await Gateway.ProvisionAsync(id, secret);
        await using var device = await Device.ConnectAsync(id, secret, port, Gateway.Log);
        await device.ReportAsync(MqttTopics.Status, MqttTopics.Online, retain: true);
        await device.ReportAsync(MqttTopics.Health, Reports.Health(id, "solid", "solid", "solid", "off", RegistrationState.Registered, 200), MqttTopics.HealthQos);
        await Gateway.AdapterWhenAsync(id, a => a["online"]!.GetValue<bool>() && a["lastHealthAt"] is not null, "online with health");

        // What the broker publishes as the adapter's Last Will.
        var wentAt = DateTimeOffset.UtcNow;
        await device.ReportAsync(MqttTopics.Status, MqttTopics.Offline, retain: true);
        var offline = await Gateway.AdapterWhenAsync(id, a => a["faults"]!.AsArray().Count > 0, "the offline fault");
        Assert.True(DateTimeOffset.UtcNow - wentAt < TimeSpan.FromSeconds(2), "offline shows at once, not after the silence time");
        Assert.Equal(FaultDescriptions.Offline, Assert.Single(offline["faults"]!.AsArray())!["code"]!.GetValue<string>());
        Assert.False(offline["silent"]!.GetValue<bool>());
        Assert.Empty(Incidents(await Gateway.Http.GetStringAsync("/api/incidents?open=true")));
        Assert.Contains("\nata_adapters_offline 1\n", await Gateway.Http.GetStringAsync("/metrics"), StringComparison.Ordinal);

        // Past the silence time (2 s here): still offline, not silent, and now support's incident.
        var incident = (await Eventually.ValueAsync(async () =>
            Incidents(await Gateway.Http.GetStringAsync("/api/incidents?open=true")).SingleOrDefault(), i => i is not null, "the offline incident", Gateway.Log))!;
        Assert.Equal((id, FaultDescriptions.Offline), (incident["deviceId"]!.GetValue<string>(), incident["code"]!.GetValue<string>()));
        var after = await Gateway.GetAdapterAsync(id);
        Assert.False(after!["silent"]!.GetValue<bool>());
        Assert.Equal([FaultDescriptions.Offline], after["faults"]!.AsArray().Select(f => f!["code"]!.GetValue<string>()));

        await device.ReportAsync(MqttTopics.Status, MqttTopics.Online, retain: true);
        var back = await Gateway.AdapterWhenAsync(id, a => a["faults"]!.AsArray().Count == 0, "the offline fault cleared");
        Assert.True(back["online"]!.GetValue<bool>());
    }

    [Fact]
    public async Task An_adapter_back_before_the_silence_time_makes_no_incident()
    {
        const string id = "reboot-1";
        const string secret = "reboot-secret-1";
        var port = await Gateway.ProvisionAsync(id, secret);
        await using var device = await Device.ConnectAsync(id, secret, port, Gateway.Log);
        await device.ReportAsync(MqttTopics.Status, MqttTopics.Offline, retain: true);
        await Gateway.AdapterWhenAsync(id, a => a["faults"]!.AsArray().Count > 0, "the offline fault");
        await device.ReportAsync(MqttTopics.Status, MqttTopics.Online, retain: true);
        await Gateway.AdapterWhenAsync(id, a => a["faults"]!.AsArray().Count == 0, "the offline fault cleared");

        await Task.Delay(TimeSpan.FromSeconds(3)); // past the 2 s silence time: the watch ran several times
        Assert.DoesNotContain(Incidents(await Gateway.Http.GetStringAsync("/api/incidents")), i => i["deviceId"]?.GetValue<string>() == id);
    }

    private static List<JsonNode> Incidents(string json) => [.. JsonNode.Parse(json)!.AsArray().Select(i => i!)];
}
