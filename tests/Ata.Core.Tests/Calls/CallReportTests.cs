using System.Collections;
using Ata.Core.Calls;
using Ata.Core.Contract;
using Ata.Core.Json;
using Ata.Core.Media;
using Ata.Core.Hardware;
using Ata.Core.Provisioning;
using Ata.Core.Telephony;
using static Ata.Core.Tests.Calls.CallPeer;

namespace Ata.Core.Tests.Calls;

/// <summary>Each finished call leaves a record on <c>ata/{id}/call</c>: built at the end, masked, queued while offline, sent until acknowledged.</summary>
public class CallReportTests
{
    private const string Config = "{\"version\":3,\"lines\":[{\"username\":\"2001\",\"password\":\"pw\",\"registrar\":\"127.0.0.1:5070\"," +
        "\"dialPlan\":\"(2xxx|[3-9]xxxxxxx)\",\"noAnswerSeconds\":30,\"registrarProbeSeconds\":0}]}";

    private const string CallTopic = "ata/ata-1/call";

    private readonly FakeSocket _socket = new();
    private readonly FakeSocket _rtp = new(40000);
    private readonly Adapter _adapter;
    private readonly CallHarness _call;

    public CallReportTests()
    {
        _adapter = new Adapter("ata-1", new FakeDevice(), _socket, new FakeResolver(), new ILed[4], new RecordingEvents(), new Random(7), 0);
        _call = new CallHarness(_adapter);
        _adapter.UseMediaSockets(1, _rtp, new FakeSocket(40001));
        _adapter.Apply(ProvisioningDocument.Parse(Config, out _)!, 0);
        _call.Deliver(Registrar.Respond(_socket.Last, 200, "OK"));
    }

    private string Dial(string number)
    {
        _adapter.OnHook(1, true, _call.Now);
        _call.Advance(40);
        foreach (char key in number)
        {
            _adapter.Port(1).Line.Digit(key, PhoneLine.Dtmf, _call.Now);
        }

        _call.Advance(20);
        return _socket.Sent.Select(s => s.Text).Last(t => t.StartsWith("INVITE ", StringComparison.Ordinal));
    }

    /// <summary>The far end talks for <paramref name="packets"/> 20 ms packets, every <paramref name="lostEvery"/>th one lost on the way.</summary>
    private void FarEndTalks(int packets, int lostEvery)
    {
        var packet = new byte[RtpHeader.Size + 160];
        for (int i = 0; i < packets; i++)
        {
            if (i % lostEvery != lostEvery - 1)
            {
                RtpHeader.Write(packet, 0, i == 0, 8, 1000 + i, (uint)(160 * i), 0x1234);
                _adapter.OnRtp(1, packet, packet.Length, "198.51.100.7", 30000, _call.Now);
            }

            _call.Advance(20);
        }
    }

    private void HangUp()
    {
        _adapter.OnHook(1, false, _call.Now);
        _call.Advance(_adapter.Port(1).FlashMaxMs + 40);
    }

    private static List<(Hashtable Record, int Qos, bool Retain)> Records(FakeMqtt mqtt) =>
        mqtt.Published.Where(p => p.Topic == CallTopic).Select(p => (JsonReader.ParseObject(p.Payload), p.Qos, p.Retain)).ToList();

    [Fact]
    public void A_call_finished_while_offline_is_queued_then_sent_with_its_quality_masked_number_and_age_and_not_again_once_acknowledged()
    {
        string invite = Dial("2002");
        _call.Deliver(Answer(invite, 200, "OK", sdp: FarSdp));
        long answeredAt = _call.Now;
        FarEndTalks(200, lostEvery: 10);
        HangUp();
        long endedAt = _call.Now - 40;
        Assert.Equal(1, _adapter.Gateway.Queued);

        var mqtt = new FakeMqtt();
        _call.Advance(10_000);
        _adapter.OnMqttConnected(mqtt, _call.Now);
        var (record, qos, retain) = Assert.Single(Records(mqtt));
        Assert.Equal((MqttTopics.ReliableQos, false), (qos, retain));
        Assert.DoesNotContain("2002", mqtt.Published.Single(p => p.Topic == CallTopic).Payload);
        Assert.Equal(("*002", CallRecord.Outgoing, 1L, false), ((string)record[Fields.FarEnd]!, (string)record[Fields.Direction]!, (long)record[Fields.Line]!, (bool)record[Fields.Emergency]!));
        Assert.Equal((CallOutcome.Completed, 200L, CallEnder.Household, "PCMA"),
            ((string)record[Fields.Outcome]!, (long)record[Fields.SipCode]!, (string)record[Fields.EndedBy]!, (string)record[Fields.Codec]!));
        Assert.Equal(_adapter.Gateway.Boot, record[Fields.Boot]);
        Assert.Equal(1L, record[Fields.Sequence]);
        long age = (long)record[Fields.AgeMs]!;
        Assert.InRange(age, 10_000, 10_000 + _adapter.Port(1).FlashMaxMs + 40);
        long duration = (long)record[Fields.DurationMs]!;
        Assert.InRange(duration, endedAt - answeredAt - _adapter.Port(1).FlashMaxMs, endedAt - answeredAt + _adapter.Port(1).FlashMaxMs);
        Assert.True((long)record[Fields.TotalMs]! >= duration + (long)record[Fields.AnsweredAfterMs]!);

        // 200 packets, one in ten lost: 180 arrive, of which the first on probation does not count (RFC 3550 A.1).
        Assert.Equal(179L, record[Fields.PacketsReceived]);
        Assert.Equal(20L, record[Fields.PacketsLost] is long lost ? lost + 1 : -1);
        Assert.InRange(Number(record[Fields.LossPercent]), 9.5, 10.6);
        Assert.True((long)record[Fields.PacketsSent]! > 150);
        Assert.Equal(0L, record[Fields.LatePackets]);
        double mos = Number(record[Fields.Mos]);
        Assert.Equal(MediaQuality.MosFor(Number(record[Fields.LossPercent]), 20 + (int)(long)record[Fields.JitterBufferMs]!), mos, 2);
        Assert.InRange(mos, 1.0, 3.6);

        mqtt.AcknowledgeAll(_adapter, _call.Now);
        Assert.True(_adapter.Gateway.IsFlushed);
        _adapter.OnMqttDisconnected(_call.Now);
        var again = new FakeMqtt();
        _adapter.OnMqttConnected(again, _call.Now + 1000);
        Assert.Empty(Records(again));
    }

    [Fact]
    public void A_record_in_flight_when_the_session_dropped_is_sent_again_with_the_same_boot_and_number()
    {
        var mqtt = new FakeMqtt();
        _adapter.OnMqttConnected(mqtt, _call.Now);
        mqtt.AcknowledgeAll(_adapter, _call.Now);
        string invite = Dial("2002");
        _call.Deliver(Answer(invite, 486, "Busy Here"));
        var first = Assert.Single(Records(mqtt)).Record;

        _adapter.OnMqttDisconnected(_call.Now);
        var next = new FakeMqtt();
        _adapter.OnMqttConnected(next, _call.Now + 5000);
        var again = Assert.Single(Records(next)).Record;
        Assert.Equal((first[Fields.Boot], first[Fields.Sequence]), (again[Fields.Boot], again[Fields.Sequence]));
        Assert.Equal((long)first[Fields.AgeMs]! + 5000, (long)again[Fields.AgeMs]!);
    }

    [Theory]
    [InlineData(404, "Not Found", CallOutcome.NotReachable)]
    [InlineData(402, "Payment Required", CallOutcome.NetworkFailure)]
    [InlineData(403, "Barred by operator", CallOutcome.Refused)]
    [InlineData(503, "Service Unavailable", CallOutcome.NetworkFailure)]
    [InlineData(603, "Decline", CallOutcome.Busy)]
    public void A_call_refused_by_the_network_records_its_status_and_reason_phrase_and_no_quality(int code, string reason, string outcome)
    {
        var mqtt = new FakeMqtt();
        _adapter.OnMqttConnected(mqtt, _call.Now);
        string invite = Dial("40012345");
        _call.Deliver(Answer(invite, 180, "Ringing"));
        _call.Advance(1000);
        _call.Deliver(Answer(invite, code, reason));

        var record = Assert.Single(Records(mqtt)).Record;
        Assert.Equal(((long)code, reason, outcome, CallEnder.Network), ((long)record[Fields.SipCode]!, (string)record[Fields.Reason]!, (string)record[Fields.Outcome]!, (string)record[Fields.EndedBy]!));
        Assert.Equal("*****345", record[Fields.FarEnd]);
        Assert.Equal(0L, record[Fields.DurationMs]);
        Assert.False(record.ContainsKey(Fields.AnsweredAfterMs));
        Assert.False(record.ContainsKey(Fields.Mos));
    }

    [Fact]
    public void The_caller_hanging_up_an_incoming_call_is_recorded_as_the_far_end_ending_it()
    {
        var mqtt = new FakeMqtt();
        _adapter.OnMqttConnected(mqtt, _call.Now);
        _call.Deliver(Invite("2001", "in-1@far", "z9hG4bKin1"));
        _adapter.OnHook(1, true, _call.Now);
        _call.Advance(200);
        string ok = _socket.Sent.Select(s => s.Text).Last(t => t.StartsWith("SIP/2.0 200", StringComparison.Ordinal));
        _call.Deliver(InDialog("BYE", "2001", "in-1@far", Tag(ok, "To")!, 2, "z9hG4bKbye1"));

        var record = Assert.Single(Records(mqtt)).Record;
        Assert.Equal((CallRecord.Incoming, CallOutcome.Completed, CallEnder.FarEnd), ((string)record[Fields.Direction]!, (string)record[Fields.Outcome]!, (string)record[Fields.EndedBy]!));
        Assert.True(record.ContainsKey(Fields.Mos));
    }

    private static double Number(object? value) => value switch
    {
        long l => l,
        double d => d,
        _ => double.NaN,
    };
}
