using System.Security.Cryptography;
using System.Text;
using Ata.Core.Contract;
using Ata.Gateway.Store;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Broker.Cluster;

/// <summary>
/// The answers to RabbitMQ's HTTP auth backend (<c>rabbitmq_auth_backend_http</c>): who may log in,
/// and what each may do. An adapter logs in over MQTT as its device id with its secret (checked
/// against the store's hash of it, the one the embedded Mosquitto checks), its client id its login;
/// it may publish only its own device → gateway topics and read only its own gateway → device ones,
/// through its own subscription queues. The gateway's login (<c>Broker:Username</c>/<c>Password</c>)
/// is only for AMQP: it may use its quorum queues and <c>amq.topic</c>. Everything else is denied.
/// </summary>
public sealed partial class BrokerAuth
{
    /// <summary>What the auth backend takes as yes.</summary>
    public const string Allow = "allow";

    /// <summary>What the auth backend takes as no.</summary>
    public const string Deny = "deny";

    private const string SubscriptionQueuePrefix = "mqtt-subscription-";

    private readonly AdapterStore _store;
    private readonly BrokerOptions _options;
    private readonly string _gatewayLogin;
    private readonly ILogger<BrokerAuth> _logger;

    /// <summary>Creates the answers from the store and the broker options.</summary>
    /// <param name="store">The adapters' broker password hashes.</param>
    /// <param name="options">The gateway's login and the cluster's settings.</param>
    /// <param name="logger">The logger (never given a password).</param>
    public BrokerAuth(AdapterStore store, IOptions<BrokerOptions> options, ILogger<BrokerAuth> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _options = options.Value;
        _gatewayLogin = RabbitMqBroker.GatewayLogin(_options);
        _logger = logger;
    }

    /// <summary>
    /// <c>user_path</c>: whether <paramref name="username"/> may log in with <paramref name="password"/>.
    /// An MQTT client (one that sends a client id) must be an adapter whose client id is its login;
    /// the gateway's login works only without one (AMQP, and the management API, as an administrator).
    /// </summary>
    /// <param name="username">The login.</param>
    /// <param name="password">The password (never logged).</param>
    /// <param name="clientId">The MQTT client id, or null for AMQP.</param>
    public string User(string? username, string? password, string? clientId)
    {
        if (string.IsNullOrEmpty(username) || password is null)
        {
            return Deny;
        }

        if (username == _gatewayLogin)
        {
            if (clientId is not null || string.IsNullOrEmpty(_options.Password) || !SameText(password, _options.Password))
            {
                LogRefused(username, clientId is not null ? "the gateway's login over MQTT" : "wrong password");
                return Deny;
            }

            // Administrator on the management API (never reachable with an MQTT client id): the gateway ends
            // removed adapters' sessions there. Over AMQP its resources are still only its queues and amq.topic.
            return Allow + " administrator";
        }

        if (clientId is null || !MqttTopics.IsValidDeviceId(username))
        {
            LogRefused(username, clientId is null ? "an adapter's login over AMQP" : "not a device id");
            return Deny;
        }

        if (clientId != username)
        {
            LogRefused(username, "client id is not the login");
            return Deny;
        }

        if (_store.FindBrokerAccount(username) is not { } hash)
        {
            LogRefused(username, "unknown adapter");
            return Deny;
        }

        if (!MosquittoPasswordHash.Verify(password, hash))
        {
            LogRefused(username, "wrong secret");
            return Deny;
        }

        return Allow;
    }

    /// <summary><c>vhost_path</c>: only the configured virtual host, and for an adapter only with its own client id.</summary>
    /// <param name="username">The login.</param>
    /// <param name="vhost">The virtual host.</param>
    /// <param name="clientId">The MQTT client id, or null.</param>
    public string VirtualHost(string? username, string? vhost, string? clientId) =>
        vhost == _options.RabbitMq.VirtualHost && Acts(username, clientId) is not Actor.Nobody ? Allow : Deny;

    /// <summary>
    /// <c>resource_path</c>: the gateway may use <c>amq.topic</c> and its own queues; an adapter
    /// <c>amq.topic</c> (read to subscribe, write to publish: the topics are checked by
    /// <see cref="Topic"/>) and only its own subscription queues (<c>mqtt-subscription-{login}qos0|qos1</c>).
    /// </summary>
    /// <param name="username">The login.</param>
    /// <param name="vhost">The virtual host.</param>
    /// <param name="resource"><c>exchange</c>, <c>queue</c> or <c>topic</c>.</param>
    /// <param name="name">The resource's name.</param>
    /// <param name="permission"><c>configure</c>, <c>write</c> or <c>read</c>.</param>
    /// <param name="clientId">The MQTT client id, or null.</param>
    public string Resource(string? username, string? vhost, string? resource, string? name, string? permission, string? clientId)
    {
        if (vhost != _options.RabbitMq.VirtualHost || permission is not ("configure" or "write" or "read"))
        {
            return Deny;
        }

        return (Acts(username, clientId), resource) switch
        {
            (Actor.Gateway, "exchange") => name == RoutingKeys.Exchange && permission != "configure" ? Allow : Deny,
            (Actor.Gateway, "queue") => name == _options.RabbitMq.ReportsQueue || name == _options.RabbitMq.HealthQueue ? Allow : Deny,
            (Actor.Adapter, "exchange") => name == RoutingKeys.Exchange && permission != "configure" ? Allow : Deny,
            (Actor.Adapter, "queue") => name == $"{SubscriptionQueuePrefix}{username}qos0" || name == $"{SubscriptionQueuePrefix}{username}qos1" ? Allow : Deny,
            _ => Deny,
        };
    }

    /// <summary>
    /// <c>topic_path</c>: on <c>amq.topic</c>, an adapter may write only its own device → gateway
    /// topics and read (subscribe to) only its own gateway → device topics, each by its exact routing
    /// key (no wildcards); the gateway may write and read any.
    /// </summary>
    /// <param name="username">The login.</param>
    /// <param name="vhost">The virtual host.</param>
    /// <param name="name">The exchange.</param>
    /// <param name="permission"><c>write</c> or <c>read</c>.</param>
    /// <param name="routingKey">The routing key (the MQTT topic, <c>/</c> and <c>.</c> swapped).</param>
    /// <param name="clientId">The MQTT client id, or null.</param>
    public string Topic(string? username, string? vhost, string? name, string? permission, string? routingKey, string? clientId)
    {
        if (vhost != _options.RabbitMq.VirtualHost || name != RoutingKeys.Exchange || routingKey is null)
        {
            return Deny;
        }

        switch (Acts(username, clientId))
        {
            case Actor.Gateway:
                return permission is "write" or "read" ? Allow : Deny;
            case Actor.Adapter:
                var leaves = permission switch
                {
                    "write" => MqttTopics.DeviceToGateway,
                    "read" => MqttTopics.GatewayToDevice,
                    _ => [],
                };
                foreach (var leaf in leaves)
                {
                    if (routingKey == RoutingKeys.For(username!, leaf))
                    {
                        return Allow;
                    }
                }

                LogTopicRefused(username!, permission ?? "?", RoutingKeys.ToTopic(routingKey));
                return Deny;
            default:
                return Deny;
        }
    }

    /// <summary>Who a login is, once logged in: the gateway over AMQP, or an adapter with its own client id.</summary>
    private Actor Acts(string? username, string? clientId)
    {
        if (string.IsNullOrEmpty(username))
        {
            return Actor.Nobody;
        }

        if (username == _gatewayLogin)
        {
            return clientId is null ? Actor.Gateway : Actor.Nobody;
        }

        return clientId == username && MqttTopics.IsValidDeviceId(username) ? Actor.Adapter : Actor.Nobody;
    }

    private static bool SameText(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    private enum Actor
    {
        Nobody,
        Gateway,
        Adapter,
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The broker cluster refused the login {Login}: {Why}")]
    private partial void LogRefused(string login, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The broker cluster refused {Login} to {Permission} {Topic}: not one of its own topics")]
    private partial void LogTopicRefused(string login, string permission, string topic);
}
