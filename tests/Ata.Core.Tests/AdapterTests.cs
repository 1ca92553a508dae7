using Ata.Core.Contract;
using Ata.Core.Faults;
using Ata.Core.Health;
using Ata.Core.Hardware;
using Ata.Core.Json;
using Ata.Core.Provisioning;

namespace Ata.Core.Tests;

public class AdapterTests
{
    private readonly FakeSocket _socket = new();
    private readonly FakeMqtt _mqtt = new();
    private readonly RecordingEvents _events = new();
    private readonly Adapter _adapter;

    public AdapterTests()
    {
        _adapter = new Adapter("ata-1", new FakeDevice(), _socket, new FakeResolver(), new ILed[4], _events, new Random(5), 0);
    }

    private const string Config = "{\"version\":3,\"lines\":[{\"username\":\"2001\",\"password\":\"pw\",\"registrar\":\"127.0.0.1:5070\"}]}";

    private void Deliver(string response, long now) => _adapter.OnDatagram(Registrar.Bytes(response), Registrar.Bytes(response).Length, now);

    private List<string> PayloadsOn(string leaf) =>
        _mqtt.Published.Where(p => p.Topic == MqttTopics.For("ata-1", leaf)).Select(p => p.Payload).ToList();

    /// <summary>Fault raise/clear reports, without the snapshot every session starts with.</summary>
    private List<string> FaultChanges() =>
        PayloadsOn(MqttTopics.Fault).Where(p => !p.Contains("\"state\":\"snapshot\"")).ToList();

    [Fact]
    public void Announces_itself_and_subscribes_on_connect()
    {
        _adapter.OnMqttConnected(_mqtt, 10);
        var status = _mqtt.Published.Single(p => p.Topic == "ata-1".Insert(0, "ata/") + "/status");
        Assert.Equal(("online", 1, true), (status.Payload, status.Qos, status.Retain));
        var hello = JsonReader.ParseObject(PayloadsOn(MqttTopics.Hello).Single());
        Assert.Equal("9.9.9", hello[Fields.Firmware]);
        Assert.Equal("02:00:00:00:00:01", hello[Fields.Mac]);
        Assert.Contains("ata/ata-1/config", _mqtt.Subscriptions);
        Assert.Contains("ata/ata-1/cmd", _mqtt.Subscriptions);
        Assert.Single(PayloadsOn(MqttTopics.Health));
    }

    [Fact]
    public void Applies_config_acknowledges_and_registers_with_TEL1_solid()
    {
        _adapter.OnMqttConnected(_mqtt, 0);
        _adapter.OnMqttMessage("ata/ata-1/config", Config, 100);
        var ack = JsonReader.ParseObject(PayloadsOn(MqttTopics.ConfigAck).Single());
        Assert.Equal(3L, ack[Fields.Version]);
        Assert.Equal(true, ack[Fields.Applied]);

        // PWR blinks fast while the host writes the configuration to flash.
        Assert.Equal("fast-blink", _adapter.Leds.PatternName(0));
        Assert.Equal(Ata.Core.Host.HostRequestKind.StoreConfig, _adapter.NextHostRequest()!.Kind);
        _adapter.OnStored(Ata.Core.Host.HostRequestKind.StoreConfig, true, 120);
        Assert.Equal("solid", _adapter.Leds.PatternName(0));
        Assert.Single(_socket.Sent);

        Deliver(Registrar.Respond(_socket.Last, 401, "Unauthorized", Registrar.Challenge), 150);
        Deliver(Registrar.Respond(_socket.Last, 200, "OK", $"Contact: <{Registrar.ContactOf(_socket.Last)}>;expires=3600"), 200);
        Assert.Equal("solid", _adapter.Leds.PatternName(2));
        Assert.Equal("off", _adapter.Leds.PatternName(3));
        Assert.Contains("led tel1 solid", _events.Log);
        Assert.Contains("reg 1 registering 401 ", _events.Log);
        Assert.Contains("reg 1 registered 200 ", _events.Log);

        _adapter.Tick(1300);
        var health = JsonReader.ParseObject(PayloadsOn(MqttTopics.Health).Last());
        var line1 = (System.Collections.Hashtable)JsonObject.GetArray(health, Fields.Lines)![0]!;
        Assert.Equal("registered", line1[Fields.Registration]);
        Assert.Equal(200L, line1[Fields.SipCode]);
        Assert.Equal("solid", JsonObject.GetObject(health, Fields.Leds)!["tel1"]);
        Assert.Equal(3L, health[Fields.ConfigVersion]);
        Assert.All(PayloadsOn(MqttTopics.Health), h => Assert.DoesNotContain("\"pw\"", h));

        // The same config again (a retained redelivery after reconnect) does not restart the registration.
        _adapter.OnMqttMessage("ata/ata-1/config", Config, 1400);
        Assert.Equal(2, _socket.Sent.Count(s => s.Text.StartsWith("REGISTER ", StringComparison.Ordinal)));
        Assert.Equal("registered", _adapter.Sip.StateOf(1));
    }

    [Fact]
    public void Wrong_credentials_blink_the_credentials_code_and_raise_one_fault()
    {
        _adapter.OnMqttConnected(_mqtt, 0);
        _adapter.OnMqttMessage("ata/ata-1/config", Config, 100);
        Deliver(Registrar.Respond(_socket.Last, 401, "Unauthorized", Registrar.Challenge), 150);
        Deliver(Registrar.Respond(_socket.Last, 403, "Forbidden"), 200);
        Assert.Equal("code-2", _adapter.Leds.PatternName(2));
        var fault = JsonReader.ParseObject(FaultChanges().Single());
        Assert.Equal(FaultCode.WrongCredentials, fault[Fields.Code]);
        Assert.Equal("raised", fault[Fields.State]);
        Assert.Equal(403L, fault[Fields.SipCode]);
        Assert.Equal(1L, fault[Fields.Line]);
        Assert.Equal(1L, fault[Fields.Sequence]);

        // A corrected config clears the fault and registers.
        _adapter.OnMqttMessage("ata/ata-1/config", Config.Replace("\"pw\"", "\"right\"").Replace("\"version\":3", "\"version\":4"), 300);
        Deliver(Registrar.Respond(_socket.Last, 200, "OK"), 350);
        var cleared = JsonReader.ParseObject(FaultChanges().Last());
        Assert.Equal("cleared", cleared[Fields.State]);
        Assert.Equal(2L, cleared[Fields.Sequence]);
        Assert.Equal("solid", _adapter.Leds.PatternName(2));
    }

    [Fact]
    public void A_changed_account_unregisters_the_old_binding()
    {
        _adapter.Apply(ProvisioningDocument.Parse(Config, out _), 0);
        Deliver(Registrar.Respond(_socket.Last, 200, "OK"), 10);
        string oldCallId = Registrar.Header(_socket.Last, "Call-ID");
        _adapter.Apply(ProvisioningDocument.Parse(Config.Replace("2001", "2009").Replace("\"version\":3", "\"version\":4"), out _), 20);
        var removal = _socket.Sent.Single(s => s.Text.Contains("Expires: 0"));
        Assert.Equal(oldCallId, Registrar.Header(removal.Text, "Call-ID"));
        Assert.Contains("sip:2009@", _socket.Last);
        Assert.True(_adapter.Sip.IsUnregistering);
        Deliver(Registrar.Respond(removal.Text, 200, "OK"), 30);
        Assert.False(_adapter.Sip.IsUnregistering);
        Assert.Equal("registering", _adapter.Sip.StateOf(1));
    }

    [Fact]
    public void A_new_config_version_retries_a_line_that_stopped_trying()
    {
        _adapter.Apply(ProvisioningDocument.Parse(Config, out _), 0);
        Deliver(Registrar.Respond(_socket.Last, 404, "Not Found"), 10);
        Assert.Equal("code-3", _adapter.Leds.PatternName(2));
        _adapter.Tick(1_000_000);
        Assert.Single(_socket.Sent);
        _adapter.Apply(ProvisioningDocument.Parse(Config.Replace("\"version\":3", "\"version\":5"), out _), 1_000_010);
        _adapter.Tick(1_000_300);
        Assert.Equal(2, _socket.Sent.Count);
    }

    [Fact]
    public void Factory_reset_unregisters_every_line()
    {
        _adapter.Apply(ProvisioningDocument.Parse(Config, out _), 0);
        Deliver(Registrar.Respond(_socket.Last, 200, "OK"), 10);
        _adapter.UnregisterAll(20);
        Assert.Equal("0", Registrar.Header(_socket.Last, "Expires"));
        Assert.Null(_adapter.Config);
        Assert.Equal("off", _adapter.Leds.PatternName(2));
        Assert.Equal("slow-blink", _adapter.Leds.PatternName(0));
    }

    [Fact]
    public void Refuses_a_bad_config_and_keeps_the_previous_one()
    {
        _adapter.OnMqttConnected(_mqtt, 0);
        _adapter.OnMqttMessage("ata/ata-1/config", Config, 100);
        _adapter.OnMqttMessage("ata/ata-1/config", "{\"version\":4,\"lines\":[{\"username\":\"u\",\"password\":\"p\",\"registrar\":\"x:0\"}]}", 200);
        var ack = JsonReader.ParseObject(PayloadsOn(MqttTopics.ConfigAck).Last());
        Assert.Equal(4L, ack[Fields.Version]);
        Assert.Equal(false, ack[Fields.Applied]);
        Assert.StartsWith("lines[0].registrar", (string)ack[Fields.Reason]!);
        Assert.Equal(3, _adapter.Config.Version);
        Assert.Contains(_events.Faults, f => f.Code == FaultCode.ConfigRefused && f.Raised);
    }

    [Fact]
    public void Subscribes_before_it_announces_itself_so_a_config_sent_on_hello_is_not_missed()
    {
        var order = new List<string>();
        var session = new OrderRecordingSession(order);
        _adapter.OnMqttConnected(session, 0);
        Assert.Equal(["subscribe ata/ata-1/config", "subscribe ata/ata-1/cmd", "publish ata/ata-1/status", "publish ata/ata-1/hello"], order.Take(4));
    }

    [Fact]
    public void An_empty_config_message_deleting_a_retained_one_is_neither_applied_nor_refused()
    {
        _adapter.OnMqttConnected(_mqtt, 0);
        _adapter.OnMqttMessage("ata/ata-1/config", "", 100);
        Assert.Empty(PayloadsOn(MqttTopics.ConfigAck));
        Assert.DoesNotContain(_events.Faults, f => f.Code == FaultCode.ConfigRefused);
    }

    private sealed class OrderRecordingSession(List<string> order) : IMqttSession
    {
        public int Publish(string topic, string payload, int qos, bool retain)
        {
            order.Add("publish " + topic);
            return qos == 0 ? 0 : order.Count;
        }

        public void Subscribe(string topicFilter, int qos) => order.Add("subscribe " + topicFilter);
    }

    [Fact]
    public void Ignores_other_devices_topics()
    {
        _adapter.OnMqttConnected(_mqtt, 0);
        _adapter.OnMqttMessage("ata/ata-2/config", Config, 100);
        Assert.Null(_adapter.Config);
        Assert.Empty(_socket.Sent);
    }

    [Fact]
    public void WAN_loss_darkens_WAN_and_counts_network_down_on_TEL()
    {
        _adapter.Apply(ProvisioningDocument.Parse(Config, out _), 0);
        _adapter.SetWan(WanState.Down, null!, 10);
        Assert.Equal("off", _adapter.Leds.PatternName(1));
        Assert.Equal("code-1", _adapter.Leds.PatternName(2));
        Assert.Contains(_events.Faults, f => f.Code == FaultCode.NetworkDown && f.Raised && f.Line == 0);

        // An address, but nothing answers yet: WAN blinks slowly until the registrar does.
        _adapter.SetWan(WanState.Online, "192.0.2.10", 20);
        Assert.Equal("slow-blink", _adapter.Leds.PatternName(1));
        Assert.Contains(_events.Faults, f => f.Code == FaultCode.NetworkDown && !f.Raised);
        _adapter.Tick(20 + 250);
        Assert.Equal(2, _socket.Sent.Count);
        Deliver(Registrar.Respond(_socket.Last, 200, "OK"), 300);
        Assert.Equal("solid", _adapter.Leds.PatternName(1));
    }

    [Fact]
    public void Off_hook_blinks_TEL_slowly_while_registered()
    {
        _adapter.Apply(ProvisioningDocument.Parse(Config, out _), 0);
        Deliver(Registrar.Respond(_socket.Last, 200, "OK"), 10);
        _adapter.OnHook(1, true, 20);

        // The hook switch is debounced: the lift counts once it has held.
        _adapter.Tick(20 + Ata.Core.Telephony.HookDecoder.DebounceMs);
        Assert.Equal("slow-blink", _adapter.Leds.PatternName(2));
        Assert.Contains("line 1 off-hook", _events.Log);
        _adapter.OnHook(1, false, 100);

        // Putting the handset down is known once the hook-flash window has passed.
        _adapter.Tick(100 + _adapter.Port(1).FlashMaxMs + 1);
        Assert.Equal("solid", _adapter.Leds.PatternName(2));
    }

    [Fact]
    public void Counts_unparseable_datagrams()
    {
        _adapter.OnDatagram(new byte[] { 1, 2, 3 }, 3, 5);
        Assert.Equal(1, _adapter.Sip.ParseErrors);
    }
}
