using System.Globalization;
using System.Text.Json;
using Ata.Gateway.Tests.Mqtt;

namespace Ata.EndToEnd.Tests.Faults;

/// <summary>
/// The gateway's view of an adapter's open faults converges on the adapter's, with the real simulator
/// and the real gateway: changes made while the gateway was unreachable arrive with their own times,
/// a change sent again after its acknowledgement was lost is recorded once, and the snapshot after
/// a restart closes what the adapter no longer has. The simulator's path to the broker runs through a
/// TCP relay that the tests sever, or that loses the broker's replies. Each of these fails on the
/// gateway before it read the snapshot, the age and the boot (<c>ATA_TEST_GATEWAY_ASSEMBLY</c> set to that build).
/// </summary>
[Collection(FirstLightCollection.Name)]
public sealed class FaultConvergenceTests(FirstLightFixture lab)
{
    private const string WanDown = "wan.down";

    /// <summary>How far apart a time the gateway recorded may be from the simulator's event (both on this machine's clock).</summary>
    private static readonly TimeSpan SameMoment = TimeSpan.FromSeconds(1);

    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";

    private static string NewSecret() => "dev-" + Guid.NewGuid().ToString("N");

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static bool IsWanDown(JsonElement e, string state) =>
        e.GetProperty("code").GetString() == WanDown && e.GetProperty("state").GetString() == state;

    private static bool IsWanDownEvent(JsonElement e) => e.GetProperty("code").GetString() == WanDown;

    private static DateTimeOffset Time(JsonElement e, string name) =>
        DateTimeOffset.Parse(e.GetProperty(name).GetString()!, CultureInfo.InvariantCulture);

    private static DateTimeOffset When(JsonElement simEvent) => DateTimeOffset.FromUnixTimeMilliseconds(simEvent.GetProperty("t").GetInt64());

    private static void AssertSameMoment(JsonElement simEvent, DateTimeOffset recorded, string what)
    {
        var gap = recorded - When(simEvent);
        Assert.True(gap.Duration() <= SameMoment, $"{what}: recorded at {recorded:O}, {gap.TotalMilliseconds:F0} ms from when it happened ({When(simEvent):O})");
    }

    [Fact]
    public async Task A_fault_raised_and_cleared_while_the_gateway_is_unreachable_arrives_as_both_with_their_times_and_its_incident_ends_resolved()
    {
        string id = NewId("e2e-away");
        string secret = NewSecret();
        await using var adapter = await StartThroughRelayAsync(id, secret);
        var (sim, network) = (adapter.Sim, adapter.Network);

        network.Sever();
        await sim.WaitForEventAsync("mqtt-disconnected", _ => true, TimeSpan.FromSeconds(30));
        await sim.Process.WriteLineAsync("wan down");
        var raised = await sim.WaitForEventAsync("fault", e => IsWanDown(e, "raised"));
        await sim.Process.WriteLineAsync("wan up");
        var cleared = await sim.WaitForEventAsync("fault", e => IsWanDown(e, "cleared"));

        // The outage lasts longer than the gateway's quiet time after the fault cleared.
        await Task.Delay(TimeSpan.FromSeconds(FirstLightFixture.QuietSeconds + 1));
        long resumedAt = Now();
        network.Resume();
        await sim.WaitForEventAsync("mqtt-connected", e => e.GetProperty("t").GetInt64() >= resumedAt, TimeSpan.FromSeconds(30));

        var events = await EventuallyAsync(() => lab.GetFaultEventsAsync(id), e => e.Count(IsWanDownEvent) == 2, "both changes in the timeline");
        AssertSameMoment(raised, Time(events.Single(e => IsWanDownEvent(e) && e.GetProperty("raised").GetBoolean()), "at"), "the raise");
        AssertSameMoment(cleared, Time(events.Single(e => IsWanDownEvent(e) && !e.GetProperty("raised").GetBoolean()), "at"), "the clear");

        // It had been cleared for longer than the quiet time when it arrived: the incident ends at once, resolved.
        var incident = await EventuallyAsync(() => lab.GetIncidentsAsync(id),
            i => i.Any(x => x.GetProperty("code").GetString() == WanDown && x.GetProperty("endedAt").ValueKind == JsonValueKind.String),
            "the incident ended", TimeSpan.FromSeconds(10));
        var ended = incident.Single(x => x.GetProperty("code").GetString() == WanDown);
        AssertSameMoment(raised, Time(ended, "openedAt"), "the incident's opening");
        AssertSameMoment(cleared, Time(ended, "clearedAt"), "the incident's clearing");
        await WaitForReportAsync(ended.GetProperty("id").GetInt64(), "resolved");
        Assert.DoesNotContain((await lab.GetAdapterAsync(id)).GetProperty("faults").EnumerateArray(), IsWanDownEvent);
    }

    [Fact]
    public async Task A_fault_open_before_the_adapter_restarts_and_gone_after_it_is_closed_by_the_new_boots_snapshot()
    {
        string id = NewId("e2e-reboot");
        string secret = NewSecret();
        string broker = await lab.ProvisionAsync(id, secret, FirstLightFixture.GoodUser, FirstLightFixture.GoodPassword, lab.Registrar.Address);
        await using (var before = lab.StartSim(id, secret, broker))
        {
            await before.WaitForEventAsync("registration", Registered);
            await before.Process.WriteLineAsync("wan down");
            await before.WaitForEventAsync("fault", e => IsWanDown(e, "raised"));
            await EventuallyAsync(() => lab.GetAdapterAsync(id), a => a.GetProperty("faults").EnumerateArray().Any(IsWanDownEvent), "the gateway shows the fault");
        }

        // Powered up again (a new process, a new boot): its WAN is up, so the fault is gone.
        long restartedAt = Now();
        await using var after = lab.StartSim(id, secret, broker);
        await after.WaitForEventAsync("mqtt-connected", _ => true);

        var adapter = await EventuallyAsync(() => lab.GetAdapterAsync(id),
            a => !a.GetProperty("faults").EnumerateArray().Any(IsWanDownEvent), "the fault closed at the gateway", TimeSpan.FromSeconds(20));
        var closing = (await lab.GetFaultEventsAsync(id)).First(IsWanDownEvent);
        Assert.False(closing.GetProperty("raised").GetBoolean());
        Assert.Contains("snapshot", closing.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(Time(closing, "at") >= DateTimeOffset.FromUnixTimeMilliseconds(restartedAt), $"closed at {closing.GetProperty("at")}, before the restart");
        var incident = await EventuallyAsync(() => lab.GetIncidentsAsync(id),
            i => i.Any(x => x.GetProperty("code").GetString() == WanDown && x.GetProperty("endedAt").ValueKind == JsonValueKind.String),
            "the incident ended", TimeSpan.FromSeconds(FirstLightFixture.QuietSeconds + 10));
        await WaitForReportAsync(incident.Single(x => x.GetProperty("code").GetString() == WanDown).GetProperty("id").GetInt64(), "resolved");
        Assert.True(adapter.GetProperty("online").GetBoolean());
    }

    [Fact]
    public async Task Changes_sent_again_after_their_acknowledgements_were_lost_are_recorded_once()
    {
        string id = NewId("e2e-resend");
        string secret = NewSecret();
        await using var adapter = await StartThroughRelayAsync(id, secret);
        var (sim, network) = (adapter.Sim, adapter.Network);
        long repeatedBefore = await lab.GetMetricAsync("ata_reports_dropped_total{reason=\"repeated\"}");

        // The broker gets the adapter's reports and hands them to the gateway, but its acknowledgements never come back.
        network.LoseReplies();
        await sim.Process.WriteLineAsync("wan down");
        await sim.WaitForEventAsync("fault", e => IsWanDown(e, "raised"));
        await sim.Process.WriteLineAsync("wan up");
        await sim.WaitForEventAsync("fault", e => IsWanDown(e, "cleared"));
        await EventuallyAsync(() => lab.GetFaultEventsAsync(id), e => e.Count(IsWanDownEvent) == 2, "both changes at the gateway");

        // The connection drops; the adapter connects again and sends both again, unacknowledged as they are.
        long resumedAt = Now();
        network.Sever();
        network.Resume();
        var connected = await sim.WaitForEventAsync("mqtt-connected", e => e.GetProperty("t").GetInt64() >= resumedAt, TimeSpan.FromSeconds(30));

        // A health report sent after connecting is recorded after what was sent again on connecting.
        await EventuallyAsync(() => lab.GetAdapterAsync(id),
            a => a.GetProperty("lastHealthAt").ValueKind == JsonValueKind.String && Time(a, "lastHealthAt") > When(connected),
            "a health report sent after the adapter connected again");
        var changes = (await lab.GetFaultEventsAsync(id)).Where(IsWanDownEvent).Reverse().Select(e => e.GetProperty("raised").GetBoolean()).ToList();
        Assert.Equal([true, false], changes);
        var incident = Assert.Single(await lab.GetIncidentsAsync(id), i => i.GetProperty("code").GetString() == WanDown);
        Assert.Equal(0, incident.GetProperty("flaps").GetInt32());

        // Both did come again (and were counted as such).
        Assert.Equal(repeatedBefore + 2, await lab.GetMetricAsync("ata_reports_dropped_total{reason=\"repeated\"}"));
    }

    private static bool Registered(JsonElement e) => e.GetProperty("state").GetString() == "registered";

    /// <summary>Provisions an adapter and starts the simulator with its broker path through a relay; returns once the gateway has its health.</summary>
    private async Task<RelayedAdapter> StartThroughRelayAsync(string id, string secret)
    {
        string broker = await lab.ProvisionAsync(id, secret, FirstLightFixture.GoodUser, FirstLightFixture.GoodPassword, lab.Registrar.Address);
        var network = new TcpRelay(int.Parse(broker[(broker.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture));
        var sim = lab.StartSim(id, secret, $"127.0.0.1:{network.Port}");
        var adapter = new RelayedAdapter(sim, network);
        try
        {
            await sim.WaitForEventAsync("registration", Registered);
            await EventuallyAsync(() => lab.GetAdapterAsync(id),
                a => a.GetProperty("online").GetBoolean() && a.GetProperty("lines")[0].GetProperty("registration").GetString() == "registered",
                "the gateway shows the adapter online and registered");
            return adapter;
        }
        catch
        {
            await adapter.DisposeAsync();
            throw;
        }
    }

    private async Task WaitForReportAsync(long incident, string @event) =>
        await EventuallyAsync(() => Task.FromResult(lab.Webhook.Reports), r => r.Any(x => x.GetProperty("event").GetString() == @event
            && x.GetProperty("incident").GetProperty("id").GetInt64() == incident), $"the {@event} report of incident {incident} on the webhook");

    private async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        T value = default!;
        await Eventually.Until(async () => done(value = await read()), timeout ?? TimeSpan.FromSeconds(20),
            () => $"{what} never came; last: {(value is JsonElement e ? e.GetRawText() : value is IEnumerable<JsonElement> list ? string.Join(", ", list.Select(x => x.GetRawText())) : value)}\n{lab.Gateway.Tail()}");
        return value;
    }

    /// <summary>A simulator whose broker path runs through <see cref="Network"/>.</summary>
    private sealed record RelayedAdapter(SimAdapter Sim, TcpRelay Network) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Sim.DisposeAsync();
            Network.Dispose();
        }
    }
}
