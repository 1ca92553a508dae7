using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Ata.Core.Calls;
using Ata.Core.Contract;
using Ata.Gateway.Calls;
using Ata.Gateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Ata.Gateway.Tests.Calls;

/// <summary>A gateway with call records kept one day, at most 30 per adapter, for the call record tests.</summary>
public sealed class CallRecordsFixture : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private RunningGateway? _gateway;

    internal RunningGateway Gateway => _gateway ?? throw new InvalidOperationException("The gateway has not started.");

    public async Task InitializeAsync() =>
        _gateway = await RunningGateway.StartAsync(_directory.Path, settings: new Dictionary<string, string?> { ["CallRecords:RetentionDays"] = "1", ["CallRecords:MaxPerAdapter"] = "30" });

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        _directory.Dispose();
    }
}

/// <summary>Call records (<c>ata/{id}/call</c>) through the real embedded broker: stored once, kept for the retention, judged, listed and counted.</summary>
public sealed class CallRecordTests(CallRecordsFixture fixture) : IClassFixture<CallRecordsFixture>
{
    private RunningGateway Gateway => fixture.Gateway;

    internal static string Record(
        string boot, long seq, int line = 1, double? mos = 4.3, double jitterMs = 3.25, double lossPercent = 0.5, int sipCode = 200, string reason = "OK",
        string outcome = CallOutcome.Completed, long ageMs = 1000, string farEnd = "****234", string endedBy = CallEnder.Household)
    {
        var record = new JsonObject
        {
            [Fields.AgeMs] = ageMs, [Fields.Boot] = boot, [Fields.Sequence] = seq, [Fields.Line] = line, [Fields.Direction] = CallRecord.Outgoing,
            [Fields.FarEnd] = farEnd, [Fields.Emergency] = false, [Fields.Outcome] = outcome, [Fields.SipCode] = sipCode, [Fields.Reason] = reason,
            [Fields.EndedBy] = endedBy, [Fields.TotalMs] = 65_000, [Fields.DurationMs] = mos is null ? 0 : 60_000,
        };
        if (mos is { } score)
        {
            record[Fields.AnsweredAfterMs] = 5_000;
            record[Fields.Codec] = "PCMA";
            record[Fields.PacketsSent] = 3000;
            record[Fields.PacketsReceived] = 2985;
            record[Fields.PacketsLost] = 15;
            record[Fields.LatePackets] = 2;
            record[Fields.LossPercent] = lossPercent;
            record[Fields.JitterMs] = jitterMs;
            record[Fields.RoundTripMs] = 42;
            record[Fields.JitterBufferMs] = 40;
            record[Fields.ConcealedMs] = 300;
            record[Fields.Mos] = score;
        }

        return record.ToJsonString();
    }

    private async Task<JsonArray> CallsAsync(string id) => (await Gateway.Http.GetFromJsonAsync<JsonArray>($"/api/adapters/{id}/calls"))!;

    private Task<JsonArray> CallsWhenAsync(string id, int count) =>
        Eventually.ValueAsync(() => CallsAsync(id), calls => calls.Count >= count, $"{count} call records of {id}", Gateway.Log);

    private async Task<JsonArray> OpenIncidentsAsync(string id) =>
        new([.. (await Gateway.Http.GetFromJsonAsync<JsonArray>("/api/incidents?open=true"))!
            .Where(i => i!["deviceId"]?.GetValue<string>() == id && i["code"]!.GetValue<string>() == CallBook.PoorQuality)
            .Select(i => i!.DeepClone())]);

    [Fact]
    public async Task Records_are_stored_once_masked_with_the_failed_calls_status_and_reason_and_listed_newest_first()
    {
        const string id = "calls-store";
        var port = await Gateway.ProvisionAsync(id, "calls-secret-a1");
        await using var device = await Device.ConnectAsync(id, "calls-secret-a1", port, Gateway.Log);

        await device.ReportAsync(MqttTopics.Call, Record("b1", 1, ageMs: 60_000, farEnd: "4001234"));
        await device.ReportAsync(MqttTopics.Call, Record("b1", 2, mos: null, sipCode: 404, reason: "Not Found", outcome: CallOutcome.NotReachable, endedBy: CallEnder.Network, ageMs: 1000));
        await device.ReportAsync(MqttTopics.Call, Record("b1", 2, mos: null, sipCode: 404, reason: "Not Found", outcome: CallOutcome.NotReachable, endedBy: CallEnder.Network, ageMs: 1000));
        await device.ReportAsync(MqttTopics.Call, Record("b1", 3, mos: null, sipCode: 402, reason: "Payment Required", outcome: CallOutcome.NetworkFailure, endedBy: CallEnder.Network, ageMs: 500));
        var calls = await CallsWhenAsync(id, 3);
        await Eventually.TrueAsync(() => Gateway.Metrics.Dropped(Ata.Gateway.Fleet.FleetMetrics.Repeated) >= 1, "the repeated record dropped", Gateway.Log);
        Assert.Equal(3, (await CallsAsync(id)).Count);

        Assert.Equal([402, 404, 200], calls.Select(c => c!["sipCode"]!.GetValue<int>()));
        Assert.Equal(["Payment Required", "Not Found", "OK"], calls.Select(c => c!["reason"]!.GetValue<string>()));
        Assert.Equal(CallEnder.Network, calls[1]!["endedBy"]!.GetValue<string>());
        Assert.Null(calls[1]!["quality"]);
        var completed = calls[2]!;
        Assert.Equal("****234", completed["farEnd"]!.GetValue<string>());
        Assert.DoesNotContain(Gateway.ResponseBodies, body => body.Contains("4001234", StringComparison.Ordinal));
        var quality = completed["quality"]!;
        Assert.Equal((4.3, 3.25, 0.5, 15L, 2L, 42), (quality["mos"]!.GetValue<double>(), quality["jitterMs"]!.GetValue<double>(),
            quality["lossPercent"]!.GetValue<double>(), quality["packetsLost"]!.GetValue<long>(), quality["latePackets"]!.GetValue<long>(), quality["roundTripMs"]!.GetValue<int>()));
        var ended = completed["endedAt"]!.GetValue<DateTimeOffset>();
        Assert.InRange(DateTimeOffset.UtcNow - ended, TimeSpan.FromSeconds(59), TimeSpan.FromSeconds(90));
        Assert.Equal(TimeSpan.FromSeconds(65), ended - completed["startedAt"]!.GetValue<DateTimeOffset>());
        Assert.Equal(TimeSpan.FromSeconds(5), completed["answeredAt"]!.GetValue<DateTimeOffset>() - completed["startedAt"]!.GetValue<DateTimeOffset>());

        Assert.Equal(HttpStatusCode.NotFound, (await Gateway.Http.GetAsync("/api/adapters/calls-nobody/calls")).StatusCode);
    }

    [Fact]
    public async Task Bad_records_are_dropped_and_counted_and_the_adapter_keeps_reporting()
    {
        const string id = "calls-bad";
        var port = await Gateway.ProvisionAsync(id, "calls-secret-b1");
        await using var device = await Device.ConnectAsync(id, "calls-secret-b1", port, Gateway.Log);
        var malformed = Gateway.Metrics.DroppedMalformed;
        string[] garbage =
        [
            "not json",
            "[]",
            """{"boot":"b1","seq":1,"line":1,"direction":"sideways","outcome":"completed","endedBy":"household","totalMs":1}""",
            """{"boot":"b1","seq":0,"line":1,"direction":"outgoing","outcome":"completed","endedBy":"household","totalMs":1}""",
            """{"boot":"b1","seq":1,"line":9,"direction":"outgoing","outcome":"completed","endedBy":"household","totalMs":1}""",
            Record("b1", 1).Replace("4.3", "7.5", StringComparison.Ordinal),
        ];
        foreach (var payload in garbage)
        {
            await device.ReportAsync(MqttTopics.Call, payload);
        }

        await device.ReportAsync(MqttTopics.Call, Record("b1", 9));
        await CallsWhenAsync(id, 1);
        await Eventually.TrueAsync(() => Gateway.Metrics.DroppedMalformed >= malformed + garbage.Length, "malformed call records dropped", Gateway.Log);
        Assert.Single(await CallsAsync(id));
    }

    [Fact]
    public async Task An_adapter_keeps_at_most_its_quota_of_records_the_newest()
    {
        const string id = "calls-quota";
        var port = await Gateway.ProvisionAsync(id, "calls-secret-f1");
        await using var device = await Device.ConnectAsync(id, "calls-secret-f1", port, Gateway.Log);
        for (int seq = 1; seq <= 40; seq++)
        {
            await device.ReportAsync(MqttTopics.Call, Record("b1", seq, ageMs: 1000 + (40 - seq)));
        }

        await device.ReportAsync(MqttTopics.Call, Record("b2", 1, sipCode: 486, reason: "Busy Here", mos: null, outcome: CallOutcome.Busy));
        var calls = await Eventually.ValueAsync(() => CallsAsync(id), list => list.Count > 0 && list[0]!["sipCode"]!.GetValue<int>() == 486, "the last record", Gateway.Log);
        Assert.Equal(30, calls.Count);
    }

    [Fact]
    public async Task Records_older_than_the_retention_are_pruned()
    {
        const string id = "calls-retention";
        var port = await Gateway.ProvisionAsync(id, "calls-secret-c1");
        await using var device = await Device.ConnectAsync(id, "calls-secret-c1", port, Gateway.Log);

        // Retention is one day here: a call that ended two days ago (held through an outage) is not kept.
        await device.ReportAsync(MqttTopics.Call, Record("b1", 1, ageMs: (long)TimeSpan.FromDays(2).TotalMilliseconds));
        await device.ReportAsync(MqttTopics.Call, Record("b1", 2, ageMs: (long)TimeSpan.FromHours(23).TotalMilliseconds));
        await device.ReportAsync(MqttTopics.Call, Record("b1", 3));
        var calls = await CallsWhenAsync(id, 2);
        Assert.Equal(2, calls.Count);
        Assert.All(calls, c => Assert.InRange(DateTimeOffset.UtcNow - c!["endedAt"]!.GetValue<DateTimeOffset>(), TimeSpan.Zero, TimeSpan.FromDays(1)));

        // The hourly pruning drops what aged past retention since; nothing is younger than a day here, so nothing goes.
        Assert.Equal(0, Gateway.App.Services.GetRequiredService<CallRetention>().PruneNow());
        Assert.Equal(2, (await CallsAsync(id)).Count);
    }

    [Fact]
    public async Task A_line_whose_median_MOS_over_its_last_10_calls_is_below_3_6_gets_a_poor_call_quality_incident_and_others_do_not()
    {
        const string id = "calls-quality";
        var port = await Gateway.ProvisionAsync(id, "calls-secret-d1");
        await using var device = await Device.ConnectAsync(id, "calls-secret-d1", port, Gateway.Log);

        // Line 1: 4 poor calls of 10, median 4.05: fine. Line 2: 9 poor calls, not yet 10: no verdict.
        long seq = 0;
        foreach (var mos in new[] { 2.1, 4.2, 2.5, 4.3, 4.1, 3.0, 4.1, 4.4, 2.9, 4.0 })
        {
            await device.ReportAsync(MqttTopics.Call, Record("b1", ++seq, line: 1, mos: mos));
        }

        for (int i = 0; i < 9; i++)
        {
            await device.ReportAsync(MqttTopics.Call, Record("b1", ++seq, line: 2, mos: 2.8, lossPercent: 8, jitterMs: 35));
        }

        await CallsWhenAsync(id, 19);
        Assert.Empty(await OpenIncidentsAsync(id));

        // The 10th: line 2's median is 2.8 now.
        await device.ReportAsync(MqttTopics.Call, Record("b1", ++seq, line: 2, mos: 4.4));
        var incidents = await Eventually.ValueAsync(() => OpenIncidentsAsync(id), list => list.Count == 1, "the poor call quality incident", Gateway.Log);
        var incident = incidents[0]!;
        Assert.Equal(2, incident["line"]!.GetValue<int>());
        Assert.Contains("check the customer's upstream bandwidth / Wi-Fi", incident["nextStep"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.StartsWith("Poor call quality", incident["description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(incident["clearedAt"]);

        var quality = (await Gateway.Http.GetFromJsonAsync<JsonObject>($"/api/adapters/{id}/calls/quality"))!;
        var lines = quality["lines"]!.AsArray();
        Assert.Equal([false, true], lines.Select(l => l!["poor"]!.GetValue<bool>()));
        Assert.Equal([4.05, 2.8], lines.Select(l => l!["medianMos"]!.GetValue<double>()));
        var today = Assert.Single(quality["days"]!.AsArray())!;
        Assert.Equal((20, DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)), (today["calls"]!.GetValue<int>(), today["day"]!.GetValue<string>()));

        // Six good calls on line 2 bring its median back above 3.6: the incident clears.
        for (int i = 0; i < 6; i++)
        {
            await device.ReportAsync(MqttTopics.Call, Record("b1", ++seq, line: 2, mos: 4.3));
        }

        await Eventually.ValueAsync(() => OpenIncidentsAsync(id), list => list.Count == 1 && list[0]!["clearedAt"] is not null, "the incident clearing", Gateway.Log);
    }

    [Fact]
    public async Task Metrics_carry_histograms_of_the_recorded_calls_MOS_and_jitter()
    {
        const string id = "calls-metrics";
        var port = await Gateway.ProvisionAsync(id, "calls-secret-e1");
        await using var device = await Device.ConnectAsync(id, "calls-secret-e1", port, Gateway.Log);
        var before = await Gateway.Http.GetStringAsync("/metrics");
        var countBefore = Sample(before, "ata_call_mos_count");
        var lowBefore = Sample(before, "ata_call_mos_bucket{le=\"3\"}");
        var jitterBefore = Sample(before, "ata_call_jitter_ms_bucket{le=\"50\"}") - Sample(before, "ata_call_jitter_ms_bucket{le=\"30\"}");

        await device.ReportAsync(MqttTopics.Call, Record("b1", 1, mos: 2.4, jitterMs: 42.5));
        await device.ReportAsync(MqttTopics.Call, Record("b1", 2, mos: 4.4, jitterMs: 1.5));
        await device.ReportAsync(MqttTopics.Call, Record("b1", 3, mos: null, sipCode: 486, reason: "Busy Here", outcome: CallOutcome.Busy));
        await CallsWhenAsync(id, 3);

        var after = await Eventually.ValueAsync(() => Gateway.Http.GetStringAsync("/metrics"), text => Sample(text, "ata_call_mos_count") >= countBefore + 2, "the calls counted", Gateway.Log);
        Assert.Contains("# TYPE ata_call_mos histogram\n", after, StringComparison.Ordinal);
        Assert.Contains("# TYPE ata_call_jitter_ms histogram\n", after, StringComparison.Ordinal);
        Assert.Equal(countBefore + 2, Sample(after, "ata_call_mos_count"));
        Assert.Equal(Sample(after, "ata_call_mos_count"), Sample(after, "ata_call_mos_bucket{le=\"+Inf\"}"));
        Assert.Equal(lowBefore + 1, Sample(after, "ata_call_mos_bucket{le=\"3\"}"));
        Assert.Equal(jitterBefore + 1, Sample(after, "ata_call_jitter_ms_bucket{le=\"50\"}") - Sample(after, "ata_call_jitter_ms_bucket{le=\"30\"}"));
    }

    private static double Sample(string text, string name)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(name + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
