using Ata.Gateway.Fleet;
using Ata.Gateway.Incidents;
using Ata.Gateway.Store;
using System.Data.Common;

namespace Ata.Gateway.Broker;

/// <summary>What support sees of an adapter's refused logins at the broker.</summary>
/// <param name="Attempts">Refused attempts since the last accepted login.</param>
/// <param name="FirstAt">When the first of them came.</param>
/// <param name="LastAt">When the last one came.</param>
/// <param name="LastAddress">The address the last one came from.</param>
public sealed record RefusedLoginView(long Attempts, DateTimeOffset FirstAt, DateTimeOffset LastAt, string LastAddress);

/// <summary>
/// The store's side of refused logins: per provisioned adapter, the attempts the broker refused
/// since its last accepted login, and the gateway's own fault <see cref="FaultDescriptions.LoginRefusedAtBroker"/>
/// (an incident) while they go on. A login the store does not know is not written anywhere.
/// </summary>
public static class RefusedLoginRecords
{
    /// <summary>Creates the table.</summary>
    /// <param name="connection">An open connection (in the schema transaction).</param>
    public static void CreateSchema(DbConnection connection) =>
        StoreDatabase.Execute(connection, StoreSql.Tables(StoreDatabase.DialectOf(connection),
            """
            CREATE TABLE IF NOT EXISTS refused_logins (
                device_id TEXT PRIMARY KEY REFERENCES adapters (device_id) ON DELETE CASCADE,
                attempts INTEGER NOT NULL,
                first_at TEXT NOT NULL,
                last_at TEXT NOT NULL,
                last_address TEXT NOT NULL
            ) STRICT;
            """));

    /// <summary>Records one refused login of <paramref name="deviceId"/>; false (nothing written) when no such adapter is provisioned.</summary>
    /// <param name="connection">An open connection, in a transaction.</param>
    /// <param name="incidents">Opens the incident, in the same transaction.</param>
    /// <param name="deviceId">The login the broker refused.</param>
    /// <param name="address">Where the attempt came from.</param>
    /// <param name="now">The time.</param>
    public static bool Record(DbConnection connection, IncidentBook? incidents, string deviceId, string address, DateTimeOffset now)
    {
        using (var known = StoreDatabase.Command(connection, "SELECT 1 FROM adapters WHERE device_id = @id", ("@id", deviceId)))
        {
            if (known.ExecuteScalar() is null)
            {
                return false;
            }
        }

        var at = IncidentBook.Text(now);
        StoreDatabase.Execute(connection,
            """
            INSERT INTO refused_logins (device_id, attempts, first_at, last_at, last_address) VALUES (@id, 1, @now, @now, @address)
            ON CONFLICT (device_id) DO UPDATE SET attempts = refused_logins.attempts + 1, last_at = @now, last_address = @address
            """,
            ("@id", deviceId), ("@now", at), ("@address", address));
        var detail = $"the broker refused its login (last from {address})";
        if (AdapterStore.OpenOwnFault(connection, deviceId, FaultDescriptions.LoginRefusedAtBroker, detail, at))
        {
            incidents?.Raised(connection, deviceId, FaultDescriptions.LoginRefusedAtBroker, 0, now);
        }

        return true;
    }

    /// <summary>The broker accepted <paramref name="deviceId"/>'s login: its refused attempts are over.</summary>
    /// <param name="connection">An open connection, in a transaction.</param>
    /// <param name="deviceId">The adapter.</param>
    /// <param name="now">The time.</param>
    public static void Accepted(DbConnection connection, string deviceId, DateTimeOffset now)
    {
        if (StoreDatabase.Execute(connection, "DELETE FROM refused_logins WHERE device_id = @id", ("@id", deviceId)) == 0)
        {
            return;
        }

        AdapterStore.CloseOwnFault(connection, deviceId, FaultDescriptions.LoginRefusedAtBroker, "the broker accepted its login", IncidentBook.Text(now), now);
    }

    /// <summary>The adapter's refused logins since its last accepted one, or null when there are none.</summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="deviceId">The adapter.</param>
    public static RefusedLoginView? Find(DbConnection connection, string deviceId)
    {
        using var command = StoreDatabase.Command(connection,
            "SELECT attempts, first_at, last_at, last_address FROM refused_logins WHERE device_id = @id", ("@id", deviceId));
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new RefusedLoginView(reader.GetInt64(0), AdapterStore.ParseTime(reader.GetString(1)),
                AdapterStore.ParseTime(reader.GetString(2)), reader.GetString(3))
            : null;
    }
}
