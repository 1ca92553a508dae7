namespace Ata.Gateway.Broker;

/// <summary>The MQTT broker the gateway and its adapters meet at, embedded or external.</summary>
public interface IBroker
{
    /// <summary>Whether the gateway supervises the broker itself (false unless the broker says so).</summary>
    bool IsEmbedded => false;

    /// <summary>The <c>host:port</c> adapters connect to in plaintext, or null when that is off (<c>Broker:DevicePlaintext</c>).</summary>
    string? DeviceAddress { get; }

    /// <summary>The <c>host:port</c> adapters connect to over TLS, or null when the gateway knows of none (the default).</summary>
    string? DeviceTlsAddress => null;

    /// <summary>The TLS listener's files and the CA adapters check the broker against, or null when the gateway knows of none (the default).</summary>
    BrokerTls? DeviceTls => null;

    /// <summary>
    /// Times the broker said it drops outgoing messages for a client because its queue is full
    /// (Mosquitto: <c>Outgoing messages are being dropped for client …</c>); 0 when the gateway cannot see the broker's log (the default).
    /// </summary>
    long QueueOverflows => 0;

    /// <summary>
    /// Whether the broker tells (<see cref="ConfigSubscribed"/>) when an adapter has subscribed to its
    /// config. When it does not (the default), the gateway sends an adapter its config when it says it is online.
    /// </summary>
    bool SeesSubscriptions => false;

    /// <summary>
    /// An adapter (its device id) has just subscribed to its <c>config</c> topic, on a new connection:
    /// a config published now reaches it. Never raised by a broker that does not see subscriptions (the default).
    /// </summary>
    event Action<string>? ConfigSubscribed
    {
        add { }
        remove { }
    }

    /// <summary>
    /// The broker refused a login: the user name tried (<c>?</c> when unprintable) and the client's
    /// address. Raised only by a broker whose log the gateway reads with its login watch plugin (never by default).
    /// </summary>
    event Action<string, string>? LoginRefused
    {
        add { }
        remove { }
    }

    /// <summary>
    /// The gateway's own link to a broker it does not reach with its MQTT session (the RabbitMQ
    /// cluster), or null: the gateway's MQTT session (<see cref="GatewayConnection"/>) is the link.
    /// </summary>
    IGatewayLink? Link => null;

    /// <summary>How the gateway's own session connects.</summary>
    BrokerConnection GatewayConnection { get; }

    /// <summary>
    /// Records <paramref name="changed"/> (the adapters' logins a store change makes, as they will be)
    /// as the broker's without having the broker take them yet: provisioning calls it inside the
    /// store's transaction, before the commit, so that a login that cannot be written leaves the
    /// store unchanged. <see cref="ApplyDeviceLoginsAsync"/> follows after the commit. It costs the
    /// same whatever the fleet's size when the broker changes one login at a time.
    /// </summary>
    /// <param name="changed">The changed logins; a null hash removes one.</param>
    /// <exception cref="BrokerAccountsException">They cannot be written.</exception>
    void WriteDeviceAccounts(IReadOnlyList<BrokerAccount> changed);

    /// <summary>
    /// Makes the running broker's logins of <paramref name="deviceIds"/> what the store says now (a
    /// changed password takes effect at the adapter's next login and its live sessions are dropped;
    /// a removed adapter can no longer log in), one login at a time; when that cannot be done, falls
    /// back to <see cref="ApplyDeviceCredentialsAsync"/>. Also repairs a login a failure left wrong.
    /// </summary>
    /// <param name="deviceIds">The adapters whose logins the store changed (committed).</param>
    /// <param name="recorded">Whether <see cref="WriteDeviceAccounts"/> recorded these very logins already.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    Task ApplyDeviceLoginsAsync(IReadOnlyList<string> deviceIds, bool recorded, CancellationToken cancellationToken);

    /// <summary>
    /// Makes the broker accept every adapter in the store with its current secret, and no other:
    /// writes its logins file whole when it differs from the store and has it reload it (the
    /// sessions of logins that are gone or changed are dropped). It costs in proportion to the fleet:
    /// the gateway does it on start, after a broker restart and after a failure. Completes once the
    /// broker has been told to reload. When the files cannot be written it logs so and keeps
    /// retrying in the background until they are (it does not throw).
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait for the file writes.</param>
    Task ApplyDeviceCredentialsAsync(CancellationToken cancellationToken);
}
