using System.Runtime.CompilerServices;
using Ata.Core.Media;

namespace Ata.Device.Board
{
    /// <summary>
    /// The board's media kernels: the core's kernel seam implemented by native C in the firmware image
    /// (<c>firmware/Ata.Native</c>), called through nanoFramework interop: each method calls an
    /// <c>InternalCall</c> whose C is the same arithmetic as the managed reference
    /// (<see cref="ManagedMediaKernels"/>), checked bit for bit on the PC. The native glue checks every
    /// offset and count against the arrays and throws <c>IndexOutOfRangeException</c> rather than trust
    /// them. How the C joins the firmware image: <c>firmware/Ata.Native/README.md</c>.
    /// </summary>
    public sealed class NativeMediaKernels : IMediaKernels
    {
        /// <summary>Encodes a frame as A-law in native code.</summary>
        public void EncodeALaw(short[] pcm, int pcmOffset, byte[] coded, int codedOffset, int count)
        {
            NativeEncodeALaw(pcm, pcmOffset, coded, codedOffset, count);
        }

        /// <summary>Decodes a frame of A-law in native code.</summary>
        public void DecodeALaw(byte[] coded, int codedOffset, short[] pcm, int pcmOffset, int count)
        {
            NativeDecodeALaw(coded, codedOffset, pcm, pcmOffset, count);
        }

        /// <summary>Encodes a frame as µ-law in native code.</summary>
        public void EncodeMuLaw(short[] pcm, int pcmOffset, byte[] coded, int codedOffset, int count)
        {
            NativeEncodeMuLaw(pcm, pcmOffset, coded, codedOffset, count);
        }

        /// <summary>Decodes a frame of µ-law in native code.</summary>
        public void DecodeMuLaw(byte[] coded, int codedOffset, short[] pcm, int pcmOffset, int count)
        {
            NativeDecodeMuLaw(coded, codedOffset, pcm, pcmOffset, count);
        }

        /// <summary>Runs the DTMF Goertzel bank over samples in native code.</summary>
        public long GoertzelFeed(short[] samples, int offset, int count, int[] coefficients, int[] s1, int[] s2)
        {
            return NativeGoertzelFeed(samples, offset, count, coefficients, s1, s2);
        }

        /// <summary>Ends a Goertzel block in native code.</summary>
        public void GoertzelPower(int[] coefficients, int[] s1, int[] s2, long[] power)
        {
            NativeGoertzelPower(coefficients, s1, s2, power);
        }

        /// <summary>Adds a scaled tone into a frame in native code.</summary>
        public void MixScaled(short[] source, int sourceOffset, short[] target, int targetOffset, int count, int gain)
        {
            NativeMixScaled(source, sourceOffset, target, targetOffset, count, gain);
        }

        /// <summary>Adds sine oscillators into a frame in native code.</summary>
        public void Oscillate(short[] table, int[] phases, int[] steps, int[] amplitudes, int oscillators, short[] target, int targetOffset, int count)
        {
            NativeOscillate(table, phases, steps, amplitudes, oscillators, target, targetOffset, count);
        }

        /// <summary>Finds the pitch period of the history in native code.</summary>
        public int PitchLag(short[] history, int end, int window, int minLag, int maxLag)
        {
            return NativePitchLag(history, end, window, minLag, maxLag);
        }

        /// <summary>Repeats a period with a fading gain in native code.</summary>
        public void Repeat(short[] history, int start, int period, int phase, short[] target, int targetOffset, int count, int gainFrom, int gainTo)
        {
            NativeRepeat(history, start, period, phase, target, targetOffset, count, gainFrom, gainTo);
        }

        /// <summary>Cross-fades into a frame in native code.</summary>
        public void CrossFade(short[] from, int fromOffset, short[] target, int targetOffset, int count)
        {
            NativeCrossFade(from, fromOffset, target, targetOffset, count);
        }

        /// <summary>Cancels the line's echo in a microphone frame in native code.</summary>
        public void CancelEcho(short[] farEnd, int farEndOffset, short[] nearEnd, int nearEndOffset, int count, short[] history, int[] weights, long[] state)
        {
            NativeCancelEcho(farEnd, farEndOffset, nearEnd, nearEndOffset, count, history, weights, state);
        }

        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern void NativeEncodeALaw(short[] pcm, int pcmOffset, byte[] coded, int codedOffset, int count);

        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern void NativeDecodeALaw(byte[] coded, int codedOffset, short[] pcm, int pcmOffset, int count);

        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern void NativeEncodeMuLaw(short[] pcm, int pcmOffset, byte[] coded, int codedOffset, int count);

        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern void NativeDecodeMuLaw(byte[] coded, int codedOffset, short[] pcm, int pcmOffset, int count);

        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern long NativeGoertzelFeed(short[] samples, int offset, int count, int[] coefficients, int[] s1, int[] s2);

        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern void NativeGoertzelPower(int[] coefficients, int[] s1, int[] s2, long[] power);

        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern void NativeMixScaled(short[] source, int sourceOffset, short[] target, int targetOffset, int count, int gain);

        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern void NativeOscillate(short[] table, int[] phases, int[] steps, int[] amplitudes, int oscillators, short[] target, int targetOffset, int count);

        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern int NativePitchLag(short[] history, int end, int window, int minLag, int maxLag);

        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern void NativeRepeat(short[] history, int start, int period, int phase, short[] target, int targetOffset, int count, int gainFrom, int gainTo);

        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern void NativeCrossFade(short[] from, int fromOffset, short[] target, int targetOffset, int count);

        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern void NativeCancelEcho(short[] farEnd, int farEndOffset, short[] nearEnd, int nearEndOffset, int count, short[] history, int[] weights, long[] state);
    }
}
