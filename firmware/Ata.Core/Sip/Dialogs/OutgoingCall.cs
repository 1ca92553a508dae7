using System.Text;
using Ata.Core.Dns;
using Ata.Core.Provisioning;
using Ata.Core.Sip.Auth;
using Ata.Core.Sip.Messages;
using Ata.Core.Sip.Transactions;
using Ata.Core.Sip.Transport;

namespace Ata.Core.Sip.Dialogs
{
    /// <summary>
    /// A call the adapter places (the caller's side, RFC 3261 §13.2 and §17.1.1): INVITE to the line's
    /// next hop (outbound proxy or registrar) with the SDP offer, retransmitted on UDP (Timer A) until
    /// a provisional answer; 401/407 answered with the line's credentials; a 2xx ACKed (again for each
    /// retransmission) and a failure ACKed by the transaction; CANCEL once the far end is ringing;
    /// BYE once answered. A request that gets no answer, or a 408 or 5xx before any provisional
    /// answer, is tried at once at the other registrar when one is provisioned (how an emergency call
    /// still gets through when the primary is down); an emergency call does not wait for Timer B
    /// there: a registrar that has not even answered 100 Trying within <see cref="EmergencyFailoverMs"/>
    /// is taken for dead.
    /// </summary>
    public sealed class OutgoingCall : SipCall
    {
        private const int Locating = 0;
        private const int Calling = 1;
        private const int Proceeding = 2;
        private const int Answered = 3;
        private const int Completed = 4;
        private const int Finished = 5;

        /// <summary>How long an emergency INVITE waits for any answer (three sends on UDP) before it is tried at the other registrar.</summary>
        public const long EmergencyFailoverMs = 4 * SipTimers.T1;

        private readonly bool _emergency;
        private readonly string _offer;
        private readonly DigestAnswerer _answerer;
        private readonly string _callId;
        private readonly string _localTag;
        private readonly string _localUri;
        private readonly string _remoteUri;
        private int _phase;
        private int _cseq;
        private string _branch;
        private byte[] _invite;
        private long _sentAt;
        private long _resendAt;
        private long _resendInterval;
        private bool _provisional;
        private bool _failedOver;
        private bool _hungUp;
        private NonInviteClientTransaction _cancel;
        private long _cancelledAt;
        private byte[] _ack;
        private SipFlow _ackFlow;
        private long _forgetAt;

        /// <summary>Prepares a call from <paramref name="line"/> to <paramref name="number"/>; <see cref="Start"/> places it.</summary>
        /// <param name="line">The line (1-based).</param>
        /// <param name="number">The number dialled.</param>
        /// <param name="emergency">True for an emergency number: <c>Priority: emergency</c>, placed even when the line is not registered.</param>
        /// <param name="offer">The SDP offer.</param>
        /// <param name="setup">The line's account and the adapter's transport.</param>
        /// <param name="listener">Hears progress, answer and end.</param>
        public OutgoingCall(int line, string number, bool emergency, string offer, CallSetup setup, ISipCallListener listener)
            : base(line, setup, listener, NewFlow(setup))
        {
            FarEnd = number;
            _emergency = emergency;
            _offer = offer;
            LineConfig config = setup.Config;
            _answerer = new DigestAnswerer(config.AuthUsername, config.Password, config.Ha1, config.Realm, setup.Random);
            _callId = Identifiers.CallId(setup.Random);
            _localTag = Identifiers.Tag(setup.Random);
            _localUri = setup.Registrars.AddressOfRecord;
            _remoteUri = "sip:" + number + "@" + config.RegistrarHost
                + (config.RegistrarPort == LineConfig.DefaultSipPort ? string.Empty : ":" + config.RegistrarPort.ToString());
            _cseq = setup.Random.Next(1000) + 1;
        }

        /// <inheritdoc/>
        public override bool IsOutgoing
        {
            get { return true; }
        }

        /// <summary>The From every anonymous call carries (RFC 3323 §4.1.1.3).</summary>
        public const string AnonymousFrom = "\"Anonymous\" <" + AnonymousUri + ">";

        /// <summary>The URI of <see cref="AnonymousFrom"/>.</summary>
        public const string AnonymousUri = "sip:anonymous@anonymous.invalid";

        /// <summary>
        /// True (set before <see cref="Start"/>) when the caller withholds its identity: From is
        /// <see cref="AnonymousFrom"/>, <c>Privacy: id</c> asks the network to keep it so (RFC 3323), and
        /// <c>P-Preferred-Identity</c> tells the registrar, the trusted proxy, who really calls (RFC 3325).
        /// </summary>
        public bool Anonymous { get; set; }

        /// <summary>True for an emergency call.</summary>
        public bool IsEmergency
        {
            get { return _emergency; }
        }

        /// <summary>The Call-ID.</summary>
        public string CallId
        {
            get { return _callId; }
        }

        /// <inheritdoc/>
        public override bool IsFinished
        {
            get { return _phase == Finished; }
        }

        /// <summary>Finds the next hop and sends the INVITE.</summary>
        public void Start(long now)
        {
            _phase = Locating;
            TryToSend(now);
        }

        /// <inheritdoc/>
        public override bool Owns(SipMessage message)
        {
            if (message.CallId != _callId)
            {
                return false;
            }

            SipRequest request = message as SipRequest;
            return request == null || (Dialog != null && Dialog.Owns(request));
        }

        /// <inheritdoc/>
        public override void Hangup(long now)
        {
            if (_hungUp)
            {
                return;
            }

            _hungUp = true;
            if (_phase == Locating)
            {
                _phase = Finished;
            }
            else if (_phase == Proceeding)
            {
                SendCancel(now);
            }
            else if (_phase == Answered)
            {
                SendBye(now);
            }

            // Before any provisional answer a CANCEL may not be sent (RFC 3261 §9.1): it goes when one comes.
            End(_phase == Answered ? 200 : 487, "the caller hung up", false, now);
        }

        /// <inheritdoc/>
        public override void OnResponse(SipResponse response, long now)
        {
            if (_cancel != null && _cancel.Matches(response))
            {
                _cancel.OnResponse(response, now);
                return;
            }

            base.OnResponse(response, now);
            if (response.CSeqMethod != "INVITE" || response.TopViaBranch != _branch)
            {
                return;
            }

            int code = response.StatusCode;
            if (code < 200)
            {
                OnProvisional(response, now);
            }
            else if (code < 300)
            {
                OnAccepted(response, now);
            }
            else if (_phase == Calling || _phase == Proceeding)
            {
                OnRefused(response, now);
            }
            else if (_phase == Completed)
            {
                // A retransmitted failure: the ACK was lost.
                SendAckFor(response);
            }
        }

        /// <inheritdoc/>
        public override void Tick(long now)
        {
            base.Tick(now);
            if (_phase == Locating)
            {
                TryToSend(now);
            }
            else if (_phase == Calling)
            {
                if (now - _sentAt >= 64 * SipTimers.T1)
                {
                    // Timer B: nobody answers the INVITE.
                    Failed(408, "no answer from the registrar or proxy", now);
                }
                else if (_emergency && !_failedOver && Setup.Config.SecondaryHost != null && now - _sentAt >= EmergencyFailoverMs)
                {
                    Failed(408, "no answer from the registrar or proxy", now);
                }
                else if (!Flow.IsReliable && now >= _resendAt)
                {
                    Flow.Send(_invite);
                    _resendInterval *= 2;
                    _resendAt = now + _resendInterval;
                }
            }
            else if (_phase == Proceeding && _cancel != null)
            {
                _cancel.Tick(now);
                if (now - _cancelledAt >= 64 * SipTimers.T1)
                {
                    _phase = Finished;
                }
            }
            else if (_phase == Completed && now >= _forgetAt)
            {
                _phase = Finished;
            }
            else if (_phase == Answered && HasEnded && Quiet)
            {
                _phase = Finished;
            }
        }

        /// <summary>The network reported the next hop unreachable (ICMP): an INVITE still waiting fails now.</summary>
        public void OnUnreachable(string address, int port, long now)
        {
            if (_phase == Calling && Flow.IsTo(address, port))
            {
                Failed(503, "the registrar or proxy is unreachable", now);
            }
        }

        private void TryToSend(long now)
        {
            string address;
            int port;
            int located = Setup.Registrars.Locate(now, out address, out port);
            if (located == SipLocator.Pending)
            {
                return;
            }

            if (located == SipLocator.Failed)
            {
                if (Setup.Registrars.SwitchAfterFailure())
                {
                    return;
                }

                _phase = Finished;
                End(503, "the registrar's name does not resolve", false, now);
                return;
            }

            if (Flow.Open(address, port) != SipFlow.Opened)
            {
                Failed(503, "cannot connect to the registrar or proxy", now);
                return;
            }

            SendInvite(now);
        }

        private void SendInvite(long now)
        {
            _branch = Identifiers.Branch(Setup.Random);
            SipRequestWriter invite = Head("INVITE", _cseq);
            invite.Contact(ContactUri, null).Header("Allow", Allow).Header("User-Agent", Setup.UserAgent);
            if (Anonymous)
            {
                invite.Header("Privacy", "id").Header("P-Preferred-Identity", "<" + _localUri + ">");
            }

            if (_emergency)
            {
                invite.Header("Priority", "emergency");
            }

            _answerer.Authorize(invite);
            invite.Body(SdpType, Encoding.UTF8.GetBytes(_offer));
            _invite = invite.ToBytes();
            _phase = Calling;
            _provisional = false;
            _sentAt = now;
            _resendInterval = SipTimers.T1;
            _resendAt = now + SipTimers.T1;
            if (!Flow.Send(_invite))
            {
                Failed(503, "the connection to the registrar or proxy is gone", now);
            }
        }

        /// <summary>The request line and the headers INVITE, ACK (of a failure) and CANCEL share (RFC 3261 §9.1, §17.1.1.3).</summary>
        private SipRequestWriter Head(string method, int cseq)
        {
            SipRequestWriter w = new SipRequestWriter(method, _remoteUri).Via(Flow.ViaTransport, Flow.LocalAddress, Flow.LocalPort, _branch);
            if (Setup.Registrars.ProxyRoute != null)
            {
                w.Route(Setup.Registrars.ProxyRoute);
            }

            if (Anonymous)
            {
                w.Header("From", AnonymousFrom + ";tag=" + _localTag);
            }
            else
            {
                w.From(_localUri, _localTag);
            }

            return w.To(_remoteUri, null).CallId(_callId).CSeq(cseq);
        }

        private void OnProvisional(SipResponse response, long now)
        {
            if (_phase != Calling && _phase != Proceeding)
            {
                return;
            }

            _phase = Proceeding;
            _provisional = true;
            if (_hungUp && _cancel == null)
            {
                SendCancel(now);
                return;
            }

            if (response.StatusCode > 100 && !HasEnded)
            {
                Listener.Progress(this, response.StatusCode, BodyText(response), now);
            }
        }

        private void OnAccepted(SipResponse response, long now)
        {
            if (Dialog != null)
            {
                // A retransmitted 2xx: our ACK was lost.
                if (_ack != null)
                {
                    _ackFlow.Send(_ack);
                }

                return;
            }

            Dialog = Dialog.AsCaller(response, Anonymous ? AnonymousUri : _localUri, _remoteUri, _localTag, _cseq);
            _ackFlow = DialogFlow();
            SipRequestWriter ack = Dialog.Request("ACK", _cseq)
                .Via(_ackFlow.ViaTransport, _ackFlow.LocalAddress, _ackFlow.LocalPort, Identifiers.Branch(Setup.Random));
            _answerer.Authorize(ack);
            _ack = ack.ToBytes();
            _ackFlow.Send(_ack);
            _phase = Answered;
            IsConfirmed = true;
            if (_hungUp || HasEnded)
            {
                // Answered after the caller gave up: end it at once.
                SendBye(now);
                return;
            }

            Listener.Answered(this, BodyText(response), now);
        }

        private void OnRefused(SipResponse response, long now)
        {
            SendAckFor(response);
            _phase = Completed;
            _forgetAt = Flow.IsReliable ? now : now + 32000;
            int code = response.StatusCode;
            if ((code == 401 || code == 407) && !_hungUp)
            {
                int answer = _answerer.OnChallenge(response);
                if (answer == DigestAnswerer.Answer)
                {
                    _cseq++;
                    SendInvite(now);
                    return;
                }

                End(403, answer == DigestAnswerer.Rejected ? "the registrar refused the line's credentials" : "the registrar asked for credentials the adapter cannot give", false, now);
                return;
            }

            if ((code == 408 || (code >= 500 && code < 600)) && !_provisional && !_hungUp && Setup.Registrars.SwitchAfterFailure())
            {
                _failedOver = true;
                _cseq++;
                TryToSend(now);
                return;
            }

            End(code, response.Reason, false, now);
        }

        private void Failed(int code, string reason, long now)
        {
            if (!_hungUp && !_provisional && Setup.Registrars.SwitchAfterFailure())
            {
                _failedOver = true;
                _cseq++;
                _phase = Locating;
                TryToSend(now);
                return;
            }

            _phase = Finished;
            End(code, reason, false, now);
        }

        private void SendAckFor(SipResponse response)
        {
            SipRequestWriter ack = new SipRequestWriter("ACK", _remoteUri).Via(Flow.ViaTransport, Flow.LocalAddress, Flow.LocalPort, _branch);
            if (Setup.Registrars.ProxyRoute != null)
            {
                ack.Route(Setup.Registrars.ProxyRoute);
            }

            ack.Header("From", (Anonymous ? AnonymousFrom : "<" + _localUri + ">") + ";tag=" + _localTag).Header("To", response.Header("to")).CallId(_callId).CSeq(_cseq);
            Flow.Send(ack.ToBytes());
        }

        private void SendCancel(long now)
        {
            if (_cancel != null)
            {
                return;
            }

            _cancel = new NonInviteClientTransaction(Flow, "CANCEL", _branch, Head("CANCEL", _cseq).ToBytes());
            _cancelledAt = now;
            _cancel.Start(now);
        }

        private static SipFlow NewFlow(CallSetup setup)
        {
            SipFlow flow = new SipFlow(setup.Socket, setup.Config.Transport == LineConfig.Tcp);
            flow.Stream = setup.Stream;
            return flow;
        }
    }
}
