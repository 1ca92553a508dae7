using Ata.Core.Hardware;
using Ata.Core.Host;
using Ata.Core.Provisioning;
using Ata.Core.Telephony;
using static Ata.Core.Tests.Calls.CallPeer;

namespace Ata.Core.Tests.Calls;

/// <summary>An emergency number goes out even when the line is not registered, to the secondary when the primary fails, and nothing interrupts it.</summary>
public class EmergencyCallTests
{
    private const string Config = "{\"version\":3,\"lines\":[{\"username\":\"2001\",\"password\":\"pw\",\"registrar\":\"192.0.2.1:5070\"," +
        "\"secondaryRegistrar\":\"192.0.2.2:5070\",\"registrarProbeSeconds\":0}]}";

    private readonly FakeSocket _socket = new();
    private readonly FakeMqtt _mqtt = new();
    private readonly RecordingEvents _events = new();
    private readonly Adapter _adapter;
    private readonly CallHarness _call;

    public EmergencyCallTests()
    {
        _adapter = new Adapter("ata-1", new FakeDevice(), _socket, new FakeResolver(), new ILed[4], _events, new Random(3),
            new GatewayAccess("gw", 1883, "ata-1", "secret-123") { PowerOnSpreadMs = 0 }, null, 0);
        _call = new CallHarness(_adapter);
        _adapter.UseMediaSockets(1, new FakeSocket(40000), new FakeSocket(40001));
        _adapter.Tick(0);
        _adapter.NextHostRequest();
        _adapter.OnMqttConnected(_mqtt, 0);
        _adapter.OnMqttMessage("ata/ata-1/config", Config, 0);
        Assert.Equal(HostRequestKind.StoreConfig, _adapter.NextHostRequest()!.Kind);
        _adapter.OnStored(HostRequestKind.StoreConfig, true, 0);

        // The registrar refuses the line: it is not registered.
        _call.Deliver(Registrar.Respond(_socket.Last, 403, "Forbidden"));
        Assert.Equal("failed", _adapter.Sip.StateOf(1));
    }

    private (string Text, string Address, int Port) DialEmergency()
    {
        _adapter.OnHook(1, true, _call.Now);
        _call.Advance(40);
        Assert.Equal(LineState.NoService, _adapter.Port(1).Line.State);
        foreach (char key in "112")
        {
            _adapter.Port(1).Line.Digit(key, PhoneLine.Dtmf, _call.Now);
        }

        return _socket.Sent.Last(s => s.Text.StartsWith("INVITE "));
    }

    [Fact]
    public void An_unregistered_line_sends_112_at_once_with_emergency_priority()
    {
        var invite = DialEmergency();
        Assert.StartsWith("INVITE sip:112@192.0.2.1:5070 SIP/2.0", invite.Text);
        Assert.Equal("emergency", Registrar.Header(invite.Text, "Priority"));
        Assert.Equal(("192.0.2.1", 5070), (invite.Address, invite.Port));
        Assert.True(_adapter.EmergencyInProgress);
    }

    [Fact]
    public void When_the_primary_fails_the_call_goes_to_the_secondary()
    {
        var first = DialEmergency();
        _call.Deliver(Answer(first.Text, 503, "Service Unavailable"));
        var second = _socket.Sent.Last(s => s.Text.StartsWith("INVITE "));
        Assert.Equal(("192.0.2.2", 5070), (second.Address, second.Port));
        Assert.Equal(LineState.Calling, _adapter.Port(1).Line.State);
    }

    [Fact]
    public void When_the_primary_does_not_answer_at_all_the_call_goes_to_the_secondary()
    {
        DialEmergency();
        _call.Advance(32_100);
        var second = _socket.Sent.Last(s => s.Text.StartsWith("INVITE "));
        Assert.Equal(("192.0.2.2", 5070), (second.Address, second.Port));
    }

    [Fact]
    public void A_forced_reboot_and_a_new_configuration_wait_until_the_emergency_call_ends()
    {
        var invite = DialEmergency();
        _call.Deliver(Answer(invite.Text, 200, "OK", sdp: FarSdp));
        Assert.Equal(LineState.Connected, _adapter.Port(1).Line.State);
        _adapter.OnMqttMessage("ata/ata-1/cmd", "{\"id\":\"c1\",\"command\":\"reboot\",\"force\":true}", _call.Now);
        _adapter.OnMqttMessage("ata/ata-1/config", Config.Replace("\"version\":3", "\"version\":4"), _call.Now);
        _mqtt.AcknowledgeAll(_adapter, _call.Now);
        _call.Advance(10_000);
        Assert.Null(_adapter.NextHostRequest());
        Assert.Equal(3, _adapter.Config!.Version);

        _adapter.OnHook(1, false, _call.Now);
        _call.Advance(2_000);
        Assert.Equal(4, _adapter.Config!.Version);
        Assert.Equal(HostRequestKind.StoreConfig, _adapter.NextHostRequest()!.Kind);
        _adapter.OnStored(HostRequestKind.StoreConfig, true, _call.Now);
        _mqtt.AcknowledgeAll(_adapter, _call.Now);
        _call.Advance(100);
        var requests = new List<string>();
        while (_adapter.NextHostRequest() is { } r)
        {
            requests.Add(r.Kind);
        }

        Assert.Contains(HostRequestKind.Disconnect, requests);
    }
}
