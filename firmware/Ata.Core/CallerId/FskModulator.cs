using Ata.Core.Media;

namespace Ata.Core.CallerId
{
    /// <summary>
    /// Continuous-phase binary FSK at 1200 baud into 8 kHz audio: the channel seizure (alternating
    /// bits), the mark signal (ones), then each byte of a message as a start bit (0), eight data bits
    /// least significant first and a stop bit (1). One oscillator of <see cref="IMediaKernels.Oscillate"/>
    /// makes the audio, its phase step set to the mark or space frequency for each bit, so the phase
    /// runs on unbroken across bit edges; the 6⅔ samples of a bit are dealt out by accumulation
    /// (bit i ends at sample ⌊(i + 1)·8000 / 1200⌋). The managed code runs once per bit, never per sample.
    /// </summary>
    public sealed class FskModulator
    {
        /// <summary>Bits per second.</summary>
        public const int Baud = 1200;

        /// <summary>Mark bits sent after the last stop bit, so a receiver's last byte is not cut off.</summary>
        public const int TrailingMarkBits = 2;

        private readonly int[] _phases = new int[1];
        private readonly int[] _steps = new int[1];
        private readonly int[] _amplitudes = new int[1];
        private byte[] _message;
        private int _seizureBits;
        private int _markBits;
        private int _markStep;
        private int _spaceStep;
        private int _bits;
        private int _bit;
        private int _bitLeft;
        private int _accumulator;

        /// <summary>Samples (8 kHz) that <paramref name="bits"/> bits take.</summary>
        public static int SamplesFor(int bits)
        {
            return (int)((long)bits * SineTable.SampleRate / Baud);
        }

        /// <summary>Bits of a transmission of <paramref name="messageLength"/> bytes after the given seizure and mark.</summary>
        public static int BitsFor(int seizureBits, int markBits, int messageLength)
        {
            return seizureBits + markBits + (messageLength * 10) + TrailingMarkBits;
        }

        /// <summary>True until every bit has been rendered.</summary>
        public bool IsSending
        {
            get { return _message != null && (_bit < _bits || _bitLeft > 0); }
        }

        /// <summary>Starts sending <paramref name="message"/> after <paramref name="seizureBits"/> of channel seizure and <paramref name="markBits"/> of mark.</summary>
        public void Start(int markHz, int spaceHz, int amplitude, byte[] message, int seizureBits, int markBits)
        {
            _message = message;
            _seizureBits = seizureBits;
            _markBits = markBits;
            _markStep = SineTable.StepFor(markHz);
            _spaceStep = SineTable.StepFor(spaceHz);
            _amplitudes[0] = amplitude;
            _phases[0] = 0;
            _bits = BitsFor(seizureBits, markBits, message.Length);
            _bit = 0;
            _bitLeft = 0;
            _accumulator = 0;
        }

        /// <summary>Stops; later renders add nothing.</summary>
        public void Stop()
        {
            _message = null;
        }

        /// <summary>
        /// Adds up to <paramref name="count"/> samples of the signal into <paramref name="target"/> (the
        /// kernel adds, saturating) and returns how many it added: fewer once the last bit is done.
        /// </summary>
        public int Render(IMediaKernels kernels, short[] table, short[] target, int offset, int count)
        {
            int done = 0;
            while (done < count && _message != null)
            {
                if (_bitLeft == 0)
                {
                    if (_bit >= _bits)
                    {
                        break;
                    }

                    _steps[0] = BitAt(_bit) ? _markStep : _spaceStep;
                    _bit++;
                    _accumulator += SineTable.SampleRate;
                    _bitLeft = _accumulator / Baud;
                    _accumulator -= _bitLeft * Baud;
                    continue;
                }

                int n = count - done;
                if (n > _bitLeft)
                {
                    n = _bitLeft;
                }

                kernels.Oscillate(table, _phases, _steps, _amplitudes, 1, target, offset + done, n);
                _bitLeft -= n;
                done += n;
            }

            return done;
        }

        /// <summary>Bit <paramref name="index"/> of the transmission: true for mark (1).</summary>
        public bool BitAt(int index)
        {
            if (index < _seizureBits)
            {
                return (index & 1) == 1;
            }

            index -= _seizureBits;
            if (index < _markBits)
            {
                return true;
            }

            index -= _markBits;
            int octet = index / 10;
            if (octet >= _message.Length)
            {
                return true;
            }

            int position = index - (octet * 10);
            if (position == 0)
            {
                return false;
            }

            if (position == 9)
            {
                return true;
            }

            return ((_message[octet] >> (position - 1)) & 1) == 1;
        }
    }
}
