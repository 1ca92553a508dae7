using Ata.Core.Tones;

namespace Ata.Core.Media
{
    /// <summary>
    /// The reference implementation of the media kernels, in managed code: what the simulator and the
    /// tests run, and what the board's C kernels must equal bit for bit. Stateless; one instance may serve
    /// every line.
    /// </summary>
    public sealed class ManagedMediaKernels : IMediaKernels
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

        /// <inheritdoc />
        public void CancelEcho(short[] farEnd, int farEndOffset, short[] nearEnd, int nearEndOffset, int count, short[] history, int[] weights, long[] state)
        {
            int taps = weights.Length;
            int whitened = 2 * taps;
            int position = (int)state[EchoCanceller.Position];
            long energy = state[EchoCanceller.Energy];
            int hangover = (int)state[EchoCanceller.Hangover];
            int peak = (int)state[EchoCanceller.Peak];
            int countdown = (int)state[EchoCanceller.PeakCountdown];
            int residualLevel = (int)state[EchoCanceller.ResidualLevel];
            int microphoneLevel = (int)state[EchoCanceller.MicrophoneLevel];
            int backgroundLevel = (int)state[EchoCanceller.BackgroundLevel];
            uint seed = (uint)state[EchoCanceller.NoiseSeed];
            int flags = (int)state[EchoCanceller.Flags];
            int step = (int)state[EchoCanceller.Step];
            long doubleTalk = state[EchoCanceller.DoubleTalkSamples];
            long suppressed = state[EchoCanceller.SuppressedSamples];
            int previousFarEnd = (int)state[EchoCanceller.PreviousFarEnd];
            int previousMicrophone = (int)state[EchoCanceller.PreviousMicrophone];
            long delta = (long)taps * EchoCanceller.EnergyFloor;
            for (int i = 0; i < count; i++)
            {
                int x = farEnd[farEndOffset + i];
                int y = nearEnd[nearEndOffset + i];

                // The filter runs on the far end as played; it learns from both sides pre-whitened (halved to stay in 16 bits).
                int xw = (x - ((EchoCanceller.Whitening * previousFarEnd) >> 15)) >> 1;
                previousFarEnd = x;
                int leaving = history[whitened + position];
                energy += (xw * xw) - (leaving * leaving);
                history[position] = (short)x;
                history[position + taps] = (short)x;
                history[whitened + position] = (short)xw;
                history[whitened + position + taps] = (short)xw;
                if (++position == taps)
                {
                    position = 0;
                }

                // The window is history[position .. position + taps - 1], oldest first; tap k weighs x(n - k).
                // The same weights on the whitened window give the whitened echo estimate, for the whitened error.
                int newest = position + taps - 1;
                int newestWhitened = whitened + newest;
                long sum = 0;
                long sumWhitened = 0;
                for (int k = 0; k < taps; k++)
                {
                    sum += (long)weights[k] * history[newest - k];
                    sumWhitened += (long)weights[k] * history[newestWhitened - k];
                }

                int e = y - (int)(sum >> EchoCanceller.WeightShift);
                if (e > short.MaxValue)
                {
                    e = short.MaxValue;
                }
                else if (e < short.MinValue)
                {
                    e = short.MinValue;
                }

                int ew = ((y - ((EchoCanceller.Whitening * previousMicrophone) >> 15)) >> 1) - (int)(sumWhitened >> EchoCanceller.WeightShift);
                previousMicrophone = y;

                int ax = x < 0 ? -x : x;
                if (--countdown <= 0)
                {
                    peak = 0;
                    for (int k = position; k <= newest; k++)
                    {
                        int a = history[k] < 0 ? -history[k] : history[k];
                        if (a > peak)
                        {
                            peak = a;
                        }
                    }

                    countdown = EchoCanceller.PeakEvery;
                }
                else if (ax > peak)
                {
                    peak = ax;
                }

                int ay = y < 0 ? -y : y;
                int ae = e < 0 ? -e : e;
                residualLevel += ((ae << EchoCanceller.LevelFraction) - residualLevel) >> EchoCanceller.LevelShift;
                microphoneLevel += ((ay << EchoCanceller.LevelFraction) - microphoneLevel) >> EchoCanceller.LevelShift;

                if (ay * 2 > peak)
                {
                    hangover = EchoCanceller.HangoverSamples;
                }
                else if (hangover > 0)
                {
                    hangover--;
                }

                if (hangover > 0)
                {
                    doubleTalk++;
                }

                if ((flags & EchoCanceller.Adapting) != 0 && hangover == 0 && energy > (long)taps * EchoCanceller.AdaptAboveEnergy)
                {
                    long g = (((long)ew * step) << EchoCanceller.GainShift) / (energy + delta);
                    if (g > EchoCanceller.MaxGain)
                    {
                        g = EchoCanceller.MaxGain;
                    }
                    else if (g < -EchoCanceller.MaxGain)
                    {
                        g = -EchoCanceller.MaxGain;
                    }

                    int gain = (int)g;
                    if (gain != 0)
                    {
                        for (int k = 0; k < taps; k++)
                        {
                            int w = weights[k] + (gain * history[newestWhitened - k]);
                            if (w > EchoCanceller.MaxWeight)
                            {
                                w = EchoCanceller.MaxWeight;
                            }
                            else if (w < -EchoCanceller.MaxWeight)
                            {
                                w = -EchoCanceller.MaxWeight;
                            }

                            weights[k] = w;
                        }
                    }
                }

                int output = e;
                if (peak > EchoCanceller.FarEndActivePeak)
                {
                    if ((flags & EchoCanceller.Suppressing) != 0 && hangover == 0 && residualLevel * EchoCanceller.SuppressBelow < microphoneLevel)
                    {
                        seed = (seed * 1664525u) + 1013904223u;
                        output = ((short)(seed >> 16) * (backgroundLevel >> EchoCanceller.LevelFraction)) >> 14;
                        suppressed++;
                    }
                }
                else if (residualLevel < backgroundLevel)
                {
                    backgroundLevel = residualLevel;
                }
                else
                {
                    backgroundLevel += (residualLevel - backgroundLevel) >> EchoCanceller.BackgroundRiseShift;
                }

                nearEnd[nearEndOffset + i] = Saturate(output);
            }

            state[EchoCanceller.Position] = position;
            state[EchoCanceller.Energy] = energy;
            state[EchoCanceller.Hangover] = hangover;
            state[EchoCanceller.Peak] = peak;
            state[EchoCanceller.PeakCountdown] = countdown;
            state[EchoCanceller.ResidualLevel] = residualLevel;
            state[EchoCanceller.MicrophoneLevel] = microphoneLevel;
            state[EchoCanceller.BackgroundLevel] = backgroundLevel;
            state[EchoCanceller.NoiseSeed] = seed;
            state[EchoCanceller.DoubleTalkSamples] = doubleTalk;
            state[EchoCanceller.SuppressedSamples] = suppressed;
            state[EchoCanceller.PreviousFarEnd] = previousFarEnd;
            state[EchoCanceller.PreviousMicrophone] = previousMicrophone;
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
