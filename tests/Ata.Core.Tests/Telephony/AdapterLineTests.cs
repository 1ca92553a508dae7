using Ata.Core.Contract;
using Ata.Core.Dtmf;
using Ata.Core.Hardware;
using Ata.Core.Json;
using Ata.Core.Provisioning;
using Ata.Core.Telephony;
using Ata.Core.Tests.Tones;

namespace Ata.Core.Tests.Telephony;

internal sealed class RecordingAudio : IAudioSink
{
    public List<short> Samples { get; } = [];
    public void Play(int line, short[] samples, int offset, int count) => Samples.AddRange(samples.Skip(offset).Take(count));
}

internal sealed class RecordingRinger : IRinger
{
    public List<string> Changes { get; } = [];
    public void Set(int line, bool on) => Changes.Add($"{line} {(on ? "on" : "off")}");
}

/// <summary>The telephone line through the adapter: hook, keys, tones, LEDs, ringing, service reports.</summary>
public class AdapterLineTests
{
    private const string Config = "{\"version\":3,\"lines\":[{\"username\":\"2001\",\"password\":\"pw\",\"registrar\":\"127.0.0.1:5070\"}]}";

    private readonly FakeSocket _socket = new();
    private readonly FakeMqtt _mqtt = new();
    private readonly RecordingEvents _events = new();
    private readonly RecordingAudio _audio = new();
    private readonly RecordingRinger _ringer = new();
    private readonly Adapter _adapter;

    public AdapterLineTests()
    {
        _adapter = new Adapter("ata-1", new FakeDevice(), _socket, new FakeResolver(), new ILed[4], _events, new Random(5), 0)
        {
            Audio = _audio,
            Ringer = _ringer,
        };
        _adapter.OnMqttConnected(_mqtt, 0);
        _adapter.UseMediaSockets(1, new FakeSocket(), new FakeSocket());
    }

    private void Register(long now)
    {
        _adapter.OnMqttMessage("ata/ata-1/config", Config, now);
        byte[] ok = Registrar.Bytes(Registrar.Respond(_socket.Last, 200, "OK"));
        _adapter.OnDatagram(ok, ok.Length, now + 5);
        Assert.Equal("registered", _adapter.Sip.StateOf(1));
    }

    private void Lift(long now)
    {
        _adapter.OnHook(1, true, now);
        _adapter.Tick(now + 20);
    }

    private void Keys(string keys, long now)
    {
        foreach (char key in keys)
        {
            var samples = new short[1280];
            DtmfKeypad.Synthesize(key, 5000, samples, 0, 640, 0);
            _adapter.OnAudio(1, samples, 0, samples.Length, now);
            now += 160;
        }
    }

    [Fact]
    public void Lifting_a_registered_line_plays_425_Hz_dial_tone_and_blinks_TEL_slowly()
    {
        Register(100);
        Lift(1000);
        Assert.Contains("tone 1 dial started", _events.Log);
        Assert.Equal("slow-blink", _adapter.Leds.PatternName(2));
        for (long t = 1040; t <= 2000; t += 20)
        {
            _adapter.Tick(t);
        }

        short[] heard = [.. _audio.Samples];
        Assert.InRange(heard.Length, 7600, 8400);
        Assert.InRange(Signal.ZeroCrossingHz(heard, 0, heard.Length), 424, 426);
        Assert.Equal(LineState.OffHook, JsonObject.GetString((System.Collections.Hashtable)JsonObject.GetArray(JsonReader.ParseObject(_adapter.HealthJson(2000)), Fields.Lines)![0]!, Fields.LineState));
    }

    [Fact]
    public void Lifting_a_line_that_is_not_registered_plays_no_service_and_shows_the_fault_code()
    {
        _adapter.OnMqttMessage("ata/ata-1/config", Config, 100);
        _adapter.OnDatagram(Registrar.Bytes(Registrar.Respond(_socket.Last, 401, "Unauthorized", Registrar.Challenge)), Registrar.Bytes(Registrar.Respond(_socket.Last, 401, "Unauthorized", Registrar.Challenge)).Length, 150);
        byte[] forbidden = Registrar.Bytes(Registrar.Respond(_socket.Last, 403, "Forbidden"));
        _adapter.OnDatagram(forbidden, forbidden.Length, 200);
        Lift(1000);
        Assert.Contains("tone 1 no-service started", _events.Log);
        Assert.DoesNotContain("tone 1 dial started", _events.Log);
        Assert.Equal("code-2", _adapter.Leds.PatternName(2));
    }

    [Fact]
    public void Keys_are_heard_from_the_handset_audio_and_a_number_is_handed_off()
    {
        Register(100);
        Lift(1000);
        Keys("22334455", 2000);
        Assert.Contains("tone 1 dial stopped", _events.Log);
        Assert.Contains("digit 1 2 dtmf", _events.Log);
        Assert.Contains("dialled 1 call 22334455 ", _events.Log);
        Assert.Equal(LineState.Calling, _adapter.Port(1).Line.State);
        Assert.StartsWith("INVITE sip:22334455@127.0.0.1:5070 SIP/2.0", _socket.Last);
    }

    [Fact]
    public void Handset_audio_is_analysed_for_keys_only_while_the_handset_is_off_hook()
    {
        Register(100);
        Keys("5", 500);
        Assert.Equal(0, _adapter.Port(1).DtmfSamplesAnalysed);
        Assert.DoesNotContain(_events.Log, l => l.StartsWith("digit 1", StringComparison.Ordinal));

        Lift(1000);
        Keys("5", 2000);
        Assert.Equal(1280, _adapter.Port(1).DtmfSamplesAnalysed);
        Assert.Contains("digit 1 5 dtmf", _events.Log);

        _adapter.OnHook(1, false, 3000);
        _adapter.Tick(3500);
        Assert.Equal(LineState.Idle, _adapter.Port(1).Line.State);
        Keys("7", 4000);
        Assert.Equal(1280, _adapter.Port(1).DtmfSamplesAnalysed);
        Assert.DoesNotContain("digit 1 7 dtmf", _events.Log);
    }

    [Fact]
    public void Rotary_digits_are_decoded_from_the_hook()
    {
        Register(100);
        Lift(1000);
        long t = 2000;
        for (int k = 0; k < 5; k++)
        {
            _adapter.OnHook(1, false, t);
            _adapter.Tick(t + 20);
            _adapter.OnHook(1, true, t + 60);
            _adapter.Tick(t + 80);
            t += 100;
        }

        _adapter.Tick(t + 200);
        Assert.Contains("digit 1 5 pulse", _events.Log);
        Assert.Equal("5", _adapter.Port(1).Line.Digits);
    }

    [Fact]
    public void Cancelling_call_forwarding_is_reported_to_the_gateway()
    {
        Register(100);
        Lift(1000);
        Keys("#21#", 2000);
        Assert.Contains("tone 1 confirmation started", _events.Log);
        var report = JsonReader.ParseObject(_mqtt.Published.Single(p => p.Topic == "ata/ata-1/service").Payload);
        Assert.Equal("#21#", report[Fields.ServiceCode]);
        Assert.Equal("cancel-call-forwarding", report[Fields.Action]);
        Assert.Equal(1L, report[Fields.Line]);
    }

    [Fact]
    public void Ringing_blinks_TEL_fast_and_drives_the_ringer_with_the_national_cadence()
    {
        Register(100);
        _adapter.Ring(1, 1000);
        Assert.Equal("fast-blink", _adapter.Leds.PatternName(2));
        for (long t = 1020; t <= 6100; t += 20)
        {
            _adapter.Tick(t);
        }

        Assert.Equal(["1 on", "1 off", "1 on"], _ringer.Changes);
        Lift(6200);
        Assert.Equal(LineState.Answered, _adapter.Port(1).Line.State);
        Assert.Equal("1 off", _ringer.Changes[^1]);
        Assert.Equal("slow-blink", _adapter.Leds.PatternName(2));
    }

    [Fact]
    public void A_bad_dial_plan_is_refused_in_the_acknowledgement_and_the_line_keeps_its_plan()
    {
        _adapter.OnMqttMessage("ata/ata-1/config",
            "{\"version\":3,\"lines\":[{\"username\":\"2001\",\"password\":\"pw\",\"registrar\":\"127.0.0.1:5070\",\"dialPlan\":\"(1xx|[2-9]xxxxxxx)\",\"country\":\"SE\"}]}", 100);
        _adapter.OnMqttMessage("ata/ata-1/config",
            "{\"version\":4,\"lines\":[{\"username\":\"2001\",\"password\":\"pw\",\"registrar\":\"127.0.0.1:5070\",\"dialPlan\":\"1xx|[2-9\"}]}", 200);
        var ack = JsonReader.ParseObject(_mqtt.Published.Last(p => p.Topic == "ata/ata-1/config/ack").Payload);
        Assert.Equal(false, ack[Fields.Applied]);
        Assert.Equal("lines[0].dialPlan: '[' at position 5 is not closed", ack[Fields.Reason]);
        Assert.Equal("(1xx|[2-9]xxxxxxx)", _adapter.Port(1).Line.Profile.DialPlanText);
        Assert.Equal(Country.Sweden, _adapter.Port(1).Line.Profile.Country);

        _adapter.OnMqttMessage("ata/ata-1/config",
            "{\"version\":5,\"lines\":[{\"username\":\"2001\",\"password\":\"pw\",\"registrar\":\"127.0.0.1:5070\",\"tones\":{\"dial\":\"425 0:100\"}}]}", 300);
        ack = JsonReader.ParseObject(_mqtt.Published.Last(p => p.Topic == "ata/ata-1/config/ack").Payload);
        Assert.Equal(false, ack[Fields.Applied]);
        Assert.StartsWith("lines[0].tones.dial: ", (string)ack[Fields.Reason]!);
        Assert.Equal("(1xx|[2-9]xxxxxxx)", _adapter.Port(1).Line.Profile.DialPlanText);
    }

    [Fact]
    public void A_provisioned_flash_window_reaches_the_hook()
    {
        _adapter.OnMqttMessage("ata/ata-1/config",
            "{\"version\":3,\"lines\":[{\"username\":\"2001\",\"password\":\"pw\",\"registrar\":\"127.0.0.1:5070\",\"flashMs\":700,\"country\":\"US\"}]}", 100);
        Assert.Equal(700, _adapter.Port(1).FlashMaxMs);
        Assert.Equal(1000, _adapter.Port(2).FlashMaxMs * 0 + Country.DefaultFlashMaxMs(Country.UnitedStates));

        var doc = ProvisioningDocument.Parse(_adapter.Config.ToJson(), out string error);
        Assert.True(doc is not null, error);
        Assert.Equal(700, doc!.Line(1)!.Profile.FlashMs);
        Assert.Equal(Country.UnitedStates, doc.Line(1)!.Profile.Country);
    }

    [Fact]
    public void Provisioned_inter_digit_timers_reach_the_line_and_a_bad_one_is_refused_keeping_the_previous()
    {
        _adapter.OnMqttMessage("ata/ata-1/config",
            "{\"version\":3,\"lines\":[{\"username\":\"2001\",\"password\":\"pw\",\"registrar\":\"127.0.0.1:5070\",\"shortTimerMs\":1500,\"longTimerMs\":5000}]}", 100);
        Assert.Equal(1500, _adapter.Port(1).Line.Profile.DigitMap.ShortTimerMs);
        Assert.Equal(5000, _adapter.Port(1).Line.Profile.DigitMap.LongTimerMs);
        var doc = ProvisioningDocument.Parse(_adapter.Config.ToJson(), out string error);
        Assert.True(doc is not null, error);
        Assert.Equal(1500, doc!.Line(1)!.Profile.ShortTimerMs);
        Assert.Equal(5000, doc.Line(1)!.Profile.LongTimerMs);

        _adapter.OnMqttMessage("ata/ata-1/config",
            "{\"version\":4,\"lines\":[{\"username\":\"2001\",\"password\":\"pw\",\"registrar\":\"127.0.0.1:5070\",\"shortTimerMs\":100}]}", 200);
        var ack = JsonReader.ParseObject(_mqtt.Published.Last(p => p.Topic == "ata/ata-1/config/ack").Payload);
        Assert.Equal(false, ack[Fields.Applied]);
        Assert.Equal("lines[0].shortTimerMs: must be from 500 to 10000 ms", ack[Fields.Reason]);
        Assert.Equal(1500, _adapter.Port(1).Line.Profile.DigitMap.ShortTimerMs);
    }
}
