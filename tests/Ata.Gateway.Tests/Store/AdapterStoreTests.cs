using Ata.Core.Faults;
using Ata.Gateway.Broker;
using Ata.Gateway.Fleet;
using Ata.Gateway.Provisioning;
using Ata.Gateway.Store;
using Ata.Gateway.Tests.Support;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Tests.Store;

public sealed class AdapterStoreTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public void Saving_bumps_the_version_only_on_a_change_and_keeps_only_a_hash_of_the_secret()
    {
        using var store = Open();
        var lines = new[] { new SipAccount("2001", "pw", "127.0.0.1:5060") };

        Assert.Equal((true, 1, true, true), Summary(store.Save("ata-1", new AdapterSpecification("secret-one", lines))));
        Assert.Equal((false, 1, false, false), Summary(store.Save("ata-1", new AdapterSpecification("secret-one", lines))));
        Assert.Equal((false, 2, true, false), Summary(store.Save("ata-1", new AdapterSpecification("secret-one", [new SipAccount("2001", "pw2", "127.0.0.1:5060")]))));
        Assert.Equal((false, 3, true, true), Summary(store.Save("ata-1", new AdapterSpecification("secret-two", [new SipAccount("2001", "pw2", "127.0.0.1:5060")]))));
        var customer = store.Save("ata-1", new AdapterSpecification("secret-two", [new SipAccount("2001", "pw2", "127.0.0.1:5060")]) { CustomerReference = "C-1" });
        Assert.Equal((false, 3, false, false), Summary(customer));
        Assert.Equal(["customerReference"], customer.ChangedParts);
        Assert.Equal("C-1", store.Find("ata-1")!.CustomerReference);

        var account = Assert.Single(store.ListBrokerAccounts());
        Assert.Equal("ata-1", account.Key);
        Assert.True(MosquittoPasswordHash.Verify("secret-two", account.Value));
        Assert.DoesNotContain("secret-two", TestStores.StoredText(store), StringComparison.Ordinal);
    }

    [Fact]
    public void Faults_are_keyed_by_code_and_line_and_survive_reopening()
    {
        using (var store = Open())
        {
            store.Save("ata-2", new AdapterSpecification("secret-one", [new SipAccount("2001", "pw", "h"), new SipAccount("2002", "pw", "h")]));
            Assert.True(store.RecordFault("ata-2", new ReportedFault(1, FaultCode.WrongCredentials, true, 1, 403, "a")));
            Assert.True(store.RecordFault("ata-2", new ReportedFault(2, FaultCode.WrongCredentials, true, 2, 403, "b")));
            Assert.True(store.RecordFault("ata-2", new ReportedFault(3, FaultCode.WrongCredentials, true, 1, 401, "c")));
            Assert.True(store.RecordFault("ata-2", new ReportedFault(4, FaultCode.WrongCredentials, false, 2, null, null)));
            Assert.False(store.RecordFault("nobody", new ReportedFault(1, FaultCode.NetworkDown, true, null, null, null)));
            Assert.False(store.RecordStatus("nobody", true));
        }

        using var reopened = Open();
        var fault = Assert.Single(reopened.Find("ata-2")!.Faults);
        Assert.Equal((FaultCode.WrongCredentials, (int?)1, (int?)401, "c"), (fault.Code, fault.Line, fault.SipCode, fault.Detail));
        Assert.Equal(2, reopened.Find("ata-2")!.Lines.Count);
    }

    [Fact]
    public void A_late_offline_status_gives_way_to_the_next_report_of_the_live_connection()
    {
        using var store = Open();
        store.Save("ata-late", new AdapterSpecification("secret-one", [new SipAccount("2001", "pw", "h")]));
        static bool OfflineFault(AdapterView view) => view.Faults.Any(f => f.Code == FaultDescriptions.Offline);

        // The adapter reconnected: one gateway instance recorded the new connection's online, another the
        // old connection's Last Will after it.
        Assert.True(store.RecordStatus("ata-late", true));
        Assert.True(store.RecordStatus("ata-late", false));
        Assert.False(store.Find("ata-late")!.Online);
        Assert.True(OfflineFault(store.Find("ata-late")!));

        Assert.True(store.RecordHealth("ata-late", new HealthReport(60_000, -60, 120_000, "online", "192.0.2.10", 1,
            new LedStates("solid", "solid", "solid", "off"), [new LineHealth(1, "registered", 200, "idle")])));
        var healthy = store.Find("ata-late")!;
        Assert.True(healthy.Online);
        Assert.False(OfflineFault(healthy));

        // A hello (sent right after connecting) says the same.
        Assert.True(store.RecordStatus("ata-late", false));
        Assert.True(store.RecordHello("ata-late", new HelloReport("3.2.0", "esp32-ata-r2", "power-on", "24:0a:c4:00:00:01")));
        Assert.True(store.Find("ata-late")!.Online);
        Assert.False(OfflineFault(store.Find("ata-late")!));
        Assert.False(store.RecordHello("nobody", new HelloReport("3.2.0", "esp32-ata-r2", "power-on", "24:0a:c4:00:00:02")));
    }

    [Fact]
    public void Configs_are_published_again_after_the_broker_may_have_lost_them()
    {
        using var store = Open();
        store.Save("ata-3", new AdapterSpecification("secret-one", [new SipAccount("2001", "pw", "h")]));
        Assert.Equal(["ata-3"], store.ListUnpublishedConfigs());

        store.MarkConfigPublished("ata-3", 1);
        Assert.Empty(store.ListUnpublishedConfigs());

        store.MarkAllConfigsUnpublished();
        Assert.Equal(["ata-3"], store.ListUnpublishedConfigs());
    }

    [Fact]
    public void Sip_passwords_are_encrypted_at_rest_and_line_settings_round_trip()
    {
        const string password = "plain-sip-password-5d1e";
        var line = new SipAccount("2001", password, "sip.example.net:5070")
        {
            AuthUsername = "auth-2001",
            SecondaryRegistrar = "sip2.example.net",
            OutboundProxy = "proxy.example.net:5080",
            Transport = "tcp",
            Realm = "example.net",
            TonePlan = "DE",
            DialPlan = "0[1-9]x.|110|112",
            Barring = "international,mobile",
            Expires = 600,
            KeepAliveSeconds = 0,
            RetryBaseSeconds = 10,
            RetryMaxSeconds = 300,
        };
        using (var store = Open())
        {
            store.Save("ata-5", new AdapterSpecification("secret-one", [line]) { SendHa1 = true });
        }

        using var reopened = Open();
        var config = reopened.FindConfig("ata-5")!;
        Assert.Equal(line, Assert.Single(config.Lines));
        Assert.True(config.SendHa1);
        var view = Assert.Single(reopened.Find("ata-5")!.Lines);
        Assert.Equal(["international", "mobile"], view.Barring);
        Assert.Equal(("tcp", "DE", 0, 300), (view.Transport, view.TonePlan, view.KeepAliveSeconds, view.RetryMaxSeconds));
        Assert.DoesNotContain(password, TestStores.StoredText(reopened), StringComparison.Ordinal);
        Assert.True(Directory.EnumerateFiles(Path.Combine(_directory.Path, "keys"), "key-*.xml").Any());
    }

    [Fact]
    public void Config_versions_are_pending_until_applied_or_refused()
    {
        using var store = Open();
        store.Save("ata-6", new AdapterSpecification("secret-one", [new SipAccount("2001", "pw", "h")]), "alice");
        Assert.Equal(ConfigStatus.Pending, store.Find("ata-6")!.ConfigStatus);

        store.RecordConfigAck("ata-6", new ConfigAck(1, false, "lines[0].registrar: nope"));
        Assert.Equal(ConfigStatus.Refused, store.Find("ata-6")!.ConfigStatus);

        store.Save("ata-6", new AdapterSpecification("secret-one", [new SipAccount("2001", "pw", "h2")]), "bob");
        Assert.Equal(ConfigStatus.Pending, store.Find("ata-6")!.ConfigStatus);
        store.RecordConfigAck("ata-6", new ConfigAck(2, true, null));
        Assert.Equal(ConfigStatus.Applied, store.Find("ata-6")!.ConfigStatus);

        var history = store.ListConfigVersions("ata-6");
        Assert.Equal([(2, "bob", "applied", (string?)null), (1, "alice", "refused", "lines[0].registrar: nope")],
            history.Select(v => (v.Version, v.Actor, v.Status, v.Reason)));
    }

    [Fact]
    public void A_rotated_secret_takes_over_only_when_the_adapter_applies_its_version()
    {
        using var store = Open();
        store.Save("ata-7", new AdapterSpecification("secret-old", [new SipAccount("2001", "pw", "h")]));
        var version = store.StartSecretRotation("ata-7", "secret-new-1234", "admin")!.Value;

        Assert.Equal(2, version);
        Assert.Equal("secret-new-1234", store.FindConfig("ata-7")!.PendingSecret);
        Assert.True(MosquittoPasswordHash.Verify("secret-old", store.ListBrokerAccounts().Single().Value));
        Assert.DoesNotContain("secret-new-1234", TestStores.StoredText(store), StringComparison.Ordinal);

        store.RecordConfigAck("ata-7", new ConfigAck(1, true, null), out var early);
        Assert.False(early);
        store.RecordConfigAck("ata-7", new ConfigAck(2, true, null), out var rotated);
        Assert.True(rotated);
        Assert.True(MosquittoPasswordHash.Verify("secret-new-1234", store.ListBrokerAccounts().Single().Value));
        Assert.Null(store.FindConfig("ata-7")!.PendingSecret);
        Assert.Null(store.StartSecretRotation("nobody", "x", "admin"));
    }

    [Fact]
    public void Health_history_is_bounded_and_silence_is_a_fault_until_health_returns()
    {
        var time = new ManualTime(DateTimeOffset.Parse("2026-11-22T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        using var store = Open(time);
        store.Save("ata-8", new AdapterSpecification("secret-one", [new SipAccount("2001", "pw", "h")]));
        var health = new HealthReport(1000, -60, 50000, "online", "192.0.2.1", 1, LedStates.AllOff, []);
        for (var i = 0; i < AdapterStore.HealthHistoryLength + 5; i++)
        {
            store.RecordHealth("ata-8", health with { UptimeMs = i });
        }

        var samples = store.ListHealthHistory("ata-8");
        Assert.Equal(AdapterStore.HealthHistoryLength, samples.Count);
        Assert.Equal(5, samples[0].UptimeMs);

        time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(["ata-8"], store.ListNewlySilent(time.GetUtcNow() - TimeSpan.FromMinutes(3)));
        store.MarkSilent("ata-8", "quiet");
        Assert.Empty(store.ListNewlySilent(time.GetUtcNow() - TimeSpan.FromMinutes(3)));
        var adapter = store.Find("ata-8")!;
        Assert.True(adapter.Silent);
        Assert.Equal(FaultDescriptions.Silent, Assert.Single(adapter.Faults).Code);

        store.RecordHealth("ata-8", health);
        adapter = store.Find("ata-8")!;
        Assert.False(adapter.Silent);
        Assert.Empty(adapter.Faults);
    }

    [Fact]
    public void A_batch_keeps_every_health_report_in_the_history_and_the_last_as_the_state_and_nothing_without_commit()
    {
        using var store = Open(new ManualTime(DateTimeOffset.Parse("2026-11-22T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture)));
        store.Save("ata-9", new AdapterSpecification("secret-one", [new SipAccount("2001", "pw", "h")]));
        var health = new HealthReport(1000, -60, 50000, "online", "192.0.2.1", 1, LedStates.AllOff, [new LineHealth(1, "registered", 200, "idle")]);

        using (var uncommitted = store.BeginReports())
        {
            Assert.True(uncommitted.RecordHealth("ata-9", health));
            Assert.True(uncommitted.RecordFault("ata-9", new ReportedFault(1, FaultCode.NetworkDown, true, null, null, "lost")));
        }

        Assert.Empty(store.ListHealthHistory("ata-9"));
        Assert.Empty(store.Find("ata-9")!.Faults);

        using (var batch = store.BeginReports())
        {
            Assert.True(batch.RecordHealth("ata-9", health with { Rssi = -70 }));
            Assert.True(batch.RecordHealth("ata-9", health with { Rssi = -65, Leds = LedStates.AllOff with { Pwr = "solid" } }));
            Assert.False(batch.RecordHealth("nobody", health));
            Assert.True(batch.RecordHealth("ata-9", health with { Rssi = -61, Lines = [new LineHealth(1, "failed", 403, "idle")] }));
            batch.Commit();
        }

        Assert.Equal([-70, -65, -61], store.ListHealthHistory("ata-9").Select(s => s.Rssi));
        var adapter = store.Find("ata-9")!;
        Assert.Equal(-61, adapter.Rssi);
        Assert.Equal("off", adapter.Leds.Pwr);
        Assert.Equal("failed", Assert.Single(adapter.Lines).Registration);
    }

    [Fact]
    public void A_lines_voicemail_light_from_health_and_its_message_waiting_setting_are_shown()
    {
        using var store = Open();
        store.Save("ata-vm", new AdapterSpecification("secret-one", [new SipAccount("2001", "pw", "h") { MessageWaiting = false }, new SipAccount("2002", "pw", "h")]));
        var health = new HealthReport(1000, null, 50000, "online", "192.0.2.1", 1, LedStates.AllOff,
            [new LineHealth(1, "registered", 200, "idle", "off"), new LineHealth(2, "registered", 200, "idle", "waiting")]);

        Assert.True(store.RecordHealth("ata-vm", health));

        var lines = store.Find("ata-vm")!.Lines;
        Assert.Equal(["off", "waiting"], lines.Select(l => l.Voicemail));
        Assert.Equal([false, (bool?)null], lines.Select(l => l.MessageWaiting));
    }

    [SqliteStoreFact]
    public void A_first_version_store_is_migrated_and_its_passwords_encrypted()
    {
        var path = Path.Combine(_directory.Path, AdapterStore.FileName);
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText =
                """
                CREATE TABLE adapters (device_id TEXT PRIMARY KEY NOT NULL, secret_hash TEXT NOT NULL, config_version INTEGER NOT NULL,
                    published_version INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, updated_at TEXT NOT NULL) STRICT;
                CREATE TABLE adapter_lines (device_id TEXT NOT NULL REFERENCES adapters (device_id) ON DELETE CASCADE, line INTEGER NOT NULL,
                    username TEXT NOT NULL, password TEXT NOT NULL, registrar TEXT NOT NULL, PRIMARY KEY (device_id, line)) STRICT;
                CREATE TABLE adapter_state (device_id TEXT PRIMARY KEY NOT NULL REFERENCES adapters (device_id) ON DELETE CASCADE,
                    online INTEGER NOT NULL DEFAULT 0, last_seen TEXT, firmware TEXT, hardware TEXT, reset_reason TEXT, mac TEXT, hello_at TEXT,
                    health_at TEXT, uptime_ms INTEGER, rssi INTEGER, free_heap INTEGER, wan TEXT, wan_address TEXT, running_config_version INTEGER,
                    led_pwr TEXT NOT NULL DEFAULT 'off', led_wan TEXT NOT NULL DEFAULT 'off', led_tel1 TEXT NOT NULL DEFAULT 'off',
                    led_tel2 TEXT NOT NULL DEFAULT 'off', applied_config_version INTEGER, refused_config_version INTEGER, refused_reason TEXT) STRICT;
                CREATE TABLE line_health (device_id TEXT NOT NULL, line INTEGER NOT NULL, registration TEXT NOT NULL, sip_code INTEGER,
                    line_state TEXT, PRIMARY KEY (device_id, line)) STRICT;
                CREATE TABLE active_faults (device_id TEXT NOT NULL, code TEXT NOT NULL, line INTEGER NOT NULL DEFAULT 0, sip_code INTEGER,
                    detail TEXT, seq INTEGER, since TEXT NOT NULL, PRIMARY KEY (device_id, code, line)) STRICT;
                INSERT INTO adapters VALUES ('old-1', 'hash', 4, 4, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
                INSERT INTO adapter_lines VALUES ('old-1', 1, '2001', 'old-plain-password', 'sip.example.net');
                INSERT INTO adapter_state (device_id) VALUES ('old-1');
                PRAGMA user_version = 1;
                """;
            command.ExecuteNonQuery();
        }

        using var store = Open();
        var config = store.FindConfig("old-1")!;
        Assert.Equal(4, config.Version);
        Assert.Equal(new SipAccount("2001", "old-plain-password", "sip.example.net"), Assert.Single(config.Lines));
        Assert.Equal(LineDefaults.Transport, Assert.Single(store.Find("old-1")!.Lines).Transport);
        using var check = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False");
        check.Open();
        using var read = check.CreateCommand();
        read.CommandText = "SELECT password FROM adapter_lines";
        Assert.NotEqual("old-plain-password", (string)read.ExecuteScalar()!);
    }

    [SqliteStoreFact]
    public void A_second_version_store_gains_service_requests_and_its_lines_read_the_new_settings_as_defaults()
    {
        using (var store = Open())
        {
            store.Save("v2-1", new AdapterSpecification("secret-one", [new SipAccount("2001", "pw", "sip.example.net") { Country = "DK" }]));
        }

        // What a version-2 gateway wrote: no service_requests table, line settings without the telephony fields.
        MakeOlder(2, ["service_requests", "fault_boots", "call_records"], ["flashMs", "tones", "shortTimerMs", "longTimerMs", "registrarProbeSeconds", "noAnswerSeconds"]);

        using var reopened = Open();
        var line = Assert.Single(reopened.FindConfig("v2-1")!.Lines);
        Assert.Equal(new SipAccount("2001", "pw", "sip.example.net") { Country = "DK" }, line);
        Assert.Equal((null, null, null, null), (line.FlashMs, line.ShortTimerMs, line.LongTimerMs, (object?)line.Tones));
        var unchanged = reopened.Save("v2-1", new AdapterSpecification("secret-one", [new SipAccount("2001", "pw", "sip.example.net") { Country = "DK" }]));
        Assert.False(unchanged.Changed);

        Assert.True(reopened.RecordServiceRequest("v2-1", new ServiceReport(1, "#21#", "cancel-call-forwarding", null), "nothing to do"));
        Assert.False(reopened.RecordServiceRequest("nobody", new ServiceReport(1, "#21#", "cancel-call-forwarding", null), "nothing to do"));
        Assert.Equal("#21#", Assert.Single(reopened.Find("v2-1")!.RecentServiceRequests).ServiceCode);
        Assert.Equal(6L, UserVersion());
    }

    [SqliteStoreFact]
    public void A_third_version_store_gains_the_boots_table_and_its_lines_read_the_probe_and_no_answer_limit_as_defaults()
    {
        var line = new SipAccount("2001", "pw", "sip.example.net") { Country = "DK" };
        using (var store = Open())
        {
            store.Save("v3-1", new AdapterSpecification("secret-one", [line with { RegistrarProbeSeconds = 10, NoAnswerSeconds = 60 }]));
            var view = Assert.Single(store.Find("v3-1")!.Lines);
            Assert.Equal((10, 60), (view.RegistrarProbeSeconds, view.NoAnswerSeconds));
        }

        // What a version-3 gateway wrote: no fault_boots table, line settings without the probe and no-answer limit.
        MakeOlder(3, ["fault_boots", "call_records"], ["registrarProbeSeconds", "noAnswerSeconds"]);

        using var reopened = Open();
        Assert.Equal(line, Assert.Single(reopened.FindConfig("v3-1")!.Lines));
        Assert.Equal((null, null), (Assert.Single(reopened.Find("v3-1")!.Lines).RegistrarProbeSeconds, reopened.Find("v3-1")!.Lines[0].NoAnswerSeconds));
        Assert.False(reopened.Save("v3-1", new AdapterSpecification("secret-one", [line])).Changed);
        using var batch = reopened.BeginReports();
        Assert.Equal(FaultReportOutcome.Recorded, batch.RecordFault("v3-1", new ReportedFault(1, FaultCode.NetworkDown, true, null, null, null) { Boot = "b1" }, DateTimeOffset.UtcNow));
        Assert.Equal(FaultReportOutcome.Repeated, batch.RecordFault("v3-1", new ReportedFault(1, FaultCode.NetworkDown, true, null, null, null) { Boot = "b1" }, DateTimeOffset.UtcNow));
        batch.Commit();
        Assert.Equal(6L, UserVersion());
    }

    [Fact]
    public void Line_telephony_settings_survive_the_store_and_service_history_is_bounded()
    {
        using var store = Open();
        var line = new SipAccount("2001", "pw", "h")
        {
            FlashMs = 800, ShortTimerMs = 1000, LongTimerMs = 8000, Tones = new NamedTexts { ["busy"] = "425:500 0:500" },
        };
        store.Save("tel-1", new AdapterSpecification("secret-one", [line]));
        Assert.Equal(line, Assert.Single(store.FindConfig("tel-1")!.Lines));
        var view = Assert.Single(store.Find("tel-1")!.Lines);
        Assert.Equal((800, 1000, 8000), (view.FlashMs, view.ShortTimerMs, view.LongTimerMs));
        Assert.Equal("425:500 0:500", view.Tones!["busy"]);
        Assert.False(store.Save("tel-1", new AdapterSpecification("secret-one", [line with { Tones = new NamedTexts { ["busy"] = "425:500 0:500" } }])).Changed);

        for (var i = 0; i < AdapterStore.ServiceHistoryLength + 5; i++)
        {
            store.RecordServiceRequest("tel-1", new ServiceReport(1, "#21#", "cancel-call-forwarding", i), "nothing to do");
        }

        Assert.Equal(AdapterStore.ServiceHistoryLength, store.ListServiceRequests("tel-1").Count);
        Assert.Equal(AdapterStore.RecentServiceRequests, store.Find("tel-1")!.RecentServiceRequests.Count);
        Assert.Equal(AdapterStore.RecentServiceRequests, Assert.Single(store.List(), a => a.DeviceId == "tel-1").RecentServiceRequests.Count);
    }

    public void Dispose() => _directory.Dispose();

    /// <summary>
    /// Turns the store's file into what the gateway of schema <paramref name="version"/> wrote: without
    /// the tables and the line settings (of its one line) added since.
    /// </summary>
    [SqliteStoreFact]
    public void A_fourth_version_store_gains_the_people_and_commands_tables()
    {
        using (var store = Open())
        {
            store.Save("v4-1", new AdapterSpecification("secret-one", [new SipAccount("2001", "pw", "sip.example.net")]));
        }

        // What a version-4 gateway wrote: no people, person_tokens or commands.
        MakeOlder(4, ["people", "person_tokens", "commands"], []);

        using var reopened = Open();
        var book = new Ata.Gateway.Commands.CommandBook(reopened, TimeProvider.System);
        book.Add("c-v4", "v4-1", "reboot", force: false, line: null, queued: true, DateTimeOffset.UtcNow.AddHours(1), "admin");
        Assert.Equal("queued", Assert.Single(book.List("v4-1")).Status);
        using var connection = reopened.Open();
        using var people = StoreDatabase.Command(connection, "SELECT COUNT(*) FROM people");
        Assert.Equal(0L, people.ExecuteScalar());
        Assert.Equal(6L, UserVersion());
    }

    private void MakeOlder(int version, string[] tablesAddedSince, string[] lineSettingsAddedSince)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_directory.Path, AdapterStore.FileName)};Pooling=False");
        connection.Open();
        string settings;
        using (var select = connection.CreateCommand())
        {
            select.CommandText = "SELECT settings FROM adapter_lines";
            settings = (string)select.ExecuteScalar()!;
        }

        var old = System.Text.Json.Nodes.JsonNode.Parse(settings)!.AsObject();
        foreach (var added in lineSettingsAddedSince)
        {
            Assert.True(old.Remove(added), added);
        }

        using var command = connection.CreateCommand();
        command.CommandText = string.Concat(tablesAddedSince.Select(t => $"DROP TABLE {t}; "))
            + $"UPDATE adapter_lines SET settings = $settings; PRAGMA user_version = {version};";
        command.Parameters.AddWithValue("$settings", old.ToJsonString());
        command.ExecuteNonQuery();
    }

    private long UserVersion()
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_directory.Path, AdapterStore.FileName)};Pooling=False");
        connection.Open();
        using var read = connection.CreateCommand();
        read.CommandText = "PRAGMA user_version";
        return (long)read.ExecuteScalar()!;
    }

    private static (bool, int, bool, bool) Summary(SaveOutcome outcome) =>
        (outcome.Created, outcome.ConfigVersion, outcome.Changed, outcome.CredentialsChanged);

    private AdapterStore Open(TimeProvider? time = null) =>
        TestStores.Open(_directory.Path, time ?? TimeProvider.System,
            new SecretBox(DataProtectionProvider.Create(
                new DirectoryInfo(Path.Combine(_directory.Path, "keys")), b => b.SetApplicationName("Ata.Gateway"))));
}
