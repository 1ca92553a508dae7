using Microsoft.Extensions.Logging;

namespace Ata.Mqtt;

// What the client logs: connection changes and failures, topic names, never passwords or payloads.
public sealed partial class MosquittoClient
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Connecting to MQTT broker {Endpoint} as {ClientId}")]
    private partial void LogConnecting(string endpoint, string clientId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to MQTT broker {Endpoint} as {ClientId}")]
    private partial void LogConnected(string endpoint, string clientId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconnected to MQTT broker {Endpoint}; renewing {SubscriptionCount} subscriptions")]
    private partial void LogReconnected(string endpoint, int subscriptionCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot reach MQTT broker {Endpoint}: {Reason}; retrying in {RetryIn}")]
    private partial void LogUnreachable(string endpoint, string reason, TimeSpan retryIn);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Still cannot reach MQTT broker {Endpoint}: {Reason}; retrying in {RetryIn}")]
    private partial void LogStillUnreachable(string endpoint, string reason, TimeSpan retryIn);

    [LoggerMessage(Level = LogLevel.Error, Message = "libmosquitto could not start its network thread for {Endpoint}: {Reason}")]
    private partial void LogLoopStartFailed(string endpoint, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT broker {Endpoint} refused {ClientId}: {Reason} (CONNACK {Code}); retrying")]
    private partial void LogRefused(string endpoint, string clientId, string reason, int code);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MQTT broker {Endpoint} refused the connection again (CONNACK {Code})")]
    private partial void LogRefusedAgain(string endpoint, int code);

    [LoggerMessage(Level = LogLevel.Debug, Message = "A connection attempt to MQTT broker {Endpoint} failed: {Reason}; retrying")]
    private partial void LogAttemptFailed(string endpoint, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the connection to MQTT broker {Endpoint}: {Reason} (rc {Code}); reconnecting with back-off from {Delay} to {DelayMax}")]
    private partial void LogConnectionLost(string endpoint, string reason, int code, TimeSpan delay, TimeSpan delayMax);

    [LoggerMessage(Level = LogLevel.Information, Message = "Disconnected from MQTT broker {Endpoint}")]
    private partial void LogDisconnected(string endpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT broker {Endpoint} kept sending while this client wound down; disconnecting anyway (it may publish the Last Will)")]
    private partial void LogQuiesceSlow(string endpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The clean disconnect from MQTT broker {Endpoint} was not confirmed in time")]
    private partial void LogDisconnectSlow(string endpoint);

    [LoggerMessage(Level = LogLevel.Debug, Message = "MQTT client for {Endpoint} disposed")]
    private partial void LogDisposed(string endpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT broker {Endpoint} refused the subscription to {TopicFilter}")]
    private partial void LogSubscriptionRefused(string endpoint, string topicFilter);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Subscribed to {TopicFilter}, granted QoS {GrantedQos}")]
    private partial void LogSubscribed(string topicFilter, string grantedQos);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Dropped a QoS 0 message to {Topic}: not connected to {Endpoint}")]
    private partial void LogDroppedQos0(string topic, string endpoint);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Queued a QoS {Qos} message to {Topic} until the connection to {Endpoint} is back")]
    private partial void LogQueuedOffline(int qos, string topic, string endpoint);

    [LoggerMessage(Level = LogLevel.Error, Message = "A {EventName} handler threw; the MQTT client carries on")]
    private partial void LogHandlerFailed(Exception exception, string eventName);

    [LoggerMessage(Level = LogLevel.Error, Message = "The MQTT client failed to process {EventType}")]
    private partial void LogInternalError(Exception exception, string eventType);
}
