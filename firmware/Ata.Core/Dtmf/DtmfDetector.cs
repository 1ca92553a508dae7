using System;
using Ata.Core.Media;

namespace Ata.Core.Dtmf
{
    /// <summary>
    /// A DTMF receiver on 8 kHz 16-bit samples after ITU-T Q.24: Goertzel filters in fixed point on
    /// 10 ms blocks. Each of the eight frequencies has a filter at nominal and two 5 % either side; a tone
    /// counts only when its nominal filter is the strongest of its three, which puts the frequency
    /// limit at 2.5 % (accepts ±1.5 %, rejects ±3.5 %). The two tones must carry most of the block's
    /// energy (rejects speech and noise), be within the twist limits, and last three blocks (40 ms
    /// tones are always seen, 20 ms ones never). Keys found are queued for <see cref="TryTake"/>. The filter
    /// bank runs in the media kernels (<see cref="IMediaKernels.GoertzelFeed"/>): native C on the board.
    /// </summary>
    public sealed class DtmfDetector
    {
        /// <summary>Samples per analysis block (10 ms).</summary>
        public const int BlockSize = 80;

        /// <summary>Consecutive blocks with the same key before it counts.</summary>
        public const int BlocksToAccept = 3;

        /// <summary>Consecutive blocks without the key before it counts as released.</summary>
        public const int BlocksToRelease = 3;

        /// <summary>The weakest tone accepted, as a 16-bit sample amplitude (about −32 dBm0).</summary>
        public const int MinAmplitude = 400;

        private const int Shift = 14;
        /// <summary>Goertzel filters run per sample: nominal and ±5 % for each of the eight DTMF frequencies.</summary>
        public const int Filters = 24;
        private const int QueueSize = 32;

        // High group may be up to 8 dB weaker than low ("normal" twist), low up to 4 dB weaker ("reverse").
        private const long NormalTwistPercent = 631;
        private const long ReverseTwistPercent = 251;

        // Share of the block's energy the two tones must carry, in tenths.
        private const long ShareTenths = 7;

        // Built on first use, not by a static initializer: nanoFramework runs those at start-up in type
        // order, and this one reads DtmfKeypad's statics.
        private static int[] _sharedCoefficients;

        private readonly IMediaKernels _kernels;
        private readonly int[] _coefficients;

        private readonly int[] _s1 = new int[Filters];
        private readonly int[] _s2 = new int[Filters];
        private readonly long[] _power = new long[Filters];
        private readonly KeyQueue _queue = new KeyQueue(QueueSize);
        private long _energy;
        private int _n;
        private char _last;
        private int _run;
        private char _held;
        private int _misses;

        /// <summary>Samples analysed since the detector was made (a measure of the work it has done).</summary>
        public long SamplesAnalysed { get; private set; }

        /// <summary>A detector that runs its filters in the managed reference kernels.</summary>
        public DtmfDetector()
            : this(new ManagedMediaKernels())
        {
        }

        /// <summary>A detector that runs its filter bank in <paramref name="kernels"/> (the board's native ones).</summary>
        public DtmfDetector(IMediaKernels kernels)
        {
            _kernels = kernels;
            _coefficients = Coefficients();
        }

        /// <summary>The key sounding now (recognised and not yet released), or '\0'.</summary>
        public char HeldKey
        {
            get { return _held; }
        }

        /// <summary>Analyses <paramref name="count"/> samples; keys recognised are queued.</summary>
        public void Feed(short[] samples, int offset, int count)
        {
            SamplesAnalysed += count;
            while (count > 0)
            {
                int n = BlockSize - _n;
                if (n > count)
                {
                    n = count;
                }

                _energy += _kernels.GoertzelFeed(samples, offset, n, _coefficients, _s1, _s2);
                _n += n;
                offset += n;
                count -= n;
                if (_n == BlockSize)
                {
                    EndBlock();
                }
            }
        }

        /// <summary>Takes the next key recognised; false when none is waiting.</summary>
        public bool TryTake(out char key)
        {
            return _queue.TryTake(out key);
        }

        /// <summary>Forgets any partial block, held key and queued keys.</summary>
        public void Reset()
        {
            Array.Clear(_s1, 0, Filters);
            Array.Clear(_s2, 0, Filters);
            _energy = 0;
            _n = 0;
            _last = '\0';
            _run = 0;
            _held = '\0';
            _misses = 0;
            _queue.Clear();
        }

        private void EndBlock()
        {
            _kernels.GoertzelPower(_coefficients, _s1, _s2, _power);
            char key = Classify();
            _energy = 0;
            _n = 0;
            Debounce(key);
        }

        private char Classify()
        {
            int row = Strongest(0);
            int column = Strongest(4);
            if (row < 0 || column < 0)
            {
                return '\0';
            }

            long low = _power[row * 3];
            long high = _power[(4 + column) * 3];
            long minimum = (long)(MinAmplitude >> 2) * (BlockSize / 2);
            minimum *= minimum;
            if (low < minimum || high < minimum)
            {
                return '\0';
            }

            if (low * 100 > high * NormalTwistPercent || high * 100 > low * ReverseTwistPercent)
            {
                return '\0';
            }

            // A pure tone of amplitude A gives power (A·N/2)² and energy A²·N/2: compare 2·power/N with energy.
            if ((low + high) * 2 * 10 < ShareTenths * BlockSize * _energy)
            {
                return '\0';
            }

            return DtmfKeypad.KeyAt(row, column);
        }

        private int Strongest(int first)
        {
            int best = -1;
            long bestPower = 0;
            for (int t = first; t < first + 4; t++)
            {
                long center = _power[t * 3];
                if (center > bestPower && center >= _power[(t * 3) + 1] && center >= _power[(t * 3) + 2])
                {
                    best = t - first;
                    bestPower = center;
                }
            }

            // The group's strongest nominal filter must also be the strongest overall, or a tone between
            // two nominal frequencies could pass as the weaker one.
            for (int t = first; t < first + 4; t++)
            {
                if (best >= 0 && t - first != best && _power[t * 3] > bestPower)
                {
                    return -1;
                }
            }

            return best;
        }

        private void Debounce(char key)
        {
            if (key != '\0' && key == _last)
            {
                _run++;
            }
            else
            {
                _run = key == '\0' ? 0 : 1;
            }

            _last = key;
            if (_held != '\0')
            {
                if (key == _held)
                {
                    _misses = 0;
                }
                else if (++_misses >= BlocksToRelease)
                {
                    _held = '\0';
                    _misses = 0;
                }
            }

            if (_held == '\0' && _run >= BlocksToAccept)
            {
                _held = key;
                _misses = 0;
                _queue.Add(key);
            }
        }

        /// <summary>A copy of the filter coefficients (2·cos ω in Q14: nominal, −5 %, +5 % for each DTMF frequency, rows then columns).</summary>
        public static int[] FilterCoefficients()
        {
            int[] copy = new int[Filters];
            System.Array.Copy(Coefficients(), copy, Filters);
            return copy;
        }

        private static int[] Coefficients()
        {
            if (_sharedCoefficients == null)
            {
                _sharedCoefficients = BuildCoefficients();
            }

            return _sharedCoefficients;
        }

        private static int[] BuildCoefficients()
        {
            int[] coefficients = new int[Filters];
            for (int t = 0; t < 8; t++)
            {
                int hz = t < 4 ? DtmfKeypad.Rows[t] : DtmfKeypad.Columns[t - 4];

                // Frequencies in tenths of a hertz: nominal, 5 % below, 5 % above.
                coefficients[t * 3] = Coefficient(hz * 10);
                coefficients[(t * 3) + 1] = Coefficient(hz * 95 / 10);
                coefficients[(t * 3) + 2] = Coefficient(hz * 105 / 10);
            }

            return coefficients;
        }

        private static int Coefficient(int decihertz)
        {
            // 2·cos(2π f / 8000) = 2·sin(2π (f + 2000) / 8000), in Q14; f in tenths of a hertz.
            double radians = 6.283185307179586 * decihertz / 80000.0;
            double c = Cosine(radians);
            return (int)((2 * c * (1 << Shift)) + (c >= 0 ? 0.5 : -0.5));
        }

        private static double Cosine(double x)
        {
            double x2 = x * x;
            double term = 1;
            double sum = 1;
            for (int k = 1; k <= 12; k++)
            {
                term = -term * x2 / (((2 * k) - 1) * (2 * k));
                sum += term;
            }

            return sum;
        }
    }
}
