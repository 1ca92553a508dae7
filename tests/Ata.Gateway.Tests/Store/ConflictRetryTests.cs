using System.Net.Http.Json;
using Ata.Gateway.Store;
using Ata.Gateway.Tests.Support;
using Ata.Lab;
using Ata.Tests.Mqtt;

namespace Ata.Gateway.Tests.Store;

/// <summary>
/// Several gateway instances on one PostgreSQL update the same <c>fleet_counts</c> rows (the fleet
/// index's triggers), each in the order its adapters' changes come, so two of them can deadlock and
/// PostgreSQL undoes one of the two transactions. A report in the undone one was acknowledged by
/// nobody yet: it must be recorded when the transaction is run again, not dropped as a report the
/// store cannot take. Here the other writer is the test itself, which takes the count rows the
/// gateway's next report needs in the opposite order.
/// </summary>
public sealed class ConflictRetryTests
{
    [Fact]
    public async Task A_report_whose_transaction_was_a_deadlocks_victim_is_recorded_when_it_is_run_again()
    {
        using var data = new TempDirectory();
        var connectionString = await TestStores.NewDatabaseAsync("t_deadlock_" + Guid.NewGuid().ToString("N")[..12]);
        await using var gateway = await GatewayProcess.StartAsync(
            data.Path, FreePort.Tcp(), "--Store:Provider=PostgreSql", $"--Store:ConnectionString={connectionString}");
        await gateway.ProvisionAsync("race-1", "race-secret-1");
        await using var adapter = await MqttTestClient.ConnectAsync("127.0.0.1", gateway.BrokerPort, "race-1", "race-1", "race-secret-1");
        using var database = new PostgreSqlStoreDatabase(connectionString);

        await adapter.PublishAsync("ata/race-1/status", "online", 1, retain: true);
        await Eventually.TrueAsync(() => Online(database) == 1, "race-1 online");

        await using var other = database.Open();
        await using var transaction = await other.BeginTransactionAsync();
        // The other writer holds the online count; the gateway's "offline" takes the presence counts, then waits for it.
        StoreDatabase.Execute(other, $"UPDATE fleet_counts SET value = value WHERE name = '{FleetCounts.OnlineFlag}'");
        await adapter.PublishAsync("ata/race-1/status", "offline", 1, retain: true);
        await Eventually.TrueAsync(() => WaitingForLocks(database) > 0, "the gateway's transaction waiting for the online count");

        // Now the other writer wants a presence count the gateway holds: a deadlock. The gateway has
        // waited longer, so PostgreSQL's check finds it there first and undoes the gateway's transaction.
        StoreDatabase.Execute(other, $"UPDATE fleet_counts SET value = value WHERE name = '{FleetCounts.PresencePrefix}offline'");
        await transaction.CommitAsync();

        await Eventually.TrueAsync(() => Deadlocks(database) == 1, "PostgreSQL counted the deadlock");
        await Eventually.TrueAsync(() => Online(database) == 0, "race-1's offline recorded after the deadlock");
    }

    [Fact]
    public async Task Provisioning_whose_transaction_was_a_deadlocks_victim_is_run_again_and_answered_as_done()
    {
        using var data = new TempDirectory();
        var connectionString = await TestStores.NewDatabaseAsync("t_deadlock_" + Guid.NewGuid().ToString("N")[..12]);
        await using var gateway = await GatewayProcess.StartAsync(
            data.Path, FreePort.Tcp(), "--Store:Provider=PostgreSql", $"--Store:ConnectionString={connectionString}");
        using var database = new PostgreSqlStoreDatabase(connectionString);

        await using var other = database.Open();
        await using var transaction = await other.BeginTransactionAsync();
        // The other writer holds the count of never-seen adapters; a new adapter takes the adapters'
        // count, then waits for it.
        StoreDatabase.Execute(other, $"UPDATE fleet_counts SET value = value WHERE name = '{FleetCounts.PresencePrefix}never'");
        var put = gateway.Http.PutAsJsonAsync("/api/adapters/race-put-1", RunningGateway.Adapter("race-secret-put-1", ("2001", "sip-password", "127.0.0.1:5060")));
        await Eventually.TrueAsync(() => WaitingForLocks(database) > 0, "the gateway's transaction waiting for the never-seen count");

        // Now the other writer wants the adapters' count the gateway holds: a deadlock, and the gateway's
        // transaction (waiting longer) is the one PostgreSQL undoes.
        StoreDatabase.Execute(other, $"UPDATE fleet_counts SET value = value WHERE name = '{FleetCounts.Adapters}'");
        await transaction.CommitAsync();

        using var response = await put;
        Assert.Equal(1, Deadlocks(database));
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        using var read = await gateway.Http.GetAsync("/api/adapters/race-put-1");
        Assert.Equal(System.Net.HttpStatusCode.OK, read.StatusCode);
    }

    private static long Online(StoreDatabase database)
    {
        using var connection = database.Open();
        using var command = StoreDatabase.Command(connection, "SELECT online FROM adapter_state WHERE device_id = 'race-1'");
        return command.ExecuteScalar() is { } value and not DBNull ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) : -1;
    }

    private static long Deadlocks(StoreDatabase database)
    {
        using var connection = database.Open();
        using var command = StoreDatabase.Command(connection, "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()");
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static long WaitingForLocks(StoreDatabase database)
    {
        using var connection = database.Open();
        using var command = StoreDatabase.Command(connection,
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()");
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
