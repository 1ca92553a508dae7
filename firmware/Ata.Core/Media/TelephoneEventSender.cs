namespace Ata.Core.Media
{
    /// <summary>
    /// Sends a key pressed on the handset as RFC 4733 telephone events, one packet per 20 ms frame: the
    /// first with the marker bit, then updates with the growing duration, all with the event's start
    /// timestamp; on release, three end packets with the final duration (one a frame, so a burst of loss
    /// does not take all three). An event longer than a packet's duration field can say goes on as a new
    /// segment (RFC 4733 §2.5.1.3). While a key is held the session sends events instead of audio.
    /// </summary>
    public sealed class TelephoneEventSender
    {
        /// <summary>End packets sent for each event.</summary>
        public const int EndPackets = 3;

        /// <summary>The volume reported (−dBm0): the nominal level of a handset's DTMF.</summary>
        public const int Volume = 10;

        private int _code = -1;
        private uint _start;
        private int _duration;
        private bool _first;
        private bool _released;
        private int _endsLeft;

        /// <summary>Events started.</summary>
        public long EventsSent { get; private set; }

        /// <summary>True while a key is held: audio is not sent.</summary>
        public bool IsHeld
        {
            get { return _code >= 0 && !_released; }
        }

        /// <summary>True while event packets remain to be sent (held, or end packets still due).</summary>
        public bool IsActive
        {
            get { return _code >= 0; }
        }

        /// <summary>
        /// Starts an event for <paramref name="key"/> at <paramref name="timestamp"/>; false when the key is
        /// not a DTMF key. A key still held is ended first, without its end packets.
        /// </summary>
        public bool Press(char key, uint timestamp)
        {
            int code = TelephoneEvent.EventOf(key);
            if (code < 0)
            {
                return false;
            }

            _code = code;
            _start = timestamp;
            _duration = 0;
            _first = true;
            _released = false;
            _endsLeft = EndPackets;
            EventsSent++;
            return true;
        }

        /// <summary>Ends the held key: the next frames carry its end packets.</summary>
        public void Release()
        {
            if (_code >= 0)
            {
                _released = true;
            }
        }

        /// <summary>
        /// The event packet for the frame of <paramref name="frameSamples"/> samples now ending, written at
        /// <paramref name="offset"/>; returns its payload length, or 0 when there is none.
        /// </summary>
        public int Next(byte[] buffer, int offset, int frameSamples, out bool marker, out uint timestamp)
        {
            marker = false;
            timestamp = _start;
            if (_code < 0)
            {
                return 0;
            }

            if (!_released)
            {
                if (_duration + frameSamples > TelephoneEvent.MaxDuration)
                {
                    _start += (uint)_duration;
                    _duration = 0;
                    timestamp = _start;
                }

                _duration += frameSamples;
                marker = _first;
                _first = false;
                return TelephoneEvent.Write(buffer, offset, _code, false, Volume, _duration);
            }

            int length = TelephoneEvent.Write(buffer, offset, _code, true, Volume, _duration);
            if (--_endsLeft == 0)
            {
                _code = -1;
            }

            return length;
        }
    }
}
