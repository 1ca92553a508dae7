using Ata.Gateway.Broker;
using Ata.Gateway.Fleet;
using Ata.Gateway.Store;

namespace Ata.Gateway.Provisioning;

/// <summary>What provisioning an adapter did.</summary>
/// <param name="DeviceId">The adapter.</param>
/// <param name="Created">It was new.</param>
/// <param name="ConfigVersion">Its config version now.</param>
/// <param name="Broker">The <c>host:port</c> it must connect to.</param>
public sealed record ProvisioningResult(string DeviceId, bool Created, int ConfigVersion, string Broker);

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
    public async Task<ProvisioningResult> ProvisionAsync(string deviceId, AdapterSpecification specification, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var outcome = store.Save(deviceId, specification);
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

            return new ProvisioningResult(deviceId, outcome.Created, outcome.ConfigVersion, broker.DeviceAddress);
        }
        finally
        {
            _gate.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Adapter {DeviceId} created (config v{Version})")]
    private partial void LogCreated(string deviceId, int version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Adapter {DeviceId} updated (config v{Version})")]
    private partial void LogUpdated(string deviceId, int version);
}
