using Microsoft.Extensions.Options;

namespace Ata.Gateway.Fleet;

/// <summary>How adapters' health reports are expected, bound from the <c>Health</c> configuration section.</summary>
public sealed class HealthOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Health";

    /// <summary>How often adapters send health, in seconds. Default 60.</summary>
    public int IntervalSeconds { get; set; } = 60;

    /// <summary>Missed intervals after which an adapter is silent. Default 3.</summary>
    public int SilentAfterIntervals { get; set; } = 3;

    /// <summary>How long without health makes an adapter silent.</summary>
    public TimeSpan SilenceAfter => TimeSpan.FromSeconds((double)IntervalSeconds * SilentAfterIntervals);
}

/// <summary>
/// Notices silence: an adapter with no health report for <see cref="HealthOptions.SilenceAfter"/>
/// whose connection the broker still holds (no Last Will came) gets the gateway's own fault
/// <see cref="FaultDescriptions.Silent"/>; its next health report clears it. An adapter whose Last Will
/// came is offline (<see cref="FaultDescriptions.Offline"/>) from that moment, not silent, and becomes
/// an incident when it stays offline that long.
/// </summary>
/// <remarks>
/// Of several gateway instances, the one holding the scans' lease (<see cref="Instances.GatewayInstance.HoldsScans"/>) looks.
/// </remarks>
public sealed partial class SilenceWatch(
    Store.AdapterStore store, IOptions<HealthOptions> options, TimeProvider time, Instances.GatewayInstance instance, ILogger<SilenceWatch> logger) : BackgroundService
{
    /// <summary>
    /// Marks every adapter silent that has been quiet too long (returning their ids), and opens the
    /// incidents of adapters offline that long.
    /// </summary>
    public IReadOnlyList<string> CheckNow()
    {
        var silenceAfter = options.Value.SilenceAfter;
        var silent = store.ListNewlySilent(time.GetUtcNow() - silenceAfter);
        foreach (var deviceId in silent)
        {
            store.MarkSilent(deviceId, $"no health report for more than {silenceAfter.TotalSeconds:0} s");
            LogSilent(deviceId, silenceAfter.TotalSeconds);
        }

        foreach (var deviceId in store.ReportLongOffline(time.GetUtcNow() - silenceAfter))
        {
            LogOffline(deviceId, silenceAfter.TotalSeconds);
        }

        return silent;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromSeconds(Math.Clamp(options.Value.IntervalSeconds / 4.0, 0.2, 30));
        using var timer = new PeriodicTimer(period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    if (instance.HoldsScans())
                    {
                        CheckNow();
                    }
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    LogCheckFailed(exception);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Adapter {DeviceId} is silent: no health report for more than {Seconds} s")]
    private partial void LogSilent(string deviceId, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Adapter {DeviceId} has been offline for more than {Seconds} s: incident opened")]
    private partial void LogOffline(string deviceId, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Checking for silent adapters failed")]
    private partial void LogCheckFailed(Exception exception);
}
