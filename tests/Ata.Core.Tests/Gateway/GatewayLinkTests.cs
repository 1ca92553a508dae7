using System.Collections;
using Ata.Core.Contract;
using Ata.Core.Faults;
using Ata.Core.Gateway;
using Ata.Core.Hardware;
using Ata.Core.Health;
using Ata.Core.Json;
using Ata.Core.Provisioning;

namespace Ata.Core.Tests.Gateway;

/// <summary>Nothing the adapter reports is lost while the gateway is unreachable, and the gateway's view of open faults converges.</summary>
public class GatewayLinkTests
{
    private const string Config = "{\"version\":3,\"lines\":[{\"username\":\"2001\",\"password\":\"pw\",\"registrar\":\"127.0.0.1:5070\"}]}";

    private static Adapter NewAdapter(FakeSocket socket, int seed = 5) =>
        new("ata-1", new FakeDevice(), socket, new FakeResolver(), new ILed[4], new RecordingEvents(), new Random(seed), 0);

    private static List<Hashtable> FaultMessages(FakeMqtt mqtt) =>
        mqtt.Published.Where(p => p.Topic == "ata/ata-1/fault").Select(p => JsonReader.ParseObject(p.Payload)).ToList();

    private static string? State(Hashtable message) => message[Fields.State] as string;

    private static void Deliver(Adapter adapter, string response, long now)
    {
        byte[] bytes = Registrar.Bytes(response);
        adapter.OnDatagram(bytes, bytes.Length, now);
    }

    [Fact]
    public void A_fault_raised_and_cleared_while_offline_arrives_as_both_events_with_their_age_then_a_snapshot()
    {
        var adapter = NewAdapter(new FakeSocket());
        adapter.SetWan(WanState.Down, null!, 1_000);
        adapter.SetWan(WanState.Online, "192.0.2.10", 4_000);

        var mqtt = new FakeMqtt();
        adapter.OnMqttConnected(mqtt, 10_000);
        var messages = FaultMessages(mqtt);
        Assert.Equal(["raised", "cleared", "snapshot"], messages.Select(State));
        Assert.All(messages.Take(2), m => Assert.Equal(FaultCode.NetworkDown, m[Fields.Code]));
        Assert.Equal(9_000L, messages[0][Fields.AgeMs]);
        Assert.Equal(6_000L, messages[1][Fields.AgeMs]);
        Assert.Equal([1L, 2L], messages.Take(2).Select(m => (long)m[Fields.Sequence]!));
        Assert.Empty((ArrayList)messages[2][Fields.Active]!);
        Assert.All(messages, m => Assert.Equal(adapter.Gateway.Boot, m[Fields.Boot]));
    }

    [Fact]
    public void Every_session_starts_with_a_snapshot_of_the_open_faults_so_one_cleared_across_a_reboot_is_closed()
    {
        // Before the reboot: the registrar refused the account, and the gateway heard it.
        var socket = new FakeSocket();
        var before = NewAdapter(socket);
        var mqtt = new FakeMqtt();
        before.OnMqttConnected(mqtt, 0);
        before.Apply(ProvisioningDocument.Parse(Config, out _)!, 10);
        Deliver(before, Registrar.Respond(socket.Last, 404, "Not Found"), 20);
        Assert.Contains(FaultMessages(mqtt), m => State(m) == "raised" && (string)m[Fields.Code]! == FaultCode.AccountUnknown);

        // After it: a new boot, no fault open; its first session says so.
        var after = NewAdapter(new FakeSocket(), seed: 6);
        var mqttAfter = new FakeMqtt();
        after.OnMqttConnected(mqttAfter, 5_000);
        var snapshot = Assert.Single(FaultMessages(mqttAfter));
        Assert.Equal("snapshot", State(snapshot));
        Assert.Empty((ArrayList)snapshot[Fields.Active]!);
        Assert.NotEqual(before.Gateway.Boot, after.Gateway.Boot);
        var hello = JsonReader.ParseObject(mqttAfter.Published.Single(p => p.Topic == "ata/ata-1/hello").Payload);
        Assert.Equal(after.Gateway.Boot, hello[Fields.Boot]);
    }

    [Fact]
    public void The_snapshot_lists_each_open_fault_with_its_line_and_age()
    {
        var socket = new FakeSocket();
        var adapter = NewAdapter(socket);
        adapter.Apply(ProvisioningDocument.Parse(Config, out _)!, 0);
        Deliver(adapter, Registrar.Respond(socket.Last, 404, "Not Found"), 100);
        var mqtt = new FakeMqtt();
        adapter.OnMqttConnected(mqtt, 3_100);
        var snapshot = FaultMessages(mqtt).Last();
        var open = (Hashtable)Assert.Single((ArrayList)snapshot[Fields.Active]!)!;
        Assert.Equal((FaultCode.AccountUnknown, 1L, 404L, 3_000L),
            ((string)open[Fields.Code]!, (long)open[Fields.Line]!, (long)open[Fields.SipCode]!, (long)open[Fields.AgeMs]!));
    }

    [Fact]
    public void Reports_the_broker_never_acknowledged_are_sent_again_on_the_next_session()
    {
        var adapter = NewAdapter(new FakeSocket());
        var first = new FakeMqtt();
        adapter.OnMqttConnected(first, 0);
        first.AcknowledgeAll(adapter, 1);
        adapter.SetWan(WanState.Down, null!, 10);
        Assert.Single(FaultMessages(first), m => State(m) == "raised");
        Assert.Equal(1, adapter.Gateway.Queued);

        // The session drops before the PUBACK: the raise is not lost.
        adapter.OnMqttDisconnected(20);
        var second = new FakeMqtt();
        adapter.OnMqttConnected(second, 30);
        Assert.Equal(["raised", "snapshot"], FaultMessages(second).Select(State));
        second.AcknowledgeAll(adapter, 40);
        Assert.True(adapter.Gateway.IsFlushed);
    }

    [Fact]
    public void A_full_outbox_drops_the_oldest_reports_counts_them_and_says_so_in_health_and_the_snapshot()
    {
        var adapter = NewAdapter(new FakeSocket());
        int changes = GatewayLink.OutboxCapacity + 10;
        for (int i = 0; i < changes; i++)
        {
            adapter.SetWan(i % 2 == 0 ? WanState.Down : WanState.Online, "192.0.2.10", i * 10);
        }

        Assert.Equal(GatewayLink.OutboxCapacity, adapter.Gateway.Queued);
        Assert.Equal(10, adapter.Gateway.Dropped);
        var mqtt = new FakeMqtt();
        adapter.OnMqttConnected(mqtt, 10_000);
        mqtt.AcknowledgeAll(adapter, 10_001);
        var sequences = FaultMessages(mqtt).Where(m => State(m) != "snapshot").Select(m => (long)m[Fields.Sequence]!).ToList();
        Assert.Equal(11L, sequences.First());
        Assert.Equal((long)changes, sequences.Last());
        Assert.Equal(10L, FaultMessages(mqtt).Last(m => State(m) == "snapshot")[Fields.ReportsDropped]);
        var health = JsonReader.ParseObject(mqtt.Published.Last(p => p.Topic == "ata/ata-1/health").Payload);
        Assert.Equal(10L, health[Fields.ReportsDropped]);
    }

    [Fact]
    public void No_more_than_the_window_is_in_flight_at_once()
    {
        var adapter = NewAdapter(new FakeSocket());
        for (int i = 0; i < 20; i++)
        {
            adapter.SetWan(i % 2 == 0 ? WanState.Down : WanState.Online, "192.0.2.10", i);
        }

        var mqtt = new FakeMqtt();
        adapter.OnMqttConnected(mqtt, 100);
        Assert.Equal(GatewayLink.InFlightWindow, FaultMessages(mqtt).Count);
        mqtt.AcknowledgeAll(adapter, 200);
        adapter.Tick(300);
        mqtt.AcknowledgeAll(adapter, 300);
        adapter.Tick(400);
        mqtt.AcknowledgeAll(adapter, 400);
        Assert.Equal(21, FaultMessages(mqtt).Count);
        Assert.True(adapter.Gateway.IsFlushed);
    }

    [Fact]
    public void Service_reports_dialled_while_offline_wait_for_the_gateway()
    {
        var adapter = NewAdapter(new FakeSocket());
        adapter.Gateway.Send(MqttTopics.Service, "{\"line\":1}", 0);
        var mqtt = new FakeMqtt();
        adapter.OnMqttConnected(mqtt, 10);
        Assert.Single(mqtt.Published, p => p.Topic == "ata/ata-1/service");
    }
}
