using Ata.Gateway.Broker;
using Ata.Gateway.Fleet;
using MQTTnet;

namespace Ata.Gateway.Instances;

/// <summary>
/// Takes over the broker session of an instance that stopped renewing its session lease (killed, or
/// stopped): Mosquitto hands a shared subscription's messages round-robin to every session that has
/// it, the connected and the disconnected alike, and keeps those it gave a session (in flight or
/// queued) until a client with that session's client id comes back. So a surviving instance, once the
/// dead one's lease has lapsed (<see cref="GatewayInstance.Term"/>) and it won the lease, connects
/// with the dead instance's client id (resuming its session), unsubscribes it from the shared
/// subscriptions (the broker stops giving it reports), records and acknowledges everything the session
/// still held, and ends the session (session expiry 0 at its disconnection). Nothing that session held
/// is lost if the adopter dies too: the session is ended only after it is drained, and the lease lapses
/// again for another instance. The dead instance, restarted, waits for its lease and starts afresh.
/// </summary>
/// <param name="instance">This instance.</param>
/// <param name="leases">The store's leases.</param>
/// <param name="channel">The fleet channel (session options, and how reports are taken).</param>
/// <param name="broker">The broker: on one with its own link (the RabbitMQ cluster) no session is taken over.</param>
/// <param name="logger">The logger.</param>
public sealed partial class SessionAdoption(GatewayInstance instance, Leases leases, FleetChannel channel, IBroker broker, ILogger<SessionAdoption> logger) : BackgroundService
{
    /// <summary>How long a taken-over session must have been quiet, with all it gave recorded, before it is ended.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromSeconds(1);

    /// <summary>How long draining a session may take before it is left for another try.</summary>
    public static readonly TimeSpan MaxDrain = TimeSpan.FromMinutes(2);

    /// <summary>Looks for lapsed sessions once a <see cref="GatewayInstance.Beat"/> and takes them over.</summary>
    /// <param name="stoppingToken">Stops looking.</param>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // On the RabbitMQ cluster (a broker with its own link) there is no session to take over: a quorum
        // queue hands what a dead instance had not acknowledged to the others by itself.
        if (!instance.IsOneOfSeveral || broker.Link is not null)
        {
            return;
        }

        using var timer = new PeriodicTimer(GatewayInstance.Beat);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await instance.HoldingSessionAsync(stoppingToken).ConfigureAwait(false);
                foreach (var (lease, holder) in leases.Lapsed(GatewayInstance.SessionLeasePrefix))
                {
                    var name = lease[GatewayInstance.SessionLeasePrefix.Length..];
                    // Its last holder is the dead instance, or an instance that died taking it over; nobody ("") once it is ended.
                    if (holder.Length > 0 && name != instance.Name && leases.TryTakeOver(lease, holder, instance.Name, GatewayInstance.Term))
                    {
                        await AdoptAsync(lease, name, stoppingToken).ConfigureAwait(false);
                    }
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogFailed(exception.Message);
            }
        }
    }

    /// <summary>Drains and ends the session of the instance <paramref name="name"/>, holding its lease meanwhile.</summary>
    private async Task AdoptAsync(string lease, string name, CancellationToken stoppingToken)
    {
        var clientId = instance.ClientIdOf(name);
        LogAdopting(clientId, name);
        using var client = new MqttClientFactory().CreateMqttClient();
        var open = 0L;
        var lastMessage = DateTime.UtcNow;
        var connected = true;
        client.DisconnectedAsync += _ =>
        {
            Volatile.Write(ref connected, false);
            return Task.CompletedTask;
        };
        client.ApplicationMessageReceivedAsync += received =>
        {
            lastMessage = DateTime.UtcNow;
            var qos1 = received.ApplicationMessage.QualityOfServiceLevel != MQTTnet.Protocol.MqttQualityOfServiceLevel.AtMostOnce;
            if (qos1)
            {
                Interlocked.Increment(ref open);
            }

            if (!channel.Take(received, () => Volatile.Read(ref connected), qos1 ? () => Interlocked.Decrement(ref open) : null) && qos1)
            {
                Interlocked.Decrement(ref open);
            }

            return Task.CompletedTask;
        };

        var result = await client.ConnectAsync(channel.SessionOptions(clientId), stoppingToken).ConfigureAwait(false);
        if (!result.IsSessionPresent)
        {
            await client.DisconnectAsync(new MqttClientDisconnectOptions { SessionExpiryInterval = 0 }, stoppingToken).ConfigureAwait(false);
            leases.Release(lease, instance.Name, string.Empty);
            LogNothing(clientId);
            return;
        }

        var unsubscribe = new MqttClientUnsubscribeOptionsBuilder();
        foreach (var (filter, _) in FleetChannel.ReportFilters(instance.GatewayClientId))
        {
            unsubscribe.WithTopicFilter(filter);
        }

        await client.UnsubscribeAsync(unsubscribe.Build(), stoppingToken).ConfigureAwait(false);
        var renewed = DateTime.UtcNow;
        var giveUp = DateTime.UtcNow + MaxDrain;
        while (client.IsConnected && DateTime.UtcNow < giveUp && (DateTime.UtcNow - lastMessage < Quiet || Interlocked.Read(ref open) > 0))
        {
            await Task.Delay(100, stoppingToken).ConfigureAwait(false);
            if (DateTime.UtcNow - renewed >= GatewayInstance.Beat)
            {
                leases.TryHold(lease, instance.Name, GatewayInstance.Term);
                renewed = DateTime.UtcNow;
            }
        }

        if (!client.IsConnected || Interlocked.Read(ref open) > 0)
        {
            // Left as it is (not ended), to be taken over again.
            leases.Release(lease, instance.Name, name);
            LogInterrupted(clientId);
            return;
        }

        await client.DisconnectAsync(new MqttClientDisconnectOptions { SessionExpiryInterval = 0 }, stoppingToken).ConfigureAwait(false);
        leases.Release(lease, instance.Name, string.Empty);
        LogAdopted(clientId);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Taking over the broker session {ClientId} of gateway instance {Name}, which stopped renewing its lease")]
    private partial void LogAdopting(string clientId, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "The broker had no session {ClientId}: nothing to take over")]
    private partial void LogNothing(string clientId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Took over and ended the broker session {ClientId}: every report it held is recorded")]
    private partial void LogAdopted(string clientId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not drain the broker session {ClientId} (connection lost, or reports still unrecorded after the limit); it is taken over again once its lease lapses")]
    private partial void LogInterrupted(string clientId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Taking over dead instances' sessions failed: {Reason}")]
    private partial void LogFailed(string reason);
}
