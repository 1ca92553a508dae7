using System;
using Ata.Core.Dns;
using Ata.Core.Faults;
using Ata.Core.Hardware;
using Ata.Core.Provisioning;
using Ata.Core.Sip.Auth;
using Ata.Core.Sip.Messages;
using Ata.Core.Sip.Transactions;
using Ata.Core.Sip.Transport;

namespace Ata.Core.Sip
{
    /// <summary>
    /// The registration policy of one line (RFC 3261 §10, RFC 5626): REGISTER with a stable instance
    /// id, refreshed before the granted expiry; answers to challenges, refusals and silence as
    /// <see cref="RegistrarAnswers"/> says; failover to a secondary registrar and jittered back-off;
    /// liveness of the registrar while registered (the flow's keep-alive, and on UDP the
    /// <see cref="RegistrarProbe"/>), with a late answer to a timed-out request taken as proof that
    /// the registrar is back; and removal of the binding when the account goes. The parts it
    /// composes: <see cref="SipFlow"/>, <see cref="NonInviteClientTransaction"/>,
    /// <see cref="DigestAnswerer"/>, <see cref="SipRequestWriter"/>. A pure state machine: the
    /// caller passes the time in and delivers responses.
    /// </summary>
    public sealed partial class Registration
    {
        private readonly LineConfig _config;
        private readonly Random _random;
        private readonly string _userAgent;
        private readonly string _instanceId;
        private readonly string _callId;
        private readonly string _fromTag;
        private readonly SipFlow _flow;
        private readonly DigestAnswerer _answerer;
        private readonly RegistrarProbe _probe;
        private readonly LateAnswers _lateAnswers = new LateAnswers();
        private readonly RegistrarFailover _registrars;

        private NonInviteClientTransaction _register;
        private int _cseq;
        private string _address;
        private int _port;
        private string _contactUri;
        private int _requestedExpires;
        private bool _removing;
        private bool _awaitingDns;
        private long _nextAttemptAt = -1;
        private int _failures;

        /// <summary>Creates the registration of one line account; call <see cref="Start"/> to begin.</summary>
        /// <param name="config">The line's account.</param>
        /// <param name="socket">The SIP socket.</param>
        /// <param name="resolver">Host name resolution.</param>
        /// <param name="random">Randomness for tags, nonces and jitter.</param>
        /// <param name="userAgent">The User-Agent header value.</param>
        /// <param name="instanceId">
        /// The adapter's stable <c>+sip.instance</c> URN (RFC 5626), so a reboot replaces the old binding
        /// instead of adding one; null to leave it out.
        /// </param>
        public Registration(LineConfig config, IDatagramSocket socket, INameResolver resolver, Random random, string userAgent, string instanceId)
        {
            _config = config;
            _registrars = new RegistrarFailover(config, resolver);
            _random = random;
            _userAgent = userAgent;
            _instanceId = instanceId;
            _callId = Identifiers.CallId(random);
            _fromTag = Identifiers.Tag(random);
            _cseq = random.Next(1000) + 1;
            _requestedExpires = config.Expires;
            _flow = new SipFlow(socket, config.Transport == LineConfig.Tcp);
            _answerer = new DigestAnswerer(config.AuthUsername, config.Password, config.Ha1, config.Realm, random);
            _probe = new RegistrarProbe(_flow, random, userAgent);
            State = RegistrationState.Registering;
            BackoffBaseMs = (long)config.RetryBaseSeconds * 1000;
            BackoffCapMs = (long)config.RetryMaxSeconds * 1000;
        }

        /// <summary>The account this registration uses.</summary>
        public LineConfig Config
        {
            get { return _config; }
        }

        /// <summary>See <see cref="RegistrationState"/>.</summary>
        public string State { get; private set; }

        /// <summary>The last SIP status code received (408 for a timeout), 0 before any.</summary>
        public int LastSipCode { get; private set; }

        /// <summary>The fault code of the last failure (see <see cref="FaultCode"/>), or null while none.</summary>
        public string Fault { get; private set; }

        /// <summary>What went wrong, in words, or null.</summary>
        public string FaultDetail { get; private set; }

        /// <summary>Registration expiry granted by the registrar, in seconds, or 0.</summary>
        public int GrantedExpires { get; private set; }

        /// <summary>How many bindings the registrar listed for the address-of-record in its last 2xx.</summary>
        public int Bindings { get; private set; }

        /// <summary>True while requests go to the secondary registrar.</summary>
        public bool OnSecondary
        {
            get { return _registrars.OnSecondary; }
        }

        /// <summary>
        /// The SIP locator (own DNS client with SRV) to find the registrar with; null to use the
        /// <see cref="INameResolver"/> (A records only).
        /// </summary>
        public SipLocator Locator
        {
            get { return _registrars.Locator; }
            set { _registrars.Locator = value; }
        }

        /// <summary>TCP connections, for lines provisioned with <see cref="LineConfig.Tcp"/>; null when the host has none.</summary>
        public IStreamTransport Stream
        {
            get { return _flow.Stream; }
            set { _flow.Stream = value; }
        }

        /// <summary>The TCP connection this registration's flow uses, 0 when none.</summary>
        public int Connection
        {
            get { return _flow.Connection; }
        }

        /// <summary>The flow to the registrar or outbound proxy (calls on this line use the same one).</summary>
        public SipFlow Flow
        {
            get { return _flow; }
        }

        /// <summary>The line's digest answerer (calls on this line answer their challenges with it).</summary>
        public DigestAnswerer Credentials
        {
            get { return _answerer; }
        }

        /// <summary>Base of the retry back-off in milliseconds.</summary>
        public long BackoffBaseMs { get; set; }

        /// <summary>Cap of the retry back-off in milliseconds.</summary>
        public long BackoffCapMs { get; set; }

        /// <summary>When the next attempt (retry or refresh) is due, or -1 when none is scheduled.</summary>
        public long NextAttemptAt
        {
            get { return _nextAttemptAt; }
        }

        /// <summary>The Call-ID used for every REGISTER of this registration.</summary>
        public string CallId
        {
            get { return _callId; }
        }

        /// <summary>True once an unregistration has ended (answered, refused or timed out).</summary>
        public bool IsFinished
        {
            get { return State == RegistrationState.Unregistered; }
        }

        private bool Pending
        {
            get { return _register != null && _register.IsPending; }
        }

        /// <summary>Sends the first REGISTER now.</summary>
        public void Start(long now)
        {
            SendRegister(now);
        }

        /// <summary>
        /// Removes the binding (REGISTER with <c>Expires: 0</c>), answering a challenge if one comes.
        /// Nothing is sent when the line never got as far as the registrar.
        /// </summary>
        public void Unregister(long now)
        {
            bool reachedRegistrar = State == RegistrationState.Registered || LastSipCode > 0;
            _removing = true;
            StopLiveness();
            Fault = null;
            FaultDetail = null;
            if (!reachedRegistrar || _address == null)
            {
                Finish();
                return;
            }

            State = RegistrationState.Unregistering;
            SendRequest(now);
        }

        /// <summary>The network went away: stop trying and show why.</summary>
        public void NetworkDown(long now)
        {
            if (_removing)
            {
                Finish();
                return;
            }

            AbandonRegister();
            _awaitingDns = false;
            _lateAnswers.Clear();
            Fail(FaultCode.NetworkDown, 0, "the network is down", now, false);
        }

        /// <summary>The network is back (or the address changed): register again at once, with a little jitter.</summary>
        public void NetworkUp(long now)
        {
            if (_removing)
            {
                return;
            }

            AbandonRegister();
            _failures = 0;
            _nextAttemptAt = now + _random.Next(250);
        }

        /// <summary>
        /// The network reported the registrar unreachable (an ICMP error for the destination):
        /// fail the REGISTER in flight now rather than waiting for Timer F. (A probe waits for its own
        /// timeout: an ICMP error during a registrar's restart must not cost the line its binding.)
        /// </summary>
        public void OnUnreachable(string address, int port, long now)
        {
            if (!Pending || !_flow.IsTo(address, port))
            {
                return;
            }

            AbandonRegister();
            if (_removing)
            {
                Finish();
                return;
            }

            Failover(FaultCode.RegistrarUnreachable, 0, "the registrar's address is unreachable", now);
        }

        /// <summary>A keep-alive pong arrived on <paramref name="connection"/>.</summary>
        public void OnPong(int connection)
        {
            _flow.OnPong(connection);
        }

        /// <summary>
        /// The host saw <paramref name="connection"/> close: a registered flow registers again at once
        /// (RFC 5626 §4.2 flow recovery); a pending request fails as unreachable.
        /// </summary>
        public void OnConnectionClosed(int connection, long now)
        {
            if (!_flow.OnClosed(connection))
            {
                return;
            }

            if (_removing)
            {
                Finish();
                return;
            }

            FlowGone("the registrar closed the connection", now);
        }

        /// <summary>True when <paramref name="response"/> belongs to this registration (its REGISTERs or its probes).</summary>
        public bool Owns(SipResponse response)
        {
            string callId = response.CallId;
            return callId == _callId || callId == _probe.CallId;
        }

        /// <summary>Advances timers: retransmissions, transaction timeouts, keep-alives, probes, retries and refreshes.</summary>
        public void Tick(long now)
        {
            if (_register != null)
            {
                if (_register.Tick(now))
                {
                    _lateAnswers.TimedOut(_register);
                    if (_removing)
                    {
                        Finish();
                        return;
                    }

                    Failover(FaultCode.RegistrarUnreachable, 408, "no answer from the registrar", now);
                    return;
                }

                if (_register.IsPending)
                {
                    return;
                }
            }

            if (_awaitingDns || (_nextAttemptAt >= 0 && now >= _nextAttemptAt))
            {
                SendRegister(now);
                return;
            }

            if (State != RegistrationState.Registered)
            {
                return;
            }

            int flow = _flow.Tick(now);
            if (flow == SipFlow.Gone)
            {
                FlowGone("the connection to the registrar is gone", now);
                return;
            }

            if (flow == SipFlow.Silent)
            {
                Failover(FaultCode.RegistrarUnreachable, 408, "no keep-alive answer from the registrar", now);
                return;
            }

            if (_probe.Tick(now, _registrars.HopUri, _registrars.AddressOfRecord) == RegistrarProbe.Unanswered)
            {
                _lateAnswers.TimedOut(_probe.InFlight);
                Failover(FaultCode.RegistrarUnreachable, 408, "no answer to OPTIONS from the registrar", now);
            }
        }

        /// <summary>
        /// The TCP connection went away. A registered flow may simply be rebuilt: the binding may still
        /// stand at the registrar, and a new flow replaces it at once (RFC 5626 §4.2). Otherwise the
        /// request failed for want of the registrar.
        /// </summary>
        private void FlowGone(string detail, long now)
        {
            _flow.Close();
            bool wasRegistered = State == RegistrationState.Registered && !Pending;
            AbandonRegister();
            if (wasRegistered)
            {
                _probe.Stop();
                _nextAttemptAt = now + _random.Next(250);
                return;
            }

            Failover(FaultCode.RegistrarUnreachable, 0, detail, now);
        }

        /// <summary>
        /// A failure the other registrar might not share: switch to it at once, or back off (see
        /// <see cref="RegistrarFailover.SwitchAfterFailure"/>).
        /// </summary>
        private void Failover(string fault, int sipCode, string detail, long now)
        {
            if (_registrars.SwitchAfterFailure())
            {
                Fail(fault, sipCode, detail, now, false);
                _nextAttemptAt = now;
                return;
            }

            Fail(fault, sipCode, detail, now, true);
        }

        private void Fail(string fault, int sipCode, string detail, long now, bool retry)
        {
            // A failed flow is not reused: the next attempt opens a new connection (to whichever registrar).
            _flow.Close();
            _probe.Stop();
            State = RegistrationState.Failed;
            LastSipCode = sipCode;
            Fault = fault;
            FaultDetail = detail;
            GrantedExpires = 0;
            if (retry)
            {
                _failures++;
                _nextAttemptAt = now + RetryBackoff.DelayMs(_failures, _random.NextDouble(), BackoffBaseMs, BackoffCapMs);
            }
            else
            {
                _nextAttemptAt = -1;
            }
        }

        private void Finish()
        {
            _flow.Close();
            StopLiveness();
            AbandonRegister();
            _awaitingDns = false;
            _nextAttemptAt = -1;
            GrantedExpires = 0;
            State = RegistrationState.Unregistered;
        }

        private void StopLiveness()
        {
            _flow.StopKeepAlive();
            _probe.Stop();
        }

        private void AbandonRegister()
        {
            if (_register != null)
            {
                _register.Abandon();
            }
        }
    }
}
