using Ata.Core.Media;
using Ata.Core.Sdp;
using Ata.Core.Sip.Dialogs;
using Ata.Core.Telephony;

namespace Ata.Core.Calls
{
    /// <summary>A line's second call: call waiting, hold and swap by hook flash, and ring-back (see <see cref="CallLeg"/>).</summary>
    public sealed partial class LineCalls
    {
        /// <summary>Whether a second incoming call during a call is announced (call waiting); off, it gets 486. On by default.</summary>
        public bool CallWaiting { get; set; } = true;

        /// <summary>The line's other call: one waiting to be answered, or one on hold; null when there is none.</summary>
        public CallRecord Other
        {
            get { return _other == null ? null : _other.Record; }
        }

        /// <summary>
        /// A hook flash in a call: with a call waiting or held, the call in the foreground goes on hold
        /// (re-INVITE offering a=inactive, RFC 3264 §8.4) and the other is answered or resumed
        /// (a=sendrecv); with no other call it does nothing.
        /// </summary>
        public void Flash(long now)
        {
            if (_other == null || _port.State != LineState.Connected || (_call != null && !_call.IsConfirmed))
            {
                return;
            }

            if (_call == null)
            {
                BringBack(now);
                return;
            }

            CallLeg next = _other;
            _other = null;
            Hold(now);
            _other = Park();
            Take(next);
            Continue(now);
        }

        void ISipCallListener.Reanswered(SipCall call, int code, string sdp, long now)
        {
            bool current = call == _call;
            if (sdp == null || (!current && (_other == null || call != _other.Call)))
            {
                return;
            }

            Negotiation answer = Negotiation.AcceptAnswer(sdp, current ? _local : _other.Local);
            MediaSession media = current ? _media : _other.Media;
            if (answer.Succeeded && media != null)
            {
                media.Update(answer.Media);
            }
        }

        /// <summary>
        /// True when a new INVITE may wait beside the call in progress: the line has call waiting, the
        /// call is up and not an emergency, and there is no other call yet.
        /// </summary>
        private bool CanWait()
        {
            return CallWaiting && _other == null && _call != null && _call.IsConfirmed && !_call.HasEnded
                && _record.State == CallState.Connected && !_record.Emergency && _port.State == LineState.Connected;
        }

        /// <summary>Who calls in <paramref name="invite"/> as the phone's display is told (caller ID on the ring, or during a call when it waits).</summary>
        private static CallerId.Caller CallerOf(IncomingCall call, Sip.Messages.SipRequest invite)
        {
            return CallerId.Caller.FromSip(call.FarEnd, call.FarEndName, call.IsAnonymous, invite.Header("date"));
        }

        /// <summary>Answers the incoming call in the foreground (the handset was lifted, or a flash took a waiting call).</summary>
        private void AnswerIncoming(long now)
        {
            IncomingCall incoming = (IncomingCall)_call;
            incoming.Answer(_answer, now);
            if (_answerMedia != null)
            {
                StartMedia(_answerMedia, now);
            }
            _port.Line.Connected(now);
            _record.AnsweredAt = now;
            _record.State = CallState.Connected;
            _observer.CallChanged(_record, now);
        }

        /// <summary>The only call left is the other one (held or waiting): it comes to the foreground.</summary>
        private void BringBack(long now)
        {
            CallLeg next = _other;
            _other = null;
            Take(next);
            Continue(now);
        }

        /// <summary>Goes on with the call just brought to the foreground: answers it when it was waiting, resumes it when held.</summary>
        private void Continue(long now)
        {
            _port.StopCallWaiting(now);
            if (_media == null)
            {
                AnswerIncoming(now);
                return;
            }

            _local.Direction = MediaDirection.SendReceive;
            _local.SessionVersion++;
            if (!_call.Reoffer(SdpWriter.Offer(_local), now))
            {
                // No re-INVITE can go now (one is still pending): audio resumes at once all the same.
                SetDirection(_media, MediaDirection.SendReceive);
            }

            _record.State = CallState.Connected;
            _observer.CallChanged(_record, now);
        }

        /// <summary>Holds the call in the foreground: nothing more is sent or played, and the far end is told (a=inactive).</summary>
        private void Hold(long now)
        {
            _local.Direction = MediaDirection.Inactive;
            _local.SessionVersion++;
            _call.Reoffer(SdpWriter.Offer(_local), now);
            if (_media != null)
            {
                SetDirection(_media, MediaDirection.Inactive);
            }

            _record.State = CallState.Held;
            _observer.CallChanged(_record, now);
        }

        /// <summary>Takes the call in the foreground out of it, into a leg of its own.</summary>
        private CallLeg Park()
        {
            CallLeg leg = new CallLeg();
            leg.Call = _call;
            leg.Record = _record;
            leg.Local = _local;
            leg.Media = _media;
            leg.Answer = _answer;
            leg.AnswerMedia = _answerMedia;
            _call = null;
            _record = null;
            _media = null;
            _answer = null;
            _answerMedia = null;
            _port.Media = null;
            return leg;
        }

        /// <summary>Brings <paramref name="leg"/> into the foreground: its audio is the earpiece's.</summary>
        private void Take(CallLeg leg)
        {
            _call = leg.Call;
            _record = leg.Record;
            _local = leg.Local;
            _media = leg.Media;
            _answer = leg.Answer;
            _answerMedia = leg.AnswerMedia;
            _gaveUpUnanswered = false;
            _householdHungUp = false;
            _port.Media = _media;
        }

        /// <summary>The other call (waiting or held) ended: the call in the foreground goes on undisturbed.</summary>
        private void FinishOther(int code, string reason, bool byFarEnd, long now)
        {
            CallLeg leg = _other;
            _other = null;
            _ringBackDue = false;
            Close(leg.Record, code, reason, byFarEnd, false, byFarEnd ? CallEnder.FarEnd : CallEnder.Adapter, now);
            if (leg.Media != null)
            {
                leg.Media.Stop(now);
            }

            if (!leg.Call.IsFinished)
            {
                _closing.Add(leg.Call);
            }

            if (_call == null)
            {
                if (_port.State == LineState.Ringing)
                {
                    _port.Line.StopRinging(now);
                }
                else
                {
                    // Off hook with no call left (the foreground one had already ended): as after any call.
                    _port.Line.CallEnded(Tones.ToneName.Busy, now);
                }
            }
            else
            {
                _port.StopCallWaiting(now);
            }

            _observer.CallChanged(leg.Record, now);
        }

        /// <summary>Fills in how <paramref name="record"/> ended (who ended it: <paramref name="endedBy"/>, a <see cref="CallEnder"/>), and returns its outcome.</summary>
        private static string Close(CallRecord record, int code, string reason, bool byFarEnd, bool gaveUpUnanswered, string endedBy, long now)
        {
            string outcome;
            if (gaveUpUnanswered)
            {
                outcome = CallOutcome.NoAnswer;
                reason = "no answer";
            }
            else if (record.AnsweredAt >= 0)
            {
                outcome = CallOutcome.Completed;
            }
            else if (record.Direction == CallRecord.Incoming)
            {
                outcome = byFarEnd ? CallOutcome.Missed : CallOutcome.Rejected;
            }
            else
            {
                outcome = CallOutcome.Of(code);
            }

            record.Outcome = outcome;
            record.SipCode = code;
            record.Reason = reason;
            record.EndedByFarEnd = byFarEnd;
            record.EndedBy = endedBy;
            record.EndedAt = now;
            record.State = CallState.Ended;
            return outcome;
        }

        /// <summary>A hold or resume the far end refused 491 (its own re-INVITE crossed ours) goes again when due, as a new offer.</summary>
        private static void OfferAgainIfDue(SipCall call, LocalMedia local, long now)
        {
            if (call != null && local != null && call.ReofferDue(now))
            {
                local.SessionVersion++;
                call.Reoffer(SdpWriter.Offer(local), now);
            }
        }

        private static void SetDirection(MediaSession media, MediaDirection direction)
        {
            MediaParameters parameters = media.Parameters.Clone();
            parameters.Direction = direction;
            media.Update(parameters);
        }
    }
}
