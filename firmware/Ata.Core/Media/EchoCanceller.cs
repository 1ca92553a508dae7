using System;

namespace Ata.Core.Media
{
    /// <summary>
    /// The line's echo canceller, in the spirit of ITU-T G.168: the SLIC's two-wire hybrid reflects what
    /// plays in the earpiece back into the microphone path, and this takes it out again before the
    /// microphone's audio is sent. Each frame played to the earpiece is given to <see cref="Played"/> (the
    /// far-end reference); each microphone frame goes through <see cref="Cancel"/>, aligned with the reference
    /// played <see cref="BulkDelaySamples"/> earlier. The per-sample work (two filters in the two-path scheme:
    /// a background that learns by proportionate NLMS (IPNLMS) and a foreground that cancels; Geigel double-talk
    /// detector, non-linear processor with comfort noise) is the <see cref="IMediaKernels.CancelEcho"/> kernel;
    /// this class owns its state, allocated once. Pure: nothing is allocated per frame.
    /// </summary>
    public sealed class EchoCanceller
    {
        /// <summary>Taps by default: 16 ms at 8 kHz, the shortest tail G.168 allows.</summary>
        public const int DefaultTaps = 128;

        /// <summary>The largest flat delay before the tail, in samples (100 ms).</summary>
        public const int MaxBulkDelaySamples = 800;

        /// <summary>Slot of <c>state</c>: where the next far-end sample goes in the history, 0 to L − 1.</summary>
        public const int Position = 0;

        /// <summary>Slot: the energy of the last L halved, pre-whitened far-end samples.</summary>
        public const int Energy = 1;

        /// <summary>Slot: samples of double talk still to hold adaptation off.</summary>
        public const int Hangover = 2;

        /// <summary>Slot: the far end's peak |x| over the window (Geigel's reference).</summary>
        public const int Peak = 3;

        /// <summary>Slot: samples until the peak is measured over the whole window again.</summary>
        public const int PeakCountdown = 4;

        /// <summary>Slot: the residual's mean level |e| (what the foreground filter leaves, the output before the non-linear processor), in 1/16ths.</summary>
        public const int ResidualLevel = 5;

        /// <summary>Slot: the microphone's mean level |y|, in 1/16ths.</summary>
        public const int MicrophoneLevel = 6;

        /// <summary>Slot: the line's noise level (the residual's lowest level, rising slowly only while the far end is quiet), in 1/16ths shifted left by <see cref="NoiseRiseShift"/> (the comfort noise's level).</summary>
        public const int NoiseLevel = 7;

        /// <summary>Slot: the comfort noise generator's 32-bit state.</summary>
        public const int NoiseSeed = 8;

        /// <summary>Slot: <see cref="Adapting"/> and <see cref="Suppressing"/> (the non-linear processor).</summary>
        public const int Flags = 9;

        /// <summary>Slot: the NLMS step size μ in 1/32768ths.</summary>
        public const int Step = 10;

        /// <summary>Slot: samples spent in double talk (a count for figures).</summary>
        public const int DoubleTalkSamples = 11;

        /// <summary>Slot: samples the non-linear processor replaced by comfort noise (a count for figures).</summary>
        public const int SuppressedSamples = 12;

        /// <summary>Slot: the last far-end sample (for the pre-whitening filter).</summary>
        public const int PreviousFarEnd = 13;

        /// <summary>Slot: the last microphone sample (for the pre-whitening filter).</summary>
        public const int PreviousMicrophone = 14;

        /// <summary>Slot: the mean level |e| of what the background filter leaves, in 1/16ths.</summary>
        public const int BackgroundResidualLevel = 15;

        /// <summary>Slot: samples in a row the background filter has cancelled better than the foreground.</summary>
        public const int BackgroundBetter = 16;

        /// <summary>Slot: times the background filter's echo path was copied to the foreground (a count for figures).</summary>
        public const int TransferCount = 17;

        /// <summary>Slot: samples in a row the background filter has left far more than the foreground.</summary>
        public const int BackgroundWorse = 18;

        /// <summary>Values in the kernel's <c>state</c>.</summary>
        public const int StateLength = 19;

        /// <summary>
        /// The pre-whitening filter 1 − a·z⁻¹ (a = 0.7, in 1/32768ths) the filter learns through: speech's
        /// spectral tilt slows NLMS down; taken out of both the far end and the residual, it converges as on a flatter signal.
        /// </summary>
        public const int Whitening = 22938;

        /// <summary>Flag: the filter adapts (outside double talk).</summary>
        public const int Adapting = 1;

        /// <summary>Flag: the non-linear processor runs.</summary>
        public const int Suppressing = 2;

        /// <summary>Fraction bits of a tap weight (Q28).</summary>
        public const int WeightShift = 28;

        /// <summary>A weight's limit, ±(2³⁰ − 1): an echo path gain below 4.</summary>
        public const int MaxWeight = 0x3FFFFFFF;

        /// <summary>Shift that turns e·μ (μ in Q15) into a weight step's gain in Q28, before dividing by the energy.</summary>
        public const int GainShift = WeightShift - 15;

        /// <summary>The weight step's gain limit (before each tap's proportionate share), so that a step stays far inside 64 bits.</summary>
        public const int MaxGain = 32767;

        /// <summary>Regularisation δ per tap of the NLMS normalisation (of the halved, pre-whitened far end).</summary>
        public const int EnergyFloor = 1024;

        /// <summary>Mean energy per tap of the halved, pre-whitened far end below which the filter does not adapt.</summary>
        public const int AdaptAboveEnergy = 2048;

        /// <summary>Samples between full measurements of the far end's window peak.</summary>
        public const int PeakEvery = 16;

        /// <summary>Double talk holds adaptation off this long after the microphone last rose above half the far end's peak (30 ms).</summary>
        public const int HangoverSamples = 240;

        /// <summary>Fraction bits of the levels.</summary>
        public const int LevelFraction = 4;

        /// <summary>The levels follow |e| and |y| with a time constant of 2^LevelShift samples (8 ms).</summary>
        public const int LevelShift = 6;

        /// <summary>The noise level rises with a time constant of 2^NoiseRiseShift samples (128 ms); it falls at once.</summary>
        public const int NoiseRiseShift = 10;

        /// <summary>The far end counts as talking while its window peak is above this (about −48 dBFS).</summary>
        public const int FarEndActivePeak = 128;

        /// <summary>The non-linear processor replaces the residual when it is this many times below the microphone's level (12 dB).</summary>
        public const int SuppressBelow = 4;

        /// <summary>The background filter's echo path is copied to the foreground when what it leaves is below (TransferBelow − 1) / TransferBelow of what the foreground leaves (0.6 dB) ...</summary>
        public const int TransferBelow = 16;

        /// <summary>... and this many times below the microphone's level (18 dB: never while the near end talks at anything like the echo's level) ...</summary>
        public const int TransferCancels = 8;

        /// <summary>
        /// ... for this many samples in a row (16 ms), outside double talk: long enough that a near-end onset the detector
        /// misses, which the background's larger proportionate steps follow for a few milliseconds, is over before it could be copied.
        /// </summary>
        public const int TransferAfter = 128;

        /// <summary>The foreground's echo path is copied back to the background when the background leaves this many times more (6 dB) ...</summary>
        public const int RestoreAbove = 2;

        /// <summary>... for this many samples in a row (30 ms): a background gone astray starts again from the foreground.</summary>
        public const int RestoreAfter = 240;

        /// <summary>... while what the foreground leaves is this many times below the microphone's level (12 dB).</summary>
        public const int RestoreWhileBelow = 4;

        /// <summary>The background learns with the full step while what it leaves is this many times the line's noise level or more (12 dB) ...</summary>
        public const int FullStepAbove = 4;

        /// <summary>... with half of it while it is this many times the noise level or more (6 dB) ...</summary>
        public const int HalfStepAbove = 2;

        /// <summary>... and below that, with the step shifted right by this (a sixteenth).</summary>
        public const int NoiseStepShift = 4;

        /// <summary>
        /// The evenly spread part of each tap's share of the background's step, in 1/256ths of the mean share (IPNLMS with
        /// α = 0, Benesty and Gay 2002: half of the step is spread evenly, half goes to the taps in proportion to their weights,
        /// so a hybrid's few large taps converge first and the rest still learn).
        /// </summary>
        public const int EvenShare = 128;

        /// <summary>Added to Σ|w| (Q28) before the proportionate shares are taken from it (IPNLMS's ε: at the start every weight is 0).</summary>
        public const int ProportionFloor = 65536;

        /// <summary>The NLMS step size by default: μ = 0.75.</summary>
        public const int DefaultStep = 24576;

        private readonly IMediaKernels _kernels;
        private readonly short[] _history;
        private readonly int[] _weights;
        private readonly long[] _state = new long[StateLength];
        private readonly short[] _reference;
        private readonly short[] _aligned;
        private int _written;
        private int _playedSinceCancel;
        private bool _enabled = true;
        private bool _suppressing = true;

        /// <summary>An echo canceller of <paramref name="taps"/> taps (at least 16 ms: 128) working through <paramref name="kernels"/>.</summary>
        public EchoCanceller(IMediaKernels kernels, int taps, int frameSamples)
        {
            if (taps < 1 || frameSamples < 1)
            {
                throw new ArgumentOutOfRangeException("taps", "the canceller needs at least one tap and one sample a frame");
            }

            _kernels = kernels;
            _history = new short[4 * taps];
            _weights = new int[2 * taps];
            _reference = new short[frameSamples + MaxBulkDelaySamples + frameSamples];
            _aligned = new short[frameSamples];
            Reset();
        }

        /// <summary>Taps in the filter (the tail is Taps / 8 ms).</summary>
        public int Taps
        {
            get { return _weights.Length / 2; }
        }

        /// <summary>
        /// The flat delay, in samples, between a sample given to <see cref="Played"/> and the moment its echo
        /// can first reach the microphone samples given to <see cref="Cancel"/> (the audio path's buffering
        /// outside the canceller; 0 where the host hands both over at the same instant). 0 to <see cref="MaxBulkDelaySamples"/>.
        /// </summary>
        public int BulkDelaySamples { get; set; }

        /// <summary>Whether the canceller works on the microphone audio (on by default). Turning it on again starts it afresh.</summary>
        public bool Enabled
        {
            get
            {
                return _enabled;
            }

            set
            {
                if (value && !_enabled)
                {
                    Reset();
                }

                _enabled = value;
            }
        }

        /// <summary>Whether the non-linear processor runs (on by default; off to measure the filter alone).</summary>
        public bool NonLinearProcessor
        {
            get
            {
                return _suppressing;
            }

            set
            {
                _suppressing = value;
                SetFlags();
            }
        }

        /// <summary>The NLMS step size μ in 1/32768ths (<see cref="DefaultStep"/>).</summary>
        public int StepSize
        {
            get { return (int)_state[Step]; }
            set { _state[Step] = value; }
        }

        /// <summary>Milliseconds of microphone audio heard as double talk (adaptation held).</summary>
        public long DoubleTalkMs
        {
            get { return _state[DoubleTalkSamples] / 8; }
        }

        /// <summary>Times the background filter's echo path replaced the foreground's (the two-path scheme's transfers).</summary>
        public long Transfers
        {
            get { return _state[TransferCount]; }
        }

        /// <summary>Milliseconds of microphone audio the non-linear processor replaced by comfort noise.</summary>
        public long SuppressedMs
        {
            get { return _state[SuppressedSamples] / 8; }
        }

        /// <summary>Forgets the echo path and the reference (a new call).</summary>
        public void Reset()
        {
            Array.Clear(_history, 0, _history.Length);
            Array.Clear(_weights, 0, _weights.Length);
            Array.Clear(_state, 0, StateLength);
            Array.Clear(_reference, 0, _reference.Length);
            _state[Step] = DefaultStep;
            _state[NoiseSeed] = 0x2545F491;
            SetFlags();
            _written = 0;
            _playedSinceCancel = 0;
        }

        /// <summary>Takes <paramref name="count"/> samples just played to the earpiece (the far end's audio: the echo's source).</summary>
        public void Played(short[] samples, int offset, int count)
        {
            int length = _reference.Length;
            while (count > 0)
            {
                int n = length - _written;
                if (n > count)
                {
                    n = count;
                }

                Array.Copy(samples, offset, _reference, _written, n);
                _written = (_written + n) % length;
                offset += n;
                count -= n;
                _playedSinceCancel += n;
            }
        }

        /// <summary>
        /// Cancels the echo in a frame of microphone audio (<paramref name="count"/> samples from
        /// <paramref name="offset"/>, at most the frame size), in place. When nothing was played since the last
        /// frame (the earpiece carried no call audio), the reference is silence.
        /// </summary>
        public void Cancel(short[] microphone, int offset, int count)
        {
            if (!_enabled)
            {
                return;
            }

            if (_playedSinceCancel < count)
            {
                Array.Clear(_aligned, 0, count);
                Played(_aligned, 0, count - _playedSinceCancel);
            }

            _playedSinceCancel = 0;
            int length = _reference.Length;
            int delay = BulkDelaySamples < 0 ? 0 : (BulkDelaySamples > MaxBulkDelaySamples ? MaxBulkDelaySamples : BulkDelaySamples);
            int from = (((_written - delay - count) % length) + length) % length;
            int first = length - from;
            if (first >= count)
            {
                Array.Copy(_reference, from, _aligned, 0, count);
            }
            else
            {
                Array.Copy(_reference, from, _aligned, 0, first);
                Array.Copy(_reference, 0, _aligned, first, count - first);
            }

            _kernels.CancelEcho(_aligned, 0, microphone, offset, count, _history, _weights, _state);
        }

        private void SetFlags()
        {
            _state[Flags] = Adapting | (_suppressing ? Suppressing : 0);
        }
    }
}
