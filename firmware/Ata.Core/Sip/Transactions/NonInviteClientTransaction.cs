using Ata.Core.Sip.Messages;
using Ata.Core.Sip.Transport;

namespace Ata.Core.Sip.Transactions
{
    /// <summary>
    /// A non-INVITE client transaction (RFC 3261 §17.1.2: REGISTER, OPTIONS, BYE, CANCEL …): sends the
    /// request, retransmits it on an unreliable flow (Timer E: T1, doubling to T2; T2 once a provisional
    /// answer came), times out after Timer F, and after a final answer absorbs its retransmissions for
    /// T4 (Timer K). Due times follow from the first send, so a late tick never pushes later ones back.
    /// A pure state machine: the owner passes the time in and hands it the responses that
    /// <see cref="Matches"/>; the owner (the transaction user) acts on what it returns.
    /// </summary>
    public sealed class NonInviteClientTransaction
    {
        /// <summary>Sent, no answer yet.</summary>
        public const int Trying = 0;

        /// <summary>A provisional (1xx) answer came; still waiting for the final one.</summary>
        public const int Proceeding = 1;

        /// <summary>The final answer came; retransmissions of it are absorbed until Timer K.</summary>
        public const int Completed = 2;

        /// <summary>Over: answered and Timer K ran out, timed out, or abandoned.</summary>
        public const int Terminated = 3;

        private readonly SipFlow _flow;
        private readonly byte[] _request;
        private readonly long _timeoutMs;
        private long _retransmitAt;
        private long _retransmitInterval;
        private long _giveUpAt;
        private long _forgetAt;

        /// <summary>Prepares the transaction; <see cref="Start"/> sends it.</summary>
        /// <param name="flow">The flow the request goes on (it says whether to retransmit).</param>
        /// <param name="method">The request's method (responses match on it and the branch, §17.1.3).</param>
        /// <param name="branch">The branch of the request's top Via.</param>
        /// <param name="request">The request's bytes.</param>
        public NonInviteClientTransaction(SipFlow flow, string method, string branch, byte[] request)
            : this(flow, method, branch, request, SipTimers.TimerF)
        {
        }

        /// <summary>Prepares a transaction that times out after <paramref name="timeoutMs"/> instead of Timer F.</summary>
        /// <param name="flow">The flow the request goes on.</param>
        /// <param name="method">The request's method.</param>
        /// <param name="branch">The branch of the request's top Via.</param>
        /// <param name="request">The request's bytes.</param>
        /// <param name="timeoutMs">How long to wait for a final answer (at most Timer F is sensible).</param>
        public NonInviteClientTransaction(SipFlow flow, string method, string branch, byte[] request, long timeoutMs)
        {
            _flow = flow;
            Method = method;
            Branch = branch;
            _request = request;
            _timeoutMs = timeoutMs;
            State = Trying;
        }

        /// <summary>The request's method.</summary>
        public string Method { get; private set; }

        /// <summary>The branch that identifies the transaction.</summary>
        public string Branch { get; private set; }

        /// <summary><see cref="Trying"/>, <see cref="Proceeding"/>, <see cref="Completed"/> or <see cref="Terminated"/>.</summary>
        public int State { get; private set; }

        /// <summary>True once the transaction ended without a final answer (Timer F).</summary>
        public bool TimedOut { get; private set; }

        /// <summary>True while a final answer is awaited.</summary>
        public bool IsPending
        {
            get { return State == Trying || State == Proceeding; }
        }

        /// <summary>Sends the request. False when the flow could not carry it (the transaction is then over).</summary>
        public bool Start(long now)
        {
            _retransmitInterval = SipTimers.T1;
            _retransmitAt = now + SipTimers.T1;
            _giveUpAt = now + _timeoutMs;
            if (!_flow.Send(_request))
            {
                State = Terminated;
                return false;
            }

            return true;
        }

        /// <summary>True when <paramref name="response"/> belongs to this transaction (same branch and CSeq method, RFC 3261 §17.1.3).</summary>
        public bool Matches(SipResponse response)
        {
            return response.TopViaBranch == Branch && response.CSeqMethod == Method;
        }

        /// <summary>
        /// Takes a matching response. True when the transaction user should act on it (a provisional
        /// answer while pending, or the first final answer); false for a retransmission or a late one.
        /// </summary>
        public bool OnResponse(SipResponse response, long now)
        {
            if (!IsPending)
            {
                return false;
            }

            if (response.StatusCode < 200)
            {
                State = Proceeding;
                return true;
            }

            State = _flow.IsReliable ? Terminated : Completed;
            _forgetAt = now + SipTimers.T4;
            return true;
        }

        /// <summary>
        /// Advances the timers: retransmits when due, ends the transaction on Timer F or K. True when
        /// it has just timed out (the transaction user then fails the request).
        /// </summary>
        public bool Tick(long now)
        {
            if (State == Completed)
            {
                if (now >= _forgetAt)
                {
                    State = Terminated;
                }

                return false;
            }

            if (!IsPending)
            {
                return false;
            }

            if (now >= _giveUpAt)
            {
                State = Terminated;
                TimedOut = true;
                return true;
            }

            if (!_flow.IsReliable && now >= _retransmitAt)
            {
                _flow.Send(_request);
                long doubled = _retransmitInterval * 2;
                _retransmitInterval = State == Proceeding || doubled > SipTimers.T2 ? SipTimers.T2 : doubled;
                _retransmitAt += _retransmitInterval;
                if (_retransmitAt <= now)
                {
                    _retransmitAt = now + 1;
                }
            }

            return false;
        }

        /// <summary>Ends the transaction without an answer (a transport error, or its user gave up on it).</summary>
        public void Abandon()
        {
            State = Terminated;
        }
    }
}
