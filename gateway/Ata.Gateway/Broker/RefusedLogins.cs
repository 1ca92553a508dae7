using Ata.Core.Contract;
using Ata.Gateway.Incidents;
using Ata.Gateway.Store;

namespace Ata.Gateway.Broker;

/// <summary>
/// Learns of refused logins from the broker (<see cref="IBroker.LoginRefused"/>): a provisioned
/// adapter's are recorded (<see cref="RefusedLoginRecords"/>: its page, a fault and an incident) until
/// the broker accepts its login again (it subscribes to its config); any other login is only counted.
/// </summary>
public sealed partial class RefusedLogins(
    IBroker broker, AdapterStore store, TimeProvider time, ILogger<RefusedLogins> logger, IncidentBook? incidents = null) : IHostedService
{
    private long _known;
    private long _unknown;

    /// <summary>Refused logins of provisioned adapters since the gateway started.</summary>
    public long Known => Interlocked.Read(ref _known);

    /// <summary>Refused logins the store does not know (not a provisioned adapter), since the gateway started.</summary>
    public long Unknown => Interlocked.Read(ref _unknown);

    /// <summary>The broker refused <paramref name="login"/> from <paramref name="address"/>.</summary>
    /// <param name="login">The user name tried.</param>
    /// <param name="address">The client's address.</param>
    public void Refused(string login, string address)
    {
        ArgumentNullException.ThrowIfNull(login);
        ArgumentNullException.ThrowIfNull(address);
        bool recorded;
        try
        {
            recorded = MqttTopics.IsValidDeviceId(login) && Record(login, address);
        }
        catch (Exception exception) when (exception is System.Data.Common.DbException or IOException)
        {
            LogNotRecorded(exception, login);
            recorded = false;
        }

        if (recorded)
        {
            Interlocked.Increment(ref _known);
            LogRefused(login, address);
        }
        else
        {
            Interlocked.Increment(ref _unknown);
        }
    }

    /// <summary>The adapter's refused logins since its last accepted one, or null.</summary>
    /// <param name="deviceId">The adapter.</param>
    public RefusedLoginView? Find(string deviceId)
    {
        using var connection = store.Open();
        return RefusedLoginRecords.Find(connection, deviceId);
    }

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        broker.LoginRefused += Refused;
        broker.ConfigSubscribed += Accepted;
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        broker.LoginRefused -= Refused;
        broker.ConfigSubscribed -= Accepted;
        return Task.CompletedTask;
    }

    private bool Record(string deviceId, string address)
    {
        using var connection = store.Open();
        using var transaction = connection.BeginTransaction();
        var known = RefusedLoginRecords.Record(connection, incidents, deviceId, address, time.GetUtcNow());
        transaction.Commit();
        return known;
    }

    private void Accepted(string deviceId)
    {
        try
        {
            using var connection = store.Open();
            using var transaction = connection.BeginTransaction();
            RefusedLoginRecords.Accepted(connection, deviceId, time.GetUtcNow());
            transaction.Commit();
        }
        catch (Exception exception) when (exception is System.Data.Common.DbException or IOException)
        {
            LogNotRecorded(exception, deviceId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The broker refused adapter {DeviceId}'s login (from {Address}): its device secret is wrong")]
    private partial void LogRefused(string deviceId, string address);

    [LoggerMessage(Level = LogLevel.Error, Message = "Recording a refused or accepted login of {DeviceId} failed")]
    private partial void LogNotRecorded(Exception exception, string deviceId);
}
