using Ata.Core.Media;
using Ata.Core.Sdp;
using Ata.Core.Sip.Dialogs;

namespace Ata.Core.Calls
{
    /// <summary>
    /// What the SIP side of a call tells the line (<see cref="ISipCallListener"/>): the far end's progress (ringback or
    /// early media), its answer (or, for a call answered with this side's offer, the answer in the ACK), a new offer
    /// (hold or resume), and the end of a call.
    /// </summary>
    public sealed partial class LineCalls
    {
        void ISipCallListener.Progress(SipCall call, int code, string sdp, long now)
        {
            if (call != _call)
            {
                return;
            }

            // Early media once flowing goes on: a later 180 without SDP brings no ringback over it (RFC 3960 §3).
            bool earlyMedia = _media != null;
            if (sdp != null)
            {
                Negotiation answer = Negotiation.AcceptAnswer(sdp, _local);
                if (answer.Succeeded)
                {
                    StartMedia(answer.Media, now);
                    earlyMedia = true;
                }
            }

            _port.Line.FarEndRinging(earlyMedia, now);
            if (_record.State != CallState.Ringing)
            {
                _record.State = CallState.Ringing;
                _observer.CallChanged(_record, now);
            }
        }

        void ISipCallListener.Answered(SipCall call, string sdp, long now)
        {
            if (call != _call)
            {
                return;
            }

            if (!call.IsOutgoing)
            {
                AcceptLateAnswer(call, sdp, now);
                return;
            }

            if (sdp != null)
            {
                Negotiation answer = Negotiation.AcceptAnswer(sdp, _local);
                if (!answer.Succeeded)
                {
                    call.Hangup(now);
                    return;
                }

                StartMedia(answer.Media, now);
            }

            _port.Line.Connected(now);
            _record.AnsweredAt = now;
            _record.State = CallState.Connected;
            _observer.CallChanged(_record, now);
        }

        /// <summary>
        /// The ACK of an incoming call answered with this side's offer (its INVITE had no SDP) brings the
        /// answer: media starts; without a usable answer the call cannot go on and ends with BYE.
        /// </summary>
        private void AcceptLateAnswer(SipCall call, string sdp, long now)
        {
            if (_media != null)
            {
                return;
            }

            Negotiation answer = sdp == null ? null : Negotiation.AcceptAnswer(sdp, _local);
            if (answer == null || !answer.Succeeded)
            {
                call.Hangup(now);
                return;
            }

            StartMedia(answer.Media, now);
        }

        void ISipCallListener.Ended(SipCall call, int code, string reason, bool byFarEnd, long now)
        {
            if (call == _call)
            {
                Finish(code, reason, byFarEnd, now);
            }
            else if (_other != null && call == _other.Call)
            {
                FinishOther(code, reason, byFarEnd, now);
            }
        }

        string ISipCallListener.Offered(SipCall call, string sdp, long now)
        {
            LocalMedia local = call == _call ? _local : (_other != null && call == _other.Call ? _other.Local : null);
            if (local == null || sdp == null)
            {
                return null;
            }

            local.SessionVersion++;
            Negotiation answer = Negotiation.Answer(sdp, local);
            if (!answer.Succeeded)
            {
                return null;
            }

            // Hold (sendonly, inactive, c=0.0.0.0) or resume: while the far end sends nothing the earpiece is quiet.
            MediaSession media = call == _call ? _media : _other.Media;
            if (media != null)
            {
                media.Update(answer.Media);
            }

            return answer.AnswerText;
        }
    }
}
