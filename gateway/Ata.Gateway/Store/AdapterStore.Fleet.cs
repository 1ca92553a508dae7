using System.Globalization;
using System.Text.Json;
using Ata.Gateway.Broker;
using Ata.Gateway.Fleet;
using Ata.Gateway.Incidents;
using System.Data.Common;

using static Ata.Gateway.Store.StoreDatabase;

namespace Ata.Gateway.Store;

/// <summary>The fleet as support reads it: adapters by id, pages, searches and counts (<see cref="FleetQuery"/>, <see cref="FleetCounts"/>).</summary>
public sealed partial class AdapterStore
{
    /// <summary>One adapter as support sees it; null when unknown.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    public AdapterView? Find(string deviceId) => FindMany([deviceId]).SingleOrDefault();

    /// <summary>Adapters as support sees them, in the order asked for; those unknown are left out.</summary>
    /// <param name="deviceIds">The adapters' ids.</param>
    public IReadOnlyList<AdapterView> FindMany(IReadOnlyCollection<string> deviceIds)
    {
        using var connection = Open();
        using var snapshot = Database.BeginSnapshot(connection);
        return AdapterViews.Load(connection, deviceIds);
    }

    /// <summary>
    /// Every adapter as support sees it, by id. At 100,000 adapters this is about 100 MB of views:
    /// pages (<see cref="Page"/>) and counts (<see cref="Counts"/>) are what scale.
    /// </summary>
    public IReadOnlyList<AdapterView> List()
    {
        using var connection = Open();
        using var snapshot = Database.BeginSnapshot(connection);
        return AdapterViews.Load(connection, null);
    }

    /// <summary>Every adapter's id, in order.</summary>
    public IReadOnlyList<string> ListDeviceIds()
    {
        using var connection = Open();
        using var command = Command(connection, "SELECT device_id FROM adapters ORDER BY device_id");
        return ReadStrings(command);
    }

    /// <summary>Adapters found by a search (<see cref="FleetSearch"/>), by id, served by the search index.</summary>
    /// <param name="query">What support typed (trimmed, not empty).</param>
    public IReadOnlyList<AdapterView> Search(string query)
    {
        using var connection = Open();
        using var snapshot = Database.BeginSnapshot(connection);
        var filter = new FleetFilter { Query = query };
        return AdapterViews.Load(connection, [.. FleetQuery.Matching(connection, filter, null).Order(StringComparer.Ordinal)]);
    }

    /// <summary>One page of the fleet, filtered and sorted (see <see cref="FleetQuery"/>).</summary>
    /// <param name="filter">What is asked.</param>
    /// <exception cref="FleetFilterException">A state, sort, limit or cursor the store cannot take.</exception>
    public FleetPage Page(FleetFilter filter)
    {
        using var connection = Open();
        using var snapshot = Database.BeginSnapshot(connection);
        var (ids, next) = FleetQuery.PageIds(connection, filter);
        return new FleetPage(AdapterViews.Load(connection, ids), next, FleetQuery.Total(connection, filter));
    }

    /// <summary>The ids of one page of the fleet (see <see cref="Page"/>).</summary>
    /// <param name="filter">What is asked.</param>
    public IReadOnlyList<string> PageIds(FleetFilter filter)
    {
        using var connection = Open();
        return FleetQuery.PageIds(connection, filter).Ids;
    }

    /// <summary>Which of <paramref name="deviceIds"/> match <paramref name="filter"/> (not its cursor).</summary>
    /// <param name="filter">What is asked.</param>
    /// <param name="deviceIds">Adapters to check.</param>
    public IReadOnlySet<string> Matching(FleetFilter filter, IReadOnlyCollection<string> deviceIds)
    {
        using var connection = Open();
        return FleetQuery.Matching(connection, filter, deviceIds);
    }

    /// <summary>The fleet's counts, as the database keeps them (one small table, not a scan).</summary>
    public FleetCounts Counts()
    {
        using var connection = Open();
        return FleetCounts.Read(connection);
    }
}
