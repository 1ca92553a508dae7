using System.Security.Cryptography;
using Ata.Gateway.Broker;
using Ata.Gateway.Fleet;
using Ata.Gateway.Store;

namespace Ata.Gateway.Provisioning;

/// <summary>What provisioning an adapter did.</summary>
/// <param name="DeviceId">The adapter.</param>
/// <param name="Created">It was new.</param>
/// <param name="ConfigVersion">Its config version now.</param>
/// <param name="Broker">The <c>host:port</c> it must connect to.</param>
public sealed record ProvisioningResult(string DeviceId, bool Created, int ConfigVersion, string Broker)
{
    /// <summary>What changed, by request field.</summary>
    public IReadOnlyList<string> ChangedParts { get; init; } = [];
}

/// <summary>
/// Creates or changes an adapter: stores it (bumping its config version on any change), gives
/// the broker its credentials, then publishes its config document, in that order.
/// </summary>
public sealed partial class AdapterProvisioning(AdapterStore store, IBroker broker, FleetChannel channel, ILogger<AdapterProvisioning> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Provisions <paramref name="deviceId"/> as <paramref name="specification"/> says.</summary>
    /// <param name="deviceId">A valid device id.</param>
    /// <param name="specification">A validated secret and lines.</param>
    /// <param name="cancellationToken">Cancels waiting for earlier provisioning; once stored, the change is carried through.</param>
    /// <param name="actor">Who asked.</param>
    public async Task<ProvisioningResult> ProvisionAsync(string deviceId, AdapterSpecification specification, CancellationToken cancellationToken, string actor = "system")
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var outcome = store.Save(deviceId, specification, actor);
            if (outcome.Created)
            {
                LogCreated(deviceId, outcome.ConfigVersion);
            }
            else if (outcome.Changed)
            {
                LogUpdated(deviceId, outcome.ConfigVersion);
            }

            if (outcome.CredentialsChanged)
            {
                await broker.ApplyDeviceCredentialsAsync(CancellationToken.None).ConfigureAwait(false);
            }

            if (outcome.Changed)
            {
                await channel.PublishConfigAsync(deviceId, CancellationToken.None).ConfigureAwait(false);
            }

            return new ProvisioningResult(deviceId, outcome.Created, outcome.ConfigVersion, broker.DeviceAddress) { ChangedParts = outcome.ChangedParts };
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Deletes an adapter: forgets it, removes its broker account and ACL entry (the broker reloads,
    /// so it can neither connect again nor use its topics), and clears its retained config.
    /// </summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="cancellationToken">Cancels waiting for earlier provisioning.</param>
    /// <returns>False when the adapter was unknown.</returns>
    public async Task<bool> DeleteAsync(string deviceId, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!store.Delete(deviceId))
            {
                return false;
            }

            LogDeleted(deviceId);
            await broker.ApplyDeviceCredentialsAsync(CancellationToken.None).ConfigureAwait(false);
            await channel.ClearConfigAsync(deviceId, CancellationToken.None).ConfigureAwait(false);
            return true;
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
            var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            if (store.StartSecretRotation(deviceId, secret, actor) is not { } version)
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Adapter {DeviceId} deleted; its broker account is gone")]
    private partial void LogDeleted(string deviceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Adapter {DeviceId}: new broker credential sent in config v{Version}")]
    private partial void LogRotating(string deviceId, int version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Adapter {DeviceId} created (config v{Version})")]
    private partial void LogCreated(string deviceId, int version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Adapter {DeviceId} updated (config v{Version})")]
    private partial void LogUpdated(string deviceId, int version);
}
