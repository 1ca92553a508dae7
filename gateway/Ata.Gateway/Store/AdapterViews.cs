using Ata.Gateway.Fleet;
using System.Data.Common;

namespace Ata.Gateway.Store;

/// <summary>Reads adapters as support sees them (<see cref="AdapterView"/>), a few by id or all of them.</summary>
internal static class AdapterViews
{
    /// <summary>
    /// The adapters <paramref name="deviceIds"/> (in that order; unknown ones left out), or every
    /// adapter by id when null. Call inside a read transaction, so every part shows the same moment.
    /// </summary>
    internal static List<AdapterView> Load(DbConnection connection, IReadOnlyCollection<string>? deviceIds)
    {
        if (deviceIds is { Count: 0 })
        {
            return [];
        }

        var filter = deviceIds is null ? string.Empty : $"WHERE a.device_id IN ({StoreSql.JsonTexts(StoreDatabase.DialectOf(connection), "@ids")})";
        var parameters = deviceIds is null ? [] : new[] { ("@ids", (object?)System.Text.Json.JsonSerializer.Serialize(deviceIds)) };
        var lines = new Dictionary<string, List<LineView>>(StringComparer.Ordinal);
        using (var command = StoreDatabase.Command(connection,
            $"""
            SELECT a.device_id, a.line, a.username, a.registrar, h.registration, h.sip_code, a.settings, h.voicemail
            FROM adapter_lines a LEFT JOIN line_health h ON h.device_id = a.device_id AND h.line = a.line
            {filter} ORDER BY a.device_id, a.line
            """, parameters))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var settings = AdapterStore.ReadSettings(reader.GetString(6), string.Empty);
                Add(lines, reader.GetString(0), new LineView(
                    reader.GetInt32(1), reader.GetString(2), reader.GetString(3),
                    reader.IsDBNull(4) ? DeviceReports.Unknown : reader.GetString(4),
                    reader.IsDBNull(5) ? null : reader.GetInt32(5))
                {
                    AuthUsername = settings.AuthUsername,
                    SecondaryRegistrar = settings.SecondaryRegistrar,
                    OutboundProxy = settings.OutboundProxy,
                    Transport = settings.Transport,
                    Realm = settings.Realm,
                    Country = settings.Country,
                    TonePlan = settings.TonePlan,
                    DialPlan = settings.DialPlan,
                    Barring = settings.BarringClasses,
                    FlashMs = settings.FlashMs,
                    Tones = settings.Tones,
                    ShortTimerMs = settings.ShortTimerMs,
                    LongTimerMs = settings.LongTimerMs,
                    Expires = settings.Expires,
                    KeepAliveSeconds = settings.KeepAliveSeconds,
                    RetryBaseSeconds = settings.RetryBaseSeconds,
                    RetryMaxSeconds = settings.RetryMaxSeconds,
                    RegistrarProbeSeconds = settings.RegistrarProbeSeconds,
                    NoAnswerSeconds = settings.NoAnswerSeconds,
                    CallWaiting = settings.CallWaiting,
                    MessageWaiting = settings.MessageWaiting,
                    Voicemail = reader.IsDBNull(7) ? null : reader.GetString(7),
                });
            }
        }

        var faults = new Dictionary<string, List<FaultView>>(StringComparer.Ordinal);
        using (var command = StoreDatabase.Command(connection,
            $"SELECT a.device_id, a.code, a.line, a.sip_code, a.detail, a.since FROM active_faults a {filter} ORDER BY a.device_id, a.since, a.code, a.line",
            parameters))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var code = reader.GetString(1);
                Add(faults, reader.GetString(0), new FaultView(
                    code,
                    reader.GetInt32(2) is var line and > 0 ? line : null,
                    reader.IsDBNull(3) ? null : reader.GetInt32(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4),
                    AdapterStore.ParseTime(reader.GetString(5)),
                    FaultDescriptions.Describe(code)));
            }
        }

        Dictionary<string, List<ServiceRequestView>> services;
        using (var command = StoreDatabase.Command(connection,
            $"""
            SELECT a.device_id, a.at, a.line, a.service_code, a.action, a.outcome FROM (
                SELECT *, row_number() OVER (PARTITION BY device_id ORDER BY seq DESC) AS recent FROM service_requests a {filter}) a
            WHERE a.recent <= {AdapterStore.RecentServiceRequests} ORDER BY a.device_id, a.seq DESC
            """, parameters))
        {
            services = ReadServiceRequests(command);
        }

        var views = new List<AdapterView>();
        using (var command = StoreDatabase.Command(connection,
            $"""
            SELECT a.device_id, s.online, s.last_seen, s.health_at, s.firmware, a.config_version,
                s.applied_config_version, s.refused_reason, s.led_pwr, s.led_wan, s.led_tel1, s.led_tel2,
                a.customer_ref, a.send_ha1, s.refused_config_version, s.silent, s.wan, s.wan_address, s.rssi, s.uptime_ms,
                s.hardware, s.mac, s.reset_reason, a.pending_secret_version
            FROM adapters a JOIN adapter_state s ON s.device_id = a.device_id
            {filter} ORDER BY a.device_id
            """, parameters))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var id = reader.GetString(0);
                views.Add(new AdapterView(
                    id,
                    reader.GetFlag(1),
                    reader.IsDBNull(2) ? null : AdapterStore.ParseTime(reader.GetString(2)),
                    reader.IsDBNull(3) ? null : AdapterStore.ParseTime(reader.GetString(3)),
                    reader.IsDBNull(4) ? null : reader.GetString(4),
                    reader.GetInt32(5),
                    reader.IsDBNull(6) ? null : reader.GetInt32(6),
                    reader.IsDBNull(7) ? null : reader.GetString(7),
                    new LedStates(reader.GetString(8), reader.GetString(9), reader.GetString(10), reader.GetString(11)),
                    lines.GetValueOrDefault(id) ?? [],
                    faults.GetValueOrDefault(id) ?? [])
                {
                    CustomerReference = reader.IsDBNull(12) ? null : reader.GetString(12),
                    SendHa1 = reader.GetFlag(13),
                    ConfigStatus = ConfigStatus.Of(reader.GetInt32(5), reader.IsDBNull(6) ? null : reader.GetInt32(6), reader.IsDBNull(14) ? null : reader.GetInt32(14)),
                    RefusedConfigVersion = reader.IsDBNull(14) ? null : reader.GetInt32(14),
                    Silent = reader.GetFlag(15),
                    Wan = reader.IsDBNull(16) ? null : reader.GetString(16),
                    WanAddress = reader.IsDBNull(17) ? null : reader.GetString(17),
                    Rssi = reader.IsDBNull(18) ? null : reader.GetInt32(18),
                    UptimeMs = reader.IsDBNull(19) ? null : reader.GetInt64(19),
                    Hardware = reader.IsDBNull(20) ? null : reader.GetString(20),
                    Mac = reader.IsDBNull(21) ? null : reader.GetString(21),
                    ResetReason = reader.IsDBNull(22) ? null : reader.GetString(22),
                    CredentialRotationPending = !reader.IsDBNull(23),
                    RecentServiceRequests = services.GetValueOrDefault(id) ?? [],
                });
            }
        }

        if (deviceIds is null)
        {
            return views;
        }

        var byId = views.ToDictionary(v => v.DeviceId, StringComparer.Ordinal);
        return [.. deviceIds.Where(byId.ContainsKey).Select(id => byId[id])];
    }

    private static void Add<T>(Dictionary<string, List<T>> groups, string key, T item)
    {
        if (!groups.TryGetValue(key, out var list))
        {
            groups[key] = list = [];
        }

        list.Add(item);
    }


    internal static Dictionary<string, List<ServiceRequestView>> ReadServiceRequests(DbCommand command)
    {
        var requests = new Dictionary<string, List<ServiceRequestView>>(StringComparer.Ordinal);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var action = reader.GetString(4);
            Add(requests, reader.GetString(0), new ServiceRequestView(AdapterStore.ParseTime(reader.GetString(1)),
                reader.IsDBNull(2) ? null : reader.GetInt32(2), reader.GetString(3), action,
                ServiceRequests.Describe(action), reader.GetString(5)));
        }

        return requests;
    }
}
