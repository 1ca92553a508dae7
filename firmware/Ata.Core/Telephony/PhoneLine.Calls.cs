namespace Ata.Core.Telephony
{
    /// <summary>
    /// What call control tells the line: the far end ringing (ringback or its early media), the call up or ended, a second
    /// call waiting, and ringing for an incoming call or a test ring.
    /// </summary>
    public sealed partial class PhoneLine
    {
        /// <summary>
        /// The far end is ringing: the national ringback tone plays, unless the far end sends its own
        /// audio (<paramref name="earlyMedia"/>), which then plays instead.
        /// </summary>
        public void FarEndRinging(bool earlyMedia, long now)
        {
            if (_state != LineState.Calling && _state != LineState.Ringback)
            {
                return;
            }

            SetState(LineState.Ringback, now);
            if (earlyMedia)
            {
                StopTone(now);
            }
            else if (_toneName != Tones.ToneName.Ringback)
            {
                Play(Tones.ToneName.Ringback, now);
            }
        }

        /// <summary>The call is up (answered by the far end, or by this handset): tones stop, the call's audio plays.</summary>
        public void Connected(long now)
        {
            if (_state != LineState.Calling && _state != LineState.Ringback && _state != LineState.Answered)
            {
                return;
            }

            StopTone(now);
            SetState(LineState.Connected, now);
        }

        /// <summary>
        /// The call could not be made or has ended while the handset is still off hook:
        /// <paramref name="tone"/> (busy, congestion, special information, refusal) tells why, then the
        /// howler follows as after any outcome tone.
        /// </summary>
        public void CallEnded(string tone, long now)
        {
            if (!LineState.IsInCall(_state))
            {
                return;
            }

            SetState(LineState.Signalling, now);
            Play(tone, now);
        }

        /// <summary>True while the tone sounding plays over the call's audio instead of replacing it (call waiting).</summary>
        public bool ToneOverCall
        {
            get { return _toneName == Tones.ToneName.CallWaiting; }
        }

        /// <summary>A second call waits during the call: the national call-waiting tone sounds over it (only while connected).</summary>
        public void CallWaiting(long now)
        {
            if (_state == LineState.Connected)
            {
                Play(Tones.ToneName.CallWaiting, now);
            }
        }

        /// <summary>The waiting call was answered or gave up: the call-waiting tone stops.</summary>
        public void StopCallWaiting(long now)
        {
            if (ToneOverCall)
            {
                StopTone(now);
            }
        }

        /// <summary>Starts ringing with the national cadence (only when idle).</summary>
        public void Ring(long now)
        {
            RingAfter(0, now);
        }

        /// <summary>
        /// The line rings from now (lifting the handset answers), but the ringer's cadence starts only
        /// <paramref name="delayMs"/> later: caller ID sent before the first ring goes first.
        /// </summary>
        public void RingAfter(long delayMs, long now)
        {
            if (_state != LineState.Idle)
            {
                return;
            }

            _ringUntil = -1;
            _ringSince = now + delayMs;
            SetState(LineState.Ringing, now);
            Tick(true, now);
        }

        /// <summary>
        /// A test ring: rings with the national cadence for <paramref name="durationMs"/>, then stops by
        /// itself (lifting the handset ends it too). Only when idle; returns whether it rings.
        /// </summary>
        public bool RingFor(long durationMs, long now)
        {
            if (_state != LineState.Idle)
            {
                return false;
            }

            Ring(now);
            _ringUntil = now + durationMs;
            return true;
        }

        /// <summary>Stops ringing (the caller gave up).</summary>
        public void StopRinging(long now)
        {
            if (_state != LineState.Ringing)
            {
                return;
            }

            SetRinger(false, now);
            SetState(LineState.Idle, now);
        }
    }
}
