using System;
using Ata.Core.Dtmf;
using Ata.Core.Media;

namespace Ata.Core.CallerId
{
    /// <summary>
    /// A short signal towards the phone as a list of segments played in order: silence, one or two
    /// tones (the alerting signals, DTMF keys) and at most one FSK transmission. It is rendered into
    /// caller-owned buffers by the media kernels (<see cref="IMediaKernels.Oscillate"/>), so the board
    /// runs it natively; nothing is allocated while rendering.
    /// </summary>
    public sealed class CallerIdSignal
    {
        /// <summary>The most segments a signal holds (a 20-digit DTMF number with its codes fits).</summary>
        public const int MaxSegments = 64;

        /// <summary>Amplitude of each tone of a pair, and of the FSK, in Q15 (about −12 dBFS for FSK).</summary>
        public const int Amplitude = 8000;

        /// <summary>The dual-tone alerting signal's frequencies (ETSI DT-AS, Telcordia CAS): 2130 and 2750 Hz.</summary>
        public const int AlertLowHz = 2130;

        /// <summary>The dual-tone alerting signal's upper frequency.</summary>
        public const int AlertHighHz = 2750;

        private const int SilenceSegment = 0;
        private const int ToneSegment = 1;
        private const int FskSegment = 2;

        private readonly int[] _kinds = new int[MaxSegments];
        private readonly int[] _low = new int[MaxSegments];
        private readonly int[] _high = new int[MaxSegments];
        private readonly int[] _samples = new int[MaxSegments];
        private readonly int[] _phases = new int[2];
        private readonly int[] _steps = new int[2];
        private readonly int[] _amplitudes = new int[2];
        private readonly FskModulator _fsk = new FskModulator();
        private int _count;
        private byte[] _message;
        private int _markHz;
        private int _spaceHz;
        private int _seizureBits;
        private int _markBits;
        private int _segment = -1;
        private int _left;

        /// <summary>Segments in the signal.</summary>
        public int Count
        {
            get { return _count; }
        }

        /// <summary>The signal's length in samples.</summary>
        public int TotalSamples
        {
            get
            {
                int total = 0;
                for (int i = 0; i < _count; i++)
                {
                    total += _samples[i];
                }

                return total;
            }
        }

        /// <summary>The signal's length in ms (rounded up).</summary>
        public long DurationMs
        {
            get { return (TotalSamples + 7) / 8; }
        }

        /// <summary>True from <see cref="Restart"/> until the last segment has been rendered.</summary>
        public bool IsPlaying
        {
            get { return _segment >= 0 && _segment < _count; }
        }

        /// <summary>Empties the signal.</summary>
        public void Clear()
        {
            _count = 0;
            _segment = -1;
            _message = null;
        }

        /// <summary>Adds <paramref name="ms"/> of silence.</summary>
        public void AddSilence(int ms)
        {
            Add(SilenceSegment, 0, 0, ms * 8);
        }

        /// <summary>Adds <paramref name="lowHz"/> + <paramref name="highHz"/> (0: none) for <paramref name="ms"/>.</summary>
        public void AddTones(int lowHz, int highHz, int ms)
        {
            Add(ToneSegment, lowHz, highHz, ms * 8);
        }

        /// <summary>Adds the dual-tone alerting signal (2130 + 2750 Hz) for <paramref name="ms"/>.</summary>
        public void AddAlert(int ms)
        {
            AddTones(AlertLowHz, AlertHighHz, ms);
        }

        /// <summary>Adds each key of <paramref name="keys"/> as DTMF for <paramref name="onMs"/>, each followed by <paramref name="offMs"/> of silence.</summary>
        public void AddDtmf(string keys, int onMs, int offMs)
        {
            char[] chars = keys.ToCharArray();
            for (int i = 0; i < chars.Length; i++)
            {
                int row, column;
                if (!DtmfKeypad.TryFind(chars[i], out row, out column))
                {
                    continue;
                }

                AddTones(DtmfKeypad.Rows[row], DtmfKeypad.Columns[column], onMs);
                AddSilence(offMs);
            }
        }

        /// <summary>Adds the FSK transmission of <paramref name="message"/> (only one per signal).</summary>
        public void AddFsk(int markHz, int spaceHz, byte[] message, int seizureBits, int markBits)
        {
            _message = message;
            _markHz = markHz;
            _spaceHz = spaceHz;
            _seizureBits = seizureBits;
            _markBits = markBits;
            Add(FskSegment, 0, 0, FskModulator.SamplesFor(FskModulator.BitsFor(seizureBits, markBits, message.Length)));
        }

        /// <summary>Plays from the start.</summary>
        public void Restart()
        {
            Enter(0);
        }

        /// <summary>Stops playing.</summary>
        public void Stop()
        {
            _segment = -1;
            _fsk.Stop();
        }

        /// <summary>
        /// Writes the next <paramref name="count"/> samples into <paramref name="target"/>: the signal, then
        /// silence once it has ended. Returns how many samples of the signal were written.
        /// </summary>
        public int Render(IMediaKernels kernels, short[] table, short[] target, int offset, int count)
        {
            Array.Clear(target, offset, count);
            int done = 0;
            while (done < count && IsPlaying)
            {
                int n = count - done;
                if (n > _left)
                {
                    n = _left;
                }

                int kind = _kinds[_segment];
                if (kind == ToneSegment)
                {
                    kernels.Oscillate(table, _phases, _steps, _amplitudes, 2, target, offset + done, n);
                }
                else if (kind == FskSegment)
                {
                    _fsk.Render(kernels, table, target, offset + done, n);
                }

                done += n;
                _left -= n;
                if (_left == 0)
                {
                    Enter(_segment + 1);
                }
            }

            return done;
        }

        private void Add(int kind, int low, int high, int samples)
        {
            if (_count == MaxSegments || samples <= 0)
            {
                return;
            }

            _kinds[_count] = kind;
            _low[_count] = low;
            _high[_count] = high;
            _samples[_count] = samples;
            _count++;
        }

        private void Enter(int segment)
        {
            _segment = segment;
            if (segment >= _count)
            {
                return;
            }

            _left = _samples[segment];
            if (_kinds[segment] == ToneSegment)
            {
                _phases[0] = 0;
                _phases[1] = 0;
                _steps[0] = SineTable.StepFor(_low[segment]);
                _steps[1] = _high[segment] == 0 ? 0 : SineTable.StepFor(_high[segment]);
                _amplitudes[0] = Amplitude;
                _amplitudes[1] = _high[segment] == 0 ? 0 : Amplitude;
            }
            else if (_kinds[segment] == FskSegment)
            {
                _fsk.Start(_markHz, _spaceHz, Amplitude, _message, _seizureBits, _markBits);
            }
        }
    }
}
