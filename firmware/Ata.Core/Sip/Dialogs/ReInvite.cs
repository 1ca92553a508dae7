using Ata.Core.Sip.Messages;
using Ata.Core.Sip.Transactions;
using Ata.Core.Sip.Transport;

namespace Ata.Core.Sip.Dialogs
{
    /// <summary>
    /// A re-INVITE this side sends inside a call (RFC 3261 §14.1, an INVITE client transaction,
    /// §17.1.1): a new SDP offer that holds or resumes the call. It is sent again on an unreliable flow
    /// (Timer A, doubling) until any answer; no answer within Timer B (64·T1) is a timeout. The call
    /// (<see cref="SipCall"/>) sends the ACK and keeps it here, so that a retransmitted final answer gets
    /// the same ACK again. Pure: time is passed in.
    /// </summary>
    public sealed class ReInvite
    {
        private readonly SipFlow _flow;
        private readonly byte[] _request;
        private long _sentAt;
        private long _resendAt;
        private long _resendInterval;
        private bool _answeredProvisionally;

        /// <summary>Prepares the re-INVITE (<paramref name="request"/>, top Via branch <paramref name="branch"/>, CSeq <paramref name="cseq"/>) on <paramref name="flow"/>.</summary>
        public ReInvite(SipFlow flow, string branch, int cseq, byte[] request)
        {
            _flow = flow;
            Branch = branch;
            CSeq = cseq;
            _request = request;
        }

        /// <summary>The branch of the request's top Via.</summary>
        public string Branch { get; private set; }

        /// <summary>The request's CSeq number.</summary>
        public int CSeq { get; private set; }

        /// <summary>True once a final answer came (or the request timed out).</summary>
        public bool IsAnswered { get; private set; }

        /// <summary>The ACK sent for the final answer, or null.</summary>
        public byte[] Ack { get; private set; }

        /// <summary>The flow the ACK goes on.</summary>
        public SipFlow Flow
        {
            get { return _flow; }
        }

        /// <summary>Sends the request; false when the flow could not carry it.</summary>
        public bool Start(long now)
        {
            _sentAt = now;
            _resendInterval = SipTimers.T1;
            _resendAt = now + SipTimers.T1;
            return _flow.Send(_request);
        }

        /// <summary>True when <paramref name="response"/> answers this re-INVITE (same branch, CSeq method INVITE).</summary>
        public bool Matches(SipResponse response)
        {
            return response.TopViaBranch == Branch && response.CSeqMethod == "INVITE";
        }

        /// <summary>A provisional answer came: no more retransmissions.</summary>
        public void Provisional()
        {
            _answeredProvisionally = true;
        }

        /// <summary>The final answer came and <paramref name="ack"/> was sent for it.</summary>
        public void Answered(byte[] ack)
        {
            IsAnswered = true;
            Ack = ack;
        }

        /// <summary>Sends the ACK again (the final answer came again: the ACK was lost).</summary>
        public void ResendAck()
        {
            if (Ack != null)
            {
                _flow.Send(Ack);
            }
        }

        /// <summary>Retransmits when due; true when the request has just timed out (Timer B).</summary>
        public bool Tick(long now)
        {
            if (IsAnswered)
            {
                return false;
            }

            if (now - _sentAt >= 64 * SipTimers.T1)
            {
                IsAnswered = true;
                return true;
            }

            if (!_answeredProvisionally && !_flow.IsReliable && now >= _resendAt)
            {
                _flow.Send(_request);
                _resendInterval *= 2;
                _resendAt = now + _resendInterval;
            }

            return false;
        }
    }
}
