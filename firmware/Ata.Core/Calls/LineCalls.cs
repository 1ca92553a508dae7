using System;
using System.Collections;
using Ata.Core.Hardware;
using Ata.Core.Media;
using Ata.Core.Sdp;
using Ata.Core.Sip.Dialogs;
using Ata.Core.Sip.Messages;
using Ata.Core.Sip.Transport;
using Ata.Core.Telephony;

namespace Ata.Core.Calls
{
    /// <summary>
    /// The calls of one line: it joins the line's analog port (what the household does and hears), the
    /// SIP side of the call (<see cref="OutgoingCall"/>, <see cref="IncomingCall"/>) and its audio
    /// (<see cref="MediaSession"/>). A number dialled becomes an INVITE with an SDP offer (an emergency
    /// number even when the line is not registered); the far end's progress becomes ringback or early
    /// media; its failure becomes the national tone for it (<see cref="CallOutcome"/>); an INVITE for the
    /// line rings the phone, and lifting the handset answers it. During a call a second INVITE is
    /// announced by the national call-waiting tone over the call (when the line has call waiting); a
    /// hook flash holds the call (re-INVITE, a=inactive) and answers the waiting one, and flashes
    /// again swap them; hanging up with a call held or waiting rings the phone back. A line with no
    /// room for another call answers 486.
    /// </summary>
    public sealed partial class LineCalls : ISipCallListener
    {
        private readonly int _line;
        private readonly FxsPort _port;
        private readonly Random _random;
        private readonly short[] _sine;
        private readonly ICallObserver _observer;
        private readonly ArrayList _closing = new ArrayList();
        private IDatagramSocket _rtp;
        private IDatagramSocket _rtcp;
        private CallSetup _setup;
        private SipCall _call;
        private CallRecord _record;
        private LocalMedia _local;
        private MediaSession _media;
        private string _answer;
        private MediaParameters _answerMedia;
        private bool _gaveUpUnanswered;
        private CallLeg _other;
        private bool _ringBackDue;
        private bool _householdHungUp;
        private bool _shownPassThrough;
        private bool _shownEchoCanceller = true;

        /// <summary>Creates the call control of <paramref name="port"/>.</summary>
        public LineCalls(FxsPort port, Random random, IMediaKernels kernels, short[] sine, ICallObserver observer)
        {
            _line = port.Number;
            _port = port;
            _random = random;
            Kernels = kernels;
            _sine = sine;
            _observer = observer;
        }

        /// <summary>The per-sample kernels the call's audio runs on.</summary>
        public IMediaKernels Kernels { get; set; }

        /// <summary>The host's audio path delay before the hybrid's echo reaches the microphone, in samples: each call's echo canceller's <see cref="EchoCanceller.BulkDelaySamples"/>.</summary>
        public int EchoPathDelaySamples { get; set; }

        /// <summary>The call on the line now, or null.</summary>
        public CallRecord Current
        {
            get { return _record; }
        }

        /// <summary>The current call's audio, or null.</summary>
        public MediaSession Media
        {
            get { return _media; }
        }

        /// <summary>True while an emergency call is set up or in progress on the line.</summary>
        public bool EmergencyInProgress
        {
            get { return _record != null && _record.Emergency; }
        }

        /// <summary>No-answer limit for calls the household places, in ms (0: none).</summary>
        public long NoAnswerMs { get; set; }

        /// <summary>The line's RTP and RTCP sockets (the RTCP one on the next port).</summary>
        public void UseMediaSockets(IDatagramSocket rtp, IDatagramSocket rtcp)
        {
            _rtp = rtp;
            _rtcp = rtcp;
        }

        /// <summary>The line's account and transport, or null when it has no account (calls cannot be placed or received).</summary>
        public void Configure(CallSetup setup)
        {
            _setup = setup;
        }

        /// <summary>True when <paramref name="invite"/> is addressed to this line's account.</summary>
        public bool IsFor(SipRequest invite)
        {
            if (_setup == null)
            {
                return false;
            }

            SipUri target = SipUri.Parse(invite.RequestUri);
            SipUri to = SipUri.Parse(HeaderValue.Uri(invite.Header("to")));
            string user = _setup.Config.Username;
            return (target != null && target.User == user) || (to != null && to.User == user);
        }

        /// <summary>The line dialled a number: a call (or an emergency call) is placed.</summary>
        public void Dialled(string outcome, string number, long now)
        {
            Dialled(outcome, number, false, now);
        }

        /// <summary>The line dialled a number: a call (or an emergency call) is placed, with the caller's identity withheld when <paramref name="anonymous"/> (never for an emergency call).</summary>
        public void Dialled(string outcome, string number, bool anonymous, long now)
        {
            bool emergency = outcome == DialOutcome.Emergency;
            if (outcome != DialOutcome.Call && !emergency)
            {
                return;
            }

            if (_setup == null || _rtp == null)
            {
                _record = new CallRecord(_line, CallRecord.Outgoing, number, emergency, now);
                Finish(503, _setup == null ? "the line has no account" : "the adapter has no media port", false, now);
                return;
            }

            _local = new LocalMedia(_port.Line.Profile.Country, _rtp.LocalAddress, _rtp.LocalPort, _random.Next(0x7FFFFFFF));
            _record = new CallRecord(_line, CallRecord.Outgoing, number, emergency, now);
            _gaveUpUnanswered = false;
            _householdHungUp = false;
            OutgoingCall call = new OutgoingCall(_line, number, emergency, SdpWriter.Offer(_local), _setup, this);
            call.Anonymous = anonymous && !emergency;
            _call = call;
            _observer.CallChanged(_record, now);
            call.Start(now);
        }

        /// <summary>The line's state changed: on hook ends the call; lifting a ringing handset answers it.</summary>
        public void LineStateChanged(string state, long now)
        {
            if (state == LineState.Idle)
            {
                if (_call != null)
                {
                    _householdHungUp = true;
                    _call.Hangup(now);
                }

                // A call still held or waiting rings the phone back (once the line has settled idle).
                _ringBackDue = _other != null;
            }
            else if (state == LineState.Answered)
            {
                if (_call == null && _other != null)
                {
                    BringBack(now);
                    _port.Line.Connected(now);
                }
                else if (_call is IncomingCall)
                {
                    AnswerIncoming(now);
                }
            }
        }

        /// <summary>
        /// A new INVITE for this line (<see cref="IsFor"/>): rings the phone, or during a call waits beside
        /// it (the call-waiting tone, <see cref="CallWaiting"/>); answers 486 when the line has no room for
        /// it, 488 when no codec is common.
        /// </summary>
        public void Incoming(SipRequest invite, int connection, long now)
        {
            IncomingCall call = new IncomingCall(_line, invite, connection, FlowBack(invite), _setup, this);
            bool waiting = CanWait();
            if (!waiting && (_call != null || _other != null || !_port.IsIdle || _rtp == null))
            {
                call.Refuse(486, "Busy Here", now);
                _closing.Add(call);
                return;
            }

            LocalMedia local = new LocalMedia(_port.Line.Profile.Country, _rtp.LocalAddress, _rtp.LocalPort, _random.Next(0x7FFFFFFF));

            // An INVITE without SDP asks for this side's offer in the 200; the answer comes in the ACK (RFC 3261 §13.2.1).
            Negotiation negotiation = call.Offer == null ? null : Negotiation.Answer(call.Offer, local);
            if (negotiation != null && !negotiation.Succeeded)
            {
                call.Refuse(negotiation.FailureStatus, negotiation.FailureStatus == 400 ? "Bad Request" : "Not Acceptable Here", now);
                _closing.Add(call);
                return;
            }

            CallRecord record = new CallRecord(_line, CallRecord.Incoming, call.IsAnonymous ? null : call.FarEnd, false, now);
            if (waiting)
            {
                _other = new CallLeg();
                _other.Call = call;
                _other.Record = record;
                _other.Local = local;
                _other.Answer = negotiation == null ? SdpWriter.Offer(local) : negotiation.AnswerText;
                _other.AnswerMedia = negotiation == null ? null : negotiation.Media;
                record.State = CallState.Waiting;
                call.Ring(now);
                _port.CallWaiting(CallerOf(call, invite), now);
                _observer.CallChanged(record, now);
                return;
            }

            _local = local;
            _answer = negotiation == null ? SdpWriter.Offer(local) : negotiation.AnswerText;
            _answerMedia = negotiation == null ? null : negotiation.Media;
            _call = call;
            _record = record;
            _gaveUpUnanswered = false;
            _householdHungUp = false;
            _record.State = CallState.Ringing;
            call.Ring(now);
            _port.Ring(CallerOf(call, invite), now);
            _observer.CallChanged(_record, now);
        }

        /// <summary>Delivers a request that belongs to one of the line's calls; false when none owns it.</summary>
        public bool OnRequest(SipRequest request, int connection, long now)
        {
            SipCall call = Owner(request);
            if (call == null)
            {
                return false;
            }

            call.OnRequest(request, connection, now);
            return true;
        }

        /// <summary>Delivers a response that belongs to one of the line's calls; false when none owns it.</summary>
        public bool OnResponse(SipResponse response, long now)
        {
            SipCall call = Owner(response);
            if (call == null)
            {
                return false;
            }

            call.OnResponse(response, now);
            return true;
        }

        /// <summary>The network reported <paramref name="address"/>:<paramref name="port"/> unreachable.</summary>
        public void OnUnreachable(string address, int port, long now)
        {
            OutgoingCall call = _call as OutgoingCall;
            if (call != null)
            {
                call.OnUnreachable(address, port, now);
            }
        }

        /// <summary>Advances the calls' timers, RTCP and the no-answer limit.</summary>
        public void Tick(long now)
        {
            if (_call != null)
            {
                _call.Tick(now);
                OfferAgainIfDue(_call, _local, now);
                if (_call != null && _call.IsOutgoing && !_call.IsConfirmed && NoAnswerMs > 0 && now - _record.StartedAt >= NoAnswerMs)
                {
                    _gaveUpUnanswered = true;
                    _call.Hangup(now);
                }
            }

            for (int i = _closing.Count - 1; i >= 0; i--)
            {
                SipCall closing = (SipCall)_closing[i];
                closing.Tick(now);
                if (closing.IsFinished)
                {
                    _closing.RemoveAt(i);
                }
            }

            if (_media != null)
            {
                _media.Tick(now);
                FollowPassThrough(now);
            }

            if (_other != null)
            {
                _other.Call.Tick(now);
                if (_other != null && _other.Media != null)
                {
                    _other.Media.Tick(now);
                    OfferAgainIfDue(_other.Call, _other.Local, now);
                }
            }

            if (_ringBackDue && _other != null && _port.IsIdle)
            {
                _ringBackDue = false;
                _other.Record.State = CallState.Ringing;
                _port.Line.Ring(now);
                _observer.CallChanged(_other.Record, now);
            }
        }

        private void Finish(int code, string reason, bool byFarEnd, long now)
        {
            bool answered = _record.AnsweredAt >= 0;
            string outcome = Close(_record, code, reason, byFarEnd, _gaveUpUnanswered, EnderOf(byFarEnd, answered), now);
            if (_media != null)
            {
                _media.Stop(now);
                _media = null;
                _port.Media = null;
            }

            if (_call != null && !_call.IsFinished)
            {
                _closing.Add(_call);
            }

            _call = null;

            // With another call held or waiting, the line stays in the call, silent: a flash brings it back, hanging up rings it back.
            if (_record.Direction == CallRecord.Incoming && !answered)
            {
                _port.Line.StopRinging(now);
            }
            else if (_other == null && CallOutcome.ToneFor(outcome) != null)
            {
                _port.Line.CallEnded(CallOutcome.ToneFor(outcome), now);
            }

            CallRecord ended = _record;
            _record = null;
            _observer.CallChanged(ended, now);
        }

        /// <summary>Who ended the call (see <see cref="CallEnder"/>).</summary>
        private string EnderOf(bool byFarEnd, bool answered)
        {
            if (byFarEnd)
            {
                return CallEnder.FarEnd;
            }

            if (_householdHungUp)
            {
                return CallEnder.Household;
            }

            if (_gaveUpUnanswered || _call == null)
            {
                return CallEnder.Adapter;
            }

            return answered || _record.Direction == CallRecord.Incoming ? CallEnder.Adapter : CallEnder.Network;
        }

        private SipCall Owner(SipMessage message)
        {
            if (_call != null && _call.Owns(message))
            {
                return _call;
            }

            if (_other != null && _other.Call.Owns(message))
            {
                return _other.Call;
            }

            for (int i = 0; i < _closing.Count; i++)
            {
                SipCall closing = (SipCall)_closing[i];
                if (closing.Owns(message))
                {
                    return closing;
                }
            }

            return null;
        }

        /// <summary>The flow requests inside an incoming call go on: back towards where the INVITE came from (the line's TCP flow on TCP).</summary>
        private SipFlow FlowBack(SipRequest invite)
        {
            if (_setup.Config.Transport == Provisioning.LineConfig.Tcp && _setup.RegistrationFlow != null)
            {
                return _setup.RegistrationFlow;
            }

            SipFlow flow = new SipFlow(_setup.Socket, false);
            string address;
            int port;
            if (SipUri.ResponseTarget((string)invite.Headers("via")[0], out address, out port))
            {
                flow.Open(address, port);
            }

            return flow;
        }
    }
}
