using Ata.Core.Dtmf;
using Ata.Core.Media;
using Ata.Tests.Audio;

namespace Ata.Core.Tests.Media;

public class MediaSessionTests
{
    private static short[] Tone(double hz, int ms, double amplitude = 10000)
    {
        var samples = new short[ms * 8];
        for (int i = 0; i < samples.Length; i++)
        {
            samples[i] = (short)(amplitude * Math.Sin(2 * Math.PI * hz * i / 8000));
        }

        return samples;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_1_kHz_tone_in_one_handset_arrives_in_the_other_earpiece_and_back(bool aLaw)
    {
        var call = new Loopback(aLaw) { MicrophoneA = Tone(1000, 3000), MicrophoneB = Tone(1000, 3000, 4000) };

        // The same tone both ways is, to an echo canceller, its own echo (EchoCancellerTests cover the canceller).
        call.A.EchoCanceller.Enabled = false;
        call.B.EchoCanceller.Enabled = false;
        call.Run(3000);

        foreach (var (earpiece, level) in new[] { (call.EarpieceB, 10000.0), (call.EarpieceA, 4000.0) })
        {
            double expectedDb = 20 * Math.Log10(level / 32768);
            Assert.InRange(ToneMeasurement.FrequencyHz(earpiece, 8000, 8000), 990, 1010);
            Assert.InRange(ToneMeasurement.LevelDbfs(earpiece, 8000, 8000), expectedDb - 3, expectedDb + 3);
            Assert.Equal(0, ToneMeasurement.LongestGapMs(earpiece, 4000, 16000));
        }
    }

    [Fact]
    public void Packets_are_20_ms_of_g711_with_a_steady_ssrc_rising_sequence_and_timestamp_sent_from_the_receiving_socket()
    {
        var call = new Loopback();
        var headers = new List<(bool Marker, int Type, int Sequence, uint Timestamp, uint Ssrc, int Length)>();
        call.RtpA.Watch = (data, length) =>
        {
            var header = new RtpHeader();
            Assert.True(header.TryRead(data, 0, length));
            headers.Add((header.Marker, header.PayloadType, header.Sequence, header.Timestamp, header.Ssrc, header.PayloadLength));
        };
        call.Run(1000);

        Assert.Equal(50, headers.Count);
        Assert.True(headers[0].Marker);
        Assert.All(headers.Skip(1), h => Assert.False(h.Marker));
        Assert.All(headers, h => Assert.Equal(8, h.Type));
        Assert.All(headers, h => Assert.Equal(160, h.Length));
        Assert.All(headers, h => Assert.Equal(call.A.Ssrc, h.Ssrc));
        for (int i = 1; i < headers.Count; i++)
        {
            Assert.Equal((headers[i - 1].Sequence + 1) & 0xFFFF, headers[i].Sequence);
            Assert.Equal(headers[i - 1].Timestamp + 160, headers[i].Timestamp);
        }

        Assert.Equal(Loopback.AddressB, call.RtpA.LastAddress);
        Assert.Equal(Loopback.PortB, call.RtpA.LastPort);
    }

    [Fact]
    public void Rtp_from_an_unexpected_source_or_with_a_wrong_payload_type_is_dropped_and_counted()
    {
        var call = new Loopback();
        call.Run(200);
        long received = call.B.Quality.PacketsReceived;

        var packet = new byte[172];
        RtpHeader.Write(packet, 0, false, 8, 1, 1, 99);
        Loopback.Inject(call.B, packet, "198.51.100.7", Loopback.PortA, call.Now);
        Loopback.Inject(call.B, packet, Loopback.AddressA, Loopback.PortA + 2, call.Now);
        RtpHeader.Write(packet, 0, false, 0, 1, 1, 99);
        Loopback.Inject(call.B, packet, Loopback.AddressA, Loopback.PortA, call.Now);
        RtpHeader.Write(packet, 0, false, 13, 1, 1, 99);
        Loopback.Inject(call.B, packet, Loopback.AddressA, Loopback.PortA, call.Now);
        Loopback.Inject(call.B, [0x80, 8, 0], Loopback.AddressA, Loopback.PortA, call.Now);

        Assert.Equal(2, call.B.Quality.WrongSource);
        Assert.Equal(2, call.B.Quality.WrongPayloadType);
        Assert.Equal(1, call.B.Quality.Malformed);
        Assert.Equal(received, call.B.Quality.PacketsReceived);
    }

    [Fact]
    public void With_latching_the_far_end_is_learned_from_its_first_packet()
    {
        var call = new Loopback();
        MediaParameters natted = Loopback.Parameters(true, 101, "10.0.0.5", 5004);
        natted.LatchRemote = true;
        call.B.Update(natted);
        call.Run(200);

        Assert.Equal(Loopback.AddressA, call.B.Parameters.RemoteAddress);
        Assert.Equal(Loopback.PortA, call.B.Parameters.RemotePort);
        Assert.Equal(0, call.B.Quality.WrongSource);
        Assert.Equal(Loopback.AddressA, call.RtpB.LastAddress);
    }

    [Fact]
    public void A_key_pressed_on_the_handset_goes_as_rfc_4733_events_and_sounds_in_the_far_earpiece()
    {
        var microphone = new short[8000];
        DtmfKeypad.Synthesize('5', 6000, microphone, 1600, 1600, 0);
        var call = new Loopback { MicrophoneA = microphone };
        var events = new List<(bool Marker, uint Timestamp, bool End, int Duration)>();
        int audioDuringKey = 0;
        call.RtpA.Watch = (data, length) =>
        {
            var header = new RtpHeader();
            header.TryRead(data, 0, length);
            if (header.PayloadType == 101)
            {
                int at = header.PayloadOffset;
                events.Add((header.Marker, header.Timestamp, (data[at + 1] & 0x80) != 0, (data[at + 2] << 8) | data[at + 3]));
                Assert.Equal(5, data[at]);
            }
            else if (events.Count > 0 && !events[^1].End)
            {
                audioDuringKey++;
            }
        };
        call.Run(1000);

        Assert.True(events.Count >= 6, $"{events.Count} event packets");
        Assert.True(events[0].Marker);
        Assert.All(events, e => Assert.Equal(events[0].Timestamp, e.Timestamp));
        Assert.Equal(3, events.Count(e => e.End));
        Assert.True(events.TakeLast(3).All(e => e.End));
        Assert.InRange(events[^1].Duration, 160 * 8, 1600 + 320);
        Assert.Equal(0, audioDuringKey);
        Assert.Equal(1, call.A.Quality.EventsSent);

        Assert.True(call.B.TryTakeFarEndKey(out char key));
        Assert.Equal('5', key);
        Assert.Equal(1, call.B.Quality.EventsReceived);
        var detector = new DtmfDetector();
        detector.Feed(call.EarpieceB, 0, call.EarpieceB.Length);
        Assert.True(detector.TryTake(out char heard));
        Assert.Equal('5', heard);
        Assert.False(detector.TryTake(out _));
    }

    [Fact]
    public void The_far_ends_event_mutes_the_audio_for_its_duration_then_the_audio_returns()
    {
        var call = new Loopback { MicrophoneA = Tone(400, 3000, 3000) };
        call.Run(500);
        call.A.PressKey('#');
        call.Run(200);
        call.A.ReleaseKey();
        call.Run(1000);

        short[] ear = call.EarpieceB;
        int toneFrom = Enumerable.Range(0, ear.Length / 160).First(f => ToneMeasurement.Share(ear, f * 160, 160, 941) > 0.3) * 160;
        Assert.InRange(ToneMeasurement.Share(ear, toneFrom + 160, 800, 1477), 0.3, 0.6);
        Assert.True(ToneMeasurement.Share(ear, toneFrom + 160, 800, 400) < 0.05, "the audio is muted under the event");
        int toneTo = Enumerable.Range(toneFrom / 160, 100).First(f => ToneMeasurement.Share(ear, f * 160, 160, 941) < 0.1) * 160;
        Assert.InRange((toneTo - toneFrom) / 8, 180, 260);
        Assert.True(ToneMeasurement.Share(ear, toneTo + 320, 800, 400) > 0.9, "the audio is back");
    }

    [Fact]
    public void Rtcp_reports_carry_loss_jitter_and_the_round_trip_both_ways()
    {
        // 60 ms each way, every 20th datagram lost.
        var call = new Loopback { MicrophoneA = Tone(1000, 30000), Delay = n => n % 20 == 7 ? -1 : 60 };
        call.Run(30000);

        Assert.InRange(call.B.Quality.LossPercent, 3, 7);
        Assert.InRange(call.A.Quality.FarEndLossPercent, 2, 8);
        Assert.InRange(call.A.Quality.FarEndPacketsLost, 50, 100);
        Assert.InRange(call.A.Quality.RoundTripMs, 118, 122);
        Assert.InRange(call.B.Quality.RoundTripMs, 118, 122);
        Assert.InRange(call.RtcpA.Count, 30000 / 6200, 30000 / 2000);
        Assert.InRange(call.A.Quality.Mos, 3.0, 4.3);
    }

    [Fact]
    public void A_call_put_on_hold_sends_nothing_and_plays_silence()
    {
        var call = new Loopback { MicrophoneA = Tone(1000, 5000), MicrophoneB = Tone(500, 5000) };
        call.Run(1000);
        int sentByB = call.RtpB.Count;
        MediaParameters hold = Loopback.Parameters(true, 101, Loopback.AddressA, Loopback.PortA);
        hold.Direction = MediaDirection.ReceiveOnly;
        call.B.Update(hold);
        MediaParameters held = Loopback.Parameters(true, 101, Loopback.AddressB, Loopback.PortB);
        held.Direction = MediaDirection.SendOnly;
        call.A.Update(held);
        call.Run(1000);

        Assert.Equal(sentByB, call.RtpB.Count);
        Assert.True(call.EarpieceA.AsSpan(1200 * 8, 700 * 8).ToArray().All(s => s == 0));
        Assert.InRange(ToneMeasurement.FrequencyHz(call.EarpieceB, 1200 * 8, 700 * 8), 990, 1010);

        MediaParameters oldStyle = Loopback.Parameters(true, 101, "0.0.0.0", Loopback.PortB);
        call.A.Update(oldStyle);
        int sentByA = call.RtpA.Count;
        call.Run(500);
        Assert.Equal(sentByA, call.RtpA.Count);
    }

    [Fact]
    public void A_steady_call_allocates_nothing_per_packet()
    {
        var call = new Loopback { MicrophoneA = Tone(1000, 20000), MicrophoneB = Tone(700, 20000), Delay = n => n % 17 == 0 ? -1 : 30 + (n % 5 * 9) };
        call.Run(2000);
        call.B.PressKey('1');
        call.Run(100);
        call.B.ReleaseKey();
        call.Run(2000);

        long before = GC.GetAllocatedBytesForCurrentThread();
        call.Run(12000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(call.RtcpA.Count > 3);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Stopping_sends_a_last_report_with_bye()
    {
        var call = new Loopback();
        call.Run(200);
        call.A.Stop(call.Now);
        call.Run(100);

        Assert.Equal(203, call.RtcpA.Last[call.RtcpA.LastLength - 7]);
    }
}
