namespace Ata.Core.Media
{
    /// <summary>The line echo canceller's per-sample work (the C kernel <c>ata_cancel_echo</c> equals it bit for bit).</summary>
    public sealed partial class ManagedMediaKernels
    {
        /// <inheritdoc />
        public void CancelEcho(short[] farEnd, int farEndOffset, short[] nearEnd, int nearEndOffset, int count, short[] history, int[] weights, long[] state)
        {
            int taps = weights.Length / 2;
            int whitened = 2 * taps;
            int position = (int)state[EchoCanceller.Position];
            long energy = state[EchoCanceller.Energy];
            int hangover = (int)state[EchoCanceller.Hangover];
            int peak = (int)state[EchoCanceller.Peak];
            int countdown = (int)state[EchoCanceller.PeakCountdown];
            int residualLevel = (int)state[EchoCanceller.ResidualLevel];
            int microphoneLevel = (int)state[EchoCanceller.MicrophoneLevel];
            int noise = (int)state[EchoCanceller.NoiseLevel];
            uint seed = (uint)state[EchoCanceller.NoiseSeed];
            int flags = (int)state[EchoCanceller.Flags];
            int step = (int)state[EchoCanceller.Step];
            long doubleTalk = state[EchoCanceller.DoubleTalkSamples];
            long suppressed = state[EchoCanceller.SuppressedSamples];
            int previousFarEnd = (int)state[EchoCanceller.PreviousFarEnd];
            int previousMicrophone = (int)state[EchoCanceller.PreviousMicrophone];
            int backgroundLevel = (int)state[EchoCanceller.BackgroundResidualLevel];
            int better = (int)state[EchoCanceller.BackgroundBetter];
            int worse = (int)state[EchoCanceller.BackgroundWorse];
            long transfers = state[EchoCanceller.TransferCount];
            long delta = (long)taps * EchoCanceller.EnergyFloor;
            for (int i = 0; i < count; i++)
            {
                int x = farEnd[farEndOffset + i];
                int y = nearEnd[nearEndOffset + i];

                // The filters run on the far end as played; the background learns from both sides pre-whitened (halved to stay in 16 bits).
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
                // The background's weights on the whitened window give its whitened echo estimate, for the whitened error.
                int newest = position + taps - 1;
                int newestWhitened = whitened + newest;
                long sum = 0;
                long sumBackground = 0;
                long sumWhitened = 0;
                long spread = 0;
                for (int k = 0; k < taps; k++)
                {
                    int w = weights[k];
                    sumBackground += (long)w * history[newest - k];
                    spread += w < 0 ? -w : w;
                    sumWhitened += (long)w * history[newestWhitened - k];
                    sum += (long)weights[taps + k] * history[newest - k];
                }

                int e = Limit(y - (int)(sum >> EchoCanceller.WeightShift));
                int eb = Limit(y - (int)(sumBackground >> EchoCanceller.WeightShift));
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

                int noiseLevel = noise >> EchoCanceller.NoiseRiseShift;
                int ay = y < 0 ? -y : y;
                int ae = e < 0 ? -e : e;
                int aeb = eb < 0 ? -eb : eb;
                residualLevel += ((ae << EchoCanceller.LevelFraction) - residualLevel) >> EchoCanceller.LevelShift;
                backgroundLevel += ((aeb << EchoCanceller.LevelFraction) - backgroundLevel) >> EchoCanceller.LevelShift;
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
                    // The step shrinks as what the background leaves comes down to the line's noise: a small step there
                    // keeps the noise from jostling the weights (misadjustment); far above it, the full step converges fast.
                    int mu = step;
                    if (backgroundLevel < noiseLevel * EchoCanceller.FullStepAbove)
                    {
                        mu = backgroundLevel < noiseLevel * EchoCanceller.HalfStepAbove ? step >> EchoCanceller.NoiseStepShift : step >> 1;
                    }

                    // Proportionate steps (IPNLMS, Benesty and Gay 2002, α = 0): half of each step spread evenly over the taps,
                    // half in proportion to each tap's weight, so the few taps a hybrid's echo path has converge first.
                    // Tap k's share r = 256·L·g(k), g(k) = 1/(2L) + |w(k)|/(2·Σ|w|): 128 + 128·L·|w(k)|/Σ|w|, mean 256;
                    // the step is normalised by Σ r·x² (Q8) instead of the energy.
                    long proportion = ((long)taps << 23) / (spread + EchoCanceller.ProportionFloor);
                    long norm = 0;
                    for (int k = 0; k < taps; k++)
                    {
                        long xk = history[newestWhitened - k];
                        long r = EchoCanceller.EvenShare + ((Magnitude(weights[k]) * proportion) >> 16);
                        norm += r * xk * xk;
                    }

                    long g = (((long)ew * mu) << EchoCanceller.GainShift) / ((norm >> 8) + delta);
                    if (g > EchoCanceller.MaxGain)
                    {
                        g = EchoCanceller.MaxGain;
                    }
                    else if (g < -EchoCanceller.MaxGain)
                    {
                        g = -EchoCanceller.MaxGain;
                    }

                    if (g != 0)
                    {
                        for (int k = 0; k < taps; k++)
                        {
                            long r = EchoCanceller.EvenShare + ((Magnitude(weights[k]) * proportion) >> 16);
                            long w = weights[k] + ((g * r * history[newestWhitened - k]) >> 8);
                            if (w > EchoCanceller.MaxWeight)
                            {
                                w = EchoCanceller.MaxWeight;
                            }
                            else if (w < -EchoCanceller.MaxWeight)
                            {
                                w = -EchoCanceller.MaxWeight;
                            }

                            weights[k] = (int)w;
                        }
                    }
                }

                // Two paths: the background's echo path becomes the foreground's once it has cancelled better for a while,
                // outside double talk and taking most of the microphone's level off: near-end sound the detector missed
                // leaves the background far less than that below the microphone, so it cannot reach the foreground.
                if (hangover == 0 && backgroundLevel * EchoCanceller.TransferBelow < residualLevel * (EchoCanceller.TransferBelow - 1)
                    && backgroundLevel * EchoCanceller.TransferCancels < microphoneLevel)
                {
                    if (++better >= EchoCanceller.TransferAfter)
                    {
                        for (int k = 0; k < taps; k++)
                        {
                            weights[taps + k] = weights[k];
                        }

                        residualLevel = backgroundLevel;
                        better = 0;
                        transfers++;
                    }
                }
                else
                {
                    better = 0;
                }

                // A background that has gone astray (adapting through near-end sound the detector missed) starts again from the
                // foreground, while the foreground cancels well (not after a change of the echo path: the background is learning it).
                if (backgroundLevel > residualLevel * EchoCanceller.RestoreAbove && residualLevel * EchoCanceller.RestoreWhileBelow < microphoneLevel)
                {
                    if (++worse >= EchoCanceller.RestoreAfter)
                    {
                        for (int k = 0; k < taps; k++)
                        {
                            weights[k] = weights[taps + k];
                        }

                        backgroundLevel = residualLevel;
                        worse = 0;
                    }
                }
                else
                {
                    worse = 0;
                }

                int output = e;
                if (peak > EchoCanceller.FarEndActivePeak && (flags & EchoCanceller.Suppressing) != 0 && hangover == 0
                    && residualLevel * EchoCanceller.SuppressBelow < microphoneLevel)
                {
                    seed = (seed * 1664525u) + 1013904223u;
                    output = ((short)(seed >> 16) * (noiseLevel >> EchoCanceller.LevelFraction)) >> 14;
                    suppressed++;
                }

                // The line's noise: the residual's level falls to it at once, and rises back slowly only while the far end is quiet.
                int target = residualLevel << EchoCanceller.NoiseRiseShift;
                if (target < noise)
                {
                    noise = target;
                }
                else if (peak <= EchoCanceller.FarEndActivePeak)
                {
                    noise += (target - noise) >> EchoCanceller.NoiseRiseShift;
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
            state[EchoCanceller.NoiseLevel] = noise;
            state[EchoCanceller.NoiseSeed] = seed;
            state[EchoCanceller.DoubleTalkSamples] = doubleTalk;
            state[EchoCanceller.SuppressedSamples] = suppressed;
            state[EchoCanceller.PreviousFarEnd] = previousFarEnd;
            state[EchoCanceller.PreviousMicrophone] = previousMicrophone;
            state[EchoCanceller.BackgroundResidualLevel] = backgroundLevel;
            state[EchoCanceller.BackgroundBetter] = better;
            state[EchoCanceller.BackgroundWorse] = worse;
            state[EchoCanceller.TransferCount] = transfers;
        }

        private static long Magnitude(int value)
        {
            return value < 0 ? -(long)value : value;
        }

        private static int Limit(int value)
        {
            if (value > short.MaxValue)
            {
                return short.MaxValue;
            }

            return value < short.MinValue ? short.MinValue : value;
        }
    }
}
