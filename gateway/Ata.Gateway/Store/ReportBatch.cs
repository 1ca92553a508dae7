using Ata.Gateway.Fleet;
using System.Data.Common;

namespace Ata.Gateway.Store;

/// <summary>
/// Adapter reports recorded in one SQLite transaction (see <see cref="AdapterStore.BeginReports"/>):
/// <see cref="Commit"/> makes them all durable at once; disposing without it records none of them.
/// Each method returns false when the adapter is unknown (nothing is written for it).
/// </summary>
public sealed class ReportBatch : IDisposable
{
    private readonly AdapterStore _store;
    private readonly DbConnection _connection;
    private readonly DbTransaction _transaction;

    // Adapters whose health this batch recorded: their newer state still to write at commit, or null.
    private readonly Dictionary<string, HealthReport?> _health = new(StringComparer.Ordinal);

    internal ReportBatch(AdapterStore store, DbConnection connection)
    {
        _store = store;
        _connection = connection;
        try
        {
            _transaction = connection.BeginTransaction();
            StoreDatabase.KeepStatements(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>The batch's connection, inside its transaction, for features that keep their own tables (e.g. call records).</summary>
    internal DbConnection Connection => _connection;

    /// <summary>Records an adapter's <c>status</c>.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="online">Whether it is online.</param>
    public bool RecordStatus(string deviceId, bool online) => _store.RecordStatus(_connection, deviceId, online);

    /// <summary>Records an adapter's <c>hello</c>.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="hello">The report.</param>
    public bool RecordHello(string deviceId, HelloReport hello) => _store.RecordHello(_connection, deviceId, hello);

    /// <summary>
    /// Records an adapter's <c>health</c>: a sample in its history, and its LEDs, WAN and per-line
    /// registration as its current state. Of several reports from one adapter in a batch, each is
    /// kept in the history and the last one's state is written once, at <see cref="Commit"/>.
    /// </summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="health">The report.</param>
    public bool RecordHealth(string deviceId, HealthReport health)
    {
        if (_health.ContainsKey(deviceId))
        {
            _health[deviceId] = health;
        }
        else if (_store.UpdateHealthState(_connection, deviceId, health))
        {
            _health[deviceId] = null;
        }
        else
        {
            return false;
        }

        _store.AddHealthSample(_connection, deviceId, health);
        return true;
    }

    /// <summary>Raises or clears a fault (keyed by code and line) received now, with its incident and outbox message.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="fault">The report.</param>
    public bool RecordFault(string deviceId, ReportedFault fault) =>
        _store.RecordFault(_connection, deviceId, fault, null) != FaultReportOutcome.UnknownAdapter;

    /// <summary>
    /// Raises or clears a fault (keyed by code and line), dated <paramref name="receivedAt"/> minus its
    /// age, with its incident and outbox message; a change of a boot and sequence number recorded
    /// before is not recorded again (see <see cref="FaultRecords"/>).
    /// </summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="fault">The report.</param>
    /// <param name="receivedAt">When the gateway's session received it.</param>
    public FaultReportOutcome RecordFault(string deviceId, ReportedFault fault, DateTimeOffset receivedAt) =>
        _store.RecordFault(_connection, deviceId, fault, receivedAt);

    /// <summary>Takes an adapter's snapshot of its open faults as the truth (see <see cref="FaultRecords.Snapshot"/>).</summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="snapshot">The snapshot.</param>
    /// <param name="receivedAt">When the gateway's session received it.</param>
    /// <param name="newlyDropped">Reports the adapter dropped that no earlier snapshot counted.</param>
    public FaultReportOutcome RecordFaultSnapshot(string deviceId, FaultSnapshot snapshot, DateTimeOffset receivedAt, out long newlyDropped) =>
        _store.RecordFaultSnapshot(_connection, deviceId, snapshot, receivedAt, out newlyDropped);

    /// <summary>Records an adapter's answer to a config version; completes a secret rotation it applied.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="ack">The answer.</param>
    /// <param name="rotated">Whether the adapter's broker secret changes with this commit (the broker must reload after it).</param>
    public bool RecordConfigAck(string deviceId, ConfigAck ack, out bool rotated) => _store.RecordConfigAck(_connection, deviceId, ack, out rotated);

    /// <summary>Records a service code dialled on an adapter's line, in its history and the audit log.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="service">The report.</param>
    /// <param name="outcome">What the gateway did.</param>
    public bool RecordServiceRequest(string deviceId, ServiceReport service, string outcome) =>
        _store.RecordServiceRequest(_connection, deviceId, service, outcome);

    /// <summary>Records an adapter's answer to a command (<see cref="Commands.CommandBook.RecordResult"/>).</summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="result">The answer.</param>
    /// <returns>False when the adapter is unknown.</returns>
    public bool RecordCommandResult(string deviceId, Commands.CommandResult result)
    {
        Commands.CommandBook.RecordResult(_connection, deviceId, result, _store.Now());
        using var known = StoreDatabase.Command(_connection, "SELECT 1 FROM adapters WHERE device_id = @id", ("@id", deviceId));
        return known.ExecuteScalar() is not null;
    }

    /// <summary>Makes everything recorded through this batch durable.</summary>
    /// <exception cref="DbException">The database could not be written (full, read-only, I/O error); nothing was recorded.</exception>
    public void Commit()
    {
        foreach (var (deviceId, latest) in _health)
        {
            if (latest is not null)
            {
                _store.UpdateHealthState(_connection, deviceId, latest);
            }

            AdapterStore.TrimHealthHistory(_connection, deviceId);
        }

        _health.Clear();
        _transaction.Commit();
    }

    /// <summary>Ends the batch; without <see cref="Commit"/> nothing it recorded is kept.</summary>
    public void Dispose()
    {
        StoreDatabase.ForgetStatements(_connection);
        _transaction.Dispose();
        _connection.Dispose();
    }
}
