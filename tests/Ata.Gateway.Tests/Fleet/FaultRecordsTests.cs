using System.Globalization;
using Ata.Core.Faults;
using Ata.Gateway.Fleet;
using Ata.Gateway.Incidents;
using Ata.Gateway.Provisioning;
using Ata.Gateway.Store;
using Ata.Gateway.Tests.Support;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Tests.Fleet;

/// <summary>
/// The gateway's view of an adapter's open faults converges on the adapter's: changes are dated by
/// their age, a change sent again (same boot and sequence number) is taken once, and a snapshot is the
/// truth; incidents follow.
/// </summary>
public sealed class FaultRecordsTests : IDisposable
{
    private const int QuietSeconds = 60;
    private readonly TempDirectory _directory = new();
    private readonly ManualTime _time = new(DateTimeOffset.Parse("2026-11-22T12:00:00Z", CultureInfo.InvariantCulture));
    private readonly IncidentBook _book = new(
        Options.Create(new IncidentOptions { QuietSeconds = QuietSeconds }),
        Options.Create(new RelayOptions { WebhookUrl = "http://127.0.0.1:9/hook" }));

    private DateTimeOffset Now => _time.GetUtcNow();

    [Fact]
    public void A_change_is_dated_when_it_happened_on_the_adapter_and_its_incident_from_then()
    {
        using var store = Open("dated-1");
        var receivedAt = Now;
        _time.Advance(TimeSpan.FromSeconds(5));

        Record(store, "dated-1", Change("b1", 1, FaultCode.NetworkDown, raised: true, ageMs: 600_000), receivedAt);
        Record(store, "dated-1", Change("b1", 2, FaultCode.NetworkDown, raised: false, ageMs: 420_000), receivedAt);

        var events = store.ListFaultEvents("dated-1");
        Assert.Equal([(receivedAt.AddMinutes(-7), false), (receivedAt.AddMinutes(-10), true)], events.Select(e => (e.At, e.Raised)));
        var incident = Assert.Single(Incidents(store));
        Assert.Equal((receivedAt.AddMinutes(-10), receivedAt.AddMinutes(-7)), (incident.OpenedAt, incident.ClearedAt));

        // Cleared seven minutes ago, longer than the quiet time: the incident ends at the next tick, resolved.
        Tick(store);
        Assert.Equal(receivedAt.AddMinutes(-7), Assert.Single(Incidents(store)).EndedAt);
        Assert.Equal(["opened", "resolved"], Messages(store));
    }

    [Fact]
    public void A_change_without_an_age_is_dated_when_received_and_never_after()
    {
        using var store = Open("dated-2");
        var receivedAt = Now;
        _time.Advance(TimeSpan.FromSeconds(30));

        Record(store, "dated-2", Change("b1", 1, FaultCode.NetworkDown, raised: true, ageMs: 0), receivedAt);
        Assert.Equal(receivedAt, Assert.Single(store.Find("dated-2")!.Faults).Since);
        Assert.True(DeviceReports.TryReadFault("""{"code":"wan.down","state":"raised","ageMs":-5000}"""u8.ToArray(), out var negative));
        Assert.Equal(0, negative.AgeMs);
    }

    [Fact]
    public void A_change_sent_again_after_a_lost_acknowledgement_is_taken_once()
    {
        using var store = Open("repeat-1");

        // Raised, cleared, raised again; the broker's acknowledgements of the last two were lost, so the adapter sends them again.
        Assert.Equal(FaultReportOutcome.Recorded, Record(store, "repeat-1", Change("b1", 1, FaultCode.WrongCredentials, raised: true)));
        Assert.Equal(FaultReportOutcome.Recorded, Record(store, "repeat-1", Change("b1", 2, FaultCode.WrongCredentials, raised: false)));
        Assert.Equal(FaultReportOutcome.Recorded, Record(store, "repeat-1", Change("b1", 3, FaultCode.WrongCredentials, raised: true)));
        Assert.Equal(FaultReportOutcome.Repeated, Record(store, "repeat-1", Change("b1", 2, FaultCode.WrongCredentials, raised: false)));
        Assert.Equal(FaultReportOutcome.Repeated, Record(store, "repeat-1", Change("b1", 3, FaultCode.WrongCredentials, raised: true)));

        Assert.Equal([true, false, true], store.ListFaultEvents("repeat-1").Reverse().Select(e => e.Raised));
        Assert.Single(store.Find("repeat-1")!.Faults);
        var incident = Assert.Single(Incidents(store));
        Assert.Equal(1, incident.Flaps);
        Assert.Null(incident.ClearedAt);

        // Another boot counts from 1 again: its first change is new.
        Assert.Equal(FaultReportOutcome.Recorded, Record(store, "repeat-1", Change("b2", 1, FaultCode.WrongCredentials, raised: false)));
        Assert.Empty(store.Find("repeat-1")!.Faults);

        // Firmware that sends no boot is not de-duplicated (as before).
        Assert.Equal(FaultReportOutcome.Recorded, Record(store, "repeat-1", new ReportedFault(7, FaultCode.NetworkDown, true, null, null, null)));
        Assert.Equal(FaultReportOutcome.Recorded, Record(store, "repeat-1", new ReportedFault(7, FaultCode.NetworkDown, true, null, null, null)));
        Assert.Equal(FaultReportOutcome.UnknownAdapter, Record(store, "nobody", Change("b1", 1, FaultCode.NetworkDown, raised: true)));
    }

    [Fact]
    public void A_snapshot_closes_what_the_adapter_no_longer_has_and_opens_what_it_has()
    {
        using var store = Open("snap-1", lines: 2);
        Record(store, "snap-1", Change("old", 1, FaultCode.NetworkDown, raised: true));
        Record(store, "snap-1", Change("old", 2, FaultCode.WrongCredentials, raised: true, line: 1));
        Record(store, "snap-1", Change("old", 3, FaultCode.WrongCredentials, raised: true, line: 2));
        store.MarkSilent("snap-1", "no health");
        _time.Advance(TimeSpan.FromMinutes(5));

        // The adapter rebooted: line 2's credentials fault is still there, the rest is gone, and the registrar does not answer line 1.
        var snapshot = new FaultSnapshot("new", 2, 0,
        [
            new ActiveFault(FaultCode.WrongCredentials, 2, 403, "403 Forbidden", 20_000),
            new ActiveFault(FaultCode.RegistrarUnreachable, 1, null, "no answer", 90_000),
        ]);
        Assert.Equal(FaultReportOutcome.Recorded, Snapshot(store, "snap-1", snapshot, out var dropped));
        Assert.Equal(0, dropped);

        var open = store.Find("snap-1")!.Faults.Select(f => (f.Code, f.Line)).Order().ToList();
        Assert.Equal(
            [(FaultDescriptions.Silent, (int?)null), (FaultCode.WrongCredentials, 2), (FaultCode.RegistrarUnreachable, 1)],
            open);
        Assert.Equal(Now.AddSeconds(-90), store.Find("snap-1")!.Faults.Single(f => f.Code == FaultCode.RegistrarUnreachable).Since);
        var closed = store.ListFaultEvents("snap-1").Where(e => !e.Raised).ToList();
        Assert.Equal([(FaultCode.WrongCredentials, (int?)1), (FaultCode.NetworkDown, null)], closed.Select(e => (e.Code, e.Line)).Order());
        Assert.All(closed, e => Assert.Equal((Now, FaultRecords.ClosedBySnapshot), (e.At, e.Detail)));

        // The closed faults' incidents end after the quiet time, resolved; the still-open ones stay.
        _time.Advance(TimeSpan.FromSeconds(QuietSeconds + 1));
        Tick(store);
        var incidents = Incidents(store);
        Assert.Equal([(FaultCode.WrongCredentials, (int?)1), (FaultCode.NetworkDown, null)],
            incidents.Where(i => i.EndedAt is not null).Select(i => (i.Code, i.Line)).Order());
        Assert.Equal([(FaultDescriptions.Silent, (int?)null), (FaultCode.WrongCredentials, 2), (FaultCode.RegistrarUnreachable, 1)],
            incidents.Where(i => i.EndedAt is null).Select(i => (i.Code, i.Line)).Order());
        Assert.Equal(2, Messages(store).Count(m => m == "resolved"));

        // The same snapshot again (redelivered) changes nothing.
        var events = store.ListFaultEvents("snap-1").Count;
        Assert.Equal(FaultReportOutcome.Recorded, Snapshot(store, "snap-1", snapshot, out _));
        Assert.Equal(events, store.ListFaultEvents("snap-1").Count);
    }

    [Fact]
    public void A_snapshot_older_than_what_was_recorded_since_changes_nothing()
    {
        using var store = Open("stale-1");
        Record(store, "stale-1", Change("b1", 4, FaultCode.NetworkDown, raised: true));

        // Taken after change 4, a snapshot that includes only changes up to 3 is stale.
        Assert.Equal(FaultReportOutcome.Repeated, Snapshot(store, "stale-1", new FaultSnapshot("b1", 3, 0, []), out _));
        Assert.Single(store.Find("stale-1")!.Faults);

        // A snapshot of the boot before the last one heard is stale too.
        Assert.Equal(FaultReportOutcome.Recorded, Snapshot(store, "stale-1", new FaultSnapshot("b2", 0, 0, []), out _));
        Assert.Empty(store.Find("stale-1")!.Faults);
        Assert.Equal(FaultReportOutcome.Repeated, Snapshot(store, "stale-1", new FaultSnapshot("b1", 4, 0, [new ActiveFault(FaultCode.NetworkDown, null, null, null, 0)]), out _));
        Assert.Empty(store.Find("stale-1")!.Faults);

        // And a change the snapshot already includes is not taken again.
        Assert.Equal(FaultReportOutcome.Recorded, Snapshot(store, "stale-1", new FaultSnapshot("b2", 2, 0, []), out _));
        Assert.Equal(FaultReportOutcome.Repeated, Record(store, "stale-1", Change("b2", 2, FaultCode.NetworkDown, raised: true)));
        Assert.Empty(store.Find("stale-1")!.Faults);
    }

    [Fact]
    public void Reports_the_adapter_dropped_are_counted_once_per_boot()
    {
        using var store = Open("drop-1");
        Assert.Equal(3, Dropped(store, new FaultSnapshot("b1", 0, 3, [])));
        Assert.Equal(0, Dropped(store, new FaultSnapshot("b1", 0, 3, [])));
        Assert.Equal(2, Dropped(store, new FaultSnapshot("b1", 1, 5, [])));
        Assert.Equal(1, Dropped(store, new FaultSnapshot("b2", 0, 1, [])));
    }

    [Fact]
    public void Only_the_last_boots_are_remembered()
    {
        using var store = Open("boots-1");
        for (var boot = 1; boot <= FaultRecords.BootsKept + 2; boot++)
        {
            Record(store, "boots-1", Change($"b{boot}", 1, FaultCode.NetworkDown, raised: true));
        }

        using var connection = store.Open();
        using var count = StoreDatabase.Command(connection, "SELECT count(*) FROM fault_boots WHERE device_id = 'boots-1'");
        Assert.Equal((long)FaultRecords.BootsKept, (long)count.ExecuteScalar()!);
    }

    public void Dispose() => _directory.Dispose();

    private static ReportedFault Change(string boot, long seq, string code, bool raised, long ageMs = 0, int? line = null) =>
        new(seq, code, raised, line, null, null) { Boot = boot, AgeMs = ageMs };

    private FaultReportOutcome Record(AdapterStore store, string deviceId, ReportedFault fault, DateTimeOffset? receivedAt = null)
    {
        using var batch = store.BeginReports();
        var outcome = batch.RecordFault(deviceId, fault, receivedAt ?? Now);
        batch.Commit();
        return outcome;
    }

    private FaultReportOutcome Snapshot(AdapterStore store, string deviceId, FaultSnapshot snapshot, out long dropped)
    {
        using var batch = store.BeginReports();
        var outcome = batch.RecordFaultSnapshot(deviceId, snapshot, Now, out dropped);
        batch.Commit();
        return outcome;
    }

    private long Dropped(AdapterStore store, FaultSnapshot snapshot)
    {
        Assert.Equal(FaultReportOutcome.Recorded, Snapshot(store, "drop-1", snapshot, out var dropped));
        return dropped;
    }

    private void Tick(AdapterStore store)
    {
        using var connection = store.Open();
        using var transaction = connection.BeginTransaction();
        _book.Tick(connection, Now);
        transaction.Commit();
    }

    private static IReadOnlyList<IncidentView> Incidents(AdapterStore store)
    {
        using var connection = store.Open();
        return IncidentBook.List(connection, openOnly: false);
    }

    private static List<string> Messages(AdapterStore store)
    {
        using var connection = store.Open();
        using var command = StoreDatabase.Command(connection, "SELECT event FROM outbox WHERE cancelled = 0 ORDER BY id");
        using var reader = command.ExecuteReader();
        var events = new List<string>();
        while (reader.Read())
        {
            events.Add(reader.GetString(0));
        }

        return events;
    }

    private AdapterStore Open(string deviceId, int lines = 1)
    {
        var store = TestStores.Open(_directory.Path, _time,
            new SecretBox(DataProtectionProvider.Create(new DirectoryInfo(Path.Combine(_directory.Path, "keys")))), _book);
        store.Save(deviceId, new AdapterSpecification("secret-" + deviceId,
            [.. Enumerable.Range(1, lines).Select(l => new SipAccount($"200{l}", "pw", "sip.example.net"))]));
        return store;
    }
}
