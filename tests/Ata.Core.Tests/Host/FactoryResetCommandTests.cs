using Ata.Core.Hardware;
using Ata.Core.Host;

namespace Ata.Core.Tests.Host;

/// <summary>
/// The gateway's <c>factory-reset</c> command (issue 16, item 3): the adapter answers it on
/// <c>cmd/result</c>, and only once that answer is delivered does it say goodbye and ask its host to
/// erase everything stored and restart; a plain reboot never erases.
/// </summary>
public class FactoryResetCommandTests
{
    private readonly FakeMqtt _mqtt = new();
    private readonly Adapter _adapter;

    public FactoryResetCommandTests()
    {
        _adapter = new Adapter("ata-1", new FakeDevice(), new FakeSocket(), new FakeResolver(), new ILed[4], new RecordingEvents(), new Random(5),
            new GatewayAccess("gw.example", 8883, "ata-1", "secret-123") { PowerOnSpreadMs = 0 }, null, 0);
        _adapter.Tick(0);
        Requests();
        _adapter.OnMqttConnected(_mqtt, 0);
        _mqtt.AcknowledgeAll(_adapter, 0);
    }

    private List<HostRequest> Requests()
    {
        var requests = new List<HostRequest>();
        while (_adapter.NextHostRequest() is { } r)
        {
            requests.Add(r);
        }

        return requests;
    }

    [Fact]
    public void The_answer_goes_out_first_then_the_goodbye_then_the_host_erases_and_restarts()
    {
        _adapter.OnMqttMessage("ata/ata-1/cmd", "{\"id\":\"c9\",\"command\":\"factory-reset\"}", 100);
        _adapter.Tick(100);
        var answer = Assert.Single(_mqtt.Published, p => p.Topic == "ata/ata-1/cmd/result");
        Assert.Contains("\"id\":\"c9\"", answer.Payload);
        Assert.Contains("\"ok\":true", answer.Payload);
        Assert.Contains("onboard it again", answer.Payload);

        // Not acknowledged yet: nothing is erased, the session stays.
        _adapter.Tick(120);
        Assert.Empty(Requests());

        _mqtt.AcknowledgeAll(_adapter, 140);
        _adapter.Tick(160);
        Assert.Equal(HostRequestKind.Disconnect, Assert.Single(Requests()).Kind);
        _adapter.OnMqttDisconnected(180);
        _adapter.Tick(200);
        var erase = Assert.Single(Requests());
        Assert.Equal((HostRequestKind.FactoryReset, "factory-reset by the gateway"), (erase.Kind, erase.Reason));
    }

    [Fact]
    public void A_reboot_command_restarts_without_erasing()
    {
        _adapter.OnMqttMessage("ata/ata-1/cmd", "{\"id\":\"c10\",\"command\":\"reboot\",\"force\":true}", 100);
        _mqtt.AcknowledgeAll(_adapter, 120);
        _adapter.Tick(140);
        Requests();
        _adapter.OnMqttDisconnected(160);
        _adapter.Tick(180);
        Assert.Equal(HostRequestKind.Reboot, Assert.Single(Requests()).Kind);
    }

    [Fact]
    public void The_host_is_asked_to_erase_through_its_factory_reset_action()
    {
        var host = new RecordingHost();
        _adapter.OnMqttMessage("ata/ata-1/cmd", "{\"id\":\"c11\",\"command\":\"factory-reset\"}", 100);
        _mqtt.AcknowledgeAll(_adapter, 120);
        _adapter.Tick(140);
        _adapter.CarryOutHostRequests(host, 140);
        _adapter.OnMqttDisconnected(160);
        _adapter.Tick(180);
        _adapter.CarryOutHostRequests(host, 180);
        Assert.Equal(["leave", "factory-reset:factory-reset by the gateway"], host.Done);
    }

    private sealed class RecordingHost : IHostActions
    {
        public List<string> Done { get; } = [];

        public void Connect(HostRequest request) => Done.Add("connect");

        public void Leave() => Done.Add("leave");

        public bool StoreConfig(string json) => true;

        public bool StoreSecret(string secret) => true;

        public void Reboot(string reason) => Done.Add("reboot:" + reason);

        public void FactoryReset(string reason) => Done.Add("factory-reset:" + reason);
    }
}
