using Ata.Core.Dtmf;

namespace Ata.Core.Media
{
    /// <summary>
    /// Plays the far end's RFC 4733 DTMF events in the earpiece: from the first packet of an event (a new
    /// timestamp) its two tones sound, replacing the ordinary audio, until the end packet and the event's
    /// full duration have passed (or 250 ms without word, when the end packets were lost). Repeated end
    /// packets are ignored. Each event's key is queued for the caller. Tones come from two oscillators in
    /// the media kernels, at the level the event's volume field gives.
    /// </summary>
    public sealed class TelephoneEventReceiver
    {
        /// <summary>How long an event plays after its last packet when no end packet comes, in milliseconds.</summary>
        public const int SilenceTimeoutMs = 250;

        /// <summary>The peak amplitude of a sine at 0 dBm0 (G.711's 3.14 dBm0 ceiling below full scale).</summary>
        public const int ZeroDbm0Amplitude = 22656;

        private const int QueueSize = 16;

        private readonly IMediaKernels _kernels;
        private readonly short[] _table;
        private readonly int[] _phases = new int[2];
        private readonly int[] _steps = new int[2];
        private readonly int[] _amplitudes = new int[2];
        private readonly KeyQueue _queue = new KeyQueue(QueueSize);

        private bool _playing;
        private uint _timestamp;
        private bool _ended;
        private int _duration;
        private int _played;
        private long _lastPacketAt;
        private bool _haveFinished;
        private uint _finishedTimestamp;

        /// <summary>A receiver whose tones run in <paramref name="kernels"/>, from <paramref name="sineTable"/> (<see cref="SineTable.Build"/>).</summary>
        public TelephoneEventReceiver(IMediaKernels kernels, short[] sineTable)
        {
            _kernels = kernels;
            _table = sineTable;
        }

        /// <summary>DTMF events started by the far end.</summary>
        public long EventsReceived { get; private set; }

        /// <summary>Event packets that were not DTMF (flash, other events) or were cut short.</summary>
        public long Ignored { get; private set; }

        /// <summary>True while an event's tone sounds.</summary>
        public bool IsPlaying
        {
            get { return _playing; }
        }

        /// <summary>Takes one telephone-event packet's payload.</summary>
        public void OnPacket(byte[] payload, int offset, int length, uint timestamp, long now)
        {
            if (length < TelephoneEvent.PayloadSize)
            {
                Ignored++;
                return;
            }

            int code = payload[offset];
            bool end = (payload[offset + 1] & 0x80) != 0;
            int volume = payload[offset + 1] & 0x3F;
            int duration = (payload[offset + 2] << 8) | payload[offset + 3];
            if (_playing && timestamp == _timestamp)
            {
                _lastPacketAt = now;
                if (duration > _duration)
                {
                    _duration = duration;
                }

                _ended |= end;
                return;
            }

            if (_haveFinished && timestamp == _finishedTimestamp)
            {
                return;
            }

            char key = TelephoneEvent.KeyOf(code);
            int row;
            int column;
            if (!DtmfKeypad.TryFind(key, out row, out column))
            {
                Ignored++;
                return;
            }

            _playing = true;
            _timestamp = timestamp;
            _ended = end;
            _duration = duration;
            _played = 0;
            _lastPacketAt = now;
            _phases[0] = 0;
            _phases[1] = 0;
            _steps[0] = SineTable.StepFor(DtmfKeypad.Rows[row]);
            _steps[1] = SineTable.StepFor(DtmfKeypad.Columns[column]);
            int amplitude = AmplitudeFor(volume);
            _amplitudes[0] = amplitude;
            _amplitudes[1] = amplitude;
            EventsReceived++;
            _queue.Add(key);
        }

        /// <summary>
        /// Writes the event's tone over <paramref name="count"/> samples of <paramref name="frame"/> (the
        /// ordinary audio is replaced) when one is sounding at <paramref name="now"/>; false when not.
        /// </summary>
        public bool Render(short[] frame, int offset, int count, long now)
        {
            if (!_playing)
            {
                return false;
            }

            if ((_ended && _played >= _duration) || (!_ended && now - _lastPacketAt > SilenceTimeoutMs))
            {
                _playing = false;
                _haveFinished = true;
                _finishedTimestamp = _timestamp;
                return false;
            }

            System.Array.Clear(frame, offset, count);
            _kernels.Oscillate(_table, _phases, _steps, _amplitudes, 2, frame, offset, count);
            _played += count;
            return true;
        }

        /// <summary>Takes the next key the far end sent; false when none is waiting.</summary>
        public bool TryTake(out char key)
        {
            return _queue.TryTake(out key);
        }

        /// <summary>Stops any tone and forgets queued keys (a new far end).</summary>
        public void Reset()
        {
            _playing = false;
            _haveFinished = false;
            _queue.Clear();
        }

        /// <summary>The peak amplitude of each tone for an event's volume (−dBm0, 0–63).</summary>
        public static int AmplitudeFor(int volume)
        {
            double amplitude = ZeroDbm0Amplitude;
            for (int i = 0; i < volume; i++)
            {
                amplitude *= 0.8912509381337456;
            }

            return (int)(amplitude + 0.5);
        }
    }
}
