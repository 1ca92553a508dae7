using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Ata.Core.Contract;
using Ata.Gateway.Broker;
using Ata.Gateway.Fleet;
using Ata.Gateway.Tests.Support;
using Ata.Tests.Mqtt;

namespace Ata.Gateway.Tests.Fleet;

/// <summary>Service codes dialled on an adapter (<c>ata/{id}/service</c>), through the real embedded broker.</summary>
public sealed class ServiceRequestTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private RunningGateway Gateway => fixture.Gateway;

    private static string Service(int line, string code = "#21#", string action = ServiceActions.CancelCallForwarding) =>
        new JsonObject { [Fields.Line] = line, [Fields.ServiceCode] = code, [Fields.Action] = action, [Fields.UptimeMs] = 61000 }.ToJsonString();

    [Fact]
    public async Task A_cancelled_forwarding_shows_on_the_adapter_with_nothing_further_needed_and_is_audited_and_counted()
    {
        const string id = "svc-cancel";
        const string secret = "svc-secret-a1";
        var port = await Gateway.ProvisionAsync(id, secret);
        await using var device = await Device.ConnectAsync(id, secret, port, Gateway.Log);
        var before = Gateway.Metrics.ServiceRequestsByAction[ServiceActions.CancelCallForwarding];

        await device.ReportAsync(MqttTopics.Service, Service(1));

        var view = await Gateway.AdapterWhenAsync(id, a => a["recentServiceRequests"]!.AsArray().Count == 1, "the service request");
        var request = view["recentServiceRequests"]![0]!;
        Assert.Equal(1, request["line"]!.GetValue<int>());
        Assert.Equal("#21#", request["serviceCode"]!.GetValue<string>());
        Assert.Equal(ServiceActions.CancelCallForwarding, request["action"]!.GetValue<string>());
        Assert.Equal("Cancel call forwarding", request["description"]!.GetValue<string>());
        Assert.StartsWith("Nothing further needed", request["outcome"]!.GetValue<string>(), StringComparison.Ordinal);
        // The count follows the stored record (the API may show the request a moment before).
        await Eventually.TrueAsync(() => Gateway.Metrics.ServiceRequestsByAction[ServiceActions.CancelCallForwarding] == before + 1, "the request counted once", Gateway.Log);

        await device.ReportAsync(MqttTopics.Service, Service(2));
        await Gateway.AdapterWhenAsync(id, a => a["recentServiceRequests"]!.AsArray().Count == 2, "the second service request");
        var history = (await Gateway.Http.GetFromJsonAsync<JsonArray>($"/api/adapters/{id}/services"))!;
        Assert.Equal([2, 1], history.Select(r => r!["line"]!.GetValue<int>()));
        Assert.Equal(HttpStatusCode.NotFound, (await Gateway.Http.GetAsync("/api/adapters/svc-nobody/services")).StatusCode);

        var audit = (await Gateway.Http.GetFromJsonAsync<JsonArray>($"/api/audit?target={id}"))!;
        var entry = audit.First(e => e!["action"]!.GetValue<string>() == "adapter.service")!;
        Assert.Equal(id, entry["actor"]!.GetValue<string>());
        Assert.Contains("#21#", entry["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        var metrics = await Gateway.Http.GetStringAsync("/metrics");
        Assert.Contains($"ata_service_requests_total{{action=\"{ServiceActions.CancelCallForwarding}\"}}", metrics, StringComparison.Ordinal);
        Assert.Contains($"ata_service_requests_total{{action=\"{ServiceRequests.OtherAction}\"}}", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_service_is_recorded_as_such_and_counted_as_other()
    {
        const string id = "svc-unknown";
        const string secret = "svc-secret-b1";
        var port = await Gateway.ProvisionAsync(id, secret);
        await using var device = await Device.ConnectAsync(id, secret, port, Gateway.Log);
        var before = Gateway.Metrics.ServiceRequestsByAction[ServiceRequests.OtherAction];

        await device.ReportAsync(MqttTopics.Service, Service(1, "*43#", "call-waiting-on"));

        var view = await Gateway.AdapterWhenAsync(id, a => a["recentServiceRequests"]!.AsArray().Count == 1, "the service request");
        Assert.Equal("Not a service the gateway knows; nothing was done.", view["recentServiceRequests"]![0]!["outcome"]!.GetValue<string>());
        await Eventually.TrueAsync(() => Gateway.Metrics.ServiceRequestsByAction[ServiceRequests.OtherAction] == before + 1, "the request counted once as other", Gateway.Log);
    }

    [Fact]
    public async Task Bad_service_reports_are_dropped_and_counted_without_touching_the_adapter()
    {
        const string id = "svc-bad";
        const string secret = "svc-secret-c1";
        var port = await Gateway.ProvisionAsync(id, secret);
        await using var device = await Device.ConnectAsync(id, secret, port, Gateway.Log);
        await device.ReportAsync(MqttTopics.Hello, Reports.Hello(id, "2.0.0"));
        var before = (await Gateway.AdapterWhenAsync(id, a => a["firmware"]?.GetValue<string>() == "2.0.0", "its hello")).ToJsonString();
        var malformed = Gateway.Metrics.DroppedMalformed;
        var oversized = Gateway.Metrics.DroppedOversized;

        string[] garbage =
        [
            "#21#",
            "{\"serviceCode\": ",
            """{"serviceCode":"#21#"}""",
            """{"serviceCode":"<b>#21#</b>","action":"cancel-call-forwarding"}""",
            """{"serviceCode":"#21#","action":"cancel-call-forwarding","line":0}""",
        ];
        foreach (var payload in garbage)
        {
            await device.ReportAsync(MqttTopics.Service, payload);
        }

        await device.ReportAsync(MqttTopics.Service, $$"""{"serviceCode":"#21#","action":"cancel-call-forwarding","detail":"{{new string('x', FleetChannel.MaxPayloadBytes)}}"}""");

        await Eventually.TrueAsync(() => Gateway.Metrics.DroppedMalformed >= malformed + garbage.Length, "malformed service reports dropped", Gateway.Log);
        await Eventually.TrueAsync(() => Gateway.Metrics.DroppedOversized > oversized, "the oversized service report dropped", Gateway.Log);
        Assert.Equal(before, (await Gateway.GetAdapterAsync(id))!.ToJsonString());
        Assert.Empty((await Gateway.Http.GetFromJsonAsync<JsonArray>($"/api/adapters/{id}/services"))!);
    }

    [Fact]
    public async Task A_service_report_from_an_unknown_adapter_is_counted_and_dropped()
    {
        await using var client = await Gateway.ConnectAsGatewayAsync("test-as-gateway-svc");
        var before = Gateway.Metrics.DroppedUnknownDevice;

        await client.PublishAsync(MqttTopics.For("svc-ghost", MqttTopics.Service), Encoding.UTF8.GetBytes(Service(1)), 1, false);

        await Eventually.TrueAsync(() => Gateway.Metrics.DroppedUnknownDevice > before, "the ghost's service report dropped", Gateway.Log);
        Assert.Null(await Gateway.GetAdapterAsync("svc-ghost"));
    }
}
