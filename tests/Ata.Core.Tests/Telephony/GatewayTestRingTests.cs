using Ata.Core.Contract;
using Ata.Core.Gateway;
using Ata.Core.Hardware;
using Ata.Core.Json;
using Ata.Core.Telephony;

namespace Ata.Core.Tests.Telephony;

/// <summary>
/// The gateway's test ring and "health now" commands, as they arrive on <c>cmd</c>: the phone rings
/// with the national cadence for <see cref="GatewayCommand.TestRingMs"/> and stops by itself, never on
/// a line in use; the answer on <c>cmd/result</c> says what was done.
/// </summary>
public class GatewayTestRingTests
{
    private readonly FakeSocket _socket = new();
    private readonly FakeMqtt _mqtt = new();
    private readonly RecordingRinger _ringer = new();
    private readonly Adapter _adapter;

    public GatewayTestRingTests()
    {
        _adapter = new Adapter("ata-1", new FakeDevice(), _socket, new FakeResolver(), new ILed[4], new RecordingEvents(), new Random(5), 0)
        {
            Audio = new RecordingAudio(),
            Ringer = _ringer,
        };
        _adapter.OnMqttConnected(_mqtt, 0);
        _adapter.OnMqttMessage("ata/ata-1/config", "{\"version\":3,\"lines\":[{\"username\":\"2001\",\"password\":\"pw\",\"registrar\":\"127.0.0.1:5070\"}]}", 10);
    }

    [Fact]
    public void A_test_ring_rings_with_the_cadence_for_ten_seconds_then_stops_by_itself()
    {
        var result = Command("{\"id\":\"c1\",\"command\":\"ring\",\"line\":1}", 1000);
        Assert.Equal(true, result[Fields.Ok]);
        Assert.Equal("ringing line 1 for 10 s", result[Fields.Detail]);
        Assert.Equal(LineState.Ringing, _adapter.Port(1).Line.State);

        for (long t = 1020; t < 1000 + GatewayCommand.TestRingMs; t += 20)
        {
            _adapter.Tick(t);
        }

        Assert.Equal(LineState.Ringing, _adapter.Port(1).Line.State);
        Assert.Contains("1 on", _ringer.Changes);
        _adapter.Tick(1000 + GatewayCommand.TestRingMs);
        Assert.Equal(LineState.Idle, _adapter.Port(1).Line.State);
        Assert.Equal("1 off", _ringer.Changes[^1]);
    }

    [Fact]
    public void A_test_ring_is_refused_on_a_line_in_use_or_one_that_does_not_exist()
    {
        _adapter.OnHook(1, true, 500);
        _adapter.Tick(520);

        var busy = Command("{\"id\":\"c2\",\"command\":\"ring\"}", 1000);
        Assert.Equal(((object)false, (object)"line 1 is in use"), (busy[Fields.Ok], busy[Fields.Detail]));
        Assert.NotEqual(LineState.Ringing, _adapter.Port(1).Line.State);
        Assert.DoesNotContain("1 on", _ringer.Changes);

        var none = Command("{\"id\":\"c3\",\"command\":\"ring\",\"line\":9}", 1100);
        Assert.Equal(((object)false, (object)"no line 9"), (none[Fields.Ok], none[Fields.Detail]));
    }

    [Fact]
    public void Lifting_the_handset_ends_a_test_ring_and_a_later_call_rings_on_as_long_as_it_rings()
    {
        Command("{\"id\":\"c4\",\"command\":\"ring\"}", 1000);
        _adapter.OnHook(1, true, 2000);
        _adapter.Tick(2020);
        Assert.Equal(LineState.Answered, _adapter.Port(1).Line.State);
        _adapter.OnHook(1, false, 3000);
        for (long t = 3020; t <= 6000; t += 20)
        {
            _adapter.Tick(t);
        }

        Assert.Equal(LineState.Idle, _adapter.Port(1).Line.State);

        // A real call's ringing is not cut off at the test ring's end.
        _adapter.Ring(1, 6000);
        _adapter.Tick(1000 + GatewayCommand.TestRingMs + 20);
        Assert.Equal(LineState.Ringing, _adapter.Port(1).Line.State);
    }

    [Fact]
    public void Health_now_sends_a_health_report_at_once()
    {
        _adapter.Tick(5000);
        var before = _mqtt.Published.Count(p => p.Topic == "ata/ata-1/health");

        var result = Command("{\"id\":\"c5\",\"command\":\"health\"}", 6000);
        _adapter.Tick(6001);

        Assert.Equal(((object)true, (object)"health report follows"), (result[Fields.Ok], result[Fields.Detail]));
        Assert.Equal(before + 1, _mqtt.Published.Count(p => p.Topic == "ata/ata-1/health"));
    }

    private System.Collections.Hashtable Command(string payload, long now)
    {
        _adapter.OnMqttMessage("ata/ata-1/cmd", payload, now);
        _adapter.Tick(now);
        return JsonReader.ParseObject(_mqtt.Published.Last(p => p.Topic == "ata/ata-1/cmd/result").Payload);
    }
}
