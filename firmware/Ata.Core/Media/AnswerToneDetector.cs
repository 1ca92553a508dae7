namespace Ata.Core.Media
{
    /// <summary>
    /// Hears the 2100 Hz answer tone of ITU-T V.25 (ANS) that fax machines and modems answer with, and its
    /// phase reversals every 450 ms (ANS with reversals, /ANS, which asks echo cancellers to step aside), in
    /// one direction of a call's audio. The tone's 2100 Hz component is measured in 5 ms blocks (40 samples)
    /// with a single Goertzel filter through the media kernels (<see cref="IMediaKernels.GoertzelFeed"/>),
    /// and its phase compared from block to block: a steady tone turns by at most ±27° a block (2100 ± 15 Hz);
    /// a reversal turns it by half a turn. Pure: the caller feeds audio; nothing is allocated after construction.
    /// </summary>
    public sealed class AnswerToneDetector
    {
        /// <summary>Samples in a measuring block (5 ms: 10.5 cycles of 2100 Hz, so each block's phase starts half a turn on).</summary>
        public const int BlockSamples = 40;

        /// <summary>The tone is heard after this long unbroken (V.25 sends it for 2.6 to 4 s).</summary>
        public const int DetectMs = 200;

        /// <summary>2·cos(2π·2100/8000) in Q14: the Goertzel coefficient.</summary>
        public const int Coefficient = -2571;

        private const int CosQ14 = -1285;
        private const int SinQ14 = 16333;
        private const int BlockMs = 5;

        /// <summary>The level below which the line counts as quiet (<see cref="QuietMs"/>), in dBm0.</summary>
        public const int QuietDbm0 = -36;

        // −36 dBm0 in a block's energy Σ(x/4)² over 40 samples: 0 dBm0 is a sine of RMS 16,037 in 16-bit G.711 PCM
        // (peak 5,670 of µ-law's ±8,159), so −36 dBm0 is RMS 254 and 40 · 254² / 16 ≈ 161,500.
        private const long QuietEnergy = 161500;

        // A block is the tone when |X|² ≥ 0.35·N·E (a pure tone gives 0.5), and loud enough: above about −45 dBFS.
        private const long MinEnergy = 40000;

        // cos² of the largest turn between blocks still counted steady (35°) or reversed (180° ± 35°), in 1/1024ths.
        private const long SteadyCos2 = 687;

        private readonly IMediaKernels _kernels;
        private readonly int[] _coefficients = new int[] { Coefficient };
        private readonly int[] _s1 = new int[1];
        private readonly int[] _s2 = new int[1];
        private int _filled;
        private long _energy;
        private long _re1;
        private long _im1;
        private long _re2;
        private long _im2;
        private bool _tone1;
        private bool _tone2;
        private int _toneBlocks;
        private int _missedBlocks;
        private int _quietBlocks;

        /// <summary>A detector working through <paramref name="kernels"/>.</summary>
        public AnswerToneDetector(IMediaKernels kernels)
        {
            _kernels = kernels;
        }

        /// <summary>True once the tone has sounded <see cref="DetectMs"/> unbroken (stays true until <see cref="Reset"/>).</summary>
        public bool Detected { get; private set; }

        /// <summary>True once a phase reversal was heard within the tone (ANS with reversals): echo cancellers must step aside.</summary>
        public bool HasPhaseReversals
        {
            get { return Reversals > 0; }
        }

        /// <summary>Phase reversals heard within the tone.</summary>
        public int Reversals { get; private set; }

        /// <summary>Milliseconds of the tone heard so far, unbroken.</summary>
        public int ToneMs
        {
            get { return _toneBlocks * BlockMs; }
        }

        /// <summary>Milliseconds of unbroken quiet (every 5 ms block below <see cref="QuietDbm0"/>) up to now.</summary>
        public int QuietMs
        {
            get { return _quietBlocks * BlockMs; }
        }

        /// <summary>Forgets everything heard.</summary>
        public void Reset()
        {
            _s1[0] = 0;
            _s2[0] = 0;
            _filled = 0;
            _energy = 0;
            _tone1 = false;
            _tone2 = false;
            _toneBlocks = 0;
            _missedBlocks = 0;
            _quietBlocks = 0;
            Detected = false;
            Reversals = 0;
        }

        /// <summary>Listens to <paramref name="count"/> samples from <paramref name="offset"/>.</summary>
        public void Feed(short[] samples, int offset, int count)
        {
            while (count > 0)
            {
                int n = BlockSamples - _filled;
                if (n > count)
                {
                    n = count;
                }

                _energy += _kernels.GoertzelFeed(samples, offset, n, _coefficients, _s1, _s2);
                _filled += n;
                offset += n;
                count -= n;
                if (_filled == BlockSamples)
                {
                    EndBlock();
                }
            }
        }

        private void EndBlock()
        {
            long s1 = _s1[0];
            long s2 = _s2[0];
            long re = s1 - ((CosQ14 * s2) >> 14);
            long im = (SinQ14 * s2) >> 14;
            long energy = _energy;
            _s1[0] = 0;
            _s2[0] = 0;
            _filled = 0;
            _energy = 0;

            if (energy >= QuietEnergy)
            {
                _quietBlocks = 0;
            }
            else if (_quietBlocks < int.MaxValue / BlockMs)
            {
                _quietBlocks++;
            }

            bool tone = energy >= MinEnergy && ((re * re) + (im * im)) * 100 >= 35L * BlockSamples * energy;

            // Each block starts half a turn further into a 2100 Hz tone: the previous block's phase, turned back.
            bool steady = false;
            bool reversed = false;
            if (tone && _tone1)
            {
                Compare(re, im, -_re1, -_im1, out steady, out reversed);
            }
            else if (tone && _tone2)
            {
                // The block between straddled a reversal (or a glitch): compare across it, a whole turn on.
                Compare(re, im, _re2, _im2, out steady, out reversed);
            }

            if (tone && (steady || reversed || _toneBlocks == 0))
            {
                _toneBlocks++;
                _missedBlocks = 0;
                if (reversed && _toneBlocks * BlockMs > 100)
                {
                    Reversals++;
                }
            }
            else if (++_missedBlocks > 2)
            {
                _toneBlocks = 0;
            }

            if (_toneBlocks * BlockMs >= DetectMs)
            {
                Detected = true;
            }

            _re2 = _re1;
            _im2 = _im1;
            _tone2 = _tone1;
            _re1 = re;
            _im1 = im;
            _tone1 = tone;
        }

        private static void Compare(long re, long im, long reBefore, long imBefore, out bool steady, out bool reversed)
        {
            // Scaled to 15 bits so the products of products stay within 64 bits.
            long a = re;
            long b = im;
            long c = reBefore;
            long d = imBefore;
            while (Magnitude(a) > 32767 || Magnitude(b) > 32767 || Magnitude(c) > 32767 || Magnitude(d) > 32767)
            {
                a >>= 1;
                b >>= 1;
                c >>= 1;
                d >>= 1;
            }

            long dot = (a * c) + (b * d);
            long bound = (((a * a) + (b * b)) * ((c * c) + (d * d)) / 1024) * SteadyCos2;
            bool aligned = dot * dot >= bound;
            steady = aligned && dot > 0;
            reversed = aligned && dot < 0;
        }

        private static long Magnitude(long value)
        {
            return value < 0 ? -value : value;
        }
    }
}
