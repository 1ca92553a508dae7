using Ata.Core.Gateway;
using Ata.Gateway.Fleet;
using Ata.Gateway.Store;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Commands;

/// <summary>The gateway's deadlines for commands, bound from the <c>Commands</c> configuration section.</summary>
public sealed class CommandOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Commands";

    /// <summary>Seconds a sent command waits for the adapter's answer before it is shown expired (default 60).</summary>
    public int DeadlineSeconds { get; set; } = 60;

    /// <summary>Seconds a queued command waits for its adapter to connect before it is shown expired, never sent (default a day).</summary>
    public int QueueSeconds { get; set; } = 24 * 3600;

    /// <summary>How often queued commands are looked at for adapters that came online, in milliseconds (default 1000).</summary>
    public int DeliveryIntervalMilliseconds { get; set; } = 1000;
}

/// <summary>What to do with a command to an adapter that is not connected.</summary>
public static class WhenOffline
{
    /// <summary>Refuse it (409): the default, so that nobody believes a command reached an adapter that is not there.</summary>
    public const string Refuse = "refuse";

    /// <summary>Queue it until the adapter connects (or the queue deadline passes).</summary>
    public const string Queue = "queue";

    /// <summary>Whether <paramref name="text"/> is one of these.</summary>
    /// <param name="text">The text.</param>
    public static bool IsValid(string? text) => text is Refuse or Queue;
}

/// <summary>What became of a request to send a command.</summary>
public enum SendOutcome
{
    /// <summary>Sent: pending until the adapter answers.</summary>
    Sent,

    /// <summary>Queued until the adapter connects.</summary>
    Queued,

    /// <summary>Refused: the adapter is offline (or never connected) and the command said refuse.</summary>
    Offline,

    /// <summary>The broker cannot be reached now; nothing was sent.</summary>
    BrokerUnreachable,

    /// <summary>There is no such adapter.</summary>
    UnknownAdapter,
}

/// <summary>
/// Sends commands to adapters through the <see cref="CommandBook"/>: recorded first, then published on
/// the adapter's <c>cmd</c> topic; refused or queued (as the command says) when the adapter is offline
/// or never connected; queued ones are sent once their adapter says it is online (a background loop,
/// <see cref="ExecuteAsync"/>).
/// </summary>
public sealed partial class CommandSender(
    CommandBook book, AdapterStore store, FleetChannel channel, IOptions<CommandOptions> options, TimeProvider time, ILogger<CommandSender> logger)
    : BackgroundService
{
    /// <summary>The commands this gateway sends, as the adapter names them (the core's <see cref="GatewayCommand"/>).</summary>
    public static readonly IReadOnlyList<string> Known = [GatewayCommand.Reregister, GatewayCommand.Reboot, GatewayCommand.Ring, GatewayCommand.Health, GatewayCommand.FactoryReset];

    /// <summary>Commands only an admin may send: a factory reset takes the adapter off the gateway until it is onboarded again.</summary>
    public static readonly IReadOnlyList<string> AdminOnly = [GatewayCommand.FactoryReset];

    /// <summary>Sends (or queues) <paramref name="command"/> to <paramref name="deviceId"/>.</summary>
    /// <param name="deviceId">The adapter.</param>
    /// <param name="command">One of <see cref="Known"/>.</param>
    /// <param name="force">Sent forced.</param>
    /// <param name="line">The line it is for (a test ring), or null.</param>
    /// <param name="whenOffline">A <see cref="WhenOffline"/> value.</param>
    /// <param name="actor">Who asked.</param>
    /// <param name="cancellationToken">Cancels waiting for the broker.</param>
    /// <returns>What happened, and the command (null when nothing was recorded).</returns>
    public async Task<(SendOutcome Outcome, CommandView? Command, AdapterView? Adapter)> SendAsync(
        string deviceId, string command, bool force, int? line, string whenOffline, string actor, CancellationToken cancellationToken)
    {
        if (store.Find(deviceId) is not { } adapter)
        {
            return (SendOutcome.UnknownAdapter, null, null);
        }

        var id = Guid.NewGuid().ToString("N")[..12];
        var now = time.GetUtcNow();
        if (!adapter.Online)
        {
            if (whenOffline != WhenOffline.Queue)
            {
                return (SendOutcome.Offline, null, adapter);
            }

            book.Add(id, deviceId, command, force, line, queued: true, now.AddSeconds(options.Value.QueueSeconds), actor);
            LogQueued(command, deviceId, id);
            return (SendOutcome.Queued, book.Find(id), adapter);
        }

        if (!channel.IsConnected)
        {
            return (SendOutcome.BrokerUnreachable, null, adapter);
        }

        book.Add(id, deviceId, command, force, line, queued: false, now.AddSeconds(options.Value.DeadlineSeconds), actor);
        if (await channel.SendCommandAsync(deviceId, command, cancellationToken, id, force, line).ConfigureAwait(false) is null)
        {
            book.MarkNotSent(id, "The broker did not take the command; it was not sent.");
            return (SendOutcome.BrokerUnreachable, null, adapter);
        }

        return (SendOutcome.Sent, book.Find(id), adapter);
    }

    /// <summary>Sends queued commands to adapters that came online, until the gateway stops.</summary>
    /// <param name="stoppingToken">Stops the loop.</param>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMilliseconds(Math.Max(50, options.Value.DeliveryIntervalMilliseconds));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await DeliverQueuedAsync(stoppingToken).ConfigureAwait(false);
                await Task.Delay(interval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (ReportIngest.IsStoreUnwritable(exception))
            {
                LogDeliveryFailed(exception.Message);
                await Task.Delay(interval * 5, time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task DeliverQueuedAsync(CancellationToken cancellationToken)
    {
        if (!channel.IsConnected)
        {
            return;
        }

        foreach (var queued in book.ListDeliverable())
        {
            if (await channel.SendCommandAsync(queued.DeviceId, queued.Command, cancellationToken, queued.Id, queued.Force, queued.Line).ConfigureAwait(false) is null)
            {
                return;
            }

            book.MarkSent(queued.Id, time.GetUtcNow().AddSeconds(options.Value.DeadlineSeconds));
            LogDelivered(queued.Command, queued.DeviceId, queued.Id);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Queued {Command} for {DeviceId} until it connects (command {Id})")]
    private partial void LogQueued(string command, string deviceId, string id);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sent queued {Command} to {DeviceId}, which is online again (command {Id})")]
    private partial void LogDelivered(string command, string deviceId, string id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queued commands could not be looked at: {Reason}; trying again")]
    private partial void LogDeliveryFailed(string reason);
}
