using System.Net;
using Ata.Tests.Audio;
using static Ata.EndToEnd.Tests.Calls.CallLab;

namespace Ata.EndToEnd.Tests.Calls;

/// <summary>
/// Two adapters talk through a media relay that drops 5 % of the RTP packets each way and delays the
/// rest by 40 ± 40 ms (so they also arrive out of order), anchored by A's outbound proxy as an
/// operator's border controller does. Each earpiece stays continuous (no gap over 60 ms: the jitter
/// buffer and loss concealment at work), the tone is still the tone, and the RTCP figures show the loss
/// the relay caused, packet for packet: each side's receiver reports (read by the relay on the way)
/// count exactly the packets the relay dropped up to the highest sequence number they report, and
/// each adapter's own count at the end of the call agrees with the relay's. Through the same relay,
/// RTP from a stranger, or from the far end's port with a payload type never negotiated, is dropped,
/// counted, and not heard.
/// </summary>
public sealed class LossyNetworkCallTests(SharedCallLab shared) : IClassFixture<SharedCallLab>
{
    /// <summary>Packets that can be in the relay at once: 80 ms of its delay at one per 20 ms.</summary>
    private const int InFlight = 4;

    private static readonly TimeSpan Talk = TimeSpan.FromSeconds(7);

    private CallLab Lab => shared.Lab;

    [Fact]
    public async Task Through_5_percent_loss_and_40_ms_jitter_the_audio_has_no_gap_over_60_ms_and_RTCP_reports_the_loss()
    {
        using var relay = new LossyMediaRelay(loss: 0.05, delayMs: 40, jitterMs: 40, seed: 4733);
        await using var call = await CallThroughAsync(relay);
        var (a, b, userA, userB) = (call.A, call.B, call.UserA, call.UserB);
        await Task.Delay(Talk);
        await a.Process.WriteLineAsync("onhook 1");
        var endedA = await CallState(a, "ended");
        var endedB = await CallState(b, "ended");
        await b.Process.WriteLineAsync("onhook 1");

        Assert.True(relay.AToB.Forwarded > 250 && relay.BToA.Forwarded > 250, $"relayed {relay.AToB.Forwarded} and {relay.BToA.Forwarded} packets");
        Assert.InRange(relay.AToB.Dropped, 5, 40);
        Assert.InRange(relay.BToA.Dropped, 5, 40);

        // Each side's RTCP receiver reports, as they crossed the relay: the loss it caused, to the packet.
        AssertReportsMatch(relay.AToB, "B about A's stream");
        AssertReportsMatch(relay.BToA, "A about B's stream");

        // Each adapter's own count (its RTCP figures, in its ended event) and what the far end's last report told it.
        AssertLost(endedA.GetProperty("packetsLost").GetInt64(), relay.BToA.Dropped, "A counted of B's packets");
        AssertLost(endedB.GetProperty("packetsLost").GetInt64(), relay.AToB.Dropped, "B counted of A's packets");
        long toldA = endedA.GetProperty("farEndPacketsLost").GetInt64();
        Assert.True(toldA > 0 && relay.AToB.Reports.Any(r => r.CumulativeLost == toldA), $"A was told {toldA} of its packets were lost");
        Assert.True(endedA.GetProperty("concealedMs").GetInt64() > 0, endedA.ToString());

        // The earpieces, from 1 s after the answer (the jitter buffer has learnt the jitter) to the hang-up.
        var heardByB = Lab.LastCallRecording(userB);
        var heardByA = Lab.LastCallRecording(userA);
        int answeredInA = (int)(call.Connected.GetProperty("t").GetInt64() - FirstEvent(a, "call").GetProperty("t").GetInt64()) * Earpiece.PerMs;
        AssertContinuous(heardByB, 1000 * Earpiece.PerMs, "B's earpiece");
        AssertContinuous(heardByA, answeredInA + (1000 * Earpiece.PerMs), "A's earpiece");
        Earpiece.AssertHeard(heardByB, 1000, "B's earpiece");
        Earpiece.AssertHeard(heardByA, 440, "A's earpiece");
    }

    [Fact]
    public async Task RTP_from_an_unexpected_source_or_with_a_payload_type_not_negotiated_is_dropped_and_counted()
    {
        using var relay = new LossyMediaRelay(loss: 0, delayMs: 0, jitterMs: 0, seed: 1);
        await using var call = await CallThroughAsync(relay);
        var (a, b, userA) = (call.A, call.B, call.UserA);
        await Task.Delay(TimeSpan.FromSeconds(1));

        // Loud noise, as G.711 from a stranger, and as G.729 (payload type 18, never offered) from the far end's own port.
        using var stranger = new System.Net.Sockets.UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var target = new IPEndPoint(IPAddress.Loopback, relay.APort!.Value);
        for (int i = 0; i < 10; i++)
        {
            await stranger.SendAsync(Noise(payloadType: 8, i), target);
            relay.SendToA(Noise(payloadType: 18, i));
            await Task.Delay(20);
        }

        await Task.Delay(TimeSpan.FromSeconds(2));
        await a.Process.WriteLineAsync("onhook 1");
        var ended = await CallState(a, "ended");
        await b.Process.WriteLineAsync("onhook 1");

        Assert.Equal(10, ended.GetProperty("wrongSource").GetInt64());
        Assert.Equal(10, ended.GetProperty("wrongPayloadType").GetInt64());
        // The noise went in 2.2 s before the hang-up: the earpiece's last 2.6 s are B's tone, whole.
        var heard = Lab.LastCallRecording(userA);
        int from = heard.Samples.Length - (2600 * Earpiece.PerMs);
        Earpiece.AssertTone(heard, from, 2300 * Earpiece.PerMs, 440, Earpiece.MicrophoneDbfs, "A's earpiece while strangers sent noise");
        Assert.InRange(ToneMeasurement.LongestGapMs(heard.Samples, from, 2300 * Earpiece.PerMs), 0, 60);
    }

    /// <summary>A (1 kHz into its microphone, its media anchored in <paramref name="relay"/>) calls B (440 Hz), who answers.</summary>
    private async Task<RelayedCall> CallThroughAsync(LossyMediaRelay relay)
    {
        var proxy = new MediaAnchoringProxy(IPEndPoint.Parse(Lab.Registrar.Address), relay);
        string userA = Lab.NewUser(), userB = Lab.NewUser();
        var a = await Lab.StartAdapterAsync(userA, "--outbound-proxy", proxy.Address);
        var b = await Lab.StartAdapterAsync(userB);
        await a.Process.WriteLineAsync("mic tone 1000 1");
        await b.Process.WriteLineAsync("mic tone 440 1");
        await DialAsync(a, userB);
        await CallState(b, "ringing");
        await b.Process.WriteLineAsync("offhook 1");
        return new RelayedCall(proxy, a, b, userA, userB, await CallState(a, "connected"));
    }

    /// <summary>An RTP packet of full-scale noise.</summary>
    private static byte[] Noise(int payloadType, int sequence)
    {
        var packet = new byte[12 + 160];
        Random.Shared.NextBytes(packet);
        packet[0] = 0x80;
        packet[1] = (byte)payloadType;
        packet[2] = 0;
        packet[3] = (byte)sequence;
        return packet;
    }

    private static System.Text.Json.JsonElement FirstEvent(SimAdapter sim, string kind) =>
        sim.Events.First(e => e.GetProperty("event").GetString() == kind);

    private static void AssertReportsMatch(RelayedStream stream, string who)
    {
        Assert.NotEmpty(stream.Reports);
        foreach (var (lost, highest) in stream.Reports)
        {
            // Packets the relay still held when the report was written (overtaken by later ones) count as lost then.
            int dropped = stream.DroppedUpTo(highest);
            Assert.True(lost >= dropped && lost <= dropped + InFlight,
                $"{who}: reported {lost} lost up to sequence {highest}; the relay dropped {dropped} of those");
        }

        Assert.True(stream.Reports[^1].CumulativeLost > 0, $"{who}: the last report shows no loss");
    }

    /// <summary>What the receiver counted at the end: every drop but those after its last packet, and any still held by the relay.</summary>
    private static void AssertLost(long counted, int dropped, string who) =>
        Assert.True(counted >= dropped - 2 && counted <= dropped + InFlight, $"{who}: {counted} lost; the relay dropped {dropped}");

    private static void AssertContinuous(WavFile recording, int from, string who)
    {
        int count = recording.Samples.Length - from - (300 * Earpiece.PerMs);
        Assert.True(count > 4000 * Earpiece.PerMs, $"{who}: only {recording.DurationMs:F0} ms recorded");
        int gap = ToneMeasurement.LongestGapMs(recording.Samples, from, count);
        Assert.True(gap <= 60, $"{who}: a gap of {gap} ms");
    }

    private sealed record RelayedCall(MediaAnchoringProxy Proxy, SimAdapter A, SimAdapter B, string UserA, string UserB, System.Text.Json.JsonElement Connected) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await A.DisposeAsync();
            await B.DisposeAsync();
            Proxy.Dispose();
        }
    }
}
