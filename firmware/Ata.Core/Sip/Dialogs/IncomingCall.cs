using Ata.Core.Sip.Messages;
using Ata.Core.Sip.Transactions;
using Ata.Core.Sip.Transport;

namespace Ata.Core.Sip.Dialogs
{
    /// <summary>
    /// A call to the adapter (the callee's side, RFC 3261 §13.3 and §17.2.1): the INVITE is answered
    /// 180 while the phone rings, 200 with the SDP answer when the handset is lifted (sent again until
    /// the ACK), or refused (486, 487 after CANCEL, 488, 480) with the failure repeated until its ACK;
    /// a retransmitted INVITE gets the last answer again.
    /// </summary>
    public sealed class IncomingCall : SipCall
    {
        private const int Ringing = 0;
        private const int Accepting = 1;
        private const int Confirmed = 2;
        private const int Refusing = 3;
        private const int Finished = 4;

        private readonly SipRequest _invite;
        private readonly int _connection;
        private int _phase;
        private byte[] _last;
        private long _refusedAt;
        private long _resendAt;
        private long _resendInterval;

        /// <summary>Takes an INVITE that arrived for <paramref name="line"/> (on TCP <paramref name="connection"/>, or 0).</summary>
        public IncomingCall(int line, SipRequest invite, int connection, SipFlow flow, CallSetup setup, ISipCallListener listener)
            : base(line, setup, listener, flow)
        {
            _invite = invite;
            _connection = connection;
            Dialog = Dialog.AsCallee(invite, Identifiers.Tag(setup.Random));
            string from = invite.Header("from");
            SipUri caller = SipUri.Parse(HeaderValue.Uri(from));
            FarEnd = caller == null ? null : caller.User;
            FarEndName = DisplayName(from);
            Offer = BodyText(invite);
        }

        /// <inheritdoc/>
        public override bool IsOutgoing
        {
            get { return false; }
        }

        /// <summary>The caller's SDP offer, or null when the INVITE had none.</summary>
        public string Offer { get; private set; }

        /// <summary>True when the caller asked not to show who calls (<c>Privacy: id</c> or an anonymous From).</summary>
        public bool IsAnonymous
        {
            get
            {
                string privacy = _invite.Header("privacy");
                return (privacy != null && privacy.IndexOf("id") >= 0) || FarEnd == "anonymous";
            }
        }

        /// <inheritdoc/>
        public override bool IsFinished
        {
            get { return _phase == Finished; }
        }

        /// <inheritdoc/>
        public override bool Owns(SipMessage message)
        {
            if (message.CallId != Dialog.CallId)
            {
                return false;
            }

            SipRequest request = message as SipRequest;
            if (request == null)
            {
                return true;
            }

            return request.Method == "CANCEL" || (request.Method == "INVITE" && request.TopViaBranch == _invite.TopViaBranch)
                || (request.Method == "ACK" && HeaderValue.Parameter(request.Header("to"), "tag") == Dialog.LocalTag)
                || Dialog.Owns(request);
        }

        /// <summary>Tells the caller the phone rings (180).</summary>
        public void Ring(long now)
        {
            if (_phase == Ringing)
            {
                SendFinalOrProvisional(Response(_invite, 180, "Ringing").Contact(ContactUri).ToBytes(), false, now);
            }
        }

        /// <summary>The handset was lifted: 200 with <paramref name="sdp"/>, sent again until the ACK.</summary>
        public void Answer(string sdp, long now)
        {
            if (_phase != Ringing || HasEnded)
            {
                return;
            }

            _phase = Accepting;
            SendOk(_invite, _connection, sdp, now);
        }

        /// <summary>Refuses the call with <paramref name="code"/> (486 busy, 488 no common codec, 480…).</summary>
        public void Refuse(int code, string reason, long now)
        {
            if (_phase != Ringing)
            {
                return;
            }

            _phase = Refusing;
            _refusedAt = now;
            SendFinalOrProvisional(Response(_invite, code, reason).ToBytes(), true, now);
            End(code, reason, false, now);
        }

        /// <inheritdoc/>
        public override void Hangup(long now)
        {
            if (_phase == Ringing)
            {
                Refuse(480, "Temporarily Unavailable", now);
            }
            else if (_phase == Accepting || _phase == Confirmed)
            {
                SendBye(now);
                End(200, "the callee hung up", false, now);
            }
        }

        /// <inheritdoc/>
        public override void OnRequest(SipRequest request, int connection, long now)
        {
            if (request.Method == "CANCEL")
            {
                Send(new SipResponseWriter(request, 200, "OK", Dialog.LocalTag).ToBytes(), request, connection);
                if (_phase == Ringing)
                {
                    _phase = Refusing;
                    _refusedAt = now;
                    SendFinalOrProvisional(Response(_invite, 487, "Request Terminated").ToBytes(), true, now);
                    End(487, "the caller gave up", true, now);
                }

                return;
            }

            if (request.Method == "INVITE" && request.TopViaBranch == _invite.TopViaBranch)
            {
                // The caller did not hear our answer: repeat it.
                if (!ResendOkFor(request) && _last != null)
                {
                    Send(_last, _invite, _connection);
                }

                return;
            }

            if (request.Method == "ACK" && _phase == Refusing)
            {
                _phase = Finished;
                return;
            }

            base.OnRequest(request, connection, now);
        }

        /// <inheritdoc/>
        public override void Tick(long now)
        {
            base.Tick(now);
            if (_phase == Refusing)
            {
                if (now - _refusedAt >= 64 * SipTimers.T1)
                {
                    _phase = Finished;
                }
                else if (_connection == 0 && now >= _resendAt)
                {
                    // Timer G: the failure again until its ACK.
                    Send(_last, _invite, _connection);
                    _resendInterval = _resendInterval * 2 > SipTimers.T2 ? SipTimers.T2 : _resendInterval * 2;
                    _resendAt = now + _resendInterval;
                }
            }
            else if (_phase == Accepting && HasEnded)
            {
                _phase = Finished;
            }
            else if (_phase == Confirmed && HasEnded && Quiet)
            {
                _phase = Finished;
            }
        }

        /// <inheritdoc/>
        protected override void Acknowledged(SipRequest ack, long now)
        {
            if (_phase == Accepting)
            {
                _phase = Confirmed;
                IsConfirmed = true;

                // After an INVITE without SDP the 200 carried this side's offer and the ACK its answer (RFC 3261 §13.2.1).
                Listener.Answered(this, Offer == null ? BodyText(ack) : null, now);
            }
        }

        private void SendFinalOrProvisional(byte[] response, bool final, long now)
        {
            _last = response;
            Send(response, _invite, _connection);
            if (final)
            {
                _resendInterval = SipTimers.T1;
                _resendAt = now + SipTimers.T1;
            }
        }

        private static string DisplayName(string from)
        {
            if (from == null)
            {
                return null;
            }

            string value = from.Trim();
            int open = value.IndexOf('<');
            if (open <= 0)
            {
                return null;
            }

            string name = value.Substring(0, open).Trim();
            if (name.Length >= 2 && name[0] == '"' && name[name.Length - 1] == '"')
            {
                name = name.Substring(1, name.Length - 2);
            }

            return name.Length == 0 ? null : name;
        }
    }
}
