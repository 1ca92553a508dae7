using System.Data.Common;

namespace Ata.Gateway.Store;

/// <summary>
/// The fleet's counts as the database keeps them (<c>fleet_counts</c>, maintained by
/// <see cref="FleetIndex"/>'s triggers): reading them is one small table, whatever the fleet's size.
/// </summary>
/// <param name="Values">Every counter by name.</param>
public sealed record FleetCounts(IReadOnlyDictionary<string, long> Values)
{
    /// <summary>Provisioned adapters.</summary>
    public const string Adapters = "adapters";

    /// <summary>Adapters whose last status was online (silent ones included).</summary>
    public const string OnlineFlag = "online-status";

    /// <summary>Adapters marked silent.</summary>
    public const string SilentFlag = "silent-flag";

    /// <summary>Adapters with at least one active fault.</summary>
    public const string Faulted = "faulted";

    /// <summary>Adapters online (not silent) with every provisioned line registered.</summary>
    public const string Registered = "registered";

    /// <summary>Prefix of the counters of adapters by presence (<see cref="Presences"/>).</summary>
    public const string PresencePrefix = "presence:";

    /// <summary>Prefix of the counters of adapters by the status of their current config.</summary>
    public const string ConfigPrefix = "config:";

    /// <summary>Prefix of the counters of active faults by code.</summary>
    public const string FaultPrefix = "fault:";

    /// <summary>Prefix of the counters of provisioned lines by last reported registration.</summary>
    public const string LinePrefix = "line:";

    /// <summary>
    /// Where an adapter is: online; offline from the moment its Last Will (or goodbye) came; silent
    /// when it stopped reporting without one; never connected.
    /// </summary>
    public static readonly IReadOnlyList<string> Presences = ["online", "offline", "silent", "never"];

    /// <summary>A counter's value; 0 when it was never counted.</summary>
    /// <param name="name">The counter.</param>
    public long this[string name] => Values.GetValueOrDefault(name);

    /// <summary>The counters under <paramref name="prefix"/> that are not 0, by the rest of their name, in order.</summary>
    /// <param name="prefix">One of the prefixes.</param>
    public IEnumerable<KeyValuePair<string, long>> Under(string prefix) =>
        Values.Where(p => p.Key.StartsWith(prefix, StringComparison.Ordinal) && p.Value != 0)
            .Select(p => new KeyValuePair<string, long>(p.Key[prefix.Length..], p.Value))
            .OrderBy(p => p.Key, StringComparer.Ordinal);

    /// <summary>The overview support sees: the tiles' counts.</summary>
    public FleetOverview Overview() => new(
        this[Adapters], this[PresencePrefix + "online"], this[Registered], this[Faulted],
        this[PresencePrefix + "offline"], this[PresencePrefix + "silent"], this[PresencePrefix + "never"]);

    /// <summary>Reads every counter.</summary>
    /// <param name="connection">An open connection.</param>
    internal static FleetCounts Read(DbConnection connection)
    {
        using var command = StoreDatabase.Command(connection, "SELECT name, value FROM fleet_counts");
        using var reader = command.ExecuteReader();
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        while (reader.Read())
        {
            values[reader.GetString(0)] = reader.GetInt64(1);
        }

        return new FleetCounts(values);
    }
}

/// <summary>The fleet overview: the dashboard's tiles (<c>GET /api/overview</c>).</summary>
/// <param name="Adapters">Provisioned adapters.</param>
/// <param name="Online">Online and reporting.</param>
/// <param name="Registered">Online with every provisioned line registered.</param>
/// <param name="Faulted">With at least one active fault.</param>
/// <param name="Offline">Offline since their Last Will (or goodbye).</param>
/// <param name="Silent">Connected but no health report for too long.</param>
/// <param name="Never">Never connected.</param>
public sealed record FleetOverview(long Adapters, long Online, long Registered, long Faulted, long Offline, long Silent, long Never);
