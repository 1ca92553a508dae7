using Ata.Core.Faults;
using Ata.Gateway.Fleet;
using Ata.Gateway.Provisioning;
using Ata.Gateway.Store;
using Ata.Gateway.Tests.Support;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Tests.Store;

/// <summary>
/// The fleet's counts, pages and search come from what the database maintains (counters, derived
/// columns, a trigram index), not from a scan: here they are checked against the scan they replace,
/// through every kind of change an adapter goes through.
/// </summary>
public sealed class FleetIndexTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly ManualTime _time = new(DateTimeOffset.Parse("2026-12-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void The_maintained_counts_equal_a_count_of_the_whole_fleet_through_every_change()
    {
        using var store = Open();
        var random = new Random(17);
        for (var i = 0; i < 40; i++)
        {
            store.Save($"fx-{i:D2}", Specification(i));
        }

        AssertCountsMatchScan(store);
        for (var round = 0; round < 6; round++)
        {
            for (var i = 0; i < 40; i++)
            {
                var id = $"fx-{i:D2}";
                switch (random.Next(9))
                {
                    case 0: store.RecordStatus(id, random.Next(2) == 0); break;
                    case 1: store.RecordHello(id, new HelloReport($"3.{random.Next(3)}", "esp32", "power-on", $"02:00:00:00:{i:X2}:{round:X2}")); break;
                    case 2: store.RecordHealth(id, Health(random)); break;
                    case 3: store.RecordFault(id, new ReportedFault(round * 100 + i, FaultCode.WrongCredentials, random.Next(2) == 0, 1 + random.Next(2), 403, "x")); break;
                    case 4: store.RecordConfigAck(id, new ConfigAck(store.FindConfig(id)!.Version, random.Next(2) == 0, "no")); break;
                    case 5: store.Save(id, Specification(i + round + 1)); break;
                    case 6: store.MarkSilent(id, "quiet"); break;
                    case 7 when i % 7 == 0: store.Delete(id); break;
                    default: store.RecordStatus(id, true); store.RecordHealth(id, Health(random)); break;
                }
            }

            AssertCountsMatchScan(store);
        }
    }

    [Fact]
    public void Every_filter_and_sort_pages_through_exactly_what_a_scan_of_the_fleet_finds_in_that_order()
    {
        using var store = Open();
        var random = new Random(5);
        for (var i = 0; i < 60; i++)
        {
            var id = $"pg-{random.Next(1000):D3}-{i}";
            store.Save(id, Specification(i));
            if (i % 3 != 0)
            {
                store.RecordStatus(id, i % 4 != 0);
                store.RecordHello(id, new HelloReport(i % 2 == 0 ? "3.1" : "3.2", "esp32", "power-on", $"02:5a:00:00:00:{i:x2}"));
                store.RecordHealth(id, Health(random));
            }

            if (i % 5 == 0)
            {
                store.RecordFault(id, new ReportedFault(1, FaultCode.RegistrarUnreachable, true, 1, null, null));
            }

            _time.Advance(TimeSpan.FromSeconds(random.Next(1, 90)));
        }

        var all = store.List();
        var filters = new (FleetFilter Filter, Func<AdapterView, bool> Expected)[]
        {
            (new FleetFilter(), _ => true),
            (new FleetFilter { State = "online" }, a => Presence(a) == "online"),
            (new FleetFilter { State = "offline" }, a => Presence(a) == "offline"),
            (new FleetFilter { State = "never" }, a => Presence(a) == "never"),
            (new FleetFilter { State = "registered" }, Registered),
            (new FleetFilter { State = "faulted" }, a => a.Faults.Count > 0),
            (new FleetFilter { Fault = FaultCode.RegistrarUnreachable }, a => a.Faults.Any(f => f.Code == FaultCode.RegistrarUnreachable)),
            (new FleetFilter { Registrar = "sip2.example.net" }, a => a.Lines.Any(l => l.Registrar.StartsWith("sip2.example.net", StringComparison.Ordinal))),
            (new FleetFilter { Registrar = "SIP1.example.net:5060" }, a => a.Lines.Any(l => l.Registrar == "sip1.example.net:5060")),
            (new FleetFilter { Firmware = "3.2", State = "online" }, a => a.Firmware == "3.2" && Presence(a) == "online"),
            (new FleetFilter { Customer = "cust-4" }, a => a.CustomerReference == "CUST-4"),
            (new FleetFilter { Query = "pg-1" }, a => FleetSearch.Matches(a, "pg-1")),
            (new FleetFilter { Query = "5a:00:00:00" }, a => FleetSearch.Matches(a, "5a:00:00:00")),
            (new FleetFilter { Query = "+47 (0) 22 00 00 07" }, a => FleetSearch.Matches(a, "+47 (0) 22 00 00 07")),
            (new FleetFilter { Query = "0047 2200 0001" }, a => FleetSearch.Matches(a, "0047 2200 0001")),
        };
        var sorts = new (string Sort, Func<AdapterView, string> Key)[]
        {
            (FleetQuery.DeviceIdSort, a => a.DeviceId),
            ("lastSeen", a => a.LastSeen?.ToString("O", System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty),
            ("firmware", a => a.Firmware ?? string.Empty),
            ("state", Presence),
            ("customer", a => (a.CustomerReference ?? string.Empty).ToUpperInvariant()),
        };

        foreach (var (filter, expected) in filters)
        {
            foreach (var (sort, key) in sorts)
            {
                foreach (var descending in new[] { false, true })
                {
                    var ordered = all.Where(expected).OrderBy(key, StringComparer.Ordinal).ThenBy(a => a.DeviceId, StringComparer.Ordinal).Select(a => a.DeviceId).ToList();
                    if (descending)
                    {
                        ordered.Reverse();
                    }

                    var paged = new List<string>();
                    string? after = null;
                    FleetPage page;
                    do
                    {
                        page = store.Page(filter with { Sort = sort, Descending = descending, After = after, Limit = 7 });
                        Assert.True(page.Items.Count <= 7);
                        paged.AddRange(page.Items.Select(a => a.DeviceId));
                        after = page.Next;
                    }
                    while (after is not null);

                    Assert.True(ordered.SequenceEqual(paged), $"{filter} sort {sort} {(descending ? "desc" : "asc")}: expected {string.Join(",", ordered)} got {string.Join(",", paged)}");
                    Assert.Equal(ordered.Count, page.Total);
                }
            }
        }
    }

    [Fact]
    public void A_cursor_of_another_sort_or_a_made_up_one_is_refused_naming_the_parameter()
    {
        using var store = Open();
        for (var i = 0; i < 3; i++)
        {
            store.Save($"cur-{i}", Specification(i));
        }

        var next = store.Page(new FleetFilter { Limit = 1 }).Next!;
        Assert.Equal("after", Assert.Throws<FleetFilterException>(() => store.Page(new FleetFilter { Sort = "lastSeen", After = next })).Parameter);
        Assert.Equal("after", Assert.Throws<FleetFilterException>(() => store.Page(new FleetFilter { After = "not a cursor" })).Parameter);
        Assert.Equal("state", Assert.Throws<FleetFilterException>(() => store.Page(new FleetFilter { State = "sleepy" })).Parameter);
        Assert.Equal("sort", Assert.Throws<FleetFilterException>(() => store.Page(new FleetFilter { Sort = "colour" })).Parameter);
        Assert.Equal("limit", Assert.Throws<FleetFilterException>(() => store.Page(new FleetFilter { Limit = 0 })).Parameter);
    }

    [SqliteStoreFact]
    public void A_store_written_before_the_fleet_index_gets_its_counts_and_search_terms_on_opening()
    {
        using (var store = Open())
        {
            store.Save("old-idx-1", Specification(1));
            store.RecordStatus("old-idx-1", true);
            store.RecordHello("old-idx-1", new HelloReport("3.1", "esp32", "power-on", "02:5A:00:12:34:56"));
            store.RecordFault("old-idx-1", new ReportedFault(1, FaultCode.WrongCredentials, true, 1, 403, null));
        }

        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_directory.Path, AdapterStore.FileName)};Pooling=False"))
        {
            // What a version-5 store had: none of the index's tables, columns or triggers.
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText =
                """
                SELECT group_concat('DROP TRIGGER ' || name, '; ') FROM sqlite_master WHERE type = 'trigger' AND (name LIKE 'fleet_%' OR name LIKE 'search_term_%')
                """;
            var drops = (string)command.ExecuteScalar()!;
            command.CommandText = drops + """
                ; DROP TABLE fleet_counts; DROP TABLE search_trigrams; DROP TABLE search_terms; DROP TABLE fleet_changes;
                DROP INDEX adapter_state_presence; DROP INDEX adapter_state_registered; DROP INDEX adapter_state_faulted;
                ALTER TABLE adapter_state DROP COLUMN registered; ALTER TABLE adapter_state DROP COLUMN presence;
                ALTER TABLE adapter_state DROP COLUMN fault_count; ALTER TABLE adapter_state DROP COLUMN line_count;
                ALTER TABLE adapter_state DROP COLUMN lines_registered; ALTER TABLE adapter_state DROP COLUMN config_status;
                ALTER TABLE adapter_lines DROP COLUMN registration; ALTER TABLE adapter_lines DROP COLUMN number;
                PRAGMA user_version = 5;
                """;
            command.ExecuteNonQuery();
        }

        using var reopened = Open();
        AssertCountsMatchScan(reopened);
        Assert.Equal(1, reopened.Counts()[FleetCounts.Faulted]);
        Assert.Equal(["old-idx-1"], reopened.Search("12:34:56").Select(a => a.DeviceId));
        Assert.Equal(["old-idx-1"], reopened.Search("+47 22 00 00 01").Select(a => a.DeviceId));
    }

    public void Dispose() => _directory.Dispose();

    private static void AssertCountsMatchScan(AdapterStore store)
    {
        var all = store.List();
        var counts = store.Counts();
        Assert.Equal(all.Count, counts[FleetCounts.Adapters]);
        foreach (var presence in FleetCounts.Presences)
        {
            Assert.Equal(all.Count(a => Presence(a) == presence), counts[FleetCounts.PresencePrefix + presence]);
        }

        Assert.Equal(all.Count(a => a.Online), counts[FleetCounts.OnlineFlag]);
        Assert.Equal(all.Count(a => a.Silent), counts[FleetCounts.SilentFlag]);
        Assert.Equal(all.Count(a => a.Faults.Count > 0), counts[FleetCounts.Faulted]);
        Assert.Equal(all.Count(Registered), counts[FleetCounts.Registered]);
        foreach (var status in new[] { ConfigStatus.Pending, ConfigStatus.Applied, ConfigStatus.Refused })
        {
            Assert.Equal(all.Count(a => a.ConfigStatus == status), counts[FleetCounts.ConfigPrefix + status]);
        }

        Assert.Equal(
            all.SelectMany(a => a.Lines).GroupBy(l => l.Registration).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}={g.Count()}"),
            counts.Under(FleetCounts.LinePrefix).Select(p => $"{p.Key}={p.Value}"));
        Assert.Equal(
            all.SelectMany(a => a.Faults).GroupBy(f => f.Code).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}={g.Count()}"),
            counts.Under(FleetCounts.FaultPrefix).Select(p => $"{p.Key}={p.Value}"));
    }

    private static string Presence(AdapterView a) => a.Silent ? "silent" : a.Online ? "online" : a.LastSeen is null ? "never" : "offline";

    private static bool Registered(AdapterView a) =>
        Presence(a) == "online" && a.Lines.Count > 0 && a.Lines.All(l => l.Registration == "registered");

    /// <summary>Adapter <paramref name="i"/>: one or two lines on three registrars, most with a customer reference.</summary>
    internal static AdapterSpecification Specification(int i) =>
        new("secret-" + i, [.. Enumerable.Range(1, 1 + (i % 2)).Select(line =>
            new SipAccount(line == 1 ? $"+47 22 00 00 {i % 100:D2}" : $"user{i}", "pw", $"sip{1 + (i % 3)}.example.net{(i % 2 == 0 ? ":5060" : string.Empty)}"))])
        {
            CustomerReference = i % 4 == 0 ? null : $"CUST-{i % 10}",
        };

    /// <summary>A health report with lines registered or failed at random.</summary>
    internal static HealthReport Health(Random random) =>
        new(1000, -60, 100_000, "online", "192.0.2.1", 1, new LedStates("solid", "solid", random.Next(2) == 0 ? "solid" : "code-3", "off"),
            [.. Enumerable.Range(1, 1 + random.Next(2)).Select(line => new LineHealth(line, random.Next(3) == 0 ? "failed" : "registered", 200, "idle"))]);

    private AdapterStore Open() =>
        TestStores.Open(_directory.Path, _time,
            new SecretBox(DataProtectionProvider.Create(
                new DirectoryInfo(Path.Combine(_directory.Path, "keys")), b => b.SetApplicationName("Ata.Gateway"))));
}
