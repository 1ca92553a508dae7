using Ata.Core.Faults;
using Ata.Gateway.Fleet;
using Ata.Gateway.Provisioning;
using Ata.Gateway.Store;
using Ata.Gateway.Tests.Support;
using Ata.Lab;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Tests.Store;

/// <summary>
/// The store on PostgreSQL (a throwaway cluster of Debian's PostgreSQL, <see cref="TestStores"/>):
/// a new database migrates to this gateway's schema, fleet queries and search answer as on SQLite for
/// the same fleet, and a database the gateway cannot use stops it with one line that shows no password.
/// </summary>
public sealed class PostgreSqlStoreTests : IDisposable
{
    private static int _databases;
    private readonly TempDirectory _directory = new();
    private readonly ManualTime _time = new(DateTimeOffset.Parse("2026-12-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task A_new_database_is_migrated_to_the_latest_schema_once_and_a_newer_one_is_refused()
    {
        var connectionString = await NewDatabaseAsync();
        using (var store = OpenPostgreSql(connectionString))
        {
            using var connection = store.Open();
            Assert.Equal(6, Convert.ToInt32(Scalar(connection, "SELECT version FROM store_schema"), System.Globalization.CultureInfo.InvariantCulture));
            foreach (var table in new[]
            {
                "adapters", "adapter_lines", "adapter_state", "line_health", "active_faults", "config_versions", "health_history", "fault_events",
                "service_requests", "audit_log", "api_keys", "incidents", "outbox", "outbox_deliveries", "fault_boots", "call_records", "people",
                "person_tokens", "commands", "refused_logins", "onboarding_codes", "onboarding_needed", "fleet_counts", "search_terms", "fleet_changes",
            })
            {
                Assert.True(Scalar(connection, "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = @t", ("@t", table)) is 1L, table);
            }

            Assert.Equal(1L, Scalar(connection, "SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'"));
            Assert.Equal(1L, Scalar(connection, "SELECT count(*) FROM pg_indexes WHERE indexname = 'search_terms_trigrams' AND indexdef LIKE '%gin_trgm_ops%'"));
            var triggers = (long)Scalar(connection, "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'fleet_%' AND NOT tgisinternal")!;
            Assert.True(triggers >= 15, $"{triggers} fleet triggers");
            store.Save("mig-1", FleetIndexTests.Specification(1));
        }

        // Opened again (as by a restarted or second gateway): nothing is made twice, nothing lost.
        using (var again = OpenPostgreSql(connectionString))
        {
            Assert.Equal("mig-1", Assert.Single(again.List()).DeviceId);
            Assert.Equal(1, again.Counts()[FleetCounts.Adapters]);
            using var connection = again.Open();
            Assert.Equal(1L, Scalar(connection, "SELECT count(*) FROM store_schema"));
            StoreDatabase.Execute(connection, "UPDATE store_schema SET version = 99");
        }

        var newer = Assert.Throws<InvalidOperationException>(() => OpenPostgreSql(connectionString));
        Assert.Contains("schema 99", newer.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fleet_pages_counts_and_search_answer_as_on_sqlite_for_the_same_fleet()
    {
        using var sqlite = new AdapterStore(Options.Create(new GatewayOptions { DataDirectory = _directory.Path }), _time, Secrets());
        using var postgres = OpenPostgreSql(await NewDatabaseAsync());
        Assert.Equal(StoreDialect.Sqlite, sqlite.Dialect);
        Assert.Equal(StoreDialect.PostgreSql, postgres.Dialect);
        var random = new Random(23);
        for (var i = 0; i < 50; i++)
        {
            var id = i % 9 == 0 ? $"Mixed_Case%{i}" : $"ad-{random.Next(1000):D3}-{i}";
            var specification = FleetIndexTests.Specification(i);
            var hello = new HelloReport(i % 2 == 0 ? "3.1" : "3.2", "esp32", "power-on", $"02:5A:00:00:{i / 16:x2}:{i % 16:x2}");
            var health = FleetIndexTests.Health(random);
            foreach (var store in new[] { sqlite, postgres })
            {
                store.Save(id, specification);
                if (i % 3 != 0)
                {
                    store.RecordStatus(id, i % 4 != 0);
                    store.RecordHello(id, hello);
                    store.RecordHealth(id, health);
                }

                if (i % 5 == 0)
                {
                    store.RecordFault(id, new ReportedFault(1, FaultCode.RegistrarUnreachable, true, 1, null, null));
                }
            }

            _time.Advance(TimeSpan.FromSeconds(random.Next(1, 90)));
        }

        Assert.Equal(sqlite.Counts().Values.Where(p => p.Value != 0).OrderBy(p => p.Key, StringComparer.Ordinal),
            postgres.Counts().Values.Where(p => p.Value != 0).OrderBy(p => p.Key, StringComparer.Ordinal));

        // Searches of every kind: parts of ids (any case, LIKE's wildcards taken literally), customers, SIP users,
        // MACs in any notation, numbers as people write them, and one or two characters (prefixes, case-sensitive).
        string[] searches =
        [
            "ad-", "AD-1", "mixed_case%", "%", "_", "cust-3", "CUST", "user1", "USER1", "5a:00", "02-5a-00-00-01", "025a0000",
            "+47 22 00 00 07", "0047 2200 0011", "22 00", "a", "ad", "Mi", "zz-nothing",
        ];
        foreach (var query in searches)
        {
            Assert.True(Ids(sqlite.Search(query)).SequenceEqual(Ids(postgres.Search(query))),
                $"search '{query}': SQLite {string.Join(",", Ids(sqlite.Search(query)))}; PostgreSQL {string.Join(",", Ids(postgres.Search(query)))}");
        }

        FleetFilter[] filters =
        [
            new(), new() { State = "online" }, new() { State = "never" }, new() { State = "registered" }, new() { State = "faulted" },
            new() { Fault = FaultCode.RegistrarUnreachable }, new() { Registrar = "SIP2.example.net" }, new() { Registrar = "sip1.example.net:5060" },
            new() { Firmware = "3.2" }, new() { Customer = "cust-4" }, new() { Query = "5a:00:00:01" }, new() { Query = "ad-1", State = "online" },
        ];
        foreach (var filter in filters)
        {
            foreach (var sort in FleetQuery.Sorts)
            {
                foreach (var descending in new[] { false, true })
                {
                    var asked = filter with { Sort = sort, Descending = descending, Limit = 6 };
                    var (fromSqlite, totalSqlite) = AllPages(sqlite, asked);
                    var (fromPostgres, totalPostgres) = AllPages(postgres, asked);
                    Assert.True(fromSqlite.SequenceEqual(fromPostgres),
                        $"{asked}: SQLite {string.Join(",", fromSqlite)}; PostgreSQL {string.Join(",", fromPostgres)}");
                    Assert.Equal(totalSqlite, totalPostgres);
                }
            }
        }
    }

    [Fact]
    public async Task An_unreachable_database_or_a_bad_connection_string_stops_the_gateway_with_one_line_without_the_password()
    {
        const string password = "never-shown-pw-7";
        var closedPort = FreePort.Tcp();
        await AssertCannotStartAsync(
            $"Host=127.0.0.1;Port={closedPort};Database=ata;Username=ata;Password={password};Timeout=3",
            $"The database PostgreSQL 127.0.0.1:{closedPort}/ata cannot be used", password);
        await AssertCannotStartAsync($"Hots=db;Password={password}", "Store:ConnectionString cannot be read", password);
        await AssertCannotStartAsync(string.Empty, "Store:ConnectionString (or ConnectionStrings:Gateway) is empty", password);

        // A database it can use: the gateway starts on it and provisions.
        var connectionString = await NewDatabaseAsync();
        using var data = new TempDirectory();
        await using var gateway = await GatewayProcess.StartAsync(data.Path, FreePort.Tcp(), "--Store:Provider=PostgreSql", $"--Store:ConnectionString={connectionString}");
        await gateway.ProvisionAsync("pg-start-1", "secret-pg-start-1");
    }

    public void Dispose() => _directory.Dispose();

    private static async Task AssertCannotStartAsync(string connectionString, string expected, string password)
    {
        using var data = new TempDirectory();
        await using var gateway = ManagedProcess.Start(ManagedProcess.DotnetHost,
        [
            GatewayProcess.Assembly, "--urls", $"http://127.0.0.1:{FreePort.Tcp()}", $"--Gateway:DataDirectory={data.Path}",
            "--Store:Provider=PostgreSql", $"--Store:ConnectionString={connectionString}",
        ],
        new ManagedProcessOptions { Name = "gateway", Environment = new Dictionary<string, string?> { ["Auth__AdminKey"] = RunningGateway.AdminKey } });
        var exitCode = await gateway.Completion.WaitAsync(TimeSpan.FromSeconds(60));
        var output = string.Join(Environment.NewLine, gateway.Lines.Select(l => l.Text));
        Assert.True(exitCode != 0, $"exit code 0:{Environment.NewLine}{output}");
        var line = Assert.Single(gateway.StandardErrorLines, l => l.Trim().Length > 0);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain(password, output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    private static (List<string> Ids, long? Total) AllPages(AdapterStore store, FleetFilter filter)
    {
        var ids = new List<string>();
        FleetPage page;
        var after = (string?)null;
        do
        {
            page = store.Page(filter with { After = after });
            ids.AddRange(page.Items.Select(a => a.DeviceId));
            after = page.Next;
        }
        while (after is not null);

        return (ids, page.Total);
    }

    private static List<string> Ids(IEnumerable<AdapterView> adapters) => [.. adapters.Select(a => a.DeviceId)];

    private static async Task<string> NewDatabaseAsync() =>
        await TestStores.NewDatabaseAsync($"pgstore_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}");

    private AdapterStore OpenPostgreSql(string connectionString) => new(new PostgreSqlStoreDatabase(connectionString), _time, Secrets());

    private SecretBox Secrets() =>
        new(DataProtectionProvider.Create(new DirectoryInfo(Path.Combine(_directory.Path, "keys")), b => b.SetApplicationName("Ata.Gateway")));

    private static object? Scalar(System.Data.Common.DbConnection connection, string sql, params (string, object?)[] parameters)
    {
        using var command = StoreDatabase.Command(connection, sql, parameters);
        return command.ExecuteScalar();
    }
}
