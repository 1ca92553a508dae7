using System;
using Ata.Core.Media;

namespace Ata.Core.Tones
{
    /// <summary>
    /// The cadence scheduler and generator of one line: plays a <see cref="Tone"/> into caller-owned
    /// buffers as 16-bit PCM, A-law or µ-law at 8 kHz, by copying from the tone's loop buffers, or adds
    /// it into audio already there (a call-waiting beep over a call) through the media kernels. Nothing
    /// is allocated while filling.
    /// </summary>
    public sealed class TonePlayer
    {
        private const int PcmFormat = 0;
        private const int ALawFormat = 1;
        private const int MuLawFormat = 2;
        private const int MixFormat = 3;

        private Tone _tone;
        private int _segment = -1;
        private long _segmentLeft;
        private int _phase;
        private IMediaKernels _mixKernels;
        private int _mixGain;

        /// <summary>The tone being played, or null.</summary>
        public Tone Tone
        {
            get { return _tone; }
        }

        /// <summary>True while a tone is set and its cadence has not ended.</summary>
        public bool IsPlaying
        {
            get { return _tone != null && _segment >= 0; }
        }

        /// <summary>Starts <paramref name="tone"/> from its first segment (null stops).</summary>
        public void Start(Tone tone)
        {
            _tone = tone;
            if (tone == null)
            {
                _segment = -1;
                return;
            }

            Enter(0);
        }

        /// <summary>Stops playing; later fills are silence.</summary>
        public void Stop()
        {
            _tone = null;
            _segment = -1;
        }

        /// <summary>Fills <paramref name="count"/> samples of 16-bit PCM.</summary>
        public void Fill(short[] buffer, int offset, int count)
        {
            Render(PcmFormat, buffer, null, offset, count);
        }

        /// <summary>Fills <paramref name="count"/> samples of G.711 A-law.</summary>
        public void FillALaw(byte[] buffer, int offset, int count)
        {
            Render(ALawFormat, null, buffer, offset, count);
        }

        /// <summary>Fills <paramref name="count"/> samples of G.711 µ-law.</summary>
        public void FillMuLaw(byte[] buffer, int offset, int count)
        {
            Render(MuLawFormat, null, buffer, offset, count);
        }

        /// <summary>
        /// Adds <paramref name="count"/> samples of the tone, scaled by <paramref name="gain"/> (1/32768ths),
        /// into the 16-bit PCM already in <paramref name="buffer"/>, saturating; silent segments add nothing.
        /// </summary>
        public void Mix(short[] buffer, int offset, int count, IMediaKernels kernels, int gain)
        {
            _mixKernels = kernels;
            _mixGain = gain;
            Render(MixFormat, buffer, null, offset, count);
        }

        private void Render(int format, short[] pcm, byte[] coded, int offset, int count)
        {
            while (count > 0)
            {
                if (_tone == null || _segment < 0)
                {
                    Silence(format, pcm, coded, offset, count);
                    return;
                }

                int n = count;
                if (_segmentLeft >= 0 && _segmentLeft < n)
                {
                    n = (int)_segmentLeft;
                }

                ToneLoop loop = _tone.Loops[_segment];
                if (loop == null)
                {
                    Silence(format, pcm, coded, offset, n);
                }
                else
                {
                    Copy(format, loop, pcm, coded, offset, n);
                }

                offset += n;
                count -= n;
                if (_segmentLeft >= 0)
                {
                    _segmentLeft -= n;
                    if (_segmentLeft == 0)
                    {
                        Next();
                    }
                }
            }
        }

        private void Copy(int format, ToneLoop loop, short[] pcm, byte[] coded, int offset, int count)
        {
            int period = loop.Period;
            while (count > 0)
            {
                int n = period - _phase;
                if (n > count)
                {
                    n = count;
                }

                if (format == MixFormat)
                {
                    _mixKernels.MixScaled(loop.Pcm, _phase, pcm, offset, n, _mixGain);
                }
                else if (format == PcmFormat)
                {
                    Array.Copy(loop.Pcm, _phase, pcm, offset, n);
                }
                else
                {
                    Array.Copy(format == ALawFormat ? loop.ALaw : loop.MuLaw, _phase, coded, offset, n);
                }

                _phase += n;
                if (_phase == period)
                {
                    _phase = 0;
                }

                offset += n;
                count -= n;
            }
        }

        private static void Silence(int format, short[] pcm, byte[] coded, int offset, int count)
        {
            if (format == MixFormat)
            {
                return;
            }

            if (format == PcmFormat)
            {
                Array.Clear(pcm, offset, count);
                return;
            }

            byte code = format == ALawFormat ? G711.ALawSilence : G711.MuLawSilence;
            for (int i = 0; i < count; i++)
            {
                coded[offset + i] = code;
            }
        }

        private void Next()
        {
            int next = _segment + 1;
            if (next >= _tone.SegmentCount)
            {
                next = _tone.LoopFrom;
            }

            if (next < 0)
            {
                _segment = -1;
                return;
            }

            Enter(next);
        }

        private void Enter(int segment)
        {
            _segment = segment;
            _phase = 0;
            int ms = _tone.Durations[segment];
            _segmentLeft = ms == 0 ? -1 : (long)ms * (ToneLoop.SampleRate / 1000);
        }
    }
}
