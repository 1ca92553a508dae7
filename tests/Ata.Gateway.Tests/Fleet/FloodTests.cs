using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Ata.Core.Contract;
using Ata.Core.Faults;
using Ata.Core.Provisioning;
using Ata.Gateway.Broker;
using Ata.Gateway.Fleet;
using Ata.Gateway.Provisioning;
using Ata.Gateway.Tests.Support;
using Ata.Lab;
using Ata.Tests.Mqtt;

namespace Ata.Gateway.Tests.Fleet;

/// <summary>
/// One adapter's credentials cannot exhaust what the fleet shares (issue 12, finding 6): distinct
/// fault codes, huge payloads, retained messages, incidents and audit entries are all bounded per
/// adapter. The floods of the issue run in short form against the real gateway process and its
/// embedded Mosquitto; each failed on the gateway before this (run with <c>ATA_TEST_GATEWAY_ASSEMBLY</c>).
/// </summary>
public sealed class FloodTests(GatewayProcessFixture fixture) : IClassFixture<GatewayProcessFixture>
{
    private GatewayProcess Gateway => fixture.Gateway;

    [Fact]
    public async Task Three_thousand_distinct_fault_codes_are_one_unknown_fault_and_leave_the_fleet_view_and_metrics_small()
    {
        const string id = "flood-codes";
        await Gateway.ProvisionAsync(id, "flood-secret-codes");
        var recorded = await Gateway.MetricAsync("ata_reports_recorded_total");
        await using var adapter = await MqttTestClient.ConnectAsync("127.0.0.1", Gateway.BrokerPort, id, id, "flood-secret-codes");

        await PublishAllAsync(adapter, Enumerable.Range(1, 3000).Select(n =>
            (MqttTopics.For(id, MqttTopics.Fault), Reports.Fault(n, $"made.up-{n}", raised: true, line: 1, detail: $"flood {n}"))));

        await Eventually.ValueAsync(() => Gateway.MetricAsync("ata_reports_recorded_total"), n => n >= recorded + 3000, "3000 faults recorded",
            timeout: TimeSpan.FromSeconds(60));
        var view = await Gateway.Http.GetStringAsync($"/api/adapters/{id}");
        var fault = Assert.Single(JsonNode.Parse(view)!["faults"]!.AsArray())!;
        Assert.Equal(FaultDescriptions.Unknown, fault["code"]!.GetValue<string>());
        Assert.Matches(@"^code made\.up-(\d+): flood \1$", fault["detail"]!.GetValue<string>());
        Assert.True(view.Length < 4096, $"the adapter's view is {view.Length} bytes");

        var incidents = (await Gateway.Http.GetFromJsonAsync<JsonArray>("/api/incidents?open=true"))!;
        Assert.Single(incidents, i => i!["deviceId"]?.GetValue<string>() == id);
        var metrics = await Gateway.MetricsAsync();
        Assert.True(metrics.Length < 16 * 1024, $"/metrics is {metrics.Length} bytes");
        var codes = metrics.Split('\n').Where(l => l.StartsWith("ata_faults_active{", StringComparison.Ordinal)).ToList();
        Assert.All(codes, l => Assert.True(
            FaultCode.All.Append(FaultDescriptions.Unknown).Append(FaultDescriptions.Silent).Any(c => l.StartsWith($"ata_faults_active{{code=\"{c}\"}}", StringComparison.Ordinal)), l));
        Assert.Contains("ata_faults_active{code=\"unknown\"} 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Four_payloads_of_250_MB_are_refused_before_the_broker_reads_them()
    {
        const string id = "flood-huge";
        await Gateway.ProvisionAsync(id, "flood-secret-huge");
        var broker = Gateway.BrokerProcessId;
        var peakBefore = PeakMemoryMiB(broker);

        var taken = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            taken.Add(await RawMqttPublisher.PublishAsync(Gateway.BrokerPort, id, "flood-secret-huge", MqttTopics.For(id, MqttTopics.Hello), 250L * 1000 * 1000));
        }

        Assert.Equal(broker, Gateway.BrokerProcessId);
        var peak = PeakMemoryMiB(broker);
        Assert.True(peak < peakBefore + 32, $"the broker's peak memory grew from {peakBefore} MiB to {peak} MiB");
        Assert.All(taken, bytes => Assert.True(bytes < 250L * 1000 * 1000, $"the broker read a whole payload ({bytes} bytes)"));

        // The broker still serves the adapter, and the gateway records what it says.
        await using var adapter = await MqttTestClient.ConnectAsync("127.0.0.1", Gateway.BrokerPort, id, id, "flood-secret-huge");
        await adapter.PublishAsync(MqttTopics.For(id, MqttTopics.Hello), Reports.Hello(id, "4.4.4"), MqttTopics.ReliableQos, retain: false);
        await Eventually.ValueAsync(() => Gateway.Http.GetFromJsonAsync<JsonNode>($"/api/adapters/{id}"),
            a => a?["firmware"]?.GetValue<string>() == "4.4.4", "a normal hello after the flood");
    }

    [Fact]
    public async Task Twenty_large_retained_messages_leave_nothing_retained_and_nothing_on_disk()
    {
        const string id = "flood-retained";
        using var directory = new TempDirectory();
        var gateway = await GatewayProcess.StartAsync(directory.Path, FreePort.Tcp());
        try
        {
            await gateway.ProvisionAsync(id, "flood-secret-retained");

            // Ten of 1 MiB, then ten of 48 KiB (each under the broker's packet limit) on the
            // adapter's report topics and elsewhere under its subtree, all retained.
            for (var i = 0; i < 10; i++)
            {
                await RawMqttPublisher.PublishAsync(gateway.BrokerPort, id, "flood-secret-retained", $"ata/{id}/junk/{i}", 1024 * 1024, retain: true);
            }

            await using (var adapter = await MqttTestClient.ConnectAsync("127.0.0.1", gateway.BrokerPort, id, id, "flood-secret-retained"))
            {
                var junk = new byte[48 * 1024];
                Array.Fill(junk, (byte)'j');
                foreach (var topic in MqttTopics.DeviceToGateway.Select(leaf => MqttTopics.For(id, leaf)).Concat([$"ata/{id}/junk/a", $"ata/{id}/junk/b"]))
                {
                    await adapter.PublishAsync(topic, junk, MqttTopics.ReliableQos, retain: true);
                }
            }

            var retained = await Eventually.ValueAsync(() => RetainedUnderAsync(gateway, id), r => r.Length == 0, "nothing retained under the adapter's subtree");
            Assert.Empty(retained);
            Assert.True(await gateway.MetricAsync("ata_retained_removed_total") >= 1);
            await gateway.StopAsync();
            var persisted = Directory.GetFiles(Path.Combine(gateway.BrokerDirectory, "db")).Sum(f => new FileInfo(f).Length);
            Assert.True(persisted < 64 * 1024, $"the broker's persistence holds {persisted} bytes");
        }
        finally
        {
            await gateway.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_adapter_opening_more_incidents_than_its_hourly_quota_has_them_folded_into_one_reported_incident()
    {
        const string id = "flood-incidents";
        await Gateway.ProvisionAsync(id, "flood-secret-incidents");
        await using var adapter = await MqttTestClient.ConnectAsync("127.0.0.1", Gateway.BrokerPort, id, id, "flood-secret-incidents");

        // Every code of the contract on three lines: 30 faults at once.
        var faults = FaultCode.All.SelectMany(code => new[] { 1, 2, 3 }.Select(line => (code, line))).ToList();
        await PublishAllAsync(adapter, faults.Select((f, n) =>
            (MqttTopics.For(id, MqttTopics.Fault), Reports.Fault(n + 1, f.code, raised: true, line: f.line))));

        await Eventually.ValueAsync(() => Gateway.Http.GetFromJsonAsync<JsonNode>($"/api/adapters/{id}"),
            a => a?["faults"]?.AsArray().Count == faults.Count, $"{faults.Count} active faults");
        var incidents = (await Gateway.Http.GetFromJsonAsync<JsonArray>("/api/incidents"))!
            .Where(i => i!["deviceId"]?.GetValue<string>() == id).ToList();
        Assert.Equal(faults.Count, incidents.Count);
        var reported = incidents.Where(i => i!["parentId"] is null).ToList();
        Assert.Equal(10, reported.Count);
        var storm = reported.MaxBy(i => i!["id"]!.GetValue<long>())!;
        Assert.Equal(faults.Count - 10, storm["folded"]!.GetValue<int>());
        Assert.All(incidents.Except(reported), i => Assert.Equal(storm["id"]!.GetValue<long>(), i!["parentId"]!.GetValue<long>()));
    }

    [Fact]
    public async Task Service_reports_of_one_adapter_keep_its_audit_entries_bounded()
    {
        const string id = "flood-audit";
        await Gateway.ProvisionAsync(id, "flood-secret-audit");
        await using var adapter = await MqttTestClient.ConnectAsync("127.0.0.1", Gateway.BrokerPort, id, id, "flood-secret-audit");
        const string counter = "ata_service_requests_total{action=\"cancel-call-forwarding\"}";
        var before = await Gateway.MetricAsync(counter);

        await PublishAllAsync(adapter, Enumerable.Range(1, 150).Select(n =>
            (MqttTopics.For(id, MqttTopics.Service), $$"""{"line":1,"serviceCode":"#21#","action":"cancel-call-forwarding","uptimeMs":{{n}}}""")));

        await Eventually.ValueAsync(() => Gateway.MetricAsync(counter), n => n >= before + 150, "150 service requests recorded");
        var services = (await Gateway.Http.GetFromJsonAsync<JsonArray>($"/api/adapters/{id}/services"))!;
        Assert.Equal(Ata.Gateway.Store.AdapterStore.ServiceHistoryLength, services.Count);
        var audited = (await AuditAsync(id)).Where(e => e!["action"]!.GetValue<string>() == "adapter.service").ToList();
        Assert.Equal(Ata.Gateway.Store.AdapterStore.DeviceAuditLength, audited.Count);
        Assert.Equal(100, Ata.Gateway.Store.AdapterStore.DeviceAuditLength);
    }

    [Fact]
    public void Codes_outside_the_contract_are_recorded_as_the_one_unknown_fault_with_the_code_in_the_detail()
    {
        var known = new ReportedFault(1, FaultCode.DnsFailure, true, 1, null, "NXDOMAIN");
        Assert.Same(known, FaultDescriptions.Known(known));
        Assert.Equal(known with { Code = FaultDescriptions.Unknown, Detail = "code made.up: boom" }, FaultDescriptions.Known(known with { Code = "made.up", Detail = "boom" }));
        Assert.Equal("code gateway.silent", FaultDescriptions.Known(known with { Code = FaultDescriptions.Silent, Detail = null }).Detail);
        Assert.StartsWith("The adapter reported a fault this gateway does not know", FaultDescriptions.Describe(FaultDescriptions.Unknown), StringComparison.Ordinal);
    }

    [Fact]
    public void The_largest_config_document_fits_the_brokers_packet_limit_with_room_to_spare()
    {
        // Every field at its longest, passwords in letters JSON escapes (6 bytes each), every tone overridden.
        var host = string.Join('.', Enumerable.Repeat(new string('h', 60), 4)) + ":65535";
        var tones = new NamedTexts();
        foreach (var name in Ata.Core.Tones.ToneName.All)
        {
            tones[name] = string.Concat(Enumerable.Repeat("425:500 0:500 ", 18)).TrimEnd();
        }

        var line = new SipAccount(new string('u', AdapterRequest.MaxUsernameLength), new string('\u00e6', AdapterRequest.MaxPasswordLength), host)
        {
            AuthUsername = new string('a', AdapterRequest.MaxUsernameLength),
            SecondaryRegistrar = host,
            OutboundProxy = host,
            Realm = new string('\u00f8', AdapterRequest.MaxRealmLength),
            DialPlan = new string('+', AdapterRequest.MaxDialPlanLength),
            Tones = tones,
        };
        var config = new AdapterConfig("d", int.MaxValue, [.. Enumerable.Repeat(line, AdapterRequest.MaxLines)])
        {
            PendingSecret = new string('\u00e5', AdapterRequest.MaxSecretLength),
        };

        var rendered = ConfigDocument.Render(config).Length;

        Assert.True(rendered * 2 <= BrokerOptions.DefaultMaxPacketKilobytes * 1024, $"the largest config is {rendered} bytes");
        Assert.True(ProvisioningDocument.MaxLength * 2 <= BrokerOptions.DefaultMaxPacketKilobytes * 1024);
        Assert.True(FleetChannel.MaxPayloadBytes * 4 <= BrokerOptions.DefaultMaxPacketKilobytes * 1024);
    }

    private async Task<JsonArray> AuditAsync(string deviceId) =>
        (await Gateway.Http.GetFromJsonAsync<JsonArray>($"/api/audit?target={deviceId}&limit=1000"))!;

    /// <summary>Publishes every message QoS 1 with up to 100 waiting for the broker's acknowledgement.</summary>
    private static async Task PublishAllAsync(MqttTestClient client, IEnumerable<(string Topic, string Payload)> messages)
    {
        using var window = new SemaphoreSlim(100);
        var sends = new List<Task>();
        foreach (var (topic, payload) in messages)
        {
            await window.WaitAsync();
            sends.Add(Task.Run(async () =>
            {
                try
                {
                    await client.PublishAsync(topic, payload, MqttTopics.ReliableQos, retain: false);
                }
                finally
                {
                    window.Release();
                }
            }));
        }

        await Task.WhenAll(sends);
    }

    /// <summary>The broker process's peak resident memory (VmHWM), in MiB.</summary>
    private static long PeakMemoryMiB(int pid)
    {
        var line = File.ReadAllLines($"/proc/{pid}/status").Single(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }

    /// <summary>The topics under <c>ata/{deviceId}/</c> holding a retained message, as a new subscriber is given them (comma-separated).</summary>
    private static async Task<string> RetainedUnderAsync(GatewayProcess gateway, string deviceId)
    {
        await using var observer = await gateway.ConnectAsGatewayAsync("observer-" + Guid.NewGuid().ToString("N")[..6]);
        await observer.SubscribeAsync(MqttTopics.DeviceSubtree(deviceId), 1);

        // Retained messages are sent on subscription, before anything published after it.
        var sentinel = $"ata/{deviceId}/sentinel";
        await observer.PublishAsync(sentinel, "end", 1, retain: false);
        await observer.WaitForAsync(m => m.Topic == sentinel, "the sentinel");
        return string.Join(", ", observer.Messages.Where(m => m.Retain && m.Payload.Length > 0).Select(m => m.Topic));
    }
}
