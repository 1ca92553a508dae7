using Ata.Core.Contract;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Ata.Gateway.Fleet;

/// <summary>
/// The fleet channel's MQTT session with the broker: connecting (as one of several instances, only
/// while it holds its session lease), subscribing to the adapters' reports (shared between instances
/// when there are several) and noticing the broker going away.
/// </summary>
public sealed partial class FleetChannel
{
    /// <summary>
    /// The topic filters the gateway's session takes reports with: <c>ata/+/{leaf}</c> for each of the
    /// contract's device → gateway topics, each as a shared subscription of <paramref name="group"/>
    /// when one is given.
    /// </summary>
    /// <param name="group">The shared subscriptions' group, or null for a single gateway.</param>
    internal static IEnumerable<(string Filter, string Leaf)> ReportFilters(string? group) =>
        MqttTopics.DeviceToGateway.Select(leaf => (group is null ? MqttTopics.AllDevices(leaf) : $"$share/{group}/{MqttTopics.AllDevices(leaf)}", leaf));

    /// <summary>The options of a persistent session of the gateway's with <paramref name="clientId"/> (its own, or one it takes over).</summary>
    /// <param name="clientId">The MQTT client id.</param>
    internal MqttClientOptions SessionOptions(string clientId)
    {
        var connection = _broker.GatewayConnection;
        var options = new MqttClientOptionsBuilder()
            .WithEndPoint(connection.EndPoint)
            .WithClientId(clientId)
            .WithCredentials(connection.Username, connection.Password)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(false)
            .WithSessionExpiryInterval(uint.MaxValue)
            .WithReceiveMaximum((ushort)Math.Clamp(_ingestOptions.ReceiveMaximum, 1, ushort.MaxValue))
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(30))
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build();
        if (connection.EndPoint is System.Net.Sockets.UnixDomainSocketEndPoint && options.ChannelOptions is MqttClientTcpOptions socket)
        {
            socket.ProtocolType = System.Net.Sockets.ProtocolType.IP;
            socket.AddressFamily = System.Net.Sockets.AddressFamily.Unix;
        }

        return options;
    }

    private async Task KeepSessionAsync(CancellationToken stopping)
    {
        var connection = _broker.GatewayConnection;
        var options = SessionOptions(_instance.ClientId);
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            Task lost;
            lock (_gate)
            {
                lost = _lost.Task;
            }

            try
            {
                if (!_instance.HoldingSessionAsync(CancellationToken.None).IsCompleted)
                {
                    _state = $"waiting for the session lease of instance {_instance.Name} (another instance is taking its session over)";
                    await _instance.HoldingSessionAsync(stopping).ConfigureAwait(false);
                }

                _state = $"connecting to the broker at {connection}";
                var result = await _client.ConnectAsync(options, stopping).ConfigureAwait(false);
                if (result.ResultCode == MqttClientConnectResultCode.Success && _instance.IsOneOfSeveral && !result.SharedSubscriptionAvailable)
                {
                    StopForUnsharedBroker(connection.ToString(), "its CONNACK says shared subscriptions are not available");
                    return;
                }

                if (result.ResultCode != MqttClientConnectResultCode.Success)
                {
                    _state = $"the broker at {connection} refused the gateway: {result.ResultCode}";
                    LogRefused(connection.ToString(), result.ResultCode.ToString(), result.ReasonString);
                }
                else
                {
                    if (!await SubscribeAsync(stopping).ConfigureAwait(false))
                    {
                        StopForUnsharedBroker(connection.ToString(), "it refused the shared subscriptions");
                        return;
                    }

                    failures = 0;
                    _state = "connected";
                    LogConnected(connection.ToString(), result.IsSessionPresent);
                    lock (_gate)
                    {
                        _connected.TrySetResult();
                    }

                    _ = PublishPendingAsync(stopping);
                    await lost.WaitAsync(stopping).ConfigureAwait(false);
                    continue;
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                _state = $"cannot reach the broker at {connection}: {exception.Message}";
                LogConnectFailed(connection.ToString(), exception.Message);
                if (_client.IsConnected)
                {
                    await _client.DisconnectAsync(new MqttClientDisconnectOptions(), CancellationToken.None).ConfigureAwait(false);
                }
            }

            try
            {
                await Task.Delay(SessionBackoff.Delay(++failures), _time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Subscribes to the adapters' reports; false when the broker refused shared subscriptions (several instances).</summary>
    private async Task<bool> SubscribeAsync(CancellationToken cancellationToken)
    {
        var subscription = new MqttClientSubscribeOptionsBuilder();
        var shared = _instance.IsOneOfSeveral;
        foreach (var (filter, leaf) in ReportFilters(shared ? _instance.GatewayClientId : null))
        {
            // Renewing a subscription the persistent session already has must not replay every retained status.
            // Retain as published: a message an adapter retained is seen as such (and removed). No local:
            // the gateway's own removals of retained messages do not come back to it (MQTT 5 forbids it
            // on a shared subscription, where they are skipped on arrival instead).
            subscription.WithTopicFilter(new MqttTopicFilterBuilder()
                .WithTopic(filter)
                .WithQualityOfServiceLevel(leaf == MqttTopics.Health ? MqttQualityOfServiceLevel.AtMostOnce : MqttQualityOfServiceLevel.AtLeastOnce)
                .WithRetainHandling(MqttRetainHandling.SendAtSubscribeIfNewSubscriptionOnly)
                .WithRetainAsPublished(true)
                .WithNoLocal(!shared)
                .Build());
        }

        if (_broker.IsEmbedded)
        {
            subscription.WithTopicFilter(new MqttTopicFilterBuilder().WithTopic(BrokerDroppedTopic).WithAtMostOnceQoS().Build());
        }

        var result = await _client.SubscribeAsync(subscription.Build(), cancellationToken).ConfigureAwait(false);
        var sharing = true;
        foreach (var item in result.Items)
        {
            if ((int)item.ResultCode > (int)MqttClientSubscribeResultCode.GrantedQoS2)
            {
                LogSubscriptionRefused(item.TopicFilter.Topic, item.ResultCode.ToString());
                sharing &= !(shared && item.TopicFilter.Topic.StartsWith("$share/", StringComparison.Ordinal)
                    && item.ResultCode is MqttClientSubscribeResultCode.SharedSubscriptionsNotSupported or MqttClientSubscribeResultCode.TopicFilterInvalid);
            }
        }

        return sharing;
    }

    /// <summary>Several instances cannot share a broker without shared subscriptions: says so in one line and stops the gateway (exit code 1).</summary>
    private void StopForUnsharedBroker(string broker, string why)
    {
        _state = $"the broker at {broker} does not support MQTT 5 shared subscriptions";
        LogUnsharedBroker(broker, why);
        Environment.ExitCode = 1;
        _lifetime.StopApplication();
    }

    /// <summary>Drops the connection when another instance took this one's session over; it connects again once the lease is back.</summary>
    private void DropSession() => _ = Task.Run(async () =>
    {
        try
        {
            await _client.DisconnectAsync(new MqttClientDisconnectOptions(), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogDisconnectFailed(exception.Message);
        }
    });

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs disconnected)
    {
        lock (_gate)
        {
            if (_connected.Task.IsCompleted)
            {
                _connected = NewSignal();
            }

            _lost.TrySetResult();
            _lost = NewSignal();
        }

        if (disconnected.ClientWasConnected && !_stopping.IsCancellationRequested)
        {
            _state = $"lost the broker: {disconnected.Reason}";
            LogDisconnected(disconnected.Reason.ToString(), disconnected.Exception?.Message ?? disconnected.ReasonString ?? string.Empty);
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to the broker at {Broker} as the gateway (session kept: {SessionPresent}); listening to adapter reports")]
    private partial void LogConnected(string broker, bool sessionPresent);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the broker ({Reason}: {Detail}); reconnecting")]
    private partial void LogDisconnected(string reason, string detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot connect to the broker at {Broker}: {Reason}; retrying")]
    private partial void LogConnectFailed(string broker, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The broker at {Broker} refused the gateway's connection: {Code} {Reason}; check Broker:Username and Broker:Password")]
    private partial void LogRefused(string broker, string code, string? reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The broker refused the gateway's subscription to {Filter} ({Code})")]
    private partial void LogSubscriptionRefused(string filter, string code);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The broker at {Broker} does not support MQTT 5 shared subscriptions ({Why}), which several gateway instances (Gateway:Instance) need to share the adapters' reports: use a broker that has them (Mosquitto 2, RabbitMQ 3.13+ MQTT 5, …) or run one gateway without Gateway:Instance")]
    private partial void LogUnsharedBroker(string broker, string why);
}
