using Ata.Core.Media;
using Ata.Native;
using Ata.Tests.Audio;

namespace Ata.Core.Tests.Media;

public class JitterBufferTests
{
    private static readonly IMediaKernels Kernels = new ManagedMediaKernels();

    private static short[] Speech(int ms = 4000) => TestSignals.Vowels(21, ms);

    [Fact]
    public void Steady_packets_play_out_unchanged_after_the_smallest_delay()
    {
        var run = new NetworkRun(Kernels, Speech());
        short[] output = run.Run();

        short[] expected = run.Companded();
        int start = NetworkRun.Find(output, expected);
        Assert.True(start >= 0, "the companded signal is not in the output");
        Assert.Equal(expected.AsSpan(0, expected.Length), output.AsSpan(start, expected.Length));
        Assert.Equal(JitterBuffer.MinDelayMs, run.Buffer.TargetDelayMs);
        Assert.InRange(run.Buffer.DelayMs, 10, 30);
        Assert.Equal(0, run.ConcealedMs);
        Assert.Equal(0, run.Buffer.Late);
    }

    [Fact]
    public void Reordered_and_duplicated_packets_play_in_order_once()
    {
        var run = new NetworkRun(Kernels, Speech())
        {
            // Every 10th packet overtaken by the next one; every 7th sent twice.
            Delay = n => n % 10 == 0 ? 25 : 0,
            Duplicate = n => n % 7 == 3,
        };
        short[] output = run.Run();

        short[] expected = run.Companded();
        int start = NetworkRun.Find(output, expected);
        Assert.True(start >= 0);
        int tail = 1000;
        Assert.Equal(expected.AsSpan(tail, expected.Length - tail).ToArray(), output.AsSpan(start + tail, expected.Length - tail).ToArray());
        Assert.True(run.Buffer.Duplicates >= 25, $"duplicates {run.Buffer.Duplicates}");
        Assert.Equal(0, run.Buffer.Late);
        Assert.Equal(0, run.ConcealedMs);
    }

    [Fact]
    public void A_lost_packet_is_concealed_from_the_last_pitch_period_not_left_silent()
    {
        short[] tone = new short[8000];
        for (int i = 0; i < tone.Length; i++)
        {
            tone[i] = (short)(8000 * Math.Sin(2 * Math.PI * 200 * i / 8000));
        }

        var run = new NetworkRun(Kernels, tone) { Delay = n => n == 20 ? -1 : 0 };
        short[] output = run.Run();

        int start = NetworkRun.Find(output, run.Companded());
        int gap = start + (20 * 160);
        Assert.Equal(20, run.ConcealedMs);
        Assert.Equal(0, ToneMeasurement.LongestGapMs(output, start + 800, 5000));
        Assert.InRange(ToneMeasurement.FrequencyHz(output, gap, 160), 195, 205);
        Assert.InRange(ToneMeasurement.LevelDbfs(output, gap, 80), ToneMeasurement.LevelDbfs(output, gap - 160, 160) - 1, 0);
    }

    [Fact]
    public void A_long_loss_fades_to_silence_after_60_ms_and_the_audio_fades_back_in()
    {
        short[] signal = Speech();
        var run = new NetworkRun(Kernels, signal) { Delay = n => n is >= 50 and < 60 ? -1 : 0 };
        short[] output = run.Run();

        int start = NetworkRun.Find(output, run.Companded());
        int gap = start + (50 * 160);
        Assert.Equal(60, run.ConcealedMs);
        Assert.True(output.AsSpan(gap + 480, 1600 - 480).ToArray().All(s => s == 0), "silence after 60 ms of concealment");
        Assert.Contains(output.AsSpan(gap, 80).ToArray(), s => s != 0);

        // Back after the gap: the first 5 ms fade in from silence, then the audio itself.
        short[] expected = run.Companded();
        int back = gap + 1600;
        Assert.Equal(expected.AsSpan((60 * 160) + 40, 1000).ToArray(), output.AsSpan(back + 40, 1000).ToArray());
    }

    [Fact]
    public void A_packet_that_comes_after_its_time_is_late_and_dropped()
    {
        var run = new NetworkRun(Kernels, Speech()) { Delay = n => n == 30 ? 300 : 0 };
        run.Run();

        Assert.Equal(1, run.Buffer.Late);
        Assert.Equal(20, run.ConcealedMs);
    }

    [Fact]
    public void Timestamps_wrapping_past_2_to_the_32_play_through()
    {
        var run = new NetworkRun(Kernels, Speech(), firstTimestamp: uint.MaxValue - (50 * 160) + 1);
        short[] output = run.Run();

        short[] expected = run.Companded();
        int start = NetworkRun.Find(output, expected);
        Assert.Equal(expected.AsSpan(0, expected.Length), output.AsSpan(start, expected.Length));
        Assert.Equal(0, run.Buffer.Resyncs);
    }

    [Fact]
    public void A_timestamp_jump_re_anchors_and_the_new_talkspurt_plays()
    {
        short[] signal = Speech();
        var run = new NetworkRun(Kernels, signal)
        {
            TimestampOf = n => n < 100 ? 1000u + (uint)(n * 160) : 9_000_000u + (uint)(n * 160),
        };
        short[] output = run.Run();

        Assert.Equal(1, run.Buffer.Resyncs);
        short[] expected = run.Companded();
        Assert.True(NetworkRun.Find(output, expected[((100 * 160) + 80)..]) > 0, "the audio after the jump is played");
    }

    [Fact]
    public void Payloads_that_are_not_whole_10_ms_blocks_are_refused()
    {
        var buffer = new JitterBuffer(Kernels, aLaw: true);
        buffer.Put(new byte[100], 0, 100, 0, 0);
        buffer.Put(new byte[0], 0, 0, 0, 0);
        buffer.Put(new byte[4000], 0, 4000, 0, 0);

        Assert.Equal(3, buffer.Malformed);
        Assert.Equal(0, buffer.Received);
    }

    [Fact]
    public void Under_40_ms_of_jitter_the_delay_grows_to_cover_it_and_shrinks_back_when_it_stops()
    {
        var random = new Random(4);
        int[] delays = Enumerable.Range(0, 1000).Select(n => n < 500 ? random.Next(0, 81) : 0).ToArray();
        int targetAtJitter = 0;
        var run = new NetworkRun(Kernels, Speech(20000)) { Delay = n => n < delays.Length ? delays[n] : 0 };
        var lateAt = new List<int>();
        long late = 0;
        run.AfterFrame = (tick, _) =>
        {
            if (tick == 480)
            {
                targetAtJitter = run.Buffer.TargetDelayMs;
            }

            if (run.Buffer.Late != late)
            {
                lateAt.Add(tick);
                late = run.Buffer.Late;
            }
        };
        run.Run();

        Assert.InRange(targetAtJitter, 80, 100);
        Assert.Equal(JitterBuffer.MinDelayMs, run.Buffer.TargetDelayMs);
        Assert.True(run.Buffer.Late <= 5, $"late {run.Buffer.Late} of 1000 at ticks " + string.Join(",", lateAt) + $" target {targetAtJitter}");
        Assert.True(run.Buffer.BlocksInserted > 0 && run.Buffer.BlocksDropped > 0);
    }

    [Fact]
    public void The_delay_never_exceeds_its_bound_whatever_the_jitter()
    {
        var random = new Random(5);
        var run = new NetworkRun(Kernels, Speech(8000)) { Delay = _ => random.Next(0, 400) };
        int most = 0;
        run.AfterFrame = (_, _) => most = Math.Max(most, run.Buffer.TargetDelayMs);
        run.Run();

        Assert.Equal(JitterBuffer.MaxDelayMs, most);
    }

    [Fact]
    public void Play_out_allocates_nothing_in_steady_state()
    {
        var buffer = new JitterBuffer(Kernels, aLaw: false);
        byte[] payload = new byte[160];
        short[] frame = new short[160];
        for (int n = 0; n < 100; n++)
        {
            buffer.Put(payload, 0, 160, (uint)(n * 160), n * 20);
            buffer.Play(frame, 0, (n * 20) + 5);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int n = 100; n < 3100; n++)
        {
            if (n % 13 != 0)
            {
                buffer.Put(payload, 0, 160, (uint)(n * 160), (n * 20) + (n % 5 * 9));
            }

            buffer.Play(frame, 0, (n * 20) + 5);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void The_native_kernels_play_out_a_jittery_lossy_stream_bit_for_bit_like_the_reference()
    {
        short[] signal = TestSignals.Speech;
        var random = new Random(8);
        int[] delays = Enumerable.Range(0, signal.Length / 160).Select(n => random.Next(20) == 0 ? -1 : random.Next(0, 81)).ToArray();
        short[] managed = new NetworkRun(Kernels, signal) { Delay = n => n < delays.Length ? delays[n] : 0 }.Run();
        short[] native = new NetworkRun(new NativeKernelLibrary(), signal) { Delay = n => n < delays.Length ? delays[n] : 0 }.Run();

        Assert.Equal(managed, native);
    }
}
