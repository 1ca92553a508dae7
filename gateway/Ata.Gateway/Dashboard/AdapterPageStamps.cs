using Ata.Gateway.Store;

namespace Ata.Gateway.Dashboard;

/// <summary>
/// Marks that move whenever what the adapter page shows of one adapter does: when it last reported or
/// was provisioned (its view), and the newest entry of each history (faults, health, config versions
/// and their outcomes, service codes, calls). One query of the histories' indexes; comparing two tells
/// what to send, without reading the histories themselves.
/// </summary>
/// <param name="View">When the adapter last reported (hello, health, presence) and was last provisioned.</param>
/// <param name="Parts">Each history's mark, by the name a <c>changed</c> event gives it (<see cref="AdapterEventStream.Histories"/>).</param>
internal sealed record AdapterPageStamps(string View, IReadOnlyDictionary<string, string> Parts)
{
    private const string Sql =
        """
        SELECT
            a.updated_at || '|' || a.config_version || '|' || coalesce(s.last_seen, '') || '|' || coalesce(s.health_at, '') || '|' || coalesce(s.hello_at, ''),
            (SELECT coalesce(max(seq), 0) FROM fault_events WHERE device_id = a.device_id),
            (SELECT coalesce(max(seq), 0) FROM health_history WHERE device_id = a.device_id),
            (SELECT count(*) || '|' || coalesce(string_agg(version || status || coalesce(reason, ''), '|'), '') FROM config_versions WHERE device_id = a.device_id),
            (SELECT coalesce(max(seq), 0) FROM service_requests WHERE device_id = a.device_id),
            (SELECT count(*) || '|' || coalesce(max(id), 0) FROM call_records WHERE device_id = a.device_id)
        FROM adapters a LEFT JOIN adapter_state s ON s.device_id = a.device_id
        WHERE a.device_id = @id
        """;

    /// <summary>The adapter's marks now, or null when it is not provisioned (any more).</summary>
    /// <param name="store">The store.</param>
    /// <param name="deviceId">The adapter.</param>
    public static AdapterPageStamps? Read(AdapterStore store, string deviceId)
    {
        using var connection = store.Open();
        using var command = StoreDatabase.Command(connection, Sql, ("@id", deviceId));
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        var parts = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < AdapterEventStream.Histories.Count; i++)
        {
            parts[AdapterEventStream.Histories[i]] = Convert.ToString(reader.GetValue(i + 1), System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
        }

        return new AdapterPageStamps(reader.GetString(0), parts);
    }

    /// <summary>The histories whose mark moved since <paramref name="before"/>.</summary>
    /// <param name="before">The earlier marks.</param>
    public IReadOnlyList<string> Grown(AdapterPageStamps before) =>
        [.. AdapterEventStream.Histories.Where(part => Parts[part] != before.Parts.GetValueOrDefault(part))];
}
