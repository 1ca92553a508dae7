using System.Globalization;
using System.Text.Json.Nodes;
using Ata.Core.Faults;
using Ata.Gateway.Fleet;
using Ata.Gateway.Incidents;
using Ata.Gateway.Provisioning;
using Ata.Gateway.Store;
using Ata.Gateway.Tests.Support;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Tests.Incidents;

public sealed class IncidentBookTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly ManualTime _time = new(DateTimeOffset.Parse("2026-11-22T00:00:00Z", CultureInfo.InvariantCulture));
    private readonly IncidentBook _book = new(
        Options.Create(new IncidentOptions { QuietSeconds = 60, FlapThreshold = 3, FoldWindowSeconds = 30, FoldThreshold = 3 }),
        Options.Create(new RelayOptions { WebhookUrl = "http://127.0.0.1:9/hook" }));

    [Fact]
    public void A_duplicate_merges_and_the_resolution_follows_only_after_the_quiet_time()
    {
        using var store = Open();
        Provision(store, "inc-1", "sip.example.net");
        store.RecordFault("inc-1", new ReportedFault(1, FaultCode.WrongCredentials, true, 1, 403, null));
        store.RecordFault("inc-1", new ReportedFault(2, FaultCode.WrongCredentials, true, 1, 403, null));
        Assert.Equal(["opened"], Messages(store));

        store.RecordFault("inc-1", new ReportedFault(3, FaultCode.WrongCredentials, false, 1, null, null));
        Tick(store, TimeSpan.FromSeconds(30));
        Assert.Equal(["opened"], Messages(store));
        Tick(store, TimeSpan.FromSeconds(31));
        Assert.Equal(["opened", "resolved"], Messages(store));

        var report = Payloads(store)[0];
        Assert.Equal("inc-1", report["adapter"]!["deviceId"]!.GetValue<string>());
        Assert.Equal("CUST-inc-1", report["adapter"]!["customerReference"]!.GetValue<string>());
        Assert.Equal(NextSteps.For(FaultCode.WrongCredentials), report["nextStep"]!.GetValue<string>());
        Assert.Equal("ata-incident-1-opened", report["idempotencyKey"]!.GetValue<string>());
    }

    [Fact]
    public void A_flapping_fault_is_reported_once_while_it_flaps()
    {
        using var store = Open();
        Provision(store, "inc-2", "sip.example.net");
        for (var i = 0; i < 6; i++)
        {
            store.RecordFault("inc-2", new ReportedFault(i * 2, FaultCode.NetworkDown, true, null, null, null));
            Tick(store, TimeSpan.FromSeconds(5));
            store.RecordFault("inc-2", new ReportedFault(i * 2 + 1, FaultCode.NetworkDown, false, null, null, null));
            Tick(store, TimeSpan.FromSeconds(5));
        }

        Assert.Equal(["opened", "flapping"], Messages(store));
        Tick(store, TimeSpan.FromSeconds(61));
        Assert.Equal(["opened", "flapping", "resolved"], Messages(store));
        using var connection = store.Open();
        var incident = Assert.Single(IncidentBook.List(connection, openOnly: false));
        Assert.Equal(5, incident.Flaps);
    }

    [Fact]
    public void Many_adapters_losing_one_registrar_fold_into_one_registrar_incident()
    {
        using var store = Open();
        foreach (var id in new[] { "fold-1", "fold-2", "fold-3" })
        {
            Provision(store, id, "sip.down.example");
        }

        Provision(store, "fold-other", "sip.fine.example");
        store.RecordFault("fold-other", new ReportedFault(1, FaultCode.RegistrarUnreachable, true, 1, null, null));
        foreach (var id in new[] { "fold-1", "fold-2", "fold-3" })
        {
            store.RecordFault(id, new ReportedFault(1, FaultCode.RegistrarUnreachable, true, 1, 408, null));
            Tick(store, TimeSpan.FromSeconds(2));
        }

        Tick(store, TimeSpan.FromSeconds(31));
        using (var connection = store.Open())
        {
            var incidents = IncidentBook.List(connection, openOnly: true);
            var registrar = Assert.Single(incidents, i => i.Kind == IncidentBook.RegistrarKind);
            Assert.Equal("sip.down.example", registrar.Registrar);
            Assert.Equal(3, registrar.Folded);
            Assert.Equal(NextSteps.RegistrarIncident, registrar.NextStep);
        }

        var released = Released(store);
        Assert.Equal(2, released.Count);
        Assert.Contains(released, r => r["incident"]!["kind"]!.GetValue<string>() == "registrar"
            && r["adapters"]!.AsArray().Select(a => a!.GetValue<string>()).SequenceEqual(["fold-1", "fold-2", "fold-3"]));
        Assert.Contains(released, r => r["adapter"]?["deviceId"]?.GetValue<string>() == "fold-other");

        foreach (var id in new[] { "fold-1", "fold-2", "fold-3" })
        {
            store.RecordFault(id, new ReportedFault(2, FaultCode.RegistrarUnreachable, false, 1, null, null));
        }

        Tick(store, TimeSpan.FromSeconds(61));
        Tick(store, TimeSpan.FromSeconds(1));
        var resolved = Released(store).Where(r => r["event"]!.GetValue<string>() == "resolved").ToList();
        Assert.Equal("registrar", Assert.Single(resolved)["incident"]!["kind"]!.GetValue<string>());
    }

    [Fact]
    public void A_single_registrar_side_fault_is_reported_after_the_fold_window()
    {
        using var store = Open();
        Provision(store, "solo-1", "sip.example.net");
        store.RecordFault("solo-1", new ReportedFault(1, FaultCode.DnsFailure, true, 1, null, null));
        Tick(store, TimeSpan.FromSeconds(1));
        Assert.Empty(Released(store));
        Tick(store, TimeSpan.FromSeconds(30));
        Assert.Single(Released(store));
    }

    [Fact]
    public void Old_messages_of_ended_incidents_are_pruned_but_undelivered_ones_kept()
    {
        using var store = Open();
        Provision(store, "old-1", "sip.example.net");
        store.RecordFault("old-1", new ReportedFault(1, FaultCode.WrongCredentials, true, 1, 403, null));
        store.RecordFault("old-1", new ReportedFault(2, FaultCode.WrongCredentials, false, 1, null, null));
        Tick(store, TimeSpan.FromSeconds(61));
        Assert.Equal(["opened", "resolved"], Messages(store));

        Tick(store, IncidentBook.Retention + TimeSpan.FromDays(1));
        Assert.Equal(["opened", "resolved"], Messages(store));

        using (var connection = store.Open())
        {
            AdapterStore.Execute(connection, "UPDATE outbox_deliveries SET delivered_at = $now", ("$now", IncidentBook.Text(_time.GetUtcNow())));
        }

        Tick(store, TimeSpan.FromSeconds(1));
        Assert.Empty(Messages(store));
    }

    public void Dispose() => _directory.Dispose();

    private void Tick(AdapterStore store, TimeSpan by)
    {
        _time.Advance(by);
        using var connection = store.Open();
        using var transaction = connection.BeginTransaction();
        _book.Tick(connection, _time.GetUtcNow());
        transaction.Commit();
    }

    private static void Provision(AdapterStore store, string id, string registrar) =>
        store.Save(id, new AdapterSpecification("secret-" + id, [new SipAccount("2001", "pw", registrar)]) { CustomerReference = "CUST-" + id });

    private static List<string> Messages(AdapterStore store) =>
        [.. Payloads(store).Select(p => p["event"]!.GetValue<string>())];

    private static List<JsonNode> Payloads(AdapterStore store) => Query(store, "SELECT payload FROM outbox WHERE cancelled = 0 ORDER BY id");

    private List<JsonNode> Released(AdapterStore store)
    {
        using var connection = store.Open();
        using var command = AdapterStore.Command(connection, "SELECT payload FROM outbox WHERE cancelled = 0 AND not_before <= $now ORDER BY id",
            ("$now", IncidentBook.Text(_time.GetUtcNow())));
        using var reader = command.ExecuteReader();
        var payloads = new List<JsonNode>();
        while (reader.Read())
        {
            payloads.Add(JsonNode.Parse(reader.GetString(0))!);
        }

        return payloads;
    }

    private static List<JsonNode> Query(AdapterStore store, string sql)
    {
        using var connection = store.Open();
        using var command = AdapterStore.Command(connection, sql);
        using var reader = command.ExecuteReader();
        var payloads = new List<JsonNode>();
        while (reader.Read())
        {
            payloads.Add(JsonNode.Parse(reader.GetString(0))!);
        }

        return payloads;
    }

    private AdapterStore Open() =>
        new(Options.Create(new GatewayOptions { DataDirectory = _directory.Path }), _time,
            new SecretBox(DataProtectionProvider.Create(new DirectoryInfo(Path.Combine(_directory.Path, "keys")))), _book);
}
