using System.Runtime.InteropServices;
using Ata.Core.Media;

namespace Ata.Native;

/// <summary>
/// The C media kernels (<c>firmware/Ata.Native</c>) built for this machine as <c>libatamedia.so</c> and
/// called through P/Invoke, behind the core's kernel seam: what the tests compare with the managed
/// reference bit for bit, and what the benchmark times against it. The board calls the same C through
/// nanoFramework interop instead (<c>Ata.Device.Board.NativeMediaKernels</c>).
/// </summary>
public sealed class NativeKernelLibrary : IMediaKernels
{
    /// <summary>The library's file name without prefix and extension, as P/Invoke looks it up.</summary>
    public const string Library = "atamedia";

    /// <inheritdoc />
    public void EncodeALaw(short[] pcm, int pcmOffset, byte[] coded, int codedOffset, int count)
    {
        Check(pcm.Length, pcmOffset, count);
        Check(coded.Length, codedOffset, count);
        if (count > 0)
        {
            ata_alaw_encode(ref pcm[pcmOffset], ref coded[codedOffset], count);
        }
    }

    /// <inheritdoc />
    public void DecodeALaw(byte[] coded, int codedOffset, short[] pcm, int pcmOffset, int count)
    {
        Check(coded.Length, codedOffset, count);
        Check(pcm.Length, pcmOffset, count);
        if (count > 0)
        {
            ata_alaw_decode(ref coded[codedOffset], ref pcm[pcmOffset], count);
        }
    }

    /// <inheritdoc />
    public void EncodeMuLaw(short[] pcm, int pcmOffset, byte[] coded, int codedOffset, int count)
    {
        Check(pcm.Length, pcmOffset, count);
        Check(coded.Length, codedOffset, count);
        if (count > 0)
        {
            ata_mulaw_encode(ref pcm[pcmOffset], ref coded[codedOffset], count);
        }
    }

    /// <inheritdoc />
    public void DecodeMuLaw(byte[] coded, int codedOffset, short[] pcm, int pcmOffset, int count)
    {
        Check(coded.Length, codedOffset, count);
        Check(pcm.Length, pcmOffset, count);
        if (count > 0)
        {
            ata_mulaw_decode(ref coded[codedOffset], ref pcm[pcmOffset], count);
        }
    }

    /// <inheritdoc />
    public long GoertzelFeed(short[] samples, int offset, int count, int[] coefficients, int[] s1, int[] s2)
    {
        Check(samples.Length, offset, count);
        CheckBank(coefficients, s1, s2, coefficients.Length);
        return count > 0 ? ata_goertzel_feed(ref samples[offset], count, coefficients, s1, s2, coefficients.Length) : 0;
    }

    /// <inheritdoc />
    public void GoertzelPower(int[] coefficients, int[] s1, int[] s2, long[] power)
    {
        CheckBank(coefficients, s1, s2, power.Length);
        ata_goertzel_power(coefficients, s1, s2, power, coefficients.Length);
    }

    /// <inheritdoc />
    public void MixScaled(short[] source, int sourceOffset, short[] target, int targetOffset, int count, int gain)
    {
        Check(source.Length, sourceOffset, count);
        Check(target.Length, targetOffset, count);
        if (count > 0)
        {
            ata_mix_scaled(ref source[sourceOffset], ref target[targetOffset], count, gain);
        }
    }

    /// <inheritdoc />
    public void Oscillate(short[] table, int[] phases, int[] steps, int[] amplitudes, int oscillators, short[] target, int targetOffset, int count)
    {
        if (table.Length != SineTable.Length || phases.Length < oscillators || steps.Length < oscillators || amplitudes.Length < oscillators)
        {
            throw new ArgumentException("the sine table or the oscillator arrays are too short");
        }

        Check(target.Length, targetOffset, count);
        if (count > 0)
        {
            ata_oscillate(table, phases, steps, amplitudes, oscillators, ref target[targetOffset], count);
        }
    }

    /// <inheritdoc />
    public int PitchLag(short[] history, int end, int window, int minLag, int maxLag)
    {
        if (minLag < 1 || maxLag < minLag || window < 1 || end > history.Length || end - window - maxLag < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(end), "the window and the longest lag must fit in the history");
        }

        return ata_pitch_lag(history, end, window, minLag, maxLag);
    }

    /// <inheritdoc />
    public void Repeat(short[] history, int start, int period, int phase, short[] target, int targetOffset, int count, int gainFrom, int gainTo)
    {
        if (period < 1 || phase < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(period), "the period must be at least one sample");
        }

        Check(history.Length, start, period);
        Check(target.Length, targetOffset, count);
        if (count > 0)
        {
            ata_repeat(ref history[start], period, phase, ref target[targetOffset], count, gainFrom, gainTo);
        }
    }

    /// <inheritdoc />
    public void CrossFade(short[] from, int fromOffset, short[] target, int targetOffset, int count)
    {
        Check(from.Length, fromOffset, count);
        Check(target.Length, targetOffset, count);
        if (count > 0)
        {
            ata_cross_fade(ref from[fromOffset], ref target[targetOffset], count);
        }
    }

    /// <inheritdoc />
    public void CancelEcho(short[] farEnd, int farEndOffset, short[] nearEnd, int nearEndOffset, int count, short[] history, int[] weights, long[] state)
    {
        Check(farEnd.Length, farEndOffset, count);
        Check(nearEnd.Length, nearEndOffset, count);
        int taps = weights.Length / 2;
        if (taps < 1 || weights.Length != 2 * taps || history.Length < 4 * taps || state.Length < EchoCanceller.StateLength)
        {
            throw new ArgumentException("the echo canceller's weights must hold two filters of its taps, its history four times its taps, and its state every slot");
        }

        if (count > 0)
        {
            ata_cancel_echo(ref farEnd[farEndOffset], ref nearEnd[nearEndOffset], count, history, weights, taps, state);
        }
    }

    // The C trusts its caller, as the interop glue on the board checks bounds before calling it.
    private static void Check(int length, int offset, int count)
    {
        if (offset < 0 || count < 0 || offset > length - count)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"{count} samples from {offset} do not fit in {length}");
        }
    }

    private static void CheckBank(int[] coefficients, int[] s1, int[] s2, int power)
    {
        if (s1.Length < coefficients.Length || s2.Length < coefficients.Length || power < coefficients.Length)
        {
            throw new ArgumentException("the filter state is shorter than the bank");
        }
    }

    [DllImport(Library)]
    private static extern void ata_alaw_encode(ref short pcm, ref byte coded, int count);

    [DllImport(Library)]
    private static extern void ata_alaw_decode(ref byte coded, ref short pcm, int count);

    [DllImport(Library)]
    private static extern void ata_mulaw_encode(ref short pcm, ref byte coded, int count);

    [DllImport(Library)]
    private static extern void ata_mulaw_decode(ref byte coded, ref short pcm, int count);

    [DllImport(Library)]
    private static extern long ata_goertzel_feed(ref short samples, int count, int[] coefficients, int[] s1, int[] s2, int filters);

    [DllImport(Library)]
    private static extern void ata_goertzel_power(int[] coefficients, int[] s1, int[] s2, long[] power, int filters);

    [DllImport(Library)]
    private static extern void ata_mix_scaled(ref short source, ref short target, int count, int gain);

    [DllImport(Library)]
    private static extern void ata_oscillate(short[] table, int[] phases, int[] steps, int[] amplitudes, int oscillators, ref short target, int count);

    [DllImport(Library)]
    private static extern int ata_pitch_lag(short[] history, int end, int window, int minLag, int maxLag);

    [DllImport(Library)]
    private static extern void ata_repeat(ref short periodStart, int period, int phase, ref short target, int count, int gainFrom, int gainTo);

    [DllImport(Library)]
    private static extern void ata_cross_fade(ref short from, ref short target, int count);

    [DllImport(Library)]
    private static extern void ata_cancel_echo(ref short farEnd, ref short nearEnd, int count, short[] history, int[] weights, int taps, long[] state);
}
