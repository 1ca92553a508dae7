using System;
using System.Text;
using Ata.Core.Hardware;
using Ata.Core.Provisioning;
using Ata.Core.Sip.Messages;
using Ata.Core.Sip.Transactions;
using Ata.Core.Sip.Transport;
using Ata.Core.Text;

namespace Ata.Core.Sip.Dialogs
{
    /// <summary>What a SIP call tells the line's call control.</summary>
    public interface ISipCallListener
    {
        /// <summary>The caller's INVITE got a provisional answer (180, 183…), with the far end's SDP or null.</summary>
        void Progress(SipCall call, int code, string sdp, long now);

        /// <summary>
        /// The call is up: the caller got a 2xx (with the answer SDP), or the callee got the ACK (with the
        /// answer SDP to the offer in its 200 when the INVITE had none; else null).
        /// </summary>
        void Answered(SipCall call, string sdp, long now);

        /// <summary>
        /// The call is over (once per call): a final failure, a BYE or CANCEL from the far end
        /// (<paramref name="byFarEnd"/>), a timeout, or the local hang-up's own end.
        /// </summary>
        void Ended(SipCall call, int code, string reason, bool byFarEnd, long now);

        /// <summary>The far end offers new SDP in the dialog (a re-INVITE, e.g. hold): return the answer, or null to refuse with 488.</summary>
        string Offered(SipCall call, string sdp, long now);

        /// <summary>
        /// The far end answered this side's re-INVITE (<see cref="SipCall.Reoffer"/>): a 2xx with its SDP, or a
        /// failure (sdp null) that leaves the call as it was.
        /// </summary>
        void Reanswered(SipCall call, int code, string sdp, long now);
    }

    /// <summary>What a call needs from its line and the adapter.</summary>
    public sealed class CallSetup
    {
        /// <summary>The line's account.</summary>
        public LineConfig Config;

        /// <summary>The SIP socket.</summary>
        public IDatagramSocket Socket;

        /// <summary>TCP connections (lines on TCP), or null.</summary>
        public IStreamTransport Stream;

        /// <summary>Where the line's requests go (proxy, registrar, secondary), shared with nothing else.</summary>
        public RegistrarFailover Registrars;

        /// <summary>Randomness for tags, branches and nonces.</summary>
        public Random Random;

        /// <summary>The User-Agent header value.</summary>
        public string UserAgent;

        /// <summary>The line's registration flow (its TCP connection carries calls to the line on TCP), or null.</summary>
        public SipFlow RegistrationFlow;
    }

    /// <summary>
    /// One call's SIP side (an INVITE session, RFC 3261 §13–15), as the caller
    /// (<see cref="OutgoingCall"/>) or the callee (<see cref="IncomingCall"/>): the dialog, requests
    /// inside it (BYE both ways, a far end's re-INVITE answered through the listener, OPTIONS), and the
    /// retransmission of a 2xx until its ACK. Pure: time is passed in; what the far end sends is
    /// delivered with <see cref="OnRequest"/> and <see cref="OnResponse"/>.
    /// </summary>
    public abstract class SipCall
    {
        /// <summary>SDP's content type.</summary>
        public const string SdpType = "application/sdp";

        /// <summary>The methods the adapter accepts in a call.</summary>
        public const string Allow = "INVITE, ACK, CANCEL, BYE, OPTIONS";

        private readonly SipFlow _flow;
        private NonInviteClientTransaction _bye;
        private ReInvite _reinvite;
        private long _reofferAgainAt = -1;
        private byte[] _okToInvite;
        private string _okBranch;
        private int _okConnection;
        private string _okAddress;
        private int _okPort;
        private long _okSentAt;
        private long _okResendAt;
        private long _okInterval;

        /// <summary>Sets up the call's shared parts.</summary>
        protected SipCall(int line, CallSetup setup, ISipCallListener listener, SipFlow flow)
        {
            Line = line;
            Setup = setup;
            Listener = listener;
            _flow = flow;
        }

        /// <summary>The line (1-based).</summary>
        public int Line { get; private set; }

        /// <summary>True for a call this adapter placed.</summary>
        public abstract bool IsOutgoing { get; }

        /// <summary>The far end's number or user, as dialled or as the caller presented it.</summary>
        public string FarEnd { get; protected set; }

        /// <summary>The far end's display name, or null.</summary>
        public string FarEndName { get; protected set; }

        /// <summary>The dialog, once one exists.</summary>
        public Dialog Dialog { get; protected set; }

        /// <summary>True once the call is up (ACKed 2xx).</summary>
        public bool IsConfirmed { get; protected set; }

        /// <summary>True once the call has ended for the line (<see cref="ISipCallListener.Ended"/> was told).</summary>
        public bool HasEnded { get; private set; }

        /// <summary>True once nothing more is left to send or absorb: the call can be forgotten.</summary>
        public abstract bool IsFinished { get; }

        /// <summary>The SIP status that ended the call (a BYE counts as 200), 0 while it goes on.</summary>
        public int FinalCode { get; private set; }

        /// <summary>The reason phrase or words for <see cref="FinalCode"/>.</summary>
        public string FinalReason { get; private set; }

        /// <summary>The call's setup.</summary>
        protected CallSetup Setup { get; private set; }

        /// <summary>The listener.</summary>
        protected ISipCallListener Listener { get; private set; }

        /// <summary>The flow the call's requests go on.</summary>
        protected SipFlow Flow
        {
            get { return _flow; }
        }

        /// <summary>True when <paramref name="message"/> belongs to this call.</summary>
        public abstract bool Owns(SipMessage message);

        /// <summary>The household hung up (or the line gave up): end the call the way its state needs.</summary>
        public abstract void Hangup(long now);

        /// <summary>Handles a response that <see cref="Owns"/> said is this call's.</summary>
        public virtual void OnResponse(SipResponse response, long now)
        {
            if (_reinvite != null && _reinvite.Matches(response))
            {
                Reanswered(response, now);
                return;
            }

            if (_bye != null && _bye.Matches(response) && _bye.OnResponse(response, now) && response.StatusCode >= 200)
            {
                _bye = null;
            }
        }

        /// <summary>Handles a request that <see cref="Owns"/> said is this call's; <paramref name="connection"/> is its TCP connection or 0.</summary>
        public virtual void OnRequest(SipRequest request, int connection, long now)
        {
            string method = request.Method;
            if (method == "ACK")
            {
                if (_okToInvite != null && request.CSeqNumber == Dialog.RemoteCSeq)
                {
                    _okToInvite = null;
                    Acknowledged(request, now);
                }

                return;
            }

            if (Dialog != null && request.CSeqNumber > Dialog.RemoteCSeq)
            {
                Dialog.RemoteCSeq = request.CSeqNumber;
            }

            if (method == "BYE")
            {
                Reply(request, connection, 200, "OK", null);
                _okToInvite = null;
                End(200, "the far end hung up", true, now);
            }
            else if (method == "INVITE")
            {
                AnswerReoffer(request, connection, now);
            }
            else if (method == "OPTIONS")
            {
                Reply(request, connection, 200, "OK", null);
            }
            else
            {
                Reply(request, connection, 501, "Not Implemented", null);
            }
        }

        /// <summary>Advances the timers.</summary>
        public virtual void Tick(long now)
        {
            if (_bye != null && (_bye.Tick(now) || !_bye.IsPending))
            {
                _bye = null;
            }

            if (_reinvite != null && _reinvite.Tick(now) && !HasEnded)
            {
                // No answer to a re-INVITE: the dialog is taken for gone (RFC 3261 §14.1).
                SendBye(now);
                End(408, "the far end did not answer a re-INVITE", false, now);
            }

            if (_okToInvite == null)
            {
                return;
            }

            if (now - _okSentAt >= 64 * SipTimers.T1)
            {
                // No ACK for the 2xx (RFC 3261 §13.3.1.4): the call cannot be kept up.
                _okToInvite = null;
                if (IsConfirmed)
                {
                    return;
                }

                SendBye(now);
                End(408, "the caller never confirmed the answer", false, now);
                return;
            }

            if (_okConnection == 0 && now >= _okResendAt)
            {
                Setup.Socket.Send(_okToInvite, _okToInvite.Length, _okAddress, _okPort);
                _okInterval = _okInterval * 2 > SipTimers.T2 ? SipTimers.T2 : _okInterval * 2;
                _okResendAt = now + _okInterval;
            }
        }

        /// <summary>True while this side's re-INVITE awaits its final answer.</summary>
        public bool IsReoffering
        {
            get { return _reinvite != null && !_reinvite.IsAnswered; }
        }

        /// <summary>
        /// True when this side's re-INVITE was refused 491 (the far end's crossed it, RFC 3261 §14.1) and a
        /// new one may go now: 2.1 to 4 s later for the call this side placed (it owns the Call-ID), up
        /// to 2 s for one it took. The new offer goes with <see cref="Reoffer"/>.
        /// </summary>
        public bool ReofferDue(long now)
        {
            return _reofferAgainAt >= 0 && now >= _reofferAgainAt && !IsReoffering && !HasEnded;
        }

        /// <summary>
        /// Sends a new SDP offer in the call (a re-INVITE, RFC 3261 §14.1: hold or resume); the answer comes
        /// through <see cref="ISipCallListener.Reanswered"/>. False when it cannot be sent now: no confirmed
        /// call, the call ended, or a re-INVITE either way is still pending.
        /// </summary>
        public bool Reoffer(string sdp, long now)
        {
            if (Dialog == null || !IsConfirmed || HasEnded || IsReoffering || _okToInvite != null)
            {
                return false;
            }

            SipFlow flow = DialogFlow();
            string branch = Identifiers.Branch(Setup.Random);
            Dialog.LocalCSeq++;
            SipRequestWriter invite = Dialog.Request("INVITE", Dialog.LocalCSeq);
            invite.Via(flow.ViaTransport, flow.LocalAddress, flow.LocalPort, branch).Contact(ContactUri, null)
                .Header("Allow", Allow).Header("User-Agent", Setup.UserAgent).Body(SdpType, Encoding.UTF8.GetBytes(sdp));
            _reinvite = new ReInvite(flow, branch, Dialog.LocalCSeq, invite.ToBytes());
            _reofferAgainAt = -1;
            return _reinvite.Start(now);
        }

        /// <summary>True while nothing is left in flight (a BYE awaiting its answer, a 2xx awaiting its ACK).</summary>
        protected bool Quiet
        {
            get { return _bye == null && _okToInvite == null; }
        }

        /// <summary>The ACK (<paramref name="ack"/>) for a 2xx this side sent arrived.</summary>
        protected virtual void Acknowledged(SipRequest ack, long now)
        {
        }

        /// <summary>Tells the listener the call ended, once.</summary>
        protected void End(int code, string reason, bool byFarEnd, long now)
        {
            if (HasEnded)
            {
                return;
            }

            HasEnded = true;
            FinalCode = code;
            FinalReason = reason;
            Listener.Ended(this, code, reason, byFarEnd, now);
        }

        /// <summary>Sends BYE in the dialog.</summary>
        protected void SendBye(long now)
        {
            if (Dialog == null || _bye != null)
            {
                return;
            }

            SipFlow flow = DialogFlow();
            string branch = Identifiers.Branch(Setup.Random);
            Dialog.LocalCSeq++;
            SipRequestWriter bye = Dialog.Request("BYE", Dialog.LocalCSeq);
            bye.Via(flow.ViaTransport, flow.LocalAddress, flow.LocalPort, branch).Header("User-Agent", Setup.UserAgent);
            _bye = new NonInviteClientTransaction(flow, "BYE", branch, bye.ToBytes());
            if (!_bye.Start(now))
            {
                _bye = null;
            }
        }

        /// <summary>The flow requests inside the dialog go on: to its first route or the far end's target, else the call's flow.</summary>
        protected SipFlow DialogFlow()
        {
            SipUri hop = Dialog.NextHop;
            if (_flow.IsReliable || hop == null || !AsciiText.IsIPv4Literal(hop.Host) || _flow.IsTo(hop.Host, hop.PortOrDefault))
            {
                return _flow;
            }

            SipFlow direct = new SipFlow(Setup.Socket, false);
            direct.Open(hop.Host, hop.PortOrDefault);
            return direct;
        }

        /// <summary>Sends a 2xx to an INVITE and keeps sending it until its ACK (RFC 3261 §13.3.1.4).</summary>
        protected void SendOk(SipRequest invite, int connection, string sdp, long now)
        {
            SipResponseWriter ok = Response(invite, 200, "OK").RecordRoutes(invite).Contact(ContactUri);
            if (sdp != null)
            {
                ok.Body(SdpType, Encoding.UTF8.GetBytes(sdp));
            }

            _okToInvite = ok.ToBytes();
            _okBranch = invite.TopViaBranch;
            _okConnection = connection;
            _okSentAt = now;
            _okInterval = SipTimers.T1;
            _okResendAt = now + SipTimers.T1;
            Send(_okToInvite, invite, connection);
        }

        /// <summary>An INVITE with the same branch as the 2xx being retransmitted: send the 2xx again.</summary>
        protected bool ResendOkFor(SipRequest invite)
        {
            if (_okToInvite == null || invite.TopViaBranch != _okBranch)
            {
                return false;
            }

            Send(_okToInvite, invite, _okConnection);
            return true;
        }

        /// <summary>Starts a response to <paramref name="request"/> with this call's tag, Allow and Server.</summary>
        protected SipResponseWriter Response(SipRequest request, int code, string reason)
        {
            return new SipResponseWriter(request, code, reason, code > 100 && Dialog != null ? Dialog.LocalTag : null)
                .Header("Allow", Allow).Header("Server", Setup.UserAgent);
        }

        /// <summary>Answers <paramref name="request"/> with <paramref name="code"/>, optionally with SDP.</summary>
        protected void Reply(SipRequest request, int connection, int code, string reason, string sdp)
        {
            SipResponseWriter w = Response(request, code, reason);
            if (sdp != null)
            {
                w.Contact(ContactUri).Body(SdpType, Encoding.UTF8.GetBytes(sdp));
            }

            Send(w.ToBytes(), request, connection);
        }

        /// <summary>Sends a response back where its request came from: the TCP connection, else the top Via (RFC 3581).</summary>
        protected void Send(byte[] response, SipRequest request, int connection)
        {
            if (connection != 0 && Setup.Stream != null)
            {
                Setup.Stream.Send(connection, response, response.Length);
                return;
            }

            string address;
            int port;
            if (SipUri.ResponseTarget((string)request.Headers("via")[0], out address, out port))
            {
                _okAddress = address;
                _okPort = port;
                Setup.Socket.Send(response, response.Length, address, port);
            }
        }

        /// <summary>This side's Contact: where the far end sends requests in the dialog.</summary>
        protected string ContactUri
        {
            get
            {
                return "sip:" + Setup.Config.Username + "@" + _flow.LocalAddress + ":" + _flow.LocalPort.ToString()
                    + (_flow.IsReliable ? ";transport=tcp" : string.Empty);
            }
        }

        /// <summary>The body of a message as text, or null when it has none.</summary>
        public static string BodyText(SipMessage message)
        {
            byte[] body = message.Body;
            return body == null || body.Length == 0 ? null : Encoding.UTF8.GetString(body, 0, body.Length);
        }

        private void Reanswered(SipResponse response, long now)
        {
            int code = response.StatusCode;
            if (code < 200)
            {
                _reinvite.Provisional();
                return;
            }

            if (_reinvite.IsAnswered)
            {
                _reinvite.ResendAck();
                return;
            }

            // A 2xx is ACKed end to end with a new branch; a failure hop by hop with the INVITE's (§17.1.1.3).
            SipFlow flow = _reinvite.Flow;
            string branch = code < 300 ? Identifiers.Branch(Setup.Random) : _reinvite.Branch;
            byte[] ack = Dialog.Request("ACK", _reinvite.CSeq).Via(flow.ViaTransport, flow.LocalAddress, flow.LocalPort, branch)
                .Header("User-Agent", Setup.UserAgent).ToBytes();
            flow.Send(ack);
            _reinvite.Answered(ack);
            if (HasEnded)
            {
                return;
            }

            if (code == 481 || code == 408)
            {
                // The far end no longer knows the call (RFC 3261 §14.1): it is over.
                SendBye(now);
                End(code, response.Reason, true, now);
                return;
            }

            if (code == 491)
            {
                _reofferAgainAt = now + (IsOutgoing ? 2100 + Setup.Random.Next(1900) : Setup.Random.Next(2000));
            }

            Listener.Reanswered(this, code, code < 300 ? BodyText(response) : null, now);
        }

        private void AnswerReoffer(SipRequest invite, int connection, long now)
        {
            if (ResendOkFor(invite))
            {
                return;
            }

            if (!IsConfirmed || IsReoffering)
            {
                // Glare (RFC 3261 §14.2): an offer is already in flight either way.
                Reply(invite, connection, 491, "Request Pending", null);
                return;
            }

            string answer = Listener.Offered(this, BodyText(invite), now);
            if (answer == null)
            {
                Reply(invite, connection, 488, "Not Acceptable Here", null);
                return;
            }

            SendOk(invite, connection, answer, now);
        }
    }
}
