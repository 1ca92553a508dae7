using System.Globalization;
using System.Text.Json.Nodes;
using Ata.Core.Contract;
using Ata.Core.Faults;
using Ata.Gateway.Fleet;
using Ata.Gateway.Tests.Support;

namespace Ata.Gateway.Tests.Fleet;

/// <summary>
/// Fault reports as an adapter's gateway link sends them (boot, sequence number, age, and a snapshot
/// after connecting), through the real broker into the real gateway.
/// </summary>
public sealed class FaultConvergenceTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private RunningGateway Gateway => fixture.Gateway;

    [Fact]
    public async Task A_resent_change_is_taken_once_and_dated_by_its_age_and_the_snapshot_closes_what_the_adapter_no_longer_has()
    {
        const string id = "converge-1";
        const string secret = "converge-secret-1";
        var port = await Gateway.ProvisionAsync(id, secret);
        await using var device = await Device.ConnectAsync(id, secret, port, Gateway.Log);
        var repeated = Gateway.Metrics.Dropped(FleetMetrics.Repeated);
        var droppedByAdapters = Gateway.Metrics.Dropped(FleetMetrics.AdapterQueueFull);

        // Raised an hour ago while the gateway was unreachable, sent again after a lost acknowledgement.
        var credentials = Reports.Fault(1, FaultCode.WrongCredentials, raised: true, line: 1, sipCode: 403, boot: "b0075001", ageMs: 3_600_000);
        await device.ReportAsync(MqttTopics.Fault, credentials);
        await device.ReportAsync(MqttTopics.Fault, credentials);
        await device.ReportAsync(MqttTopics.Fault, Reports.Fault(2, FaultCode.NetworkDown, raised: true, boot: "b0075001"));
        var timeline = await Eventually.ValueAsync(() => FaultEventsAsync(id), e => e.Count == 2, "two fault events");
        var raised = Assert.Single(timeline, e => e["code"]!.GetValue<string>() == FaultCode.WrongCredentials)!;
        var at = DateTimeOffset.Parse(raised["at"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        Assert.InRange(at, DateTimeOffset.UtcNow.AddMinutes(-61), DateTimeOffset.UtcNow.AddMinutes(-59));
        Assert.Equal(repeated + 1, Gateway.Metrics.Dropped(FleetMetrics.Repeated));

        // The adapter rebooted: only the network fault is open, and it dropped 3 reports while the gateway was away.
        await device.ReportAsync(MqttTopics.Fault, Reports.Snapshot("b0075002", 0, 3, (FaultCode.NetworkDown, 0, 1000)));
        var adapter = await Gateway.AdapterWhenAsync(id, a => a["faults"]!.AsArray().Count == 1, "one fault left");
        Assert.Equal(FaultCode.NetworkDown, adapter["faults"]![0]!["code"]!.GetValue<string>());
        var closed = Assert.Single(await FaultEventsAsync(id), e => !e["raised"]!.GetValue<bool>())!;
        Assert.Equal((FaultCode.WrongCredentials, FaultRecords.ClosedBySnapshot), (closed["code"]!.GetValue<string>(), closed["detail"]!.GetValue<string>()));
        Assert.Equal(droppedByAdapters + 3, Gateway.Metrics.Dropped(FleetMetrics.AdapterQueueFull));
        var metrics = await Gateway.Http.GetStringAsync("/metrics");
        Assert.Contains($"ata_reports_dropped_total{{reason=\"{FleetMetrics.AdapterQueueFull}\"}} {droppedByAdapters + 3}", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain(id, metrics, StringComparison.Ordinal);
        Assert.Equal(0, Gateway.Metrics.DroppedMalformed);
    }

    private async Task<List<JsonNode>> FaultEventsAsync(string deviceId) =>
        [.. JsonNode.Parse(await Gateway.Http.GetStringAsync($"/api/adapters/{deviceId}/faults"))!.AsArray().Select(e => e!)];
}
