using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Ata.Core.Contract;
using Ata.Core.Faults;
using Ata.Core.Sip;
using Ata.Gateway.Incidents;
using Ata.Gateway.Tests.Calls;
using Ata.Gateway.Tests.Support;
using Ata.Lab;
using Ata.Tests.Mqtt;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Ata.Gateway.Tests.Instances;

/// <summary>
/// Three gateway processes (<c>Gateway:Instance</c> g1, g2, g3) sharing one real PostgreSQL (the test
/// run's throwaway cluster) and one real Mosquitto started here as the external broker, with stand-in
/// adapters reporting over the MQTT contract while one gateway is killed (SIGKILL). They share one data
/// directory too, for its Data Protection key ring (see the README's "Several gateways at once").
/// </summary>
public sealed class SeveralGatewaysTests : IAsyncLifetime
{
    private const string FoldRegistrar = "sip.down.example:5060";
    private readonly TempDirectory _directory = new();
    private readonly int _brokerPort = FreePort.Tcp();
    private readonly int _hookPort = FreePort.Tcp();
    private readonly ConcurrentQueue<(string Key, string Body)> _hooks = new();
    private readonly List<GatewayProcess> _gateways = [];
    private readonly List<MqttTestClient> _adapters = [];
    private ManagedProcess? _broker;
    private WebApplication? _receiver;
    private string? _database;

    private string DataDirectory => Path.Combine(_directory.Path, "data");

    public async Task InitializeAsync()
    {
        _database = await TestStores.NewDatabaseAsync("several_" + Guid.NewGuid().ToString("N")[..12]);
        _broker = await ExternalMosquitto.StartAsync(_directory.Path, _brokerPort, "allow_anonymous true\nmax_queued_messages 100000");
        _receiver = await WebhookReceiver.StartAsync(_hookPort, async request =>
        {
            using var reader = new StreamReader(request.Body);
            _hooks.Enqueue((request.Headers[FaultRelay.IdempotencyHeader].ToString(), await reader.ReadToEndAsync()));
            return Results.Ok();
        });
    }

    public async Task DisposeAsync()
    {
        foreach (var adapter in _adapters)
        {
            await adapter.DisposeAsync();
        }

        foreach (var gateway in _gateways)
        {
            await gateway.DisposeAsync();
        }

        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }

        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }

        _directory.Dispose();
    }

    [OwnDatabaseFact]
    public async Task Killing_one_of_three_gateways_loses_no_acknowledged_report_and_the_others_carry_on()
    {
        var g1 = await StartAsync("g1");
        var g2 = await StartAsync("g2");
        var g3 = await StartAsync("g3");

        var reporters = Enumerable.Range(1, 9).Select(i => $"rep-{i}").ToList();
        foreach (var id in reporters)
        {
            await g1.ProvisionAsync(id, "secret-" + id);
        }

        string[] folding = ["fold-a", "fold-b", "fold-c"];
        foreach (var id in folding)
        {
            using var response = await g2.Http.PutAsJsonAsync($"/api/adapters/{id}", RunningGateway.Adapter("secret-" + id, ("2001", "pw", FoldRegistrar)));
            response.EnsureSuccessStatusCode();
        }

        await g3.ProvisionAsync("quiet-1", "secret-quiet-1");

        // Each reporter sends call records (QoS 1; the gateway takes a record once, by boot and sequence),
        // and notes each the broker acknowledged.
        var acknowledged = new ConcurrentDictionary<string, ConcurrentBag<(long Seq, TimeSpan At)>>();
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var sending = new List<Task>();
        foreach (var id in reporters)
        {
            var adapter = await ConnectAdapterAsync(id);
            var bag = acknowledged.GetOrAdd(id, _ => []);
            sending.Add(Task.Run(async () =>
            {
                for (var seq = 1L; !stop.IsCancellationRequested; seq++)
                {
                    await adapter.PublishAsync(MqttTopics.For(id, MqttTopics.Call), CallRecordTests.Record("boot-" + id, seq, reason: Tag(seq)), MqttTopics.ReliableQos, retain: false);
                    bag.Add((seq, clock.Elapsed));
                    await Task.Delay(40);
                }
            }));
        }

        var quiet = await ConnectAdapterAsync("quiet-1");
        await quiet.PublishAsync(MqttTopics.For("quiet-1", MqttTopics.Health), Reports.Health("quiet-1", "solid", "solid", "solid", "off", RegistrationState.Registered, 200), MqttTopics.HealthQos, retain: false);

        await Task.Delay(TimeSpan.FromSeconds(3));
        await Eventually.TrueAsync(() => Recorded(g1, reporters).Result > 0, "reports recorded before the kill");

        // SIGKILL to g2 while the adapters report: whatever the broker had given its session stays there.
        var killedAt = clock.Elapsed;
        await g2.KillAsync();
        _gateways.Remove(g2);

        // The registrar's adapters fail together now, while g2's session is dead.
        var foldAdapters = new List<MqttTestClient>();
        foreach (var id in folding)
        {
            var adapter = await ConnectAdapterAsync(id);
            foldAdapters.Add(adapter);
            await adapter.PublishAsync(MqttTopics.For(id, MqttTopics.Fault), Reports.Fault(1, FaultCode.RegistrarUnreachable, raised: true, line: 1, sipCode: 408), MqttTopics.ReliableQos, retain: false);
        }

        // New reports keep being recorded by the two others within seconds.
        var before = await Recorded(g1, reporters);
        await Eventually.ValueAsync(() => Recorded(g3, reporters), n => n > before + 20, "reports recorded after the kill", timeout: TimeSpan.FromSeconds(5));

        // Everything the broker acknowledged in the seconds after the kill (a third of it handed to g2's
        // dead session, where Mosquitto keeps it) is in the database soon: g2's session was taken over
        // once its lease lapsed.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var afterKill = clock.Elapsed;
        var soon = reporters.ToDictionary(id => id, id => acknowledged[id].Where(a => a.At <= afterKill).Select(a => a.Seq).ToHashSet());
        var stranded = await Eventually.ValueAsync(() => Missing(g1, soon), m => m.Count == 0, "every report acknowledged up to 2 s after the kill recorded", timeout: TimeSpan.FromSeconds(20));
        Assert.Empty(stranded);
        var settled = clock.Elapsed - killedAt;
        await Eventually.TrueAsync(
            () => _gateways.Any(g => g.Process.StandardOutputLines.Any(l => l.Contains("Took over and ended the broker session ata-gateway-g2", StringComparison.Ordinal))),
            "g2's session taken over and ended");

        await Task.Delay(TimeSpan.FromSeconds(2));
        await stop.CancelAsync();
        await Task.WhenAll(sending);
        var all = reporters.ToDictionary(id => id, id => acknowledged[id].Select(a => a.Seq).ToHashSet());
        var missing = await Eventually.ValueAsync(() => Missing(g3, all), m => m.Count == 0, "every acknowledged report recorded", timeout: TimeSpan.FromSeconds(20));
        Assert.Empty(missing);
        Assert.True(settled < TimeSpan.FromSeconds(20), $"g2's reports were recorded {settled.TotalSeconds:0.0} s after the kill");
        var total = all.Values.Sum(s => s.Count);
        Assert.True(total > 500, $"only {total} reports were sent");

        // One registrar incident folds the three, reported once (by whichever instance claimed it).
        await Eventually.TrueAsync(() => _hooks.Any(h => Kind(h.Body) == IncidentBook.RegistrarKind), "the registrar report", timeout: TimeSpan.FromSeconds(30));
        foreach (var adapter in foldAdapters)
        {
            var id = adapter.Client.Options.ClientId;
            await adapter.PublishAsync(MqttTopics.For(id, MqttTopics.Fault), Reports.Fault(2, FaultCode.RegistrarUnreachable, raised: false, line: 1), MqttTopics.ReliableQos, retain: false);
        }

        await Eventually.TrueAsync(() => _hooks.Count(h => Kind(h.Body) == IncidentBook.RegistrarKind) >= 2, "the registrar resolution", timeout: TimeSpan.FromSeconds(30));
        var incidents = JsonNode.Parse(await g1.Http.GetStringAsync("/api/incidents"))!.AsArray();
        Assert.Single(incidents, i => i!["kind"]!.GetValue<string>() == IncidentBook.RegistrarKind);
        Assert.Equal(3, incidents.Count(i => i!["kind"]!.GetValue<string>() == IncidentBook.AdapterKind && i["registrar"]?.GetValue<string>() == FoldRegistrar));

        // The quiet adapter was found silent once, whichever instance looked.
        await Eventually.ValueAsync(() => SilentRaised(g3), n => n > 0, "quiet-1 silent", timeout: TimeSpan.FromSeconds(20));
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(1, await SilentRaised(g1));

        // Each outbox message reached the webhook once.
        await Task.Delay(TimeSpan.FromSeconds(1));
        var keys = _hooks.Select(h => h.Key).ToList();
        Assert.Equal(keys.Distinct(StringComparer.Ordinal).Count(), keys.Count);

        // g2 restarted takes its place again (its session lease is free once its session was taken over).
        g2 = await StartAsync("g2");
        await Eventually.ValueAsync(() => g2.HealthAsync(), h => h.Status == System.Net.HttpStatusCode.OK, "g2 back");
        var last = _adapters[0];
        await last.PublishAsync(MqttTopics.For(reporters[0], MqttTopics.Call), CallRecordTests.Record("boot-" + reporters[0], 1_000_000, reason: Tag(1_000_000)), MqttTopics.ReliableQos, retain: false);
        all[reporters[0]].Add(1_000_000);
        await Eventually.ValueAsync(() => Missing(g2, all), m => m.Count == 0, "a report after g2's restart recorded", timeout: TimeSpan.FromSeconds(15));
    }

    private static string Tag(long seq) => $"seq {seq}";

    private static async Task<int> SilentRaised(GatewayProcess gateway) =>
        (await gateway.Http.GetFromJsonAsync<JsonArray>("/api/adapters/quiet-1/faults"))!
            .Count(e => e!["raised"]?.GetValue<bool>() == true && e["code"]?.GetValue<string>() == Ata.Gateway.Fleet.FaultDescriptions.Silent);

    private static string? Kind(string body) => JsonNode.Parse(body)?["incident"]?["kind"]?.GetValue<string>();

    private async Task<GatewayProcess> StartAsync(string instance)
    {
        var gateway = await GatewayProcess.StartAsync(DataDirectory, FreePort.Tcp(),
            "--Store:Provider=PostgreSql",
            $"--Store:ConnectionString={_database}",
            $"--Gateway:Instance={instance}",
            $"--Broker:Url=mqtt://127.0.0.1:{_brokerPort}",
            $"--Relay:WebhookUrl=http://127.0.0.1:{_hookPort}/hook",
            "--Relay:PollMilliseconds=100",
            "--Incidents:QuietSeconds=1",
            "--Incidents:FoldWindowSeconds=2",
            "--Incidents:FoldThreshold=3",
            "--Health:IntervalSeconds=1",
            "--Health:SilentAfterIntervals=3");
        _gateways.Add(gateway);
        return gateway;
    }

    private async Task<MqttTestClient> ConnectAdapterAsync(string id)
    {
        var adapter = await MqttTestClient.ConnectAsync("127.0.0.1", _brokerPort, id);
        _adapters.Add(adapter);
        return adapter;
    }

    /// <summary>Call records the store holds for <paramref name="ids"/>, read through <paramref name="gateway"/>.</summary>
    private static async Task<int> Recorded(GatewayProcess gateway, IEnumerable<string> ids)
    {
        var total = 0;
        foreach (var id in ids)
        {
            total += (await gateway.Http.GetFromJsonAsync<JsonArray>($"/api/adapters/{id}/calls"))!.Count;
        }

        return total;
    }

    /// <summary>The acknowledged reports the store does not hold, as <c>id#seq</c>.</summary>
    private static async Task<List<string>> Missing(GatewayProcess gateway, Dictionary<string, HashSet<long>> acknowledged)
    {
        var missing = new List<string>();
        foreach (var (id, sequences) in acknowledged)
        {
            var calls = (await gateway.Http.GetFromJsonAsync<JsonArray>($"/api/adapters/{id}/calls"))!;
            var held = calls.Select(c => c!["reason"]?.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
            missing.AddRange(sequences.Where(s => !held.Contains(Tag(s))).Select(s => $"{id}#{s}"));
        }

        return missing;
    }
}
