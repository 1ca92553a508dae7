using Ata.Core.Contract;

namespace Ata.Gateway.Fleet;

/// <summary>
/// Retained messages: configs an older gateway retained on the broker (removed once, or for a deleted
/// adapter) and what an adapter may keep retained.
/// </summary>
public sealed partial class FleetChannel
{
    /// <summary>Removes a retained config an older gateway left on the broker for a deleted adapter.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public async Task ClearConfigAsync(string deviceId, CancellationToken cancellationToken)
    {
        var publishing = ConfigLock(deviceId);
        await publishing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_client.IsConnected)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(PublishTimeout);
                await PublishAsync(MqttTopics.For(deviceId, MqttTopics.Config), [], retain: true, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogConfigPending(deviceId, exception.Message);
        }
        finally
        {
            publishing.Release();
        }
    }

    /// <summary>
    /// Removes every adapter's retained config an older gateway left on the broker (with each
    /// adapter's current config published again, for one connected now), then notes that in the
    /// data directory so it is done once.
    /// </summary>
    /// <returns>False when the broker did not take all of them (tried again on the next connection).</returns>
    private async Task<bool> ClearRetainedConfigsAsync(CancellationToken cancellationToken)
    {
        var deviceIds = _store.ListDeviceIds();
        foreach (var deviceId in deviceIds)
        {
            if (!await ClearRetainedAsync(MqttTopics.For(deviceId, MqttTopics.Config), cancellationToken).ConfigureAwait(false)
                || !await PublishConfigAsync(deviceId, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }

        await File.WriteAllTextAsync(_retainedConfigsCleared, "Retained configs removed from the broker; configs are no longer retained.\n", cancellationToken)
            .ConfigureAwait(false);
        if (deviceIds.Count > 0)
        {
            LogRetainedConfigsCleared(deviceIds.Count);
        }

        return true;
    }

    /// <summary>Removes the message retained on <paramref name="topic"/> (an empty retained publish).</summary>
    private async Task<bool> ClearRetainedAsync(string topic, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PublishTimeout);
        try
        {
            await PublishAsync(topic, [], retain: true, timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogRetainedNotCleared(topic, exception.Message);
            return false;
        }
    }

    /// <summary>
    /// Whether an adapter's message may stay retained: only a <c>status</c> of <c>online</c> or
    /// <c>offline</c> (its Last Will) is retained legitimately. An empty message removes one.
    /// </summary>
    /// <param name="leaf">The topic leaf.</param>
    /// <param name="payload">The payload.</param>
    public static bool MayBeRetained(string leaf, ReadOnlySpan<byte> payload) =>
        payload.IsEmpty || (leaf == MqttTopics.Status && DeviceReports.ReadStatus(payload) is not null);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove the message retained on {Topic} ({Reason}); trying again later")]
    private partial void LogRetainedNotCleared(string topic, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed the retained configs of {Count} adapters an older gateway left on the broker; configs are no longer retained")]
    private partial void LogRetainedConfigsCleared(int count);
}
