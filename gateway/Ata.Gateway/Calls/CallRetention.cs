using Ata.Gateway.Store;

namespace Ata.Gateway.Calls;

/// <summary>
/// Prunes call records past retention every hour (and at start), so an adapter that stops calling
/// does not keep its old records; each new record also prunes its own adapter's.
/// </summary>
public sealed partial class CallRetention(AdapterStore store, CallBook calls, TimeProvider time, ILogger<CallRetention> logger) : BackgroundService
{
    /// <summary>How often records are pruned.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromHours(1);

    /// <summary>Prunes now; returns how many records were deleted.</summary>
    public int PruneNow()
    {
        using var connection = store.Open();
        return calls.Prune(connection, time.GetUtcNow());
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, time);
        try
        {
            do
            {
                try
                {
                    if (PruneNow() is var pruned and > 0)
                    {
                        LogPruned(pruned);
                    }
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    LogPruneFailed(exception);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Pruned {Count} call records past retention")]
    private partial void LogPruned(int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Pruning call records failed")]
    private partial void LogPruneFailed(Exception exception);
}
