namespace Ata.Core.Media
{
    /// <summary>
    /// The per-sample audio work of a line, behind one seam: companding, the DTMF Goertzel bank,
    /// adding a tone into a frame, and the jitter buffer's play-out steps (pitch search, repetition with
    /// a fading gain, cross-fade). <see cref="ManagedMediaKernels"/> is the reference the simulator and the
    /// tests run; the board runs the same kernels in C (<c>firmware/Ata.Native</c>) through nanoFramework
    /// interop, checked against the reference bit for bit. Every kernel works on caller-owned arrays
    /// with offsets and counts, uses only integer arithmetic and allocates nothing.
    /// </summary>
    /// <remarks>
    /// Gains are in 1/32768ths: 32768 is unity, 0 is silence. Shifts of negative numbers are arithmetic
    /// and divisions truncate toward zero, in C as in C#.
    /// </remarks>
    public interface IMediaKernels
    {
        /// <summary>Encodes <paramref name="count"/> 16-bit samples as G.711 A-law.</summary>
        void EncodeALaw(short[] pcm, int pcmOffset, byte[] coded, int codedOffset, int count);

        /// <summary>Decodes <paramref name="count"/> G.711 A-law bytes to 16-bit samples.</summary>
        void DecodeALaw(byte[] coded, int codedOffset, short[] pcm, int pcmOffset, int count);

        /// <summary>Encodes <paramref name="count"/> 16-bit samples as G.711 µ-law.</summary>
        void EncodeMuLaw(short[] pcm, int pcmOffset, byte[] coded, int codedOffset, int count);

        /// <summary>Decodes <paramref name="count"/> G.711 µ-law bytes to 16-bit samples.</summary>
        void DecodeMuLaw(byte[] coded, int codedOffset, short[] pcm, int pcmOffset, int count);

        /// <summary>
        /// Runs a bank of Goertzel filters over <paramref name="count"/> samples, each taken as
        /// <c>x = sample &gt;&gt; 2</c>: for each filter f, <c>s0 = x + ((c[f]·s1[f]) &gt;&gt; 14) − s2[f]</c>,
        /// then <c>s2[f] = s1[f]</c>, <c>s1[f] = s0</c>. The filters are <paramref name="coefficients"/>
        /// (2·cos ω in Q14); <paramref name="s1"/> and <paramref name="s2"/> carry their state across calls.
        /// </summary>
        /// <returns>The energy of the samples taken, Σ x².</returns>
        long GoertzelFeed(short[] samples, int offset, int count, int[] coefficients, int[] s1, int[] s2);

        /// <summary>
        /// Ends a Goertzel block: <c>power[f] = s1² + s2² − ((c·s1) &gt;&gt; 14)·s2</c> for every filter,
        /// then clears <paramref name="s1"/> and <paramref name="s2"/> for the next block.
        /// </summary>
        void GoertzelPower(int[] coefficients, int[] s1, int[] s2, long[] power);

        /// <summary>
        /// Adds <paramref name="count"/> samples of <paramref name="source"/>, scaled by
        /// <paramref name="gain"/> (<c>(x·gain) &gt;&gt; 15</c>), into <paramref name="target"/>, saturating at the 16-bit limits.
        /// </summary>
        void MixScaled(short[] source, int sourceOffset, short[] target, int targetOffset, int count, int gain);

        /// <summary>
        /// Adds sine oscillators into <paramref name="target"/>, saturating: each oscillator o has a 32-bit
        /// phase (<paramref name="phases"/>, updated) that advances by <paramref name="steps"/>[o] a sample,
        /// and contributes <c>(table[phase &gt;&gt;&gt; 22]·amplitudes[o]) &gt;&gt; 15</c>, where the
        /// <see cref="SineTable.Length"/> entries of <paramref name="table"/> hold one turn of a sine in Q15.
        /// </summary>
        void Oscillate(short[] table, int[] phases, int[] steps, int[] amplitudes, int oscillators, short[] target, int targetOffset, int count);

        /// <summary>
        /// The lag in [<paramref name="minLag"/>, <paramref name="maxLag"/>] at which the last
        /// <paramref name="window"/> samples before <paramref name="end"/> best match themselves (least sum of
        /// absolute differences; the shortest lag wins a tie): the pitch period of voiced speech.
        /// <paramref name="end"/> must be at least <paramref name="window"/> + <paramref name="maxLag"/>.
        /// </summary>
        int PitchLag(short[] history, int end, int window, int minLag, int maxLag);

        /// <summary>
        /// Writes <paramref name="count"/> samples that repeat the <paramref name="period"/> samples of
        /// <paramref name="history"/> from <paramref name="start"/>, beginning <paramref name="phase"/> samples
        /// into the period, with a gain that moves linearly from <paramref name="gainFrom"/> (first sample)
        /// towards <paramref name="gainTo"/>: sample i has <c>gainFrom + (gainTo − gainFrom)·i / count</c>.
        /// </summary>
        void Repeat(short[] history, int start, int period, int phase, short[] target, int targetOffset, int count, int gainFrom, int gainTo);

        /// <summary>
        /// Fades from <paramref name="from"/> into <paramref name="target"/> over <paramref name="count"/> samples:
        /// <c>target[i] = (from[i]·(count − i) + target[i]·i) / count</c>.
        /// </summary>
        void CrossFade(short[] from, int fromOffset, short[] target, int targetOffset, int count);

        /// <summary>
        /// Cancels the line's echo in <paramref name="count"/> samples of microphone audio
        /// (<paramref name="nearEnd"/>, replaced in place), given what played to the earpiece at the same
        /// instants (<paramref name="farEnd"/>): a line echo canceller in the spirit of ITU-T G.168. Per sample,
        /// two filters of <c>L = weights.Length / 2</c> taps (Q28) estimate the echo from the last L far-end samples:
        /// the background (<c>weights[0 .. L − 1]</c>) learns by proportionate NLMS (IPNLMS) through a fixed pre-whitening filter
        /// (<see cref="EchoCanceller.Whitening"/>), the foreground (<c>weights[L .. 2L − 1]</c>) cancels, and takes the
        /// background's weights when they have proven better (the two-path scheme); a Geigel detector (microphone
        /// above half the far end's recent peak) holds adaptation and transfers off through double talk; the
        /// non-linear processor replaces a residual far below the microphone level, while the far end talks, by
        /// comfort noise at the line's noise level. <paramref name="history"/> (4·L samples: the far end, then its
        /// whitened copy) and <paramref name="state"/> (<see cref="EchoCanceller.StateLength"/> values, slots named in
        /// <see cref="EchoCanceller"/>) carry everything across calls.
        /// </summary>
        void CancelEcho(short[] farEnd, int farEndOffset, short[] nearEnd, int nearEndOffset, int count, short[] history, int[] weights, long[] state);
    }
}
