namespace Ata.Core.Media
{
    /// <summary>
    /// Packet-loss concealment for G.711 after the idea of ITU-T G.711 Appendix I, simplified: when audio is
    /// missing, the last pitch period heard (found by <see cref="IMediaKernels.PitchLag"/>) is repeated,
    /// over one, then two, then three periods so it does not buzz; the first 10 ms at full level, then
    /// 20 % quieter every 10 ms, silent after 60 ms. When audio comes back, the first 5 ms fade from the
    /// concealment into it, so there is no click. The per-sample work runs in the media kernels.
    /// </summary>
    public sealed class LossConcealment
    {
        /// <summary>Samples of good audio kept for the pitch search and repetition (60 ms).</summary>
        public const int HistoryLength = 480;

        /// <summary>Shortest pitch period searched, in samples (200 Hz).</summary>
        public const int MinPitchLag = 40;

        /// <summary>Longest pitch period searched, in samples (about 66 Hz).</summary>
        public const int MaxPitchLag = 120;

        /// <summary>Samples compared by the pitch search.</summary>
        public const int PitchWindow = 160;

        /// <summary>Samples over which audio coming back fades in from the concealment (5 ms).</summary>
        public const int FadeSamples = 40;

        /// <summary>Samples in one concealment step (10 ms): the unit of the fade-out.</summary>
        public const int StepSamples = 80;

        /// <summary>Concealment steps after which only silence is played (60 ms).</summary>
        public const int SilentAfterSteps = 6;

        private const int Unity = 32768;

        private readonly IMediaKernels _kernels;
        private readonly short[] _history = new short[HistoryLength];
        private readonly short[] _continuation = new short[FadeSamples];
        private int _lag;
        private int _period;
        private int _phase;
        private int _steps;
        private bool _concealing;

        /// <summary>Concealment working through <paramref name="kernels"/>.</summary>
        public LossConcealment(IMediaKernels kernels)
        {
            _kernels = kernels;
        }

        /// <summary>True from the first concealed step until good audio comes back.</summary>
        public bool IsConcealing
        {
            get { return _concealing; }
        }

        /// <summary>Forgets the audio heard (a new stream).</summary>
        public void Reset()
        {
            System.Array.Clear(_history, 0, HistoryLength);
            _concealing = false;
            _steps = 0;
        }

        /// <summary>
        /// Takes <paramref name="count"/> samples of good audio about to be played, in place: after a
        /// concealment their start fades in from it. They become the history the next concealment repeats.
        /// </summary>
        public void Good(short[] samples, int offset, int count)
        {
            if (_concealing)
            {
                int fade = count < FadeSamples ? count : FadeSamples;
                int gain = GainAt(_steps);
                _kernels.Repeat(_history, HistoryLength - _period, _period, _phase, _continuation, 0, fade, gain, gain);
                _kernels.CrossFade(_continuation, 0, samples, offset, fade);
                _concealing = false;
                _steps = 0;
            }

            if (count >= HistoryLength)
            {
                System.Array.Copy(samples, offset + count - HistoryLength, _history, 0, HistoryLength);
                return;
            }

            System.Array.Copy(_history, count, _history, 0, HistoryLength - count);
            System.Array.Copy(samples, offset, _history, HistoryLength - count, count);
        }

        /// <summary>
        /// Writes <see cref="StepSamples"/> samples of concealment where audio is missing; false when they
        /// are silence (the concealment has faded out).
        /// </summary>
        public bool Conceal(short[] target, int offset)
        {
            if (!_concealing)
            {
                _concealing = true;
                _steps = 0;
                _lag = _kernels.PitchLag(_history, HistoryLength, PitchWindow, MinPitchLag, MaxPitchLag);
                _period = _lag;
                _phase = 0;
            }
            else if (_steps < 3 && _period + _lag <= HistoryLength)
            {
                // One more period in the loop; the phase moves with it so the next sample is the same one.
                _period += _lag;
                _phase += _lag;
            }

            if (_steps >= SilentAfterSteps)
            {
                System.Array.Clear(target, offset, StepSamples);
                return false;
            }

            _kernels.Repeat(_history, HistoryLength - _period, _period, _phase, target, offset, StepSamples, GainAt(_steps), GainAt(_steps + 1));
            _phase = (_phase + StepSamples) % _period;
            _steps++;
            return true;
        }

        private static int GainAt(int step)
        {
            if (step <= 1)
            {
                return Unity;
            }

            return step >= SilentAfterSteps ? 0 : Unity * (SilentAfterSteps - step) / (SilentAfterSteps - 1);
        }
    }
}
