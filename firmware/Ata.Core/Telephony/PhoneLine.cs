using Ata.Core.DialPlan;
using Ata.Core.Tones;

namespace Ata.Core.Telephony
{
    /// <summary>
    /// One telephone line as the household meets it: off hook gives dial tone when the line is
    /// registered and the no-service signal when it is not; the first digit stops the tone; digits are
    /// collected against the dial plan, with the profile's short and long inter-digit timers, until a
    /// number is ready to call (the hand-off point to call setup) or the reorder tone says it is not;
    /// a handset left off hook gets the howler, then silence; ringing follows the national cadence.
    /// Pure: the caller passes the time and the registration, and calls <see cref="Tick"/>.
    /// </summary>
    public sealed partial class PhoneLine
    {
        /// <summary>Off hook with no digit this long: the howler.</summary>
        public const long FirstDigitTimeoutMs = 30000;

        /// <summary>An outcome tone (or no service) this long with the handset still off hook: the howler.</summary>
        public const long SignalTimeoutMs = 30000;

        /// <summary>How long the howler sounds before silence.</summary>
        public const long HowlerMs = 60000;

        /// <summary>The longest number collected; more digits are reorder.</summary>
        public const int MaxDigits = 32;

        /// <summary>Method name of a DTMF digit.</summary>
        public const string Dtmf = "dtmf";

        /// <summary>Method name of a rotary digit.</summary>
        public const string Pulse = "pulse";

        private readonly int _line;
        private readonly ILineObserver _observer;
        private readonly TonePlayer _player = new TonePlayer();
        private LineProfile _profile;
        private string _state = LineState.Idle;
        private long _stateSince;
        private string _digits = "";
        private long _lastDigitAt;
        private DialMatch _match;
        private string _toneName;
        private long _toneSince;
        private long _ringSince;
        private long _ringUntil = -1;
        private bool _ringerOn;
        private bool _serviceless;
        private string _detail;

        /// <summary>Creates line <paramref name="line"/> (1-based), idle, with <paramref name="profile"/>.</summary>
        public PhoneLine(int line, LineProfile profile, ILineObserver observer)
        {
            _line = line;
            _profile = profile;
            _observer = observer;
        }

        /// <summary>The state (see <see cref="LineState"/>).</summary>
        public string State
        {
            get { return _state; }
        }

        /// <summary>The tone sounding, by name, or null.</summary>
        public string ToneName
        {
            get { return _toneName; }
        }

        /// <summary>Digits collected so far.</summary>
        public string Digits
        {
            get { return _digits; }
        }

        /// <summary>The player producing the line's audio.</summary>
        public TonePlayer Player
        {
            get { return _player; }
        }

        /// <summary>The profile in force.</summary>
        public LineProfile Profile
        {
            get { return _profile; }
        }

        /// <summary>True while the ringer is on (within the ring cadence).</summary>
        public bool RingerOn
        {
            get { return _ringerOn; }
        }

        /// <summary>The number of the last caller presented on the line (what call return calls), or null.</summary>
        public string LastCaller { get; set; }

        /// <summary>A message is waiting: off hook gives the stuttered dial tone.</summary>
        public bool MessageWaiting { get; set; }

        /// <summary>Takes a new profile; a tone sounding continues from the new plan.</summary>
        public void Configure(LineProfile profile, long now)
        {
            _profile = profile;
            if (_toneName != null)
            {
                Play(_toneName, now);
            }
        }

        /// <summary>The handset was lifted.</summary>
        public void OffHook(bool registered, long now)
        {
            if (_state == LineState.Ringing)
            {
                SetRinger(false, now);
                SetState(LineState.Answered, now);
                return;
            }

            if (_state == LineState.Idle)
            {
                GiveDialTone(registered, now);
            }
        }

        /// <summary>The handset was put down.</summary>
        public void OnHook(long now)
        {
            if (_state == LineState.Idle || _state == LineState.Ringing)
            {
                return;
            }

            StopTone(now);
            _digits = "";
            SetState(LineState.Idle, now);
        }

        /// <summary>A hook flash (R key): before a call it gives dial tone again; in a call it is call control's.</summary>
        public void Flash(bool registered, long now)
        {
            if (!LineState.IsOffHook(_state))
            {
                return;
            }

            _observer.HookFlashed(_line, now);
            if (!LineState.IsInCall(_state))
            {
                GiveDialTone(registered, now);
            }
        }

        /// <summary>A digit was dialled by <paramref name="method"/> (<see cref="Dtmf"/> or <see cref="Pulse"/>).</summary>
        public void Digit(char digit, string method, long now)
        {
            if (!LineState.IsOffHook(_state))
            {
                return;
            }

            _observer.DigitDialled(_line, digit, method, now);
            if (_state == LineState.OffHook || _state == LineState.NoService)
            {
                // Without registration only an emergency number can be called: collect it all the same.
                _serviceless = _state == LineState.NoService;
                StopTone(now);
                _digits = "";
                SetState(LineState.Dialing, now);
            }
            else if (_state != LineState.Dialing)
            {
                return;
            }

            _digits += digit.ToString();
            _lastDigitAt = now;
            Evaluate(now);
        }

        /// <summary>Advances the line's timers; <paramref name="registered"/> is the line's registration now.</summary>
        public void Tick(bool registered, long now)
        {
            if (_toneName != null)
            {
                Tone tone = _profile.Tones.Get(_toneName);
                if (tone == null || tone.SegmentAt(now - _toneSince) < 0)
                {
                    StopTone(now);
                }
            }

            long inState = now - _stateSince;
            if (_state == LineState.Ringing && _ringUntil >= 0 && now >= _ringUntil)
            {
                StopRinging(now);
            }
            else if (_state == LineState.Ringing)
            {
                Tone ring = _profile.Tones.Get(Tones.ToneName.Ring);
                SetRinger(ring != null && now >= _ringSince && ring.IsOnAt(now - _ringSince), now);
            }
            else if (_state == LineState.OffHook || _state == LineState.NoService)
            {
                if (inState >= FirstDigitTimeoutMs)
                {
                    Howl(now);
                }
                else if ((_state == LineState.OffHook) != registered)
                {
                    GiveDialTone(registered, now);
                }
            }
            else if (_state == LineState.Dialing)
            {
                long quiet = now - _lastDigitAt;
                if (_match == DialMatch.CompleteOrLonger && quiet >= _profile.DigitMap.ShortTimerMs)
                {
                    Ready(_digits, now);
                }
                else if (_match == DialMatch.Partial && quiet >= _profile.DigitMap.LongTimerMs)
                {
                    Finish(DialOutcome.NoMatch, _digits, "no more digits within " + _profile.DigitMap.LongTimerMs.ToString() + " ms", Tones.ToneName.Congestion, now);
                }
            }
            else if (_state == LineState.Signalling)
            {
                if (inState >= SignalTimeoutMs)
                {
                    Howl(now);
                }
            }
            else if (_state == LineState.Howler && inState >= HowlerMs)
            {
                StopTone(now);
                SetState(LineState.Lockout, now);
            }
        }

        private void GiveDialTone(bool registered, long now)
        {
            _digits = "";
            if (registered)
            {
                SetState(LineState.OffHook, now);
                Play(MessageWaiting ? Tones.ToneName.Stutter : Tones.ToneName.Dial, now);
            }
            else
            {
                SetState(LineState.NoService, now);
                Play(Tones.ToneName.NoService, now);
            }
        }

        private void Howl(long now)
        {
            SetState(LineState.Howler, now);
            Play(Tones.ToneName.ReceiverOffHook, now);
        }

        private void Play(string name, long now)
        {
            StopTone(now);
            Tone tone = _profile.Tones.Get(name);
            _player.Start(tone);
            if (tone != null)
            {
                _toneName = name;
                _toneSince = now;
                _observer.ToneChanged(_line, name, true, now);
            }
        }

        private void StopTone(long now)
        {
            _player.Stop();
            if (_toneName != null)
            {
                string name = _toneName;
                _toneName = null;
                _observer.ToneChanged(_line, name, false, now);
            }
        }

        private void SetState(string state, long now)
        {
            _stateSince = now;
            if (state != LineState.Ringing)
            {
                _ringUntil = -1;
            }

            if (state != _state)
            {
                _state = state;
                _observer.LineStateChanged(_line, state, now);
            }
        }

        private void SetRinger(bool on, long now)
        {
            if (on != _ringerOn)
            {
                _ringerOn = on;
                _observer.Ringer(_line, on, now);
            }
        }
    }
}
