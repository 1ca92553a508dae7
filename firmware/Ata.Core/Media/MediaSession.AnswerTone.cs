namespace Ata.Core.Media
{
    /// <summary>
    /// A V.25 answer tone heard in either direction: the call switches to pass-through until it ends, and the echo
    /// canceller follows ITU-T G.168's tone disabler (stepped aside on the tone, back after quiet both ways).
    /// </summary>
    public sealed partial class MediaSession
    {
        /// <summary>
        /// True from a V.25 answer tone (2100 Hz) heard in either direction until the call ends: a fax machine, modem or
        /// alarm panel is on the call, and its audio passes through untouched: a fixed jitter buffer, no loss
        /// concealment, no comfort noise, no keys taken out as telephone events, G.711 (the only codecs here). It does
        /// not end on silence: a fax waits seconds between T.30's phases and then trains its modem again. Only the
        /// echo canceller follows G.168's tone disabler: its non-linear processor steps aside on the tone, the
        /// canceller too when the tone has phase reversals, and both come back after <see cref="ToneDisablerReleaseMs"/>
        /// of quiet both ways (<see cref="EchoCancellerBackAt"/>), until a new answer tone.
        /// </summary>
        public bool PassThrough { get; private set; }

        /// <summary>When the call switched to pass-through (ms), or −1.</summary>
        public long PassThroughAt { get; private set; }

        /// <summary>When an answer tone with phase reversals last turned the echo canceller off (ms), or −1.</summary>
        public long EchoCancellerOffAt { get; private set; }

        /// <summary>
        /// When the echo canceller and its non-linear processor last came back after an answer tone had stepped them
        /// aside (<see cref="ToneDisablerReleaseMs"/> of quiet both ways; ms), or −1.
        /// </summary>
        public long EchoCancellerBackAt { get; private set; }

        private void FollowAnswerTone(long now)
        {
            if (_toneDisabler && _farEndTone.QuietMs >= ToneDisablerReleaseMs && _handsetTone.QuietMs >= ToneDisablerReleaseMs)
            {
                ReleaseToneDisabler(now);
                return;
            }

            if (!_farEndTone.Detected && !_handsetTone.Detected)
            {
                return;
            }

            if (!PassThrough)
            {
                PassThrough = true;
                PassThroughAt = now;
                _buffer.Mode = JitterBufferMode.PassThrough;
                if (_keyHeld != '\0')
                {
                    ReleaseKey();
                    _keyHeld = '\0';
                }
            }

            if (!_toneDisabler)
            {
                _toneDisabler = true;
                _processorOffByTone = _echo.NonLinearProcessor;
                _echo.NonLinearProcessor = false;
            }

            if (_echo.Enabled && (_farEndTone.HasPhaseReversals || _handsetTone.HasPhaseReversals))
            {
                _echo.Enabled = false;
                _cancellerOffByTone = true;
                EchoCancellerOffAt = now;
            }
        }

        /// <summary>
        /// G.168's tone disabler lets go: the echo canceller and its non-linear processor come back as they were before
        /// the tone, and the detectors listen for a new one. Pass-through stays: a fax's next phase may follow.
        /// </summary>
        private void ReleaseToneDisabler(long now)
        {
            _toneDisabler = false;
            if (_cancellerOffByTone)
            {
                _echo.Enabled = true;
                _cancellerOffByTone = false;
            }

            if (_processorOffByTone)
            {
                _echo.NonLinearProcessor = true;
                _processorOffByTone = false;
            }

            EchoCancellerBackAt = now;
            _farEndTone.Reset();
            _handsetTone.Reset();
        }
    }
}
