using Ata.Core.Media;

namespace Ata.Core.CallerId
{
    /// <summary>
    /// The on-hook display signals of one line, in time (pure: the caller passes the time in): caller ID
    /// for an incoming call, before the first ring or in the pause after it as the line's
    /// <see cref="CallerIdPlan"/> says, with the line reversal and the alerting signal before it; and
    /// the visual message-waiting message, sent on hook without ringing. The port plays
    /// <see cref="Fill"/> into the earpiece while <see cref="IsSending"/>, applies <see cref="Reversed"/>
    /// to the line's polarity, and starts the ringing cadence after the delay <see cref="Incoming"/> returns.
    /// </summary>
    public sealed class CallerIdSender
    {
        /// <summary>From the line reversal to the alerting signal (FSK; ETSI EN 300 659-1: at least 100 ms).</summary>
        public const int ReversalToAlertMs = 100;

        /// <summary>The dual-tone alerting signal's length before the first ring (ETSI, BT SIN 227: 100 ms).</summary>
        public const int AlertMs = 100;

        /// <summary>From the end of the alerting signal to the FSK (ETSI 45–500 ms; BT 45–75 ms).</summary>
        public const int AlertToFskMs = 60;

        /// <summary>From the line reversal to the first DTMF key (at least 200 ms).</summary>
        public const int ReversalToDtmfMs = 200;

        /// <summary>DTMF key and pause length (Telia's specification: 70 ms and 70 ms).</summary>
        public const int DtmfMs = 70;

        /// <summary>From the end of the signal to the first ring (200–500 ms).</summary>
        public const int SignalToRingMs = 250;

        /// <summary>From the end of the first ring to the FSK in the ring pause (Telcordia and ETSI: at least 500 ms).</summary>
        public const int FirstRingToFskMs = 500;

        /// <summary>Channel seizure and mark bits before the first ring (ETSI: 96–315 seizure, 55 ± 25 mark bits).</summary>
        public const int BeforeRingSeizureBits = 96;

        /// <summary>Mark bits before the first ring.</summary>
        public const int BeforeRingMarkBits = 55;

        /// <summary>Channel seizure bits in the ring pause (Telcordia: 300).</summary>
        public const int RingPauseSeizureBits = 300;

        /// <summary>Mark bits in the ring pause (Telcordia: 180).</summary>
        public const int RingPauseMarkBits = 180;

        /// <summary>The tone name the port reports while caller ID sounds.</summary>
        public const string CallerIdSignalName = "caller-id";

        /// <summary>The tone name the port reports while a visual message-waiting message sounds.</summary>
        public const string MessageWaitingSignalName = "message-waiting-indicator";

        private const int Idle = 0;
        private const int AwaitingFirstRingEnd = 1;
        private const int Scheduled = 2;
        private const int Sending = 3;

        private readonly CallerIdSignal _signal = new CallerIdSignal();
        private int _phase;
        private long _startAt;
        private bool _reversal;
        private bool _reversed;
        private string _name;

        /// <summary>True while the line's polarity should be reversed.</summary>
        public bool Reversed
        {
            get { return _reversed; }
        }

        /// <summary>True while the signal sounds (from its start, its leading silence included, to its end).</summary>
        public bool IsSending
        {
            get { return _phase == Sending; }
        }

        /// <summary>True from <see cref="Incoming"/> or <see cref="MessageWaiting"/> until the signal has ended or stopped.</summary>
        public bool IsBusy
        {
            get { return _phase != Idle; }
        }

        /// <summary>What sounds: <see cref="CallerIdSignalName"/> or <see cref="MessageWaitingSignalName"/>.</summary>
        public string SignalName
        {
            get { return _name; }
        }

        /// <summary>The signal being sent (for tests and the console).</summary>
        public CallerIdSignal Signal
        {
            get { return _signal; }
        }

        /// <summary>
        /// An incoming call from <paramref name="caller"/>: prepares its caller ID as <paramref name="plan"/>
        /// says and returns how long the first ring must wait, in ms (0 when it is sent after the first ring).
        /// </summary>
        public long Incoming(CallerIdPlan plan, Caller caller, long now)
        {
            Stop();
            if (plan.Method == CallerIdPlan.None)
            {
                return 0;
            }

            _name = CallerIdSignalName;
            _signal.Clear();
            _reversal = plan.BeforeFirstRing && plan.LineReversal;
            if (plan.Method == CallerIdPlan.Dtmf)
            {
                _signal.AddSilence(ReversalToDtmfMs);
                _signal.AddDtmf(DtmfDigits(plan, caller), DtmfMs, DtmfMs);
            }
            else if (plan.BeforeFirstRing)
            {
                AddPreamble(plan);
                _signal.AddFsk(plan.MarkHz, plan.SpaceHz, DisplayMessage.ForCall(caller), BeforeRingSeizureBits, BeforeRingMarkBits);
            }
            else
            {
                _signal.AddFsk(plan.MarkHz, plan.SpaceHz, DisplayMessage.ForCall(caller), RingPauseSeizureBits, RingPauseMarkBits);
            }

            if (!plan.BeforeFirstRing)
            {
                _phase = AwaitingFirstRingEnd;
                return 0;
            }

            Begin(now);
            return _signal.DurationMs + SignalToRingMs;
        }

        /// <summary>
        /// A visual message-waiting message (on, or off when <paramref name="waiting"/> is false) on hook,
        /// without ringing, where <paramref name="plan"/> sends one. Returns false when it sends none.
        /// </summary>
        public bool MessageWaiting(CallerIdPlan plan, bool waiting, long now)
        {
            if (!plan.VisualMessageWaiting || !plan.IsFsk || _phase != Idle)
            {
                return false;
            }

            _name = MessageWaitingSignalName;
            _signal.Clear();
            _reversal = plan.LineReversal;
            AddPreamble(plan);
            _signal.AddFsk(plan.MarkHz, plan.SpaceHz, DisplayMessage.ForMessageWaiting(waiting), BeforeRingSeizureBits, BeforeRingMarkBits);
            Begin(now);
            return true;
        }

        /// <summary>The ringer went on or off: the end of the first ring schedules caller ID sent in the ring pause.</summary>
        public void RingerChanged(bool on, long now)
        {
            if (!on && _phase == AwaitingFirstRingEnd)
            {
                _phase = Scheduled;
                _startAt = now + FirstRingToFskMs;
            }
        }

        /// <summary>Starts a signal scheduled for now or earlier.</summary>
        public void Tick(long now)
        {
            if (_phase == Scheduled && now >= _startAt)
            {
                Begin(now);
            }
        }

        /// <summary>Stops whatever is pending or sounding (the handset was lifted, the caller gave up); the polarity returns to normal.</summary>
        public void Stop()
        {
            _signal.Stop();
            _phase = Idle;
            _reversed = false;
        }

        /// <summary>
        /// Writes the next <paramref name="count"/> samples of the signal (silence after its end) into
        /// <paramref name="target"/>; once it has ended the sender is idle and the polarity normal.
        /// </summary>
        public void Fill(IMediaKernels kernels, short[] table, short[] target, int offset, int count)
        {
            _signal.Render(kernels, table, target, offset, count);
            if (_phase == Sending && !_signal.IsPlaying)
            {
                _phase = Idle;
                _reversed = false;
            }
        }

        /// <summary>The DTMF keys presenting <paramref name="caller"/>: start key, number, end key; or an information code (B + 2 digits) when there is no number.</summary>
        public static string DtmfDigits(CallerIdPlan plan, Caller caller)
        {
            if (caller.Number != null)
            {
                return plan.DtmfStart.ToString() + caller.Number + plan.DtmfEnd.ToString();
            }

            return "B" + (caller.NumberAbsence == Caller.Withheld ? "10" : "00") + plan.DtmfEnd.ToString();
        }

        private void AddPreamble(CallerIdPlan plan)
        {
            if (plan.AlertTone)
            {
                _signal.AddSilence(ReversalToAlertMs);
                _signal.AddAlert(AlertMs);
                _signal.AddSilence(AlertToFskMs);
            }
            else if (plan.LineReversal)
            {
                _signal.AddSilence(ReversalToAlertMs);
            }
        }

        private void Begin(long now)
        {
            _phase = Sending;
            _startAt = now;
            _reversed = _reversal;
            _signal.Restart();
        }
    }
}
