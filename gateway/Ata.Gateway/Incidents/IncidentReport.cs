using System.Text;
using System.Text.Json.Nodes;
using Ata.Gateway.Fleet;
using Ata.Gateway.Store;
using System.Data.Common;

namespace Ata.Gateway.Incidents;

/// <summary>
/// The report support receives about an incident: the adapter and customer, the fault and since
/// when, the LEDs as the customer sees them, the last SIP code, WAN address, firmware, recent
/// fault history and the next step, in English. Never a secret: only what the API shows.
/// </summary>
public static class IncidentReport
{
    /// <summary>Fault events included as recent history.</summary>
    public const int RecentFaults = 5;

    /// <summary>Builds the report of <paramref name="incident"/> for <paramref name="event"/> from the store as it is now.</summary>
    /// <param name="connection">A connection (inside the transaction that changed the incident).</param>
    /// <param name="incident">The incident's id.</param>
    /// <param name="event">opened, flapping or resolved.</param>
    /// <param name="now">The time.</param>
    public static JsonObject Build(DbConnection connection, long incident, string @event, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(connection);

        // The operator's systems get English, whoever's request (and language) caused the report.
        using var english = Localization.SupportText.InEnglish();
        var view = IncidentBook.Find(connection, incident)
            ?? throw new InvalidOperationException($"Incident {incident} does not exist.");
        var report = new JsonObject
        {
            ["idempotencyKey"] = $"ata-incident-{incident}-{@event}",
            ["event"] = @event,
            ["at"] = IncidentBook.Text(now),
            ["incident"] = new JsonObject
            {
                ["id"] = view.Id,
                ["kind"] = view.Kind,
                ["code"] = view.Code,
                ["description"] = view.Kind == IncidentBook.RegistrarKind ? $"Many adapters lost registration with {view.Registrar}" : view.Description,
                ["line"] = view.Line,
                ["since"] = IncidentBook.Text(view.OpenedAt),
                ["endedAt"] = view.EndedAt is { } ended ? IncidentBook.Text(ended) : null,
                ["flaps"] = view.Flaps,
                ["folded"] = view.Folded,
                ["registrar"] = view.Registrar,
            },
            ["nextStep"] = view.NextStep,
        };

        if (view.Kind == IncidentBook.RegistrarKind)
        {
            var adapters = new JsonArray();
            using var command = StoreDatabase.Command(connection,
                "SELECT DISTINCT device_id FROM incidents WHERE parent_id = @incident ORDER BY device_id", ("@incident", incident));
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                adapters.Add(reader.GetString(0));
            }

            report["adapters"] = adapters;
            return report;
        }

        report["adapter"] = Adapter(connection, view.DeviceId!);
        report["recentFaults"] = Recent(connection, view.DeviceId!);
        return report;
    }

    /// <summary>A one-line subject for e-mail and logs.</summary>
    /// <param name="report">A report from <see cref="Build"/>.</param>
    public static string Subject(JsonObject report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var incident = report["incident"]!;
        var what = incident["description"]!.GetValue<string>();
        var who = report["adapter"] is JsonObject adapter
            ? adapter["deviceId"]!.GetValue<string>() + (adapter["customerReference"] is JsonValue customer ? $" ({customer.GetValue<string>()})" : string.Empty)
            : $"registrar {incident["registrar"]?.GetValue<string>()}";
        var verb = report["event"]!.GetValue<string>() switch
        {
            IncidentBook.Resolved => "RESOLVED",
            IncidentBook.Flapping => "FLAPPING",
            _ => "FAULT",
        };
        return $"[ATA {verb}] {who}: {what}";
    }

    /// <summary>The report as plain text for e-mail.</summary>
    /// <param name="report">A report from <see cref="Build"/>.</param>
    public static string Text(JsonObject report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var incident = report["incident"]!;
        var text = new StringBuilder()
            .AppendLine(Subject(report))
            .AppendLine()
            .AppendLine($"Incident:      #{incident["id"]} ({incident["kind"]}), {incident["code"]}")
            .AppendLine($"Since:         {incident["since"]}");
        if (incident["endedAt"] is { } ended)
        {
            text.AppendLine($"Ended:         {ended}");
        }

        if (incident["flaps"]!.GetValue<int>() > 0)
        {
            text.AppendLine($"Flaps:         {incident["flaps"]}");
        }

        if (incident["kind"]!.GetValue<string>() == IncidentBook.AdapterKind && incident["folded"]?.GetValue<int>() is > 0 and var folded)
        {
            text.AppendLine($"Folded:        {folded} more incidents of this adapter within the hour, not reported one by one");
        }

        if (report["adapter"] is JsonObject adapter)
        {
            var leds = adapter["leds"]!;
            text.AppendLine($"Adapter:       {adapter["deviceId"]}")
                .AppendLine($"Customer:      {adapter["customerReference"] ?? "-"}")
                .AppendLine($"LEDs:          PWR {leds["pwr"]}, WAN {leds["wan"]}, TEL1 {leds["tel1"]}, TEL2 {leds["tel2"]}")
                .AppendLine($"Last SIP code: {adapter["lastSipCode"] ?? "-"}")
                .AppendLine($"WAN address:   {adapter["wanAddress"] ?? "-"}")
                .AppendLine($"Firmware:      {adapter["firmware"] ?? "-"}")
                .AppendLine()
                .AppendLine("Recent faults:");
            foreach (var fault in report["recentFaults"]!.AsArray())
            {
                text.AppendLine($"  {fault!["at"]} {(fault["raised"]!.GetValue<bool>() ? "raised " : "cleared")} {fault["code"]}");
            }
        }
        else
        {
            text.AppendLine($"Registrar:     {incident["registrar"]}")
                .AppendLine($"Adapters:      {string.Join(", ", report["adapters"]!.AsArray().Select(a => a!.GetValue<string>()))}");
        }

        return text.AppendLine().AppendLine($"Next step: {report["nextStep"]}").ToString();
    }

    private static JsonObject Adapter(DbConnection connection, string deviceId)
    {
        using var command = StoreDatabase.Command(connection,
            """
            SELECT a.customer_ref, s.led_pwr, s.led_wan, s.led_tel1, s.led_tel2, s.wan_address, s.firmware, s.online,
                (SELECT h.sip_code FROM line_health h WHERE h.device_id = a.device_id AND h.sip_code IS NOT NULL ORDER BY h.line LIMIT 1)
            FROM adapters a JOIN adapter_state s ON s.device_id = a.device_id WHERE a.device_id = @id
            """,
            ("@id", deviceId));
        using var reader = command.ExecuteReader();
        var adapter = new JsonObject { ["deviceId"] = deviceId };
        if (!reader.Read())
        {
            return adapter;
        }

        adapter["customerReference"] = reader.IsDBNull(0) ? null : reader.GetString(0);
        adapter["leds"] = new JsonObject
        {
            ["pwr"] = reader.GetString(1),
            ["wan"] = reader.GetString(2),
            ["tel1"] = reader.GetString(3),
            ["tel2"] = reader.GetString(4),
        };
        adapter["wanAddress"] = reader.IsDBNull(5) ? null : reader.GetString(5);
        adapter["firmware"] = reader.IsDBNull(6) ? null : reader.GetString(6);
        adapter["online"] = reader.GetFlag(7);
        adapter["lastSipCode"] = reader.IsDBNull(8) ? null : reader.GetInt32(8);
        return adapter;
    }

    private static JsonArray Recent(DbConnection connection, string deviceId)
    {
        using var command = StoreDatabase.Command(connection,
            $"SELECT at, code, line, raised FROM fault_events WHERE device_id = @id ORDER BY at DESC, seq DESC LIMIT {RecentFaults}", ("@id", deviceId));
        using var reader = command.ExecuteReader();
        var recent = new JsonArray();
        while (reader.Read())
        {
            recent.Add(new JsonObject
            {
                ["at"] = reader.GetString(0),
                ["code"] = reader.GetString(1),
                ["line"] = reader.GetInt32(2) is var line and > 0 ? line : null,
                ["raised"] = reader.GetFlag(3),
            });
        }

        return recent;
    }
}
