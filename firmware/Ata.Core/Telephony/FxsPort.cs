using Ata.Core.CallerId;
using Ata.Core.Dtmf;
using Ata.Core.Hardware;
using Ata.Core.Media;
using Ata.Core.Tones;

namespace Ata.Core.Telephony
{
    /// <summary>
    /// One analog (FXS) port of the adapter: the hook switch decoded into lifts, hang-ups, flashes and
    /// rotary digits; DTMF taken from the handset's audio while it is off hook; the telephone line's
    /// state machine (<see cref="PhoneLine"/>); and its tones played towards the earpiece.
    /// Pure: the caller passes the time in and says whether the line's account is registered.
    /// </summary>
    public sealed partial class FxsPort : ILineObserver
    {
        /// <summary>Samples handed to the audio sink at once (20 ms at 8 kHz).</summary>
        public const int AudioBlockSamples = 160;

        /// <summary>The gain of a tone played over a call (call waiting), in 1/32768ths: the tone plan's level.</summary>
        public const int ToneOverCallGain = 32768;

        private readonly int _number;
        private readonly ILineObserver _observer;
        private readonly HookDecoder _hook = new HookDecoder();
        private readonly DtmfDetector _dtmf = new DtmfDetector();
        private readonly short[] _block = new short[AudioBlockSamples];
        private readonly short[] _microphone = new short[MediaSession.FrameSamples];
        private readonly short[] _earpiece = new short[MediaSession.FrameSamples];
        private readonly PhoneLine _line;
        private long _audioAt;
        private MediaSession _media;
        private int _microphoneFill;
        private long _earpieceAt;
        private bool _diallingKeyHeld;
        private readonly CallerIdSender _callerId = new CallerIdSender();
        private IMediaKernels _kernels;
        private short[] _sine;
        private bool _reversedShown;
        private string _signalShown;
        private bool _indicatorPending;

        /// <summary>Creates port <paramref name="number"/> (1-based) with <paramref name="profile"/>; line events go to <paramref name="observer"/>.</summary>
        public FxsPort(int number, LineProfile profile, ILineObserver observer)
        {
            _number = number;
            _observer = observer;
            _line = new PhoneLine(number, profile, this);
            _hook.FlashMaxMs = profile.FlashMaxMs;
        }

        /// <summary>The port's number, 1-based.</summary>
        public int Number
        {
            get { return _number; }
        }

        /// <summary>The telephone line's state machine.</summary>
        public PhoneLine Line
        {
            get { return _line; }
        }

        /// <summary>The line's state (see <see cref="LineState"/>).</summary>
        public string State
        {
            get { return _line.State; }
        }

        /// <summary>True while the line is idle: on hook, not ringing, in no call.</summary>
        public bool IsIdle
        {
            get { return _line.State == LineState.Idle; }
        }

        /// <summary>The end of the hook-flash window in ms.</summary>
        public long FlashMaxMs
        {
            get { return _hook.FlashMaxMs; }
        }

        /// <summary>Handset samples the DTMF detector has analysed.</summary>
        public long DtmfSamplesAnalysed
        {
            get { return _dtmf.SamplesAnalysed; }
        }

        /// <summary>
        /// The call's audio, or null outside a call: while set, the handset's audio goes to it (its own
        /// DTMF listening turns keys into telephone events) and, whenever no tone sounds, the earpiece
        /// plays what it receives, 20 ms at a time. A key of the number dialled that still sounds when the
        /// call's audio starts (a far end that answers at once) is not the household's to send: the
        /// handset is muted towards the call until it is released.
        /// </summary>
        public MediaSession Media
        {
            get
            {
                return _media;
            }

            set
            {
                if (value != _media)
                {
                    StopWaitingCaller();
                }

                _media = value;
                _microphoneFill = 0;
                _earpieceAt = -1;
                _diallingKeyHeld = value != null && _dtmf.HeldKey != '\0';
            }
        }

        /// <summary>
        /// How much of a call's earpiece audio is still played when the host comes late, in ms (default 200):
        /// a DAC cannot play the past, so more lateness is skipped. A host whose earpiece is a recording (the
        /// simulator) may keep more.
        /// </summary>
        public long EarpieceCatchUpMs { get; set; } = 200;

        /// <summary>The line's caller ID and visual message-waiting signals (see <see cref="CallerIdSender"/>).</summary>
        public CallerIdSender CallerId
        {
            get { return _callerId; }
        }

        /// <summary>The SLIC's line polarity (null: none), reversed while caller ID before the first ring wants it.</summary>
        public ILinePolarity Polarity { get; set; }

        /// <summary>The per-sample kernels and sine table the caller ID signals are rendered with (the managed reference until set).</summary>
        public void UseKernels(IMediaKernels kernels, short[] sine)
        {
            _kernels = kernels;
            _sine = sine;
        }

        /// <summary>
        /// An incoming call from <paramref name="caller"/> (null: present nobody) rings the line: caller ID is
        /// sent as the country's <see cref="CallerIdPlan"/> says, before the first ring (which then waits
        /// for it) or in the first ring pause.
        /// </summary>
        public void Ring(Caller caller, long now)
        {
            if (!IsIdle)
            {
                return;
            }

            long delay = caller == null ? 0 : _callerId.Incoming(CallerIdPlan.For(_line.Profile.Country), caller, now);
            if (caller != null && caller.Number != null)
            {
                _line.LastCaller = caller.Number;
            }

            _line.RingAfter(delay, now);
            ShowSignal(now);
        }

        /// <summary>
        /// A message is waiting (or no longer): off hook gives the stutter dial tone, and where the country
        /// shows it on the phone's display an on-hook visual message-waiting message is sent (at once when
        /// idle, else when the line is next idle).
        /// </summary>
        public void SetMessageWaiting(bool waiting, long now)
        {
            _line.MessageWaiting = waiting;
            _indicatorPending = true;
            SendIndicator(now);
        }

        private void SendIndicator(long now)
        {
            if (_indicatorPending && IsIdle && !_callerId.IsBusy)
            {
                _indicatorPending = false;
                _callerId.MessageWaiting(CallerIdPlan.For(_line.Profile.Country), _line.MessageWaiting, now);
                ShowSignal(now);
            }
        }

        /// <summary>Takes a new line profile (national tones, timers, flash window).</summary>
        public void Configure(LineProfile profile, long now)
        {
            if (profile != _line.Profile)
            {
                _line.Configure(profile, now);
            }

            _hook.FlashMaxMs = profile.FlashMaxMs;
        }

        /// <summary>
        /// The hook switch reads off hook or on hook from <paramref name="now"/> (raw, bounces and all):
        /// debounced and decoded as <see cref="Tick"/> goes on.
        /// </summary>
        public void Sense(bool offHook, long now)
        {
            _hook.Sense(offHook, now);
        }

        /// <summary>
        /// Audio from the handset: DTMF digits are taken from it while the handset is off hook. On hook
        /// nothing can be dialled, so the detector (the costliest per-sample work) does not run.
        /// Returns true when a digit was dialled.
        /// </summary>
        public bool Hear(short[] samples, int offset, int count, long now)
        {
            if (!LineState.IsOffHook(_line.State))
            {
                return false;
            }

            if (_media != null)
            {
                if (PresentingWaitingCaller)
                {
                    HearAcknowledgement(samples, offset, count, now);
                }
                else if (_diallingKeyHeld)
                {
                    FollowDiallingKey(samples, offset, count);
                }

                SendToCall(samples, offset, count, now);
                return false;
            }

            _dtmf.Feed(samples, offset, count);
            char key;
            bool any = false;
            while (_dtmf.TryTake(out key))
            {
                _line.Digit(key, PhoneLine.Dtmf, now);
                any = true;
            }

            return any;
        }

        /// <summary>Advances the hook decoder and the line's timers, and plays the line's tone into <paramref name="sink"/>.</summary>
        public void Tick(bool registered, IAudioSink sink, long now)
        {
            _hook.Tick(now);
            TakeHookEvents(registered, now);
            _line.Tick(registered, now);
            _callerId.Tick(now);
            SendIndicator(now);
            ShowSignal(now);
            PlayTone(sink, now);
            ShowSignal(now);
        }

        /// <summary>Applies the polarity the caller ID signal wants (the reversal comes first), and reports the signal starting or ending (as a tone).</summary>
        private void ShowSignal(long now)
        {
            bool reversed = _callerId.Reversed;
            if (reversed != _reversedShown)
            {
                _reversedShown = reversed;
                if (Polarity != null)
                {
                    Polarity.Set(_number, reversed);
                }
            }

            string signal = _callerId.IsSending ? _callerId.SignalName : null;
            if (signal != _signalShown)
            {
                if (_signalShown != null)
                {
                    _observer.ToneChanged(_number, _signalShown, false, now);
                }

                _signalShown = signal;
                if (signal != null)
                {
                    _audioAt = now;
                    _observer.ToneChanged(_number, signal, true, now);
                }
            }
        }

        private void TakeHookEvents(bool registered, long now)
        {
            HookEvent e;
            while ((e = _hook.Next()) != HookEvent.None)
            {
                switch (e)
                {
                    case HookEvent.OffHook:
                        _dtmf.Reset();
                        _line.OffHook(registered, now);
                        break;
                    case HookEvent.OnHook:
                        _line.OnHook(now);
                        break;
                    case HookEvent.Flash:
                        _line.Flash(registered, now);
                        break;
                    case HookEvent.Digit:
                        _line.Digit((char)('0' + _hook.Digit), PhoneLine.Pulse, now);
                        break;
                }
            }
        }

        /// <summary>Listens on for the release of the dialling key that sounded when the call's audio started.</summary>
        private void FollowDiallingKey(short[] samples, int offset, int count)
        {
            _dtmf.Feed(samples, offset, count);
            char key;
            while (_dtmf.TryTake(out key))
            {
            }

            if (_dtmf.HeldKey == '\0')
            {
                _diallingKeyHeld = false;
            }
        }

        private void SendToCall(short[] samples, int offset, int count, long now)
        {
            while (count > 0)
            {
                int n = MediaSession.FrameSamples - _microphoneFill;
                if (n > count)
                {
                    n = count;
                }

                if (_diallingKeyHeld || PresentingWaitingCaller)
                {
                    System.Array.Clear(_microphone, _microphoneFill, n);
                }
                else
                {
                    System.Array.Copy(samples, offset, _microphone, _microphoneFill, n);
                }

                _microphoneFill += n;
                offset += n;
                count -= n;
                if (_microphoneFill == MediaSession.FrameSamples)
                {
                    _media.Transmit(_microphone, 0, now);
                    _microphoneFill = 0;
                }
            }
        }

        private void PlayTone(IAudioSink sink, long now)
        {
            if (_media != null && (!_line.Player.IsPlaying || _line.ToneOverCall))
            {
                PlayCall(sink, now);
                return;
            }

            long elapsedMs = now - _audioAt;
            if (elapsedMs <= 0)
            {
                return;
            }

            _audioAt = now;
            if (_callerId.IsSending)
            {
                PlaySignal(sink, elapsedMs);
                return;
            }

            TonePlayer player = _line.Player;
            if (sink == null || !player.IsPlaying)
            {
                return;
            }

            long samples = elapsedMs > 1000 ? 8000 : elapsedMs * 8;
            while (samples > 0)
            {
                int n = samples > _block.Length ? _block.Length : (int)samples;
                player.Fill(_block, 0, n);
                sink.Play(_number, _block, 0, n);
                samples -= n;
            }
        }

        private void UseDefaultKernels()
        {
            if (_kernels == null)
            {
                _kernels = new ManagedMediaKernels();
            }

            if (_sine == null)
            {
                _sine = SineTable.Build();
            }
        }

        private void PlaySignal(IAudioSink sink, long elapsedMs)
        {
            UseDefaultKernels();

            long samples = elapsedMs > 1000 ? 8000 : elapsedMs * 8;
            while (samples > 0)
            {
                int n = samples > _block.Length ? _block.Length : (int)samples;
                _callerId.Fill(_kernels, _sine, _block, 0, n);
                if (sink != null)
                {
                    sink.Play(_number, _block, 0, n);
                }

                samples -= n;
            }
        }

        /// <summary>
        /// The call's audio into the earpiece, one 20 ms frame for each 20 ms that passed (at most
        /// <see cref="EarpieceCatchUpMs"/> caught up), with the call-waiting tone added over it while it sounds.
        /// </summary>
        private void PlayCall(IAudioSink sink, long now)
        {
            _audioAt = now;
            if (_earpieceAt < 0 || now - _earpieceAt > EarpieceCatchUpMs)
            {
                _earpieceAt = now - MediaSession.FrameMs;
            }

            while (now - _earpieceAt >= MediaSession.FrameMs)
            {
                _earpieceAt += MediaSession.FrameMs;
                _media.Play(_earpiece, 0, _earpieceAt);
                if (_line.ToneOverCall)
                {
                    _line.Player.Mix(_earpiece, 0, MediaSession.FrameSamples, _media.Kernels, ToneOverCallGain);
                }

                PresentWaitingCaller(_earpieceAt);

                if (sink != null)
                {
                    sink.Play(_number, _earpiece, 0, MediaSession.FrameSamples);
                }
            }
        }

        void ILineObserver.LineStateChanged(int line, string state, long now)
        {
            if (state != LineState.Ringing)
            {
                // Answered, or the caller gave up: the display signal has nothing more to say.
                _callerId.Stop();
                ShowSignal(now);
            }

            if (state != LineState.Connected)
            {
                StopWaitingCaller();
            }

            _observer.LineStateChanged(line, state, now);
        }

        void ILineObserver.ToneChanged(int line, string tone, bool playing, long now)
        {
            if (playing)
            {
                _audioAt = now;
            }

            _observer.ToneChanged(line, tone, playing, now);
        }

        void ILineObserver.DigitDialled(int line, char digit, string method, long now)
        {
            _observer.DigitDialled(line, digit, method, now);
        }

        void ILineObserver.HookFlashed(int line, long now)
        {
            _observer.HookFlashed(line, now);
        }

        void ILineObserver.Dialled(int line, string outcome, string number, string detail, long now)
        {
            _observer.Dialled(line, outcome, number, detail, now);
        }

        void ILineObserver.Ringer(int line, bool on, long now)
        {
            _callerId.RingerChanged(on, now);
            _observer.Ringer(line, on, now);
        }
    }
}
