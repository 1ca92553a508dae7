using Ata.Core.Tones;

namespace Ata.Core.Media
{
    /// <summary>
    /// The reference implementation of the media kernels, in managed code: what the simulator and the
    /// tests run, and what the board's C kernels must equal bit for bit. Stateless; one instance may serve
    /// every line.
    /// </summary>
    public sealed partial class ManagedMediaKernels : IMediaKernels
    {
        private const int GoertzelShift = 14;
        private const int GainShift = 15;

        /// <inheritdoc />
        public void EncodeALaw(short[] pcm, int pcmOffset, byte[] coded, int codedOffset, int count)
        {
            for (int i = 0; i < count; i++)
            {
                coded[codedOffset + i] = G711.ToALaw(pcm[pcmOffset + i]);
            }
        }

        /// <inheritdoc />
        public void DecodeALaw(byte[] coded, int codedOffset, short[] pcm, int pcmOffset, int count)
        {
            for (int i = 0; i < count; i++)
            {
                pcm[pcmOffset + i] = G711.FromALaw(coded[codedOffset + i]);
            }
        }

        /// <inheritdoc />
        public void EncodeMuLaw(short[] pcm, int pcmOffset, byte[] coded, int codedOffset, int count)
        {
            for (int i = 0; i < count; i++)
            {
                coded[codedOffset + i] = G711.ToMuLaw(pcm[pcmOffset + i]);
            }
        }

        /// <inheritdoc />
        public void DecodeMuLaw(byte[] coded, int codedOffset, short[] pcm, int pcmOffset, int count)
        {
            for (int i = 0; i < count; i++)
            {
                pcm[pcmOffset + i] = G711.FromMuLaw(coded[codedOffset + i]);
            }
        }

        /// <inheritdoc />
        public long GoertzelFeed(short[] samples, int offset, int count, int[] coefficients, int[] s1, int[] s2)
        {
            int filters = coefficients.Length;
            long energy = 0;
            for (int i = 0; i < count; i++)
            {
                int x = samples[offset + i] >> 2;
                energy += x * x;
                for (int f = 0; f < filters; f++)
                {
                    int s0 = x + (int)(((long)coefficients[f] * s1[f]) >> GoertzelShift) - s2[f];
                    s2[f] = s1[f];
                    s1[f] = s0;
                }
            }

            return energy;
        }

        /// <inheritdoc />
        public void GoertzelPower(int[] coefficients, int[] s1, int[] s2, long[] power)
        {
            for (int f = 0; f < coefficients.Length; f++)
            {
                long a = s1[f];
                long b = s2[f];
                power[f] = (a * a) + (b * b) - ((((long)coefficients[f] * a) >> GoertzelShift) * b);
                s1[f] = 0;
                s2[f] = 0;
            }
        }

        /// <inheritdoc />
        public void MixScaled(short[] source, int sourceOffset, short[] target, int targetOffset, int count, int gain)
        {
            for (int i = 0; i < count; i++)
            {
                int value = target[targetOffset + i] + ((source[sourceOffset + i] * gain) >> GainShift);
                target[targetOffset + i] = Saturate(value);
            }
        }

        /// <inheritdoc />
        public void Oscillate(short[] table, int[] phases, int[] steps, int[] amplitudes, int oscillators, short[] target, int targetOffset, int count)
        {
            for (int i = 0; i < count; i++)
            {
                int value = target[targetOffset + i];
                for (int o = 0; o < oscillators; o++)
                {
                    value += (table[(int)((uint)phases[o] >> SineTable.IndexShift)] * amplitudes[o]) >> GainShift;
                    phases[o] = (int)((uint)phases[o] + (uint)steps[o]);
                }

                target[targetOffset + i] = Saturate(value);
            }
        }

        /// <inheritdoc />
        public int PitchLag(short[] history, int end, int window, int minLag, int maxLag)
        {
            int best = minLag;
            int bestSum = int.MaxValue;
            int from = end - window;
            for (int lag = minLag; lag <= maxLag; lag++)
            {
                int sum = 0;
                for (int i = from; i < end; i++)
                {
                    int d = history[i] - history[i - lag];
                    sum += d < 0 ? -d : d;
                }

                if (sum < bestSum)
                {
                    bestSum = sum;
                    best = lag;
                }
            }

            return best;
        }

        /// <inheritdoc />
        public void Repeat(short[] history, int start, int period, int phase, short[] target, int targetOffset, int count, int gainFrom, int gainTo)
        {
            int p = phase % period;
            for (int i = 0; i < count; i++)
            {
                int gain = gainFrom + ((gainTo - gainFrom) * i / count);
                target[targetOffset + i] = (short)((history[start + p] * gain) >> GainShift);
                if (++p == period)
                {
                    p = 0;
                }
            }
        }

        /// <inheritdoc />
        public void CrossFade(short[] from, int fromOffset, short[] target, int targetOffset, int count)
        {
            for (int i = 0; i < count; i++)
            {
                int mixed = ((from[fromOffset + i] * (count - i)) + (target[targetOffset + i] * i)) / count;
                target[targetOffset + i] = (short)mixed;
            }
        }

        private static short Saturate(int value)
        {
            if (value > short.MaxValue)
            {
                return short.MaxValue;
            }

            return value < short.MinValue ? short.MinValue : (short)value;
        }
    }
}
