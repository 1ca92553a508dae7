using System.Security.Cryptography;
using Ata.Gateway.Broker;
using Ata.Gateway.Fleet;
using Ata.Gateway.Store;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Provisioning;

/// <summary>What provisioning an adapter did.</summary>
/// <param name="DeviceId">The adapter.</param>
/// <param name="Created">It was new.</param>
/// <param name="ConfigVersion">Its config version now.</param>
/// <param name="Broker">The <c>host:port</c> it must connect to.</param>
public sealed record ProvisioningResult(string DeviceId, bool Created, int ConfigVersion, string? Broker)
{
    /// <summary>The broker's TLS <c>host:port</c> for adapters, or null when there is none.</summary>
    public string? BrokerTls { get; init; }

    /// <summary>What changed, by request field.</summary>
    public IReadOnlyList<string> ChangedParts { get; init; } = [];
}

/// <summary>A new device secret made by revoking the old one, for the admin to onboard the adapter with again.</summary>
/// <param name="DeviceId">The adapter.</param>
/// <param name="Secret">The new secret; shown once, never stored in clear.</param>
/// <param name="ConfigVersion">The config version the adapter gets once onboarded again.</param>
/// <param name="Broker">The <c>host:port</c> it connects to.</param>
public sealed record RevokedCredential(string DeviceId, string Secret, int ConfigVersion, string? Broker)
{
    /// <summary>The broker's TLS <c>host:port</c> for adapters, or null when there is none.</summary>
    public string? BrokerTls { get; init; }

    /// <summary>Keeps the secret out of logs.</summary>
    public override string ToString() => $"{DeviceId} (config v{ConfigVersion})";
}

/// <summary>
/// Creates or changes an adapter as one unit with its broker login: the store's change and the
/// broker's account files are both made or neither (the files are written inside the store's
/// transaction, before it commits; what a failure leaves is made right by the broker's
/// reconciliation from the store, on the next change, on start and by its own retries), then the
/// broker reloads and the adapter's config document is published.
/// </summary>
public sealed partial class AdapterProvisioning(
    AdapterStore store, IBroker broker, FleetChannel channel, IOptions<BrokerOptions> brokerOptions, ILogger<AdapterProvisioning> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>
    /// Whether <paramref name="deviceId"/> may not be an adapter's: the gateway's own MQTT client id
    /// (<c>Broker:ClientId</c>), or one of several gateway instances' (<c>{Broker:ClientId}-{instance}</c>),
    /// whose broker session an adapter's login (its client id on the broker) would otherwise take over.
    /// </summary>
    /// <param name="deviceId">A device id.</param>
    public bool IsReserved(string deviceId)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        var own = brokerOptions.Value.ClientId;
        return deviceId.StartsWith(own, StringComparison.Ordinal)
            && (deviceId.Length == own.Length || deviceId[own.Length] == '-');
    }

    /// <summary>Why a device id <see cref="IsReserved"/> is refused, for the API's and the import's answers.</summary>
    public string ReservedIdMessage =>
        $"The device id is the gateway's own broker client id (Broker:ClientId, '{brokerOptions.Value.ClientId}') or starts with "
        + $"'{brokerOptions.Value.ClientId}-' (a gateway instance's client id); an adapter cannot have it.";

    /// <summary>The adapter's config version now, 0 when it is unknown.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    public int ConfigVersionOf(string deviceId) => store.FindConfig(deviceId)?.Version ?? 0;

    /// <summary>Provisions <paramref name="deviceId"/> as <paramref name="specification"/> says.</summary>
    /// <param name="deviceId">A valid device id, not <see cref="IsReserved"/>.</param>
    /// <param name="specification">A validated secret and lines.</param>
    /// <param name="cancellationToken">Cancels waiting for earlier provisioning; once stored, the change is carried through.</param>
    /// <param name="actor">Who asked.</param>
    /// <exception cref="BrokerAccountsException">The broker's accounts cannot be written: nothing was saved.</exception>
    public async Task<ProvisioningResult> ProvisionAsync(string deviceId, AdapterSpecification specification, CancellationToken cancellationToken, string actor = "system")
    {
        if (IsReserved(deviceId))
        {
            throw new ArgumentException(ReservedIdMessage, nameof(deviceId));
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await SaveAsync(deviceId, specification, actor).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Changes part of an existing adapter: <paramref name="decide"/> is given the adapter as stored
    /// (its config, with passwords, and its customer reference) while no other change can run, and
    /// says what it is to be, or null to change nothing; so two partial changes of one adapter never
    /// undo each other.
    /// </summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="decide">From the stored adapter, the adapter to be (null: change nothing).</param>
    /// <param name="actor">Who asked.</param>
    /// <param name="cancellationToken">Cancels waiting for earlier provisioning.</param>
    /// <returns>What was done; null when the adapter is unknown or <paramref name="decide"/> said null.</returns>
    /// <exception cref="BrokerAccountsException">The broker's accounts cannot be written: nothing was saved.</exception>
    public async Task<ProvisioningResult?> ChangePartAsync(
        string deviceId, Func<AdapterConfig, string?, AdapterSpecification?> decide, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decide);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (store.FindConfig(deviceId) is not { } config || store.Find(deviceId) is not { } view
                || decide(config, view.CustomerReference) is not { } specification)
            {
                return null;
            }

            return await SaveAsync(deviceId, specification, actor).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<ProvisioningResult> SaveAsync(string deviceId, AdapterSpecification specification, string actor)
    {
        var outcome = await ChangeAsync(deviceId, write => store.Save(deviceId, specification, actor, write)).ConfigureAwait(false);
        if (outcome.Created)
        {
            LogCreated(deviceId, outcome.ConfigVersion);
        }
        else if (outcome.Changed)
        {
            LogUpdated(deviceId, outcome.ConfigVersion);
        }

        if (outcome.Changed)
        {
            await channel.PublishConfigAsync(deviceId, CancellationToken.None).ConfigureAwait(false);
        }

        return new ProvisioningResult(deviceId, outcome.Created, outcome.ConfigVersion, broker.DeviceAddress) { ChangedParts = outcome.ChangedParts, BrokerTls = broker.DeviceTlsAddress };
    }

    /// <summary>
    /// Deletes an adapter: forgets it and removes its broker login as one unit (the broker reloads
    /// and drops its session, so it can neither connect again nor use its topics).
    /// </summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="cancellationToken">Cancels waiting for earlier provisioning.</param>
    /// <returns>False when the adapter was unknown.</returns>
    /// <exception cref="BrokerAccountsException">The broker's accounts cannot be written: nothing was deleted.</exception>
    public async Task<bool> DeleteAsync(string deviceId, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!await ChangeAsync(deviceId, write => store.Delete(deviceId, write)).ConfigureAwait(false))
            {
                return false;
            }

            LogDeleted(deviceId);
            await channel.ClearConfigAsync(deviceId, CancellationToken.None).ConfigureAwait(false);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Revokes an adapter's device secret after a suspected leak: a random new secret replaces it at
    /// the broker at once (the old login stops working and its live sessions are dropped). The new
    /// secret never goes over MQTT, where the holder of the old one could read it: it is returned
    /// for the admin to onboard the adapter with again (technician console), and stored only as a hash.
    /// </summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="actor">Who asked.</param>
    /// <param name="cancellationToken">Cancels waiting for earlier provisioning.</param>
    /// <returns>The new secret; null when the adapter is unknown.</returns>
    /// <exception cref="BrokerAccountsException">The broker's accounts cannot be written: nothing was changed.</exception>
    public async Task<RevokedCredential?> RevokeSecretAsync(string deviceId, string actor, CancellationToken cancellationToken)
    {
        var secret = NewSecret();
        return await ReplaceSecretAsync(deviceId, secret, actor, cancellationToken).ConfigureAwait(false) is { } version
            ? new RevokedCredential(deviceId, secret, version, broker.DeviceAddress) { BrokerTls = broker.DeviceTlsAddress }
            : null;
    }

    /// <summary>
    /// Replaces an adapter's device secret at the broker at once with <paramref name="secret"/>, as
    /// <see cref="RevokeSecretAsync"/> does (the old login stops working, its sessions are dropped).
    /// </summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="secret">The new secret, kept only as a hash.</param>
    /// <param name="actor">Who asked.</param>
    /// <param name="cancellationToken">Cancels waiting for earlier provisioning.</param>
    /// <returns>The new config version; null when the adapter is unknown.</returns>
    /// <exception cref="BrokerAccountsException">The broker's accounts cannot be written: nothing was changed.</exception>
    public async Task<int?> ReplaceSecretAsync(string deviceId, string secret, string actor, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (await ChangeAsync(deviceId, write => store.RevokeSecret(deviceId, secret, actor, write)).ConfigureAwait(false) is not { } version)
            {
                return null;
            }

            LogRevoked(deviceId, version);
            return version;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Rotates an adapter's broker credential: a new random secret goes to the adapter in a new
    /// config version; the broker switches to it once the adapter applies that version.
    /// </summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="actor">Who asked.</param>
    /// <param name="cancellationToken">Cancels waiting for earlier provisioning.</param>
    /// <returns>The config version carrying the new secret; null when the adapter is unknown.</returns>
    public async Task<int?> RotateSecretAsync(string deviceId, string actor, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (store.StartSecretRotation(deviceId, NewSecret(), actor) is not { } version)
            {
                return null;
            }

            LogRotating(deviceId, version);
            await channel.PublishConfigAsync(deviceId, CancellationToken.None).ConfigureAwait(false);
            return version;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Runs a store change whose broker login is written before it commits, then has the broker take
    /// this adapter's login as the store has it now (changed or not: that also repairs a login a
    /// failure left wrong), at a cost that does not grow with the fleet. After a failure the broker
    /// converges on the whole store instead (a commit that failed after the login was written
    /// leaves it saying what the store does not).
    /// </summary>
    private async Task<T> ChangeAsync<T>(string deviceId, Func<Action<IReadOnlyList<BrokerAccount>>, T> change)
    {
        T result;
        var recorded = false;
        try
        {
            result = change(changed =>
            {
                broker.WriteDeviceAccounts(changed);
                recorded = true;
            });
        }
        catch (Exception exception)
        {
            if (exception is BrokerAccountsException)
            {
                LogNotSaved(exception.Message);
            }

            await broker.ApplyDeviceCredentialsAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        await broker.ApplyDeviceLoginsAsync([deviceId], recorded, CancellationToken.None).ConfigureAwait(false);
        return result;
    }

    private static string NewSecret() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [LoggerMessage(Level = LogLevel.Warning, Message = "Adapter change not saved: {Reason}")]
    private partial void LogNotSaved(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Adapter {DeviceId}: device secret revoked; the old one no longer logs in (config v{Version} waits for the adapter to be onboarded again)")]
    private partial void LogRevoked(string deviceId, int version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Adapter {DeviceId} deleted; its broker account is gone")]
    private partial void LogDeleted(string deviceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Adapter {DeviceId}: new broker credential sent in config v{Version}")]
    private partial void LogRotating(string deviceId, int version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Adapter {DeviceId} created (config v{Version})")]
    private partial void LogCreated(string deviceId, int version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Adapter {DeviceId} updated (config v{Version})")]
    private partial void LogUpdated(string deviceId, int version);
}
