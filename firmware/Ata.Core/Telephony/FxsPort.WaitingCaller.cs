using Ata.Core.CallerId;
using Ata.Core.Media;
using Ata.Core.Tones;

namespace Ata.Core.Telephony
{
    /// <summary>The port's call waiting: the national tone over the call, and the waiting caller presented during the call (type 2).</summary>
    public sealed partial class FxsPort
    {
        /// <summary>A silence in the call-waiting cadence at least this long (ms) ends its first bursts: the waiting caller is presented then.</summary>
        public const int CallWaitingPauseMs = 1000;

        private readonly OffHookCallerId _waitingCallerId = new OffHookCallerId();
        private Caller _waitingCaller;
        private long _waitingCallerAt;
        private bool _hearingAcknowledgement;

        /// <summary>
        /// A second call from <paramref name="caller"/> waits during the call: the national call-waiting tone
        /// sounds over the call, and where the country presents a waiting caller (<see cref="CallerIdPlan.OffHook"/>)
        /// its caller ID follows the tone's first bursts (<see cref="OffHookCallerId"/>): the call's audio is muted
        /// both ways meanwhile, and the phone's acknowledgement key is taken from the handset here, never sent to
        /// the far end.
        /// </summary>
        public void CallWaiting(Caller caller, long now)
        {
            StopWaitingCaller();
            _line.CallWaiting(now);
            if (caller == null || _media == null || !_line.ToneOverCall || !CallerIdPlan.For(_line.Profile.Country).OffHook)
            {
                return;
            }

            _waitingCaller = caller;
            _waitingCallerAt = now + FirstBurstsMs(_line.Player.Tone);
        }

        /// <summary>The waiting call was answered or gave up: the call-waiting tone and any caller ID during the call stop.</summary>
        public void StopCallWaiting(long now)
        {
            StopWaitingCaller();
            _line.StopCallWaiting(now);
        }

        /// <summary>True while caller ID during the call (type 2) is under way: the call's audio is muted both ways.</summary>
        public bool PresentingWaitingCaller
        {
            get { return _waitingCallerId.IsActive || _hearingAcknowledgement; }
        }

        /// <summary>How long the first bursts of <paramref name="tone"/> last: up to its first pause of <see cref="CallWaitingPauseMs"/> or more (all of it when it has none).</summary>
        public static long FirstBurstsMs(Tone tone)
        {
            if (tone == null)
            {
                return 0;
            }

            long ms = 0;
            for (int i = 0; i < tone.SegmentCount; i++)
            {
                if (tone.Frequencies[i].Length == 0 && (tone.Durations[i] == 0 || tone.Durations[i] >= CallWaitingPauseMs))
                {
                    break;
                }

                ms += tone.Durations[i];
            }

            return ms;
        }

        private void StopWaitingCaller()
        {
            _waitingCaller = null;
            _waitingCallerId.Stop();
            _hearingAcknowledgement = false;
        }

        /// <summary>
        /// During caller ID in the call the handset's keys are the phone's acknowledgement, heard here; when it is
        /// over, a key still sounding keeps the handset muted towards the call until it is released.
        /// </summary>
        private void HearAcknowledgement(short[] samples, int offset, int count, long now)
        {
            _dtmf.Feed(samples, offset, count);
            char key;
            while (_dtmf.TryTake(out key))
            {
                _waitingCallerId.Acknowledged(key, now);
            }

            if (!_waitingCallerId.IsActive)
            {
                _hearingAcknowledgement = false;
                _diallingKeyHeld = _dtmf.HeldKey != '\0';
            }
        }

        /// <summary>
        /// Caller ID during the call, once the call-waiting tone's first bursts are over: it replaces the frame just
        /// played (the frame that ends at <paramref name="frameEnd"/>), muting the call's audio.
        /// </summary>
        private void PresentWaitingCaller(long frameEnd)
        {
            long frameStart = frameEnd - MediaSession.FrameMs;
            if (_waitingCaller != null && frameStart >= _waitingCallerAt)
            {
                _hearingAcknowledgement = _waitingCallerId.Start(CallerIdPlan.For(_line.Profile.Country), _waitingCaller, frameStart);
                _waitingCaller = null;
                _dtmf.Reset();
            }

            if (!_waitingCallerId.IsActive)
            {
                return;
            }

            _waitingCallerId.Tick(frameStart);
            UseDefaultKernels();
            _waitingCallerId.Fill(_kernels, _sine, _earpiece, 0, MediaSession.FrameSamples);
        }
    }
}
