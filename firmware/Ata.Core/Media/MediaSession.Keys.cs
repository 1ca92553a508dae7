namespace Ata.Core.Media
{
    /// <summary>
    /// Keys as RFC 4733 telephone events: the handset's keys heard in-band and sent (audio muted meanwhile), and the
    /// far end's events taken and sounded in the earpiece.
    /// </summary>
    public sealed partial class MediaSession
    {
        /// <summary>
        /// Whether keys pressed on the handset are listened for in the microphone audio and sent as
        /// telephone events (when the far end takes them). On by default.
        /// </summary>
        public bool KeysAsEvents { get; set; } = true;

        /// <summary>True while the far end's DTMF event sounds in the earpiece.</summary>
        public bool IsPlayingFarEndKey
        {
            get { return _eventReceiver.IsPlaying; }
        }

        /// <summary>Starts sending <paramref name="key"/> as a telephone event (no-op when the far end takes none).</summary>
        public void PressKey(char key)
        {
            if (_parameters.EventPayloadType >= 0 && _eventSender.Press(key, _timestamp))
            {
                Quality.EventsSent++;
            }
        }

        /// <summary>Ends the key being sent.</summary>
        public void ReleaseKey()
        {
            _eventSender.Release();
        }

        /// <summary>Takes the next key the far end sent as an event; false when none is waiting.</summary>
        public bool TryTakeFarEndKey(out char key)
        {
            return _eventReceiver.TryTake(out key);
        }

        private void ListenForKeys(short[] microphone, int offset)
        {
            _keys.Feed(microphone, offset, FrameSamples);
            char discarded;
            while (_keys.TryTake(out discarded))
            {
            }

            char held = _keys.HeldKey;
            if (held == _keyHeld)
            {
                return;
            }

            if (held == '\0')
            {
                ReleaseKey();
            }
            else
            {
                PressKey(held);
            }

            _keyHeld = held;
        }
    }
}
