using System;
using System.Collections;
using System.Text;
using Ata.Core.Dns;
using Ata.Core.Faults;
using Ata.Core.Hardware;
using Ata.Core.Provisioning;

namespace Ata.Core.Sip
{
    /// <summary>
    /// The SIP registration of one line over UDP (RFC 3261 §10): REGISTER with a stable instance id
    /// (RFC 5626), digest authentication (401/407, MD5 and SHA-256), refresh before the granted
    /// expiry, retransmission (Timer E/F), NAT keep-alives, failover to a secondary registrar, a
    /// fault per cause with jittered back-off, and removal of the binding when the account goes.
    /// A pure state machine: the caller passes the time in and delivers responses; it sends
    /// through <see cref="IDatagramSocket"/>.
    /// </summary>
    public sealed class Registration
    {
        /// <summary>RFC 3261 T1: first retransmission interval.</summary>
        public const long T1 = 500;

        /// <summary>RFC 3261 T2: the retransmission interval cap for non-INVITE requests.</summary>
        public const long T2 = 4000;

        /// <summary>Timer F: a non-INVITE transaction times out after 64·T1.</summary>
        public const long TimerF = 64 * T1;

        /// <summary>The keep-alive datagram: a double CRLF (RFC 5626 §4.4.1).</summary>
        private static readonly byte[] KeepAlivePing = { 13, 10, 13, 10 };

        private readonly LineConfig _config;
        private readonly IDatagramSocket _socket;
        private readonly INameResolver _resolver;
        private readonly Random _random;
        private readonly string _userAgent;
        private readonly string _instanceId;
        private readonly string _callId;
        private readonly string _fromTag;

        private int _cseq;
        private string _branch;
        private byte[] _request;
        private string _address;
        private int _port;
        private bool _onSecondary;
        private bool _triedOtherRegistrar;
        private string _contactUri;
        private int _requestedExpires;
        private bool _removing;
        private bool _awaitingDns;
        private int _connection;
        private long _pongDueAt = -1;

        private bool _pending;
        private long _retransmitAt;
        private long _retransmitInterval;
        private long _giveUpAt;
        private long _nextAttemptAt = -1;
        private long _nextKeepAliveAt = -1;
        private int _failures;

        private DigestChallenge _challenge;
        private int _nonceCount;
        private bool _sentCredentials;
        private bool _credentialsFromFreshChallenge;

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
            _socket = socket;
            _resolver = resolver;
            _random = random;
            _userAgent = userAgent;
            _instanceId = instanceId;
            _callId = RandomToken(16) + "@ata";
            _fromTag = RandomToken(10);
            _cseq = random.Next(1000) + 1;
            _requestedExpires = config.Expires;
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
            get { return _onSecondary; }
        }

        /// <summary>
        /// The SIP locator (own DNS client with SRV) to find the registrar with; null to use the
        /// <see cref="INameResolver"/> (A records only).
        /// </summary>
        public SipLocator Locator { get; set; }

        /// <summary>TCP connections, for lines provisioned with <see cref="LineConfig.Tcp"/>; null when the host has none.</summary>
        public IStreamTransport Stream { get; set; }

        /// <summary>The TCP connection this registration's flow uses, 0 when none.</summary>
        public int Connection
        {
            get { return _connection; }
        }

        /// <summary>How long to wait for a keep-alive pong on TCP before the flow counts as failed (RFC 5626 §4.4.1).</summary>
        public const long PongTimeoutMs = 10000;

        private bool OverTcp
        {
            get { return _config.Transport == LineConfig.Tcp; }
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
            _nextKeepAliveAt = -1;
            Fault = null;
            FaultDetail = null;
            if (!reachedRegistrar || _address == null)
            {
                Finish();
                return;
            }

            State = RegistrationState.Unregistering;
            SendRequest(now, false);
        }

        /// <summary>The network went away: stop trying and show why.</summary>
        public void NetworkDown(long now)
        {
            if (_removing)
            {
                Finish();
                return;
            }

            _pending = false;
            _awaitingDns = false;
            _nextAttemptAt = -1;
            _nextKeepAliveAt = -1;
            Fail(FaultCode.NetworkDown, 0, "the network is down", now, false);
        }

        /// <summary>The network is back (or the address changed): register again at once, with a little jitter.</summary>
        public void NetworkUp(long now)
        {
            if (_removing)
            {
                return;
            }

            _pending = false;
            _failures = 0;
            _nextAttemptAt = now + _random.Next(250);
        }

        /// <summary>
        /// The network reported the registrar unreachable (an ICMP error for the destination):
        /// fail the transaction now rather than waiting for Timer F.
        /// </summary>
        public void OnUnreachable(string address, int port, long now)
        {
            if (!_pending || address != _address || port != _port)
            {
                return;
            }

            _pending = false;
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
            if (connection == _connection)
            {
                _pongDueAt = -1;
            }
        }

        /// <summary>
        /// The host saw <paramref name="connection"/> close: a registered flow registers again at once
        /// (RFC 5626 §4.2 flow recovery); a pending request fails as unreachable.
        /// </summary>
        public void OnConnectionClosed(int connection, long now)
        {
            if (connection != _connection || connection == 0)
            {
                return;
            }

            _connection = 0;
            if (_removing)
            {
                Finish();
                return;
            }

            FlowFailed("the registrar closed the connection", now);
        }

        private void FlowFailed(string detail, long now)
        {
            _pongDueAt = -1;
            if (_connection != 0)
            {
                Stream.Close(_connection);
                _connection = 0;
            }

            bool wasRegistered = State == RegistrationState.Registered && !_pending;
            _pending = false;
            if (wasRegistered)
            {
                // The binding may still stand at the registrar; a new flow replaces it at once.
                _nextAttemptAt = now + _random.Next(250);
                return;
            }

            Failover(FaultCode.RegistrarUnreachable, 0, detail, now);
        }

        /// <summary>True when <paramref name="response"/> belongs to this registration.</summary>
        public bool Owns(SipResponse response)
        {
            return response.CallId == _callId;
        }

        /// <summary>Advances timers: retransmissions, transaction timeout, keep-alives, retries and refreshes.</summary>
        public void Tick(long now)
        {
            if (_pending)
            {
                if (now >= _giveUpAt)
                {
                    _pending = false;
                    if (_removing)
                    {
                        Finish();
                        return;
                    }

                    Failover(FaultCode.RegistrarUnreachable, 408, "no answer from the registrar", now);
                    return;
                }

                if (!OverTcp && now >= _retransmitAt)
                {
                    _socket.Send(_request, _request.Length, _address, _port);
                    // Due times follow from the first send, so a late tick does not push later ones back.
                    _retransmitInterval = _retransmitInterval * 2 > T2 ? T2 : _retransmitInterval * 2;
                    _retransmitAt += _retransmitInterval;
                    if (_retransmitAt <= now)
                    {
                        _retransmitAt = now + 1;
                    }
                }

                return;
            }

            if (_awaitingDns || (_nextAttemptAt >= 0 && now >= _nextAttemptAt))
            {
                SendRegister(now);
                return;
            }

            if (_pongDueAt >= 0 && now >= _pongDueAt)
            {
                FlowFailed("no keep-alive answer from the registrar", now);
                return;
            }

            if (_nextKeepAliveAt >= 0 && now >= _nextKeepAliveAt && State == RegistrationState.Registered)
            {
                if (OverTcp)
                {
                    if (!Stream.Send(_connection, KeepAlivePing, KeepAlivePing.Length))
                    {
                        FlowFailed("the connection to the registrar is gone", now);
                        return;
                    }

                    _pongDueAt = now + PongTimeoutMs;
                }
                else
                {
                    _socket.Send(KeepAlivePing, KeepAlivePing.Length, _address, _port);
                }

                _nextKeepAliveAt = now + ((long)_config.KeepAliveSeconds * 1000);
            }
        }

        /// <summary>Handles a response to this registration's REGISTER.</summary>
        public void OnResponse(SipResponse response, long now)
        {
            if (!_pending || response.CallId != _callId || response.CSeqNumber != _cseq || response.TopViaBranch != _branch)
            {
                return;
            }

            int code = response.StatusCode;
            if (code < 200)
            {
                // Proceeding: keep retransmitting at T2 until a final answer (RFC 3261 §17.1.2.2).
                _retransmitInterval = T2;
                return;
            }

            _pending = false;
            LastSipCode = code;
            if (_removing)
            {
                OnRemovalAnswered(response, now);
                return;
            }

            if (code >= 200 && code < 300)
            {
                OnAccepted(response, now);
            }
            else if (code == 401 || code == 407)
            {
                OnChallenged(response, now);
            }
            else if (code == 423)
            {
                int minExpires = SipText.ParseNonNegative(response.Header("min-expires"));
                if (minExpires > _requestedExpires)
                {
                    _requestedExpires = minExpires;
                    SendRegister(now);
                }
                else
                {
                    Fail(FaultCode.RegistrationRefused, code, "registrar asked for a longer expiry without saying how long", now, true);
                }
            }
            else if (code == 403)
            {
                Fail(FaultCode.WrongCredentials, code, "the registrar refused the credentials (403)", now, false);
            }
            else if (code == 404)
            {
                Fail(FaultCode.AccountUnknown, code, "the registrar does not know the account (404)", now, false);
            }
            else if (code == 408)
            {
                Failover(FaultCode.RegistrarUnreachable, code, "request timeout (408)", now);
            }
            else if (code >= 500 && code < 600)
            {
                Failover(FaultCode.RegistrarOverloaded, code, "registrar error " + code.ToString(), now);
                int retryAfter = SipText.ParseNonNegative(FirstToken(response.Header("retry-after")));
                if (retryAfter > 0 && _nextAttemptAt >= 0 && now + ((long)retryAfter * 1000) > _nextAttemptAt)
                {
                    _nextAttemptAt = now + ((long)retryAfter * 1000);
                }
            }
            else
            {
                Fail(FaultCode.RegistrationRefused, code, "registrar refused with " + code.ToString(), now, true);
            }
        }

        private void OnAccepted(SipResponse response, long now)
        {
            int granted = response.GrantedExpires(_contactUri, _instanceId);
            if (granted < 0)
            {
                granted = _requestedExpires;
            }

            if (granted == 0)
            {
                Fail(FaultCode.RegistrationRefused, response.StatusCode, "registrar granted no time to the binding", now, true);
                return;
            }

            GrantedExpires = granted;
            Bindings = response.Headers("contact").Count;
            State = RegistrationState.Registered;
            Fault = null;
            FaultDetail = null;
            _failures = 0;
            _triedOtherRegistrar = false;
            _nextAttemptAt = now + RefreshDelayMs(granted);
            _nextKeepAliveAt = _config.KeepAliveSeconds > 0 ? now + ((long)_config.KeepAliveSeconds * 1000) : -1;
        }

        private void OnRemovalAnswered(SipResponse response, long now)
        {
            // The registrar may want the removal authenticated too; answer one fresh challenge.
            int code = response.StatusCode;
            if ((code == 401 || code == 407) && !(_sentCredentials && _credentialsFromFreshChallenge))
            {
                DigestChallenge challenge = StrongestChallenge(response);
                if (challenge != null)
                {
                    _challenge = challenge;
                    _nonceCount = 0;
                    SendRequest(now, true);
                    return;
                }
            }

            Finish();
        }

        private void OnChallenged(SipResponse response, long now)
        {
            DigestChallenge challenge = StrongestChallenge(response);
            if (challenge == null && _config.Password == null)
            {
                Fail(FaultCode.WrongCredentials, response.StatusCode,
                    "the provisioned HA1 is for realm '" + _config.Realm + "', which the registrar did not offer with MD5", now, false);
                return;
            }

            if (challenge == null)
            {
                Fail(FaultCode.RegistrationRefused, response.StatusCode, "registrar asked for an authentication scheme the adapter does not support", now, true);
                return;
            }

            // Credentials answering a fresh challenge that are challenged again (without stale=true)
            // are wrong: retrying would only hammer the registrar and may lock the account.
            if (_sentCredentials && _credentialsFromFreshChallenge && !challenge.Stale)
            {
                _challenge = null;
                Fail(FaultCode.WrongCredentials, response.StatusCode, "the registrar rejected the credentials", now, false);
                return;
            }

            _challenge = challenge;
            _nonceCount = 0;
            if (State != RegistrationState.Registered)
            {
                State = RegistrationState.Registering;
            }

            SendRequest(now, true);
        }

        /// <summary>The strongest digest challenge of a 401/407 (RFC 8760 §2.4), or null.</summary>
        private DigestChallenge StrongestChallenge(SipResponse response)
        {
            bool proxy = response.StatusCode == 407;
            ArrayList headers = response.Headers(proxy ? "proxy-authenticate" : "www-authenticate");
            DigestChallenge challenge = null;
            for (int i = 0; i < headers.Count; i++)
            {
                DigestChallenge candidate = DigestChallenge.Parse((string)headers[i], proxy);
                bool answerable = candidate != null && (_config.Password != null || candidate.CanAnswerWithHa1(_config.Realm));
                if (answerable && (challenge == null || candidate.Strength > challenge.Strength))
                {
                    challenge = candidate;
                }
            }

            return challenge;
        }

        private void SendRegister(long now)
        {
            _nextAttemptAt = -1;
            if (State != RegistrationState.Registered)
            {
                State = RegistrationState.Registering;
            }

            // With an outbound proxy every request goes to it (RFC 3261 §8.1.2); otherwise to the registrar.
            bool viaProxy = _config.ProxyHost != null;
            string host = viaProxy ? _config.ProxyHost : (_onSecondary ? _config.SecondaryHost : _config.RegistrarHost);
            _port = viaProxy ? _config.ProxyPort : (_onSecondary ? _config.SecondaryPort : _config.RegistrarPort);
            _awaitingDns = false;
            if (Locator != null)
            {
                bool portGiven = viaProxy ? _config.ProxyPortGiven : (_onSecondary ? _config.SecondaryPortGiven : _config.RegistrarPortGiven);
                int located = Locator.Locate(host, _port, portGiven, now, out _address, out _port);
                if (located == SipLocator.Pending)
                {
                    _awaitingDns = true;
                    return;
                }

                if (located == SipLocator.Failed)
                {
                    _address = null;
                }
            }
            else
            {
                _address = SipText.IsIPv4Literal(host) ? host : _resolver.Resolve(host);
            }

            if (_address == null)
            {
                Failover(FaultCode.DnsFailure, 0, "registrar host " + host + " does not resolve", now);
                return;
            }

            SendRequest(now, false);
        }

        private void SendRequest(long now, bool freshChallenge)
        {
            int localPort = _socket.LocalPort;
            string viaTransport = "UDP";
            if (OverTcp)
            {
                if (Stream == null)
                {
                    Fail(FaultCode.RegistrationRefused, 0, "this adapter has no TCP transport", now, false);
                    return;
                }

                if (_connection == 0)
                {
                    _connection = Stream.Connect(_address, _port);
                    if (_connection <= 0)
                    {
                        _connection = 0;
                        if (_removing)
                        {
                            Finish();
                            return;
                        }

                        Failover(FaultCode.RegistrarUnreachable, 0, "cannot connect to the registrar over TCP", now);
                        return;
                    }
                }

                localPort = Stream.LocalPortOf(_connection);
                viaTransport = "TCP";
            }

            _cseq++;
            _branch = "z9hG4bK" + RandomToken(12);
            _contactUri = "sip:" + _config.Username + "@" + _socket.LocalAddress + ":" + localPort.ToString()
                + (OverTcp ? ";transport=tcp;ob" : ";ob");
            string domain = _config.RegistrarHost;
            string requestUri = "sip:" + domain + (_config.RegistrarPort == LineConfig.DefaultSipPort ? string.Empty : ":" + _config.RegistrarPort.ToString());
            string aor = "sip:" + _config.Username + "@" + domain;
            int expires = _removing ? 0 : _requestedExpires;

            StringBuilder sb = new StringBuilder(640);
            sb.Append("REGISTER ").Append(requestUri).Append(" SIP/2.0\r\n");
            sb.Append("Via: SIP/2.0/").Append(viaTransport).Append(' ').Append(_socket.LocalAddress).Append(':').Append(localPort)
                .Append(";branch=").Append(_branch).Append(";rport\r\n");
            sb.Append("Max-Forwards: 70\r\n");
            if (_config.ProxyHost != null)
            {
                sb.Append("Route: <sip:").Append(Provisioning.ProvisioningDocument.FormatRegistrar(_config.ProxyHost, _config.ProxyPortGiven ? _config.ProxyPort : 0))
                    .Append(";lr>\r\n");
            }

            sb.Append("From: <").Append(aor).Append(">;tag=").Append(_fromTag).Append("\r\n");
            sb.Append("To: <").Append(aor).Append(">\r\n");
            sb.Append("Call-ID: ").Append(_callId).Append("\r\n");
            sb.Append("CSeq: ").Append(_cseq).Append(" REGISTER\r\n");
            sb.Append("Contact: <").Append(_contactUri).Append('>');
            if (_instanceId != null)
            {
                sb.Append(";+sip.instance=\"<").Append(_instanceId).Append(">\";reg-id=1");
            }

            sb.Append("\r\n");
            if (_instanceId != null)
            {
                sb.Append("Supported: outbound\r\n");
            }

            sb.Append("Expires: ").Append(expires).Append("\r\n");
            sb.Append("User-Agent: ").Append(_userAgent).Append("\r\n");
            _sentCredentials = _challenge != null;
            _credentialsFromFreshChallenge = freshChallenge;
            if (_challenge != null)
            {
                _nonceCount++;
                string answer = _config.Password != null
                    ? _challenge.Answer(_config.AuthUsername, _config.Password, "REGISTER", requestUri, _nonceCount, RandomToken(16))
                    : _challenge.AnswerWithHa1(_config.AuthUsername, _config.Ha1, "REGISTER", requestUri, _nonceCount, RandomToken(16));
                sb.Append(_challenge.IsProxy ? "Proxy-Authorization: " : "Authorization: ").Append(answer).Append("\r\n");
            }

            sb.Append("Content-Length: 0\r\n\r\n");
            _request = Encoding.UTF8.GetBytes(sb.ToString());
            _pending = true;
            _retransmitInterval = T1;
            _retransmitAt = now + T1;
            _giveUpAt = now + TimerF;
            if (OverTcp)
            {
                if (!Stream.Send(_connection, _request, _request.Length))
                {
                    FlowFailed("the connection to the registrar is gone", now);
                }

                return;
            }

            _socket.Send(_request, _request.Length, _address, _port);
        }

        /// <summary>
        /// A failure the other registrar might not share: with a secondary provisioned and not yet
        /// tried in this round, switch to it at once; otherwise back off.
        /// </summary>
        private void Failover(string fault, int sipCode, string detail, long now)
        {
            // With SRV records, the next attempt may pick another target of the same domain.
            if (Locator != null)
            {
                Locator.TargetFailed(_onSecondary ? _config.SecondaryHost : _config.RegistrarHost);
            }

            if (_config.SecondaryHost != null && !_triedOtherRegistrar)
            {
                _triedOtherRegistrar = true;
                _onSecondary = !_onSecondary;
                Fail(fault, sipCode, detail, now, false);
                _nextAttemptAt = now;
                return;
            }

            _triedOtherRegistrar = false;
            if (_config.SecondaryHost != null)
            {
                _onSecondary = !_onSecondary;
            }

            Fail(fault, sipCode, detail, now, true);
        }

        private void Fail(string fault, int sipCode, string detail, long now, bool retry)
        {
            // A failed flow is not reused: the next attempt opens a new connection (to whichever registrar).
            if (_connection != 0 && Stream != null)
            {
                Stream.Close(_connection);
                _connection = 0;
            }

            _pongDueAt = -1;
            State = RegistrationState.Failed;
            LastSipCode = sipCode;
            Fault = fault;
            FaultDetail = detail;
            GrantedExpires = 0;
            _nextKeepAliveAt = -1;
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
            if (_connection != 0 && Stream != null)
            {
                Stream.Close(_connection);
                _connection = 0;
            }

            _pending = false;
            _awaitingDns = false;
            _nextAttemptAt = -1;
            _nextKeepAliveAt = -1;
            GrantedExpires = 0;
            State = RegistrationState.Unregistered;
        }

        /// <summary>
        /// When to refresh a binding granted for <paramref name="grantedSeconds"/>: half-way for short
        /// expiries, a minute early for long ones.
        /// </summary>
        public static long RefreshDelayMs(int grantedSeconds)
        {
            long granted = (long)grantedSeconds * 1000;
            long margin = granted / 2 < 60000 ? granted / 2 : 60000;
            return granted - margin;
        }

        /// <summary>
        /// A stable <c>urn:uuid</c> for the adapter, derived from its device id (a name-based UUID,
        /// RFC 4122 §4.3 with MD5), so the same adapter always presents the same instance.
        /// </summary>
        public static string InstanceIdFor(string deviceId)
        {
            byte[] hash = Md5.Hash(Encoding.UTF8.GetBytes("ata-instance:" + deviceId));
            hash[6] = (byte)((hash[6] & 0x0F) | 0x30);
            hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
            string hex = Json.Hex.Of(hash);
            return "urn:uuid:" + hex.Substring(0, 8) + "-" + hex.Substring(8, 4) + "-" + hex.Substring(12, 4) + "-"
                + hex.Substring(16, 4) + "-" + hex.Substring(20, 12);
        }

        private string RandomToken(int length)
        {
            char[] chars = new char[length];
            for (int i = 0; i < length; i++)
            {
                chars[i] = Json.Hex.Digit(_random.Next(16));
            }

            return new string(chars);
        }

        private static string FirstToken(string value)
        {
            if (value == null)
            {
                return null;
            }

            value = value.Trim();
            int end = 0;
            while (end < value.Length && value[end] >= '0' && value[end] <= '9')
            {
                end++;
            }

            return value.Substring(0, end);
        }
    }
}
