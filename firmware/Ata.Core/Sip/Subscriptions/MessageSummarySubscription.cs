using Ata.Core.Dns;
using Ata.Core.Provisioning;
using Ata.Core.Sip.Auth;
using Ata.Core.Sip.Dialogs;
using Ata.Core.Sip.Messages;
using Ata.Core.Sip.Transactions;
using Ata.Core.Sip.Transport;

namespace Ata.Core.Sip.Subscriptions
{
    /// <summary>
    /// A line's subscription to its own message summary at the registrar (RFC 3842, RFC 6665): SUBSCRIBE
    /// to the line's address of record with <c>Event: message-summary</c>, answering 401/407 with the
    /// line's credentials; refreshed in the same dialog (to the voicemail system's Contact, along the route set its
    /// 2xx recorded, RFC 6665 §4.1.2.1) at four fifths of the expiry granted; after a
    /// failure (a refusal, no answer, a NOTIFY that terminates it) subscribed anew after the jittered
    /// back-off of <see cref="RetryBackoff"/> (30 s doubling to 30 min). The NOTIFYs themselves, in
    /// this dialog or unsolicited, are the adapter's to take (<see cref="MessageSummary"/>). <see cref="End"/> unsubscribes
    /// (a SUBSCRIBE in the dialog with <c>Expires: 0</c>, RFC 6665 §4.1.2.3) for good. Pure: time is passed in.
    /// </summary>
    public sealed class MessageSummarySubscription
    {
        /// <summary>The expiry asked for, in seconds.</summary>
        public const int RequestedExpires = 3600;

        /// <summary>Base of the retry back-off.</summary>
        public const long RetryBaseMs = 30000;

        /// <summary>Cap of the retry back-off.</summary>
        public const long RetryCapMs = 1800000;

        /// <summary>State: nothing sent yet, or stopped.</summary>
        public const string Idle = "idle";

        /// <summary>State: a SUBSCRIBE awaits its answer.</summary>
        public const string Subscribing = "subscribing";

        /// <summary>State: subscribed; refreshed before it expires.</summary>
        public const string Active = "active";

        /// <summary>State: failed; subscribing again after the back-off.</summary>
        public const string Waiting = "waiting";

        /// <summary>State: unsubscribing (<c>Expires: 0</c> sent), at <see cref="End"/>.</summary>
        public const string Ending = "ending";

        /// <summary>State: over for good; nothing more is sent.</summary>
        public const string Ended = "ended";

        private readonly CallSetup _setup;
        private readonly SipFlow _flow;
        private readonly DigestAnswerer _answerer;
        private readonly string _uri;
        private string _callId;
        private string _localTag;
        private string _remoteTag;
        private int _cseq;
        private NonInviteClientTransaction _transaction;
        private Dialog _dialog;
        private long _dueAt;
        private int _expires = RequestedExpires;
        private bool _endAsked;

        /// <summary>Prepares the subscription of the line <paramref name="setup"/> describes; <see cref="Tick"/> starts it when <c>registered</c>.</summary>
        public MessageSummarySubscription(CallSetup setup)
        {
            _setup = setup;
            _flow = new SipFlow(setup.Socket, setup.Config.Transport == LineConfig.Tcp);
            _flow.Stream = setup.Stream;
            LineConfig config = setup.Config;
            _answerer = new DigestAnswerer(config.AuthUsername, config.Password, config.Ha1, config.Realm, setup.Random);
            _uri = setup.Registrars.AddressOfRecord;
            State = Idle;
        }

        /// <summary><see cref="Idle"/>, <see cref="Subscribing"/>, <see cref="Active"/> or <see cref="Waiting"/>.</summary>
        public string State { get; private set; }

        /// <summary>Failures since the last success.</summary>
        public int Failures { get; private set; }

        /// <summary>The expiry the registrar granted, in seconds (0 before a success).</summary>
        public int GrantedExpires { get; private set; }

        /// <summary>When the next SUBSCRIBE (refresh or retry) is due.</summary>
        public long DueAt
        {
            get { return _dueAt; }
        }

        /// <summary>True when <paramref name="response"/> answers this subscription's SUBSCRIBE.</summary>
        public bool Owns(SipResponse response)
        {
            return _transaction != null && response.CallId == _callId && _transaction.Matches(response);
        }

        /// <summary>True when <paramref name="request"/> belongs to this subscription's dialog (a NOTIFY).</summary>
        public bool Owns(SipRequest request)
        {
            return _callId != null && request.CallId == _callId;
        }

        /// <summary>Subscribes when the line is <paramref name="registered"/> and nothing is pending; refreshes and retries when due.</summary>
        public void Tick(bool registered, long now)
        {
            if (_transaction != null && _transaction.Tick(now))
            {
                Fail(now);
                return;
            }

            if (_endAsked)
            {
                return;
            }

            if (State == Idle && registered)
            {
                Subscribe(true, now);
            }
            else if ((State == Active || State == Waiting) && now >= _dueAt && registered)
            {
                Subscribe(State == Waiting, now);
            }
        }

        /// <summary>Takes the answer to the SUBSCRIBE.</summary>
        public void OnResponse(SipResponse response, long now)
        {
            if (!_transaction.OnResponse(response, now) || response.StatusCode < 200)
            {
                return;
            }

            int code = response.StatusCode;
            if (code == 401 || code == 407)
            {
                if (_answerer.OnChallenge(response) == DigestAnswerer.Answer)
                {
                    Send(now);
                    return;
                }

                Fail(now);
                return;
            }

            if (State == Ending)
            {
                // The answer to the unsubscribe ends it, whatever it says.
                State = Ended;
                return;
            }

            if (code >= 200 && code < 300)
            {
                if (_remoteTag == null)
                {
                    _remoteTag = HeaderValue.Parameter(response.Header("to"), "tag");
                    _dialog = _remoteTag == null ? null : Dialog.AsCaller(response, _uri, _uri, _localTag, _cseq);
                }

                if (_endAsked)
                {
                    // Granted while an end was asked for: unsubscribed at once.
                    Unsubscribe(now);
                    return;
                }

                int expires = response.Expires;
                GrantedExpires = expires > 0 ? expires : RequestedExpires;
                Failures = 0;
                State = Active;
                _dueAt = now + (GrantedExpires * 800L);
                return;
            }

            Fail(now);
        }

        /// <summary>A NOTIFY of this dialog said the subscription is terminated: subscribe anew after the back-off (unless ended).</summary>
        public void Terminated(long now)
        {
            Fail(now);
        }

        /// <summary>
        /// Ends the subscription for good: an active one is unsubscribed (<c>Expires: 0</c> in its dialog), one
        /// still being answered is unsubscribed once granted; otherwise there is nothing to undo.
        /// </summary>
        public void End(long now)
        {
            if (_endAsked)
            {
                return;
            }

            _endAsked = true;
            if (State == Active)
            {
                Unsubscribe(now);
            }
            else if (State != Subscribing)
            {
                State = Ended;
            }
        }

        private void Unsubscribe(long now)
        {
            _expires = 0;
            Send(now);
        }

        private void Subscribe(bool fresh, long now)
        {
            if (fresh)
            {
                _callId = Identifiers.CallId(_setup.Random);
                _localTag = Identifiers.Tag(_setup.Random);
                _remoteTag = null;
                _dialog = null;
                _cseq = _setup.Random.Next(1000) + 1;
            }

            string address;
            int port;
            int located = _setup.Registrars.Locate(now, out address, out port);
            if (located == SipLocator.Pending)
            {
                return;
            }

            if (located == SipLocator.Failed || _flow.Open(address, port) != SipFlow.Opened)
            {
                Fail(now);
                return;
            }

            Send(now);
        }

        private void Send(long now)
        {
            _cseq++;
            string branch = Identifiers.Branch(_setup.Random);
            SipRequestWriter w;
            if (_dialog != null)
            {
                w = _dialog.Request("SUBSCRIBE", _cseq).Via(_flow.ViaTransport, _flow.LocalAddress, _flow.LocalPort, branch);
            }
            else
            {
                w = new SipRequestWriter("SUBSCRIBE", _uri).Via(_flow.ViaTransport, _flow.LocalAddress, _flow.LocalPort, branch);
                if (_setup.Registrars.ProxyRoute != null)
                {
                    w.Route(_setup.Registrars.ProxyRoute);
                }

                w.From(_uri, _localTag).To(_uri, _remoteTag).CallId(_callId).CSeq(_cseq);
            }

            w.Contact("sip:" + _setup.Config.Username + "@" + _flow.LocalAddress + ":" + _flow.LocalPort.ToString() + (_flow.IsReliable ? ";transport=tcp" : string.Empty), null)
                .Header("Event", MessageSummary.EventName)
                .Header("Accept", MessageSummary.ContentType)
                .Header("Expires", _expires.ToString())
                .Header("User-Agent", _setup.UserAgent);
            _answerer.Authorize(w);
            _transaction = new NonInviteClientTransaction(_flow, "SUBSCRIBE", branch, w.ToBytes());
            State = _expires == 0 ? Ending : Subscribing;
            if (!_transaction.Start(now))
            {
                Fail(now);
            }
        }

        private void Fail(long now)
        {
            if (_endAsked)
            {
                State = Ended;
                return;
            }

            Failures++;
            State = Waiting;
            _callId = null;
            _dueAt = now + RetryBackoff.DelayMs(Failures, _setup.Random.NextDouble(), RetryBaseMs, RetryCapMs);
        }
    }
}
