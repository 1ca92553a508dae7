using Ata.Gateway.Broker;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Instances;

/// <summary>
/// Which gateway instance this process is (<see cref="GatewayOptions.Instance"/>), and its leases:
/// while it is alive it renews its broker session's lease (<see cref="SessionLeasePrefix"/>{name})
/// every <see cref="Beat"/>, and its fleet channel connects only while it holds it, so that an
/// instance taking over a dead one's session (<see cref="SessionAdoption"/>) and the dead one coming
/// back never use one session at once. A single gateway (no instance name) holds everything itself
/// and touches no lease but the scans'.
/// </summary>
public sealed partial class GatewayInstance : BackgroundService
{
    /// <summary>The prefix of an instance's broker session lease.</summary>
    public const string SessionLeasePrefix = "session:";

    /// <summary>The lease of the periodic scans (silence, incidents moving on with time).</summary>
    public const string ScansLease = "scans";

    /// <summary>How often the instance renews its leases.</summary>
    public static readonly TimeSpan Beat = TimeSpan.FromSeconds(1);

    /// <summary>How long a lease lasts without a renewal: a killed instance's work is taken over this long after it stopped.</summary>
    public static readonly TimeSpan Term = TimeSpan.FromSeconds(5);

    private readonly Leases _leases;
    private readonly ILogger<GatewayInstance> _logger;
    private readonly Lock _gate = new();
    private TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _holding;

    /// <summary>Creates the instance from the options.</summary>
    /// <param name="gateway">The gateway options (its instance name).</param>
    /// <param name="broker">The broker options (the client id the instance's id is made from).</param>
    /// <param name="leases">The store's leases.</param>
    /// <param name="logger">The logger.</param>
    public GatewayInstance(IOptions<GatewayOptions> gateway, IOptions<BrokerOptions> broker, Leases leases, ILogger<GatewayInstance> logger)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(broker);
        Name = gateway.Value.Instance ?? string.Empty;
        GatewayClientId = broker.Value.ClientId;
        _leases = leases;
        _logger = logger;
        if (!IsOneOfSeveral)
        {
            _holding = true;
            _held.TrySetResult();
        }
    }

    /// <summary>The instance's name; empty for a single gateway.</summary>
    public string Name { get; }

    /// <summary>Whether several gateway instances share the store and the broker (an instance name is set).</summary>
    public bool IsOneOfSeveral => Name.Length > 0;

    /// <summary>Who holds this instance's leases: its name, or <c>gateway</c> for a single gateway.</summary>
    public string Holder => IsOneOfSeveral ? Name : "gateway";

    /// <summary><c>Broker:ClientId</c>: a single gateway's MQTT client id, and the shared subscriptions' group of several.</summary>
    public string GatewayClientId { get; }

    /// <summary>This instance's MQTT client id: <c>Broker:ClientId</c>, and <c>-{name}</c> when it is one of several.</summary>
    public string ClientId => ClientIdOf(Name);

    /// <summary>The MQTT client id of the instance named <paramref name="name"/>.</summary>
    /// <param name="name">An instance name; empty for a single gateway.</param>
    public string ClientIdOf(string name) => name.Length == 0 ? GatewayClientId : $"{GatewayClientId}-{name}";

    /// <summary>Raised when this instance lost its session lease (it stalled longer than <see cref="Term"/> and another instance took its session over).</summary>
    public event Action? SessionLeaseLost;

    /// <summary>Completes once this instance holds its session lease (at once for a single gateway).</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public Task HoldingSessionAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _held.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Whether this instance does the periodic scans now: it holds (and so renews) <see cref="ScansLease"/>.</summary>
    public bool HoldsScans() => !IsOneOfSeveral || _leases.TryHold(ScansLease, Holder, Term);

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!IsOneOfSeveral)
        {
            return;
        }

        using var timer = new PeriodicTimer(Beat);
        do
        {
            try
            {
                Renew();
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogRenewFailed(exception.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>Gives the session lease up on a clean stop, so that nobody adopts a session the instance left in order.</summary>
    /// <param name="cancellationToken">Unused.</param>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (IsOneOfSeveral && _holding)
        {
            try
            {
                _leases.Release(SessionLeasePrefix + Name, Name, Name);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogRenewFailed(exception.Message);
            }
        }
    }

    private void Renew()
    {
        var held = _leases.TryHold(SessionLeasePrefix + Name, Name, Term);
        Action? lost = null;
        lock (_gate)
        {
            if (held && !_holding)
            {
                _holding = true;
                _held.TrySetResult();
                LogHolding(Name);
            }
            else if (!held && _holding)
            {
                _holding = false;
                _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
                lost = SessionLeaseLost;
                LogLost(Name);
            }
        }

        lost?.Invoke();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Gateway instance {Name} holds its broker session")]
    private partial void LogHolding(string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Gateway instance {Name} lost its session lease (another instance took its session over); reconnecting once it is free")]
    private partial void LogLost(string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Renewing the instance's leases failed: {Reason}")]
    private partial void LogRenewFailed(string reason);
}
