using Ata.Core.Media;
using Ata.Native;

namespace Ata.Core.Tests.Media;

/// <summary>
/// The echo canceller's C kernel (firmware/Ata.Native, gcc, P/Invoke) equals the managed reference bit for
/// bit: output, both filters' weights, history and every state slot after each piece, on echo of recorded speech with
/// double talk, on full-scale noise both ways (saturation, weight limits), on every sample value, with the
/// non-linear processor on and off, in uneven pieces as audio arrives.
/// </summary>
public class EchoKernelEquivalenceTests
{
    private static readonly IMediaKernels Managed = new ManagedMediaKernels();
    private static readonly IMediaKernels Native = new NativeKernelLibrary();

    public static TheoryData<string, bool> Cases()
    {
        var data = new TheoryData<string, bool>();
        foreach (string signal in new[] { "speech-double-talk", "loud-noise", "every-value" })
        {
            data.Add(signal, true);
            data.Add(signal, false);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_echo_canceller_gives_the_same_output_weights_and_state_on_either_kernels(string signal, bool nonLinearProcessor)
    {
        var (far, mic) = Signals(signal);
        int taps = EchoCanceller.DefaultTaps;
        var m = new Canceller(taps, nonLinearProcessor);
        var n = new Canceller(taps, nonLinearProcessor);
        short[] managedOut = (short[])mic.Clone();
        short[] nativeOut = (short[])mic.Clone();
        var random = new Random(3);
        for (int at = 0; at < far.Length;)
        {
            int count = Math.Min(random.Next(1, 200), far.Length - at);
            Managed.CancelEcho(far, at, managedOut, at, count, m.History, m.Weights, m.State);
            Native.CancelEcho(far, at, nativeOut, at, count, n.History, n.Weights, n.State);
            Assert.True(managedOut.AsSpan(at, count).SequenceEqual(nativeOut.AsSpan(at, count)), $"{signal}: output differs in {at}..{at + count}");
            Assert.Equal(m.State, n.State);
            Assert.Equal(m.Weights, n.Weights);
            Assert.Equal(m.History, n.History);
            at += count;
        }

        Assert.NotEqual(mic, managedOut);
        Assert.Contains(m.Weights, w => w != 0);
        if (signal != "every-value")
        {
            // The two-path scheme ran: the background's echo path reached the foreground.
            Assert.True(m.State[EchoCanceller.TransferCount] > 0, "no transfer to the foreground");
            Assert.Contains(m.Weights.Skip(taps), w => w != 0);
        }
    }

    private static (short[] Far, short[] Mic) Signals(string name)
    {
        switch (name)
        {
            case "speech-double-talk":
                {
                    short[] far = EchoSignals.FarEnd(8 * 8000);
                    double[] near = EchoSignals.NearEnd(far.Length, EchoSignals.NearSpeech, 3 * 8000, EchoSignals.NoisyLine);
                    return (far, EchoSignals.Microphone(EchoSignals.Echo(far), near));
                }

            case "loud-noise":
                {
                    // Full-scale noise and its echo (7 dB down, just below Geigel's threshold), over more full-scale noise
                    // for the first second (the microphone clipped): saturation, then both filters at work.
                    short[] far = TestSignals.Noise(8, 3000, 40000);
                    short[] other = TestSignals.Noise(9, 3000, 40000);
                    short[] mic = new short[far.Length];
                    for (int i = 0; i < mic.Length; i++)
                    {
                        int echo = i >= 3 ? far[i - 3] * 9 / 20 : 0;
                        mic[i] = (short)Math.Clamp(echo + (i < 8000 ? other[i] : 0), short.MinValue, short.MaxValue);
                    }

                    return (far, mic);
                }

            default:
                {
                    // Every value as the far end, its echo (a quarter, 10 samples late) plus every value again, softly, as the microphone.
                    short[] every = TestSignals.EveryValue();
                    short[] mic = new short[every.Length];
                    for (int i = 0; i < mic.Length; i++)
                    {
                        mic[i] = (short)(((i >= 10 ? every[i - 10] : 0) / 4) + (every[every.Length - 1 - i] / 64));
                    }

                    return (every, mic);
                }
        }
    }

    private sealed class Canceller
    {
        public Canceller(int taps, bool nonLinearProcessor)
        {
            History = new short[4 * taps];
            Weights = new int[2 * taps];
            State = new long[EchoCanceller.StateLength];
            State[EchoCanceller.Step] = EchoCanceller.DefaultStep;
            State[EchoCanceller.NoiseSeed] = 12345;
            State[EchoCanceller.Flags] = EchoCanceller.Adapting | (nonLinearProcessor ? EchoCanceller.Suppressing : 0);
        }

        public short[] History { get; }

        public int[] Weights { get; }

        public long[] State { get; }
    }
}
