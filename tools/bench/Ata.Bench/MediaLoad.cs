using System.Diagnostics;
using Ata.Core.Dtmf;
using Ata.Core.Hardware;
using Ata.Core.Media;
using Ata.Core.Tones;
using Ata.Native;

namespace Ata.Bench;

/// <summary>
/// The media path's cost and delay. Three measurements, each against a baseline in the same run:
/// the C kernels (firmware/Ata.Native, gcc, P/Invoke) against the managed reference per second of audio;
/// the host CPU and allocations per call-second of the core's whole media path (G.711, jitter buffer,
/// DTMF listening, RTCP) on either kernels; and the jitter buffer's added delay at 0 and ±40 ms of
/// jitter against a fixed 60 ms buffer.
/// </summary>
public static class MediaLoad
{
    private const int SampleRate = 8000;
    /// <summary>Seconds of audio each measurement runs.</summary>
    internal const int Seconds = 20;

    /// <summary>Runs the three measurements and prints them.</summary>
    public static void Run()
    {
        Console.WriteLine($"Media kernels, {Seconds} s of audio per run (best of 5), host microseconds per line-second:");
        Console.WriteLine($"  {"kernel",-46} {"managed (baseline)",18} {"C",10} {"C speed-up",11}");
        IMediaKernels managed = new ManagedMediaKernels();
        IMediaKernels native = new NativeKernelLibrary();
        short[] audio = Audio();
        foreach (var (name, work) in Kernels(audio))
        {
            double m = Timing.Best(() => work(managed));
            double c = Timing.Best(() => work(native));
            Console.WriteLine($"  {name,-46} {PerLineSecond(m),18:F1} {PerLineSecond(c),10:F1} {m / c,10:F1}x");
        }

        Console.WriteLine("  (on the board the managed column is nanoFramework's interpreter, many times slower than .NET here; the C runs natively)");
        Console.WriteLine();

        Console.WriteLine($"Core media path per call-second of one line (MediaSession: G.711 both ways, jitter buffer, in-band DTMF listening, echo canceller, RTCP), {Seconds} s call:");
        Console.WriteLine($"  {"kernels",-46} {"host us per call-second",24} {"bytes allocated per packet",27}");
        foreach (var (name, kernels) in new[] { ("managed reference (baseline)", managed), ("C kernels via P/Invoke", native) })
        {
            // Both ends of the call run here: two lines' work.
            var (seconds, bytesPerPacket) = CallPath(kernels);
            Console.WriteLine($"  {name,-46} {seconds / Seconds / 2 * 1e6,24:F1} {bytesPerPacket,27:F2}");
        }

        Console.WriteLine();
        Console.WriteLine("Jitter buffer added delay (arrival to play-out), 60 s of 20 ms packets, network delay 40 ms ± jitter:");
        Console.WriteLine($"  {"buffer",-40} {"jitter",8} {"mean delay",11} {"worst",7} {"late",7} {"concealed",10}");
        foreach (int jitter in new[] { 0, 40 })
        {
            Print("adaptive, 20-200 ms (ours)", jitter, Adaptive(jitter));
            Print("fixed 20 ms (baseline)", jitter, Fixed(jitter, 20));
            Print("fixed 60 ms (baseline)", jitter, Fixed(jitter, 60));
        }
    }

    private static void Print(string name, int jitter, Delay d) =>
        Console.WriteLine($"  {name,-40} {"±" + jitter + " ms",8} {d.MeanMs,8:F1} ms {d.WorstMs,4} ms {d.LatePercent,6:F2}% {d.ConcealedMs,7} ms");

    private static (string Name, Action<IMediaKernels> Work)[] Kernels(short[] audio)
    {
        var coded = new byte[audio.Length];
        var decoded = new short[audio.Length];
        int[] coefficients = DtmfDetector.FilterCoefficients();
        int[] s1 = new int[24], s2 = new int[24];
        long[] power = new long[24];
        short[] table = SineTable.Build();
        var tone = new ToneLoop([440], 7200);
        short[] frame = new short[160];
        int[] phases = new int[2], steps = [SineTable.StepFor(770), SineTable.StepFor(1336)], amplitudes = [7000, 7000];
        return
        [
            ("G.711 A-law encode + decode (both directions)", k =>
            {
                for (int at = 0; at < audio.Length; at += 160)
                {
                    k.EncodeALaw(audio, at, coded, at, 160);
                    k.DecodeALaw(coded, at, decoded, at, 160);
                }
            }),
            ("G.711 µ-law encode + decode (both directions)", k =>
            {
                for (int at = 0; at < audio.Length; at += 160)
                {
                    k.EncodeMuLaw(audio, at, coded, at, 160);
                    k.DecodeMuLaw(coded, at, decoded, at, 160);
                }
            }),
            ("DTMF Goertzel bank, 24 filters, 10 ms blocks", k =>
            {
                for (int at = 0; at < audio.Length; at += 80)
                {
                    k.GoertzelFeed(audio, at, 80, coefficients, s1, s2);
                    k.GoertzelPower(coefficients, s1, s2, power);
                }
            }),
            ("tone added into a frame (call waiting)", k =>
            {
                for (int at = 0; at < audio.Length; at += 160)
                {
                    Array.Copy(audio, at, decoded, at, 160);
                    k.MixScaled(tone.Pcm, at % tone.Period > tone.Period - 160 ? 0 : at % tone.Period, decoded, at, 160, 16384);
                }
            }),
            ("far end's DTMF, two oscillators", k =>
            {
                for (int at = 0; at < audio.Length; at += 160)
                {
                    Array.Clear(frame);
                    k.Oscillate(table, phases, steps, amplitudes, 2, frame, 0, 160);
                }
            }),
            ("loss concealment (pitch search + repeat, 10 ms)", k =>
            {
                for (int at = 400; at + 80 <= audio.Length; at += 80)
                {
                    int lag = k.PitchLag(audio, at, 160, 40, 120);
                    k.Repeat(audio, at - lag, lag, 0, decoded, at, 80, 32768, 26214);
                }
            }),
        ];
    }

    private static double PerLineSecond(double seconds) => seconds / Seconds * 1e6;

    /// <summary>Speech-like audio with keys in it: vowels from pulses through two resonances, and a key every 2 s.</summary>
    internal static short[] Audio()
    {
        var audio = new short[SampleRate * Seconds];
        var random = new Random(3);
        double y1 = 0, y2 = 0;
        for (int n = 0; n < audio.Length; n++)
        {
            double y = (n % 61 == 0 ? 6000 : 0) + (1.7 * y1) - (0.85 * y2) + random.Next(-200, 200);
            y2 = y1;
            y1 = y;
            audio[n] = (short)Math.Clamp(y, short.MinValue, short.MaxValue);
        }

        for (int second = 1; second < Seconds; second += 2)
        {
            DtmfKeypad.Synthesize(DtmfKeypad.Keys[second % 16], 5000, audio, second * SampleRate, 800, 0);
        }

        return audio;
    }

    /// <summary>Two sessions joined directly (no network delay), pumped for <see cref="Seconds"/>; the time and the bytes allocated per packet in steady state.</summary>
    /// <summary>Seconds of host CPU for <see cref="Seconds"/> s of a call (both ends), and bytes allocated per packet; the echo cancellers on or off.</summary>
    internal static (double Seconds, double BytesPerPacket) CallPath(IMediaKernels kernels, bool cancelEcho = true)
    {
        short[] audio = Audio();
        var (a, b) = Joined(kernels);
        a.EchoCanceller.Enabled = cancelEcho;
        b.EchoCanceller.Enabled = cancelEcho;
        var earA = new short[160];
        var earB = new short[160];
        long now = 0;
        void Second()
        {
            for (int f = 0; f < 50; f++, now += 20)
            {
                int at = (int)(now / 20 % (audio.Length / 160)) * 160;
                a.Transmit(audio, at, now);
                b.Transmit(audio, (audio.Length - 160) - at, now);
                a.Play(earA, 0, now);
                b.Play(earB, 0, now);
                a.Tick(now);
                b.Tick(now);
            }
        }

        for (int s = 0; s < 3; s++)
        {
            Second();
        }

        long packets = a.Quality.PacketsSent + b.Quality.PacketsSent;
        var clock = new Stopwatch();
        long before = GC.GetAllocatedBytesForCurrentThread();
        clock.Start();
        for (int s = 0; s < Seconds; s++)
        {
            Second();
        }

        double seconds = clock.Elapsed.TotalSeconds;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        packets = a.Quality.PacketsSent + b.Quality.PacketsSent - packets;
        return (seconds, (double)allocated / packets);
    }

    /// <summary>The media quality of one side of a call pumped for a few seconds (for the records the quality benchmark builds).</summary>
    internal static MediaQuality QualityOfOneCall(IMediaKernels kernels)
    {
        var (a, b) = Joined(kernels);
        var silence = new short[160];
        for (long now = 0; now < 5000; now += 20)
        {
            a.Transmit(silence, 0, now);
            b.Transmit(silence, 0, now);
            a.Play(silence, 0, now);
            b.Play(silence, 0, now);
        }

        a.Stop(5000);
        b.Stop(5000);
        return a.Quality;
    }

    /// <summary>Two sessions joined directly by a <see cref="Wire"/>: each one's RTP and RTCP go straight to the other.</summary>
    private static (MediaSession A, MediaSession B) Joined(IMediaKernels kernels)
    {
        var wire = new Wire();
        short[] table = SineTable.Build();
        MediaSession a = new(Parameters(40002), wire.To(1), wire.To(3), kernels, table, new Random(1), "a@bench", 0);
        MediaSession b = new(Parameters(40000), wire.To(0), wire.To(2), kernels, table, new Random(2), "b@bench", 0);
        wire.Sessions = [a, b, a, b];
        return (a, b);
    }

    private static MediaParameters Parameters(int port) => new()
    {
        PayloadType = 8,
        ALaw = true,
        EventPayloadType = 101,
        RemoteAddress = "127.0.0.1",
        RemotePort = port,
    };

    /// <summary>Delivers each datagram at once to the session on the other end (sockets 0/1 RTP, 2/3 RTCP).</summary>
    private sealed class Wire
    {
        public MediaSession[] Sessions { get; set; } = [];
        public IDatagramSocket To(int index) => new Socket(this, index);

        private sealed class Socket(Wire wire, int index) : IDatagramSocket
        {
            public string LocalAddress => "127.0.0.1";
            public int LocalPort => 40000 + ((index ^ 1) % 2 * 2) + (index / 2);
            public long Now { get; set; }

            public void Send(byte[] data, int length, string address, int port)
            {
                MediaSession to = wire.Sessions[index];
                int from = index % 2 == 0 ? 40002 : 40000;
                if (index < 2)
                {
                    to.OnRtp(data, length, "127.0.0.1", from, 0);
                }
                else
                {
                    to.OnRtcp(data, length, "127.0.0.1", from + 1, 0);
                }
            }
        }
    }

    private readonly record struct Delay(double MeanMs, int WorstMs, double LatePercent, long ConcealedMs);

    /// <summary>The jitter buffer fed 60 s of packets, 40 ms ± <paramref name="jitter"/> ms late, played every 20 ms.</summary>
    private static Delay Adaptive(int jitter)
    {
        var random = new Random(9);
        var buffer = new JitterBuffer(new ManagedMediaKernels(), aLaw: true);
        const int packets = 3000;
        var arrivals = Enumerable.Range(0, packets).Select(n => (At: (n * 20L) + 40 + (jitter == 0 ? 0 : random.Next(-jitter, jitter + 1)), N: n))
            .OrderBy(p => p.At).ToArray();
        var payload = new byte[160];
        var frame = new short[160];
        double total = 0;
        int worst = 0, counted = 0, next = 0;
        long concealed = 0;
        for (long now = 0; now < (packets * 20) + 400; now++)
        {
            if (next == arrivals.Length && concealed == 0)
            {
                // The stream's end: what is concealed after it is the tail, not loss.
                concealed = buffer.ConcealedMs + 1;
            }

            while (next < arrivals.Length && arrivals[next].At <= now)
            {
                long late = buffer.Late;
                buffer.Put(payload, 0, 160, (uint)(arrivals[next].N * 160), now);
                if (buffer.Late == late && arrivals[next].N >= 150)
                {
                    total += buffer.LastDelayMs;
                    worst = Math.Max(worst, buffer.LastDelayMs);
                    counted++;
                }

                next++;
            }

            if (now % 20 == 7)
            {
                buffer.Play(frame, 0, now);
            }
        }

        return new Delay(total / counted, worst, buffer.Late * 100.0 / packets, concealed - 1);
    }

    /// <summary>A fixed buffer: packet n plays <paramref name="delayMs"/> after the first packet's arrival plus 20 ms per packet.</summary>
    private static Delay Fixed(int jitter, int delayMs)
    {
        var random = new Random(9);
        const int packets = 3000;
        long[] arrival = Enumerable.Range(0, packets).Select(n => (n * 20L) + 40 + (jitter == 0 ? 0 : random.Next(-jitter, jitter + 1))).ToArray();
        long start = arrival[0] + delayMs;
        double total = 0;
        int worst = 0, late = 0, counted = 0;
        for (int n = 0; n < packets; n++)
        {
            long play = start + (n * 20L);
            if (arrival[n] > play)
            {
                late++;
                continue;
            }

            int wait = (int)(play - arrival[n]);
            total += wait;
            worst = Math.Max(worst, wait);
            counted++;
        }

        return new Delay(total / counted, worst, late * 100.0 / packets, late * 20L);
    }
}
