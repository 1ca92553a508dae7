using Ata.Core.Media;

namespace Ata.Core.CallerId
{
    /// <summary>
    /// Caller ID during a call (type 2: ETSI EN 300 659-2 off-hook, Telcordia "calling identity delivery
    /// on call waiting"): the dual-tone alerting signal (2130 + 2750 Hz, 80 ms) while the far end is
    /// muted; the phone acknowledges with a DTMF key (<see cref="ExpectedAcknowledgement"/>: <c>D</c> for
    /// Bell 202 phones, <c>A</c> for ETSI ones) within <see cref="AcknowledgeWithinMs"/>; then the FSK
    /// call set-up message follows (mark bits only, no channel seizure). Without the acknowledgement
    /// nothing more is sent. Pure: the caller passes the time in, mutes the call's audio while
    /// <see cref="IsActive"/>, plays <see cref="Fill"/> into the earpiece, and hands the keys the
    /// handset's DTMF detector hears to <see cref="Acknowledged"/>.
    /// </summary>
    public sealed class OffHookCallerId
    {
        /// <summary>The alerting signal's length (Telcordia CAS: 80 ms; ETSI DT-AS off hook: 80 ms).</summary>
        public const int AlertMs = 80;

        /// <summary>How long after the alerting signal's end the acknowledgement may come.</summary>
        public const int AcknowledgeWithinMs = 160;

        /// <summary>From the acknowledgement to the FSK (50–500 ms).</summary>
        public const int AcknowledgementToFskMs = 60;

        /// <summary>Mark bits before the message (no channel seizure off hook).</summary>
        public const int MarkBits = 80;

        private const int Idle = 0;
        private const int Alerting = 1;
        private const int AwaitingAcknowledgement = 2;
        private const int Sending = 3;

        private readonly CallerIdSignal _signal = new CallerIdSignal();
        private CallerIdPlan _plan;
        private byte[] _message;
        private int _phase;
        private long _alertEndsAt;

        /// <summary>True from <see cref="Start"/> until the message has been sent or given up: the call's audio stays muted.</summary>
        public bool IsActive
        {
            get { return _phase != Idle; }
        }

        /// <summary>True while the phone's acknowledgement is awaited.</summary>
        public bool AwaitingAcknowledgementNow
        {
            get { return _phase == AwaitingAcknowledgement || _phase == Alerting; }
        }

        /// <summary>The key the phone acknowledges with under the plan started: <c>D</c> (Bell 202) or <c>A</c> (ETSI).</summary>
        public char ExpectedAcknowledgement
        {
            get { return _plan != null && _plan.Method == CallerIdPlan.FskBell202 ? 'D' : 'A'; }
        }

        /// <summary>
        /// A second call from <paramref name="caller"/> arrives during a call: the alerting signal starts
        /// now. Returns false (nothing starts) when <paramref name="plan"/> has no off-hook caller ID
        /// (<see cref="CallerIdPlan.OffHook"/>).
        /// </summary>
        public bool Start(CallerIdPlan plan, Caller caller, long now)
        {
            Stop();
            if (!plan.OffHook || !plan.IsFsk)
            {
                return false;
            }

            _plan = plan;
            _message = DisplayMessage.ForCall(caller);
            _signal.Clear();
            _signal.AddAlert(AlertMs);
            _signal.Restart();
            _alertEndsAt = now + AlertMs;
            _phase = Alerting;
            return true;
        }

        /// <summary>The handset's DTMF detector heard <paramref name="key"/>: the expected acknowledgement brings the FSK.</summary>
        public void Acknowledged(char key, long now)
        {
            if (!AwaitingAcknowledgementNow || key != ExpectedAcknowledgement)
            {
                return;
            }

            _signal.Clear();
            _signal.AddSilence(AcknowledgementToFskMs);
            _signal.AddFsk(_plan.MarkHz, _plan.SpaceHz, _message, 0, MarkBits);
            _signal.Restart();
            _phase = Sending;
        }

        /// <summary>Gives up when no acknowledgement came in time.</summary>
        public void Tick(long now)
        {
            if (_phase == Alerting && now >= _alertEndsAt)
            {
                _phase = AwaitingAcknowledgement;
            }

            if (_phase == AwaitingAcknowledgement && now >= _alertEndsAt + AcknowledgeWithinMs)
            {
                Stop();
            }
        }

        /// <summary>Stops at once (the call ended, the second caller gave up).</summary>
        public void Stop()
        {
            _signal.Stop();
            _phase = Idle;
        }

        /// <summary>Writes the next <paramref name="count"/> samples of the alerting signal or the message (silence in between and after).</summary>
        public void Fill(IMediaKernels kernels, short[] table, short[] target, int offset, int count)
        {
            _signal.Render(kernels, table, target, offset, count);
            if (_phase == Sending && !_signal.IsPlaying)
            {
                _phase = Idle;
            }
        }
    }
}
