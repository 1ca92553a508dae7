using Ata.Core.Media;

namespace Ata.Core.Tests.Media;

/// <summary>
/// A call's incoming audio in virtual time: the far end sends 20 ms A-law packets of a signal, a network
/// delays (jitters), loses, duplicates or reorders them, and this side's audio clock takes a frame every
/// 20 ms (at a phase of its own) from a jitter buffer.
/// </summary>
internal sealed class NetworkRun
{
    public const int Frame = 160;

    public NetworkRun(IMediaKernels kernels, short[] signal, uint firstTimestamp = 1000)
    {
        Kernels = kernels;
        Signal = signal;
        FirstTimestamp = firstTimestamp;
        Buffer = new JitterBuffer(kernels, aLaw: true);
    }

    public IMediaKernels Kernels { get; }
    public short[] Signal { get; }
    public uint FirstTimestamp { get; }
    public JitterBuffer Buffer { get; }

    /// <summary>Network delay in ms of packet n (beyond a base of 30 ms); a negative value loses it.</summary>
    public Func<int, int> Delay { get; set; } = _ => 0;

    /// <summary>Packets sent twice.</summary>
    public Func<int, bool> Duplicate { get; set; } = _ => false;

    /// <summary>The timestamp of packet n (default: contiguous from <see cref="FirstTimestamp"/>).</summary>
    public Func<int, uint>? TimestampOf { get; set; }

    /// <summary>Milliseconds between this side's audio clock ticks and the far end's packet times.</summary>
    public int PlayPhaseMs { get; set; } = 7;

    /// <summary>Called after each frame is played, with the frame index and the time.</summary>
    public Action<int, long>? AfterFrame { get; set; }

    /// <summary>Milliseconds concealed while the signal played (before the stream's end, where concealment is expected).</summary>
    public long ConcealedMs { get; private set; }

    /// <summary>
    /// Runs the whole signal, followed by a second of silence packets, and half a second more; returns the
    /// earpiece audio, one frame per tick.
    /// </summary>
    public short[] Run()
    {
        int signalPackets = Signal.Length / Frame;
        int packets = signalPackets + 50;
        var arrivals = new List<(long At, int Packet)>();
        for (int n = 0; n < packets; n++)
        {
            int delay = Delay(n);
            if (delay < 0)
            {
                continue;
            }

            arrivals.Add(((n * 20) + 30 + delay, n));
            if (Duplicate(n))
            {
                arrivals.Add(((n * 20) + 31 + delay, n));
            }
        }

        arrivals.Sort((a, b) => a.At != b.At ? a.At.CompareTo(b.At) : a.Packet.CompareTo(b.Packet));
        var coded = new byte[packets * Frame];
        Kernels.EncodeALaw(Signal, 0, coded, 0, signalPackets * Frame);
        Array.Fill(coded, Ata.Core.Tones.G711.ALawSilence, signalPackets * Frame, 50 * Frame);
        int ticks = packets + 25;
        var output = new short[ticks * Frame];
        int next = 0;
        for (int tick = 0; tick < ticks; tick++)
        {
            long now = (tick * 20) + PlayPhaseMs;
            while (next < arrivals.Count && arrivals[next].At <= now)
            {
                int n = arrivals[next].Packet;
                uint timestamp = TimestampOf?.Invoke(n) ?? FirstTimestamp + (uint)(n * Frame);
                Buffer.Put(coded, n * Frame, Frame, timestamp, arrivals[next].At);
                next++;
            }

            Buffer.Play(output, tick * Frame, now);
            AfterFrame?.Invoke(tick, now);
            if (tick == signalPackets + 25)
            {
                ConcealedMs = Buffer.ConcealedMs;
            }
        }

        return output;
    }

    /// <summary>The signal as it sounds after A-law companding.</summary>
    public short[] Companded()
    {
        var coded = new byte[Signal.Length];
        var back = new short[Signal.Length];
        Kernels.EncodeALaw(Signal, 0, coded, 0, Signal.Length);
        Kernels.DecodeALaw(coded, 0, back, 0, Signal.Length);
        return back;
    }

    /// <summary>Where <paramref name="expected"/> starts inside <paramref name="output"/> (searching whole blocks), or -1.</summary>
    public static int Find(short[] output, short[] expected, int length = 800)
    {
        for (int at = 0; at + length <= output.Length; at += 8)
        {
            if (output.AsSpan(at, length).SequenceEqual(expected.AsSpan(0, length)))
            {
                return at;
            }
        }

        return -1;
    }
}
