using Ata.Core.Hardware;
using Ata.Core.Host;
using Ata.Core.Telephony;

namespace Ata.Core.Tests.Host;

/// <summary>What the adapter asks of its host: connect, store, reconnect with a rotated secret, reboot.</summary>
public class AdapterHostRequestTests
{
    private readonly FakeSocket _socket = new();
    private readonly FakeMqtt _mqtt = new();
    private readonly RecordingEvents _events = new();
    private readonly Adapter _adapter;

    public AdapterHostRequestTests()
    {
        _adapter = new Adapter("ata-1", new FakeDevice(), _socket, new FakeResolver(), new ILed[4], _events, new Random(5),
            new GatewayAccess("gw.example", 8883, "ata-1", "old-secret-123") { PowerOnSpreadMs = 0 }, null, 0);
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

    private void Connect(long now)
    {
        _adapter.Tick(now);
        var connect = Assert.Single(Requests());
        Assert.Equal(HostRequestKind.Connect, connect.Kind);
        _adapter.OnMqttConnected(_mqtt, now);
    }

    [Fact]
    public void Connects_with_the_device_id_and_secret_once_the_WAN_is_up()
    {
        _adapter.Tick(0);
        var connect = Assert.Single(Requests());
        Assert.Equal((HostRequestKind.Connect, "gw.example", 8883, "ata-1", "old-secret-123"),
            (connect.Kind, connect.Host, connect.Port, connect.ClientId, connect.Secret));
        _adapter.Tick(100);
        Assert.Empty(Requests());
        Assert.Equal(GatewayState.Connecting, _adapter.Host.State);
    }

    [Fact]
    public void A_rotated_device_secret_is_stored_then_used_for_a_new_session_and_never_reported()
    {
        Connect(0);
        _adapter.OnMqttMessage("ata/ata-1/config", "{\"version\":2,\"deviceSecret\":\"new-secret-123\",\"lines\":[]}", 10);
        var requests = Requests();
        Assert.Contains(requests, r => r.Kind == HostRequestKind.StoreSecret && r.Secret == "new-secret-123");
        Assert.Contains(_mqtt.Published, p => p.Topic == "ata/ata-1/config/ack" && p.Payload.Contains("\"applied\":true"));
        Assert.Equal("fast-blink", _adapter.Leds.PatternName(0));

        _adapter.OnStored(HostRequestKind.StoreSecret, true, 20);
        _adapter.OnStored(HostRequestKind.StoreConfig, true, 20);
        Assert.Equal("solid", _adapter.Leds.PatternName(0));
        var leave = Assert.Single(Requests());
        Assert.Equal(HostRequestKind.Disconnect, leave.Kind);
        _adapter.OnMqttDisconnected(30);
        _adapter.Tick(30);
        var connect = Assert.Single(Requests());
        Assert.Equal((HostRequestKind.Connect, "new-secret-123"), (connect.Kind, connect.Secret));
        Assert.DoesNotContain(_mqtt.Published, p => p.Payload.Contains("new-secret-123"));
    }

    [Fact]
    public void A_config_from_the_gateway_is_stored_once_and_a_failed_write_is_a_fault()
    {
        Connect(0);
        const string config = "{\"version\":2,\"lines\":[]}";
        _adapter.OnMqttMessage("ata/ata-1/config", config, 10);
        Assert.Equal(HostRequestKind.StoreConfig, Assert.Single(Requests()).Kind);
        _adapter.OnStored(HostRequestKind.StoreConfig, false, 20);
        Assert.True(_adapter.Faults.IsActive(Ata.Core.Faults.FaultCode.StorageFailed, 0));

        // The retained config delivered again on the next session is not written again.
        _adapter.OnMqttMessage("ata/ata-1/config", config, 30);
        Assert.Empty(Requests());
    }

    [Fact]
    public void A_short_device_secret_refuses_the_config()
    {
        Connect(0);
        _adapter.OnMqttMessage("ata/ata-1/config", "{\"version\":2,\"deviceSecret\":\"short\",\"lines\":[]}", 10);
        Assert.DoesNotContain(Requests(), r => r.Kind == HostRequestKind.StoreSecret);
        Assert.Contains(_mqtt.Published, p => p.Topic == "ata/ata-1/config/ack" && p.Payload.Contains("deviceSecret"));
    }

    [Fact]
    public void A_reboot_command_flushes_the_reports_says_goodbye_then_reboots()
    {
        Connect(0);
        _adapter.OnMqttMessage("ata/ata-1/cmd", "{\"id\":\"c1\",\"command\":\"reboot\"}", 10);
        var result = _mqtt.Published.Single(p => p.Topic == "ata/ata-1/cmd/result");
        Assert.Contains("\"ok\":true", result.Payload);
        Assert.Contains("\"id\":\"c1\"", result.Payload);

        // The result is not yet acknowledged by the broker: no goodbye yet.
        _adapter.Tick(20);
        Assert.Empty(Requests());
        _mqtt.AcknowledgeAll(_adapter, 30);
        _adapter.Tick(40);
        Assert.Equal(HostRequestKind.Disconnect, Assert.Single(Requests()).Kind);
        _adapter.OnMqttDisconnected(50);
        var reboot = Assert.Single(Requests());
        Assert.Equal((HostRequestKind.Reboot, "gateway"), (reboot.Kind, reboot.Reason));
    }

    [Fact]
    public void A_reboot_waits_for_the_handset_to_be_put_down_unless_forced()
    {
        Connect(0);
        _adapter.OnHook(1, true, 0);
        _adapter.Tick(HookDecoder.DebounceMs + 1);
        _adapter.OnMqttMessage("ata/ata-1/cmd", "{\"id\":\"c2\",\"command\":\"reboot\"}", 100);
        Assert.Contains(_mqtt.Published, p => p.Topic == "ata/ata-1/cmd/result" && p.Payload.Contains("once every line is idle"));
        _mqtt.AcknowledgeAll(_adapter, 110);
        for (long t = 200; t < 60_000; t += 1000)
        {
            _adapter.Tick(t);
        }

        Assert.Empty(Requests());
        Assert.True(_adapter.Host.RebootPending);
        _adapter.OnHook(1, false, 60_000);
        _adapter.Tick(60_000 + _adapter.Port(1).FlashMaxMs + 1);
        _adapter.Tick(60_000 + _adapter.Port(1).FlashMaxMs + 2);
        Assert.Equal(HostRequestKind.Disconnect, Assert.Single(Requests()).Kind);
    }

    [Fact]
    public void A_forced_reboot_does_not_wait_for_the_line()
    {
        Connect(0);
        _adapter.OnHook(1, true, 0);
        _adapter.Tick(HookDecoder.DebounceMs + 1);
        _adapter.OnMqttMessage("ata/ata-1/cmd", "{\"id\":\"c3\",\"command\":\"reboot\",\"force\":true}", 100);
        _mqtt.AcknowledgeAll(_adapter, 110);
        _adapter.Tick(120);
        Assert.Equal(HostRequestKind.Disconnect, Assert.Single(Requests()).Kind);
    }

    [Fact]
    public void A_refused_login_is_a_WAN_blink_code_a_fault_a_console_line_and_a_log_line_and_reaches_the_gateway_once_fixed()
    {
        var log = new Ata.Core.Console.RecentLog(32);
        var adapter = new Adapter("ata-1", new FakeDevice(), _socket, new FakeResolver(), new ILed[4],
            new Ata.Core.Console.LoggingEvents(log, _events), new Random(5), new GatewayAccess("gw", 1883, "ata-1", "typo-secret") { PowerOnSpreadMs = 0 }, null, 0);
        var console = new Ata.Core.Console.TechnicianConsole(adapter, new FakeDevice(), new Ata.Core.Settings.DeviceSettings(),
            new Console.MemoryConfigStore(), log, 0);
        adapter.Tick(0);
        Assert.Equal(HostRequestKind.Connect, adapter.NextHostRequest()!.Kind);
        adapter.OnMqttConnectFailed(true, "the broker refused the login (NotAuthorized)", 100);

        Assert.Equal("code-2", adapter.Leds.PatternName(1));
        Assert.True(adapter.Faults.IsActive(Ata.Core.Faults.FaultCode.GatewayLoginRefused, 0));
        Assert.Contains("gateway:    login refused, check the device secret", console.Execute("status", 200));
        Assert.Contains("fault gateway.login-refused raised", console.Execute("log", 200));

        // The secret is fixed at the gateway: the next attempt gets in, and the gateway hears the whole story.
        adapter.Tick(adapter.Host.NextConnectAt);
        Assert.Equal(HostRequestKind.Connect, adapter.NextHostRequest()!.Kind);
        adapter.OnMqttConnected(_mqtt, adapter.Host.NextConnectAt + 50);
        Assert.Equal("solid", adapter.Leds.PatternName(1));
        var faults = _mqtt.Published.Where(p => p.Topic == "ata/ata-1/fault").Select(p => p.Payload).ToList();
        Assert.Contains(faults, p => p.Contains("gateway.login-refused") && p.Contains("\"raised\""));
        Assert.Contains(faults, p => p.Contains("gateway.login-refused") && p.Contains("\"cleared\""));
    }
}
