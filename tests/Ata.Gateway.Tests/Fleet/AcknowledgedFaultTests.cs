using System.Collections.Concurrent;
using System.Net;
using Ata.Core.Contract;
using Ata.Core.Faults;
using Ata.Gateway.Store;
using Ata.Gateway.Tests.Support;
using Ata.Lab;
using Ata.Tests.Mqtt;

namespace Ata.Gateway.Tests.Fleet;

/// <summary>
/// A fault the broker acknowledged to an adapter is never lost: not in a burst, not when the gateway
/// is killed during one, not while it is down, not while its database cannot be written. The real
/// gateway runs as its own process with its embedded Mosquitto; the adapters are MQTT clients that
/// count which of their faults the broker acknowledged, and the test then looks for each of those
/// in the gateway's fault timeline (each fault's detail names its adapter and sequence number), or,
/// for more than the timeline keeps, counts them on <c>/metrics</c>. Each of these failed on the
/// gateway before acknowledgement after commit (run with <c>ATA_TEST_GATEWAY_ASSEMBLY</c> set to its build).
/// </summary>
public sealed class AcknowledgedFaultTests
{
    private static readonly TimeSpan RecordedWithin = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_burst_of_7500_faults_from_5_adapters_is_recorded_whole()
    {
        using var directory = new TempDirectory();
        await using var gateway = await GatewayProcess.StartAsync(directory.Path, FreePort.Tcp());
        await using var fleet = await Fleet.ProvisionAsync(gateway, "burst", 5);

        // As fast as the broker takes them: far faster than any store writes one at a time.
        await fleet.SendFaultsAsync(1500, perSecond: 0, window: 1500);

        Assert.Equal(7500, fleet.Acknowledged);
        await Eventually.ValueAsync(() => gateway.MetricAsync("ata_reports_recorded_total"), n => n >= 7500, "7500 faults recorded", timeout: RecordedWithin);
        Assert.Equal(7500, await gateway.MetricAsync("ata_reports_recorded_total"));
        Assert.Equal(0, await gateway.MetricAsync("ata_broker_queue_overflows_total"));
        Assert.DoesNotContain("Outgoing messages are being dropped", gateway.Process.Tail(10_000), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Killing_the_gateway_during_a_fault_burst_loses_no_acknowledged_fault()
    {
        using var directory = new TempDirectory();
        var httpPort = FreePort.Tcp();
        var gateway = await GatewayProcess.StartAsync(directory.Path, httpPort);
        await using var fleet = await Fleet.ProvisionAsync(gateway, "kill", 5);

        // 500 faults a second; the gateway is killed (SIGKILL) in the middle, its broker lives on.
        var burst = fleet.SendFaultsAsync(400, perSecond: 100);
        await Eventually.TrueAsync(() => fleet.Acknowledged >= 800, "800 faults acknowledged", timeout: TimeSpan.FromSeconds(30));
        await gateway.KillAsync();
        await burst;
        Assert.Equal(2000, fleet.Acknowledged);

        await fleet.AssertRecordedAfterRestartAsync(directory.Path, httpPort);
    }

    [Fact]
    public async Task Faults_acknowledged_while_the_gateway_is_down_are_all_recorded_when_it_is_back()
    {
        using var directory = new TempDirectory();
        var httpPort = FreePort.Tcp();
        var gateway = await GatewayProcess.StartAsync(directory.Path, httpPort);
        await using var fleet = await Fleet.ProvisionAsync(gateway, "down", 6);
        await gateway.KillAsync();

        await fleet.SendFaultsAsync(500, perSecond: 0);

        Assert.Equal(3000, fleet.Acknowledged);
        await fleet.AssertRecordedAfterRestartAsync(directory.Path, httpPort);
    }

    [Fact]
    public async Task While_the_database_cannot_be_written_nothing_is_acknowledged_and_healthz_says_why_then_all_is_recorded()
    {
        using var directory = new TempDirectory();
        await using var gateway = await GatewayProcess.StartAsync(directory.Path, FreePort.Tcp());
        await using var fleet = await Fleet.ProvisionAsync(gateway, "full", 3);
        await fleet.SendFaultsAsync(20, perSecond: 0);
        await fleet.AssertRecordedAsync(gateway);

        // Every file write of the gateway now fails (EFBIG), as on a full disk; on PostgreSQL, the
        // database turns read-only and the gateway's sessions are ended (as on a fail-over to a standby).
        await CannotWriteAsync(gateway, true);
        await fleet.SendFaultsAsync(50, perSecond: 0);
        var (status, body) = await Eventually.ValueAsync(gateway.HealthAsync, h => h.Status != HttpStatusCode.OK, "/healthz not ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.StartsWith("not ready: the database cannot be written", body, StringComparison.Ordinal);
        Assert.Equal(0, await gateway.MetricAsync("ata_store_writable"));
        Assert.True(await gateway.MetricAsync("ata_reports_unacknowledged") > 0);
        Assert.Equal(210, fleet.Acknowledged);

        await CannotWriteAsync(gateway, false);
        await gateway.WaitUntilReadyAsync(TimeSpan.FromSeconds(30));
        await fleet.AssertRecordedAsync(gateway);
        Assert.Equal(1, await gateway.MetricAsync("ata_store_writable"));
    }

    private static async Task CannotWriteAsync(GatewayProcess gateway, bool cannot)
    {
        if (!TestStores.PostgreSql)
        {
            await gateway.LimitFileSizeAsync(cannot ? "1" : "unlimited");
            return;
        }

        using var database = TestStores.Database(gateway.DataDirectory);
        await using var connection = database.Open();
        StoreDatabase.Execute(connection, "SET default_transaction_read_only = off");
        await using (var name = StoreDatabase.Command(connection, "SELECT current_database()"))
        {
            var quoted = "\"" + (string)(await name.ExecuteScalarAsync())! + "\"";
            StoreDatabase.Execute(connection, cannot
                ? $"ALTER DATABASE {quoted} SET default_transaction_read_only = on"
                : $"ALTER DATABASE {quoted} RESET default_transaction_read_only");
        }

        StoreDatabase.Execute(connection,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
    }

    /// <summary>Stand-in adapters that send numbered faults and keep which the broker acknowledged.</summary>
    private sealed class Fleet : IAsyncDisposable
    {
        private readonly List<(string Id, MqttTestClient Client, ConcurrentDictionary<int, bool> Acknowledged)> _adapters = [];
        private int _sent;

        public int Acknowledged => _adapters.Sum(a => a.Acknowledged.Count);

        public static async Task<Fleet> ProvisionAsync(GatewayProcess gateway, string prefix, int count)
        {
            var fleet = new Fleet();
            for (var i = 1; i <= count; i++)
            {
                var id = $"{prefix}-{i}";
                var secret = $"{prefix}-secret-{i}";
                await gateway.ProvisionAsync(id, secret);
                fleet._adapters.Add((id, await MqttTestClient.ConnectAsync("127.0.0.1", gateway.BrokerPort, id, id, secret), new ConcurrentDictionary<int, bool>()));
            }

            return fleet;
        }

        /// <summary>Each adapter sends <paramref name="count"/> more faults (QoS 1), at most <paramref name="window"/> unacknowledged, paced or as fast as it can.</summary>
        public async Task SendFaultsAsync(int count, int perSecond, int window = 32)
        {
            var first = _sent + 1;
            _sent += count;
            await Task.WhenAll(_adapters.Select(a => SendAsync(a.Id, a.Client, a.Acknowledged, first, count, perSecond, window)));
        }

        /// <summary>Waits until every acknowledged fault is in the gateway's timeline (which keeps an adapter's last 500).</summary>
        public async Task AssertRecordedAsync(GatewayProcess gateway)
        {
            foreach (var (id, _, acknowledged) in _adapters)
            {
                Assert.True(acknowledged.Count <= Ata.Gateway.Store.AdapterStore.FaultHistoryLength);
                var expected = acknowledged.Keys.Select(seq => Detail(id, seq)).ToHashSet();
                var deadline = DateTime.UtcNow + RecordedWithin;
                List<string> missing;
                while ((missing = [.. expected.Except(await gateway.FaultDetailsAsync(id))]).Count > 0 && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(250);
                }

                Assert.True(missing.Count == 0, $"{id}: {missing.Count} of {expected.Count} acknowledged faults never recorded, e.g. {string.Join(", ", missing.Take(5))}");
            }
        }

        /// <summary>Starts the gateway again on its data directory and waits for every acknowledged fault in it.</summary>
        public async Task AssertRecordedAfterRestartAsync(string dataDirectory, int httpPort)
        {
            await using var restarted = await GatewayProcess.StartAsync(dataDirectory, httpPort);
            await AssertRecordedAsync(restarted);
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var (_, client, _) in _adapters)
            {
                await client.DisposeAsync();
            }
        }

        private static string Detail(string id, int seq) => $"{id} fault {seq}";

        private static async Task SendAsync(
            string id, MqttTestClient client, ConcurrentDictionary<int, bool> acknowledged, int first, int count, int perSecond, int unacknowledged)
        {
            using var window = new SemaphoreSlim(unacknowledged);
            var started = DateTime.UtcNow;
            var sends = new List<Task>();
            for (var seq = first; seq < first + count; seq++)
            {
                if (perSecond > 0 && started + TimeSpan.FromSeconds((seq - first) / (double)perSecond) - DateTime.UtcNow is { TotalMilliseconds: > 1 } wait)
                {
                    await Task.Delay(wait);
                }

                await window.WaitAsync();
                var n = seq;
                sends.Add(Task.Run(async () =>
                {
                    try
                    {
                        var payload = Reports.Fault(n, FaultCode.WrongCredentials, raised: n % 2 == 1, line: 1, sipCode: 403, detail: Detail(id, n));
                        await client.PublishAsync(MqttTopics.For(id, MqttTopics.Fault), payload, MqttTopics.ReliableQos, retain: false);
                        acknowledged[n] = true;
                    }
                    catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
                    {
                        // Not acknowledged: the adapter would keep it and send it again.
                    }
                    finally
                    {
                        window.Release();
                    }
                }));
            }

            await Task.WhenAll(sends);
        }
    }
}
