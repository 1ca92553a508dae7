using System;
using Ata.Core.Sip.Messages;
using Ata.Core.Sip.Transactions;
using Ata.Core.Sip.Transport;

namespace Ata.Core.Sip
{
    /// <summary>
    /// Proves the registrar (or the outbound proxy) alive while a line is registered over UDP, where
    /// nothing answers the NAT keep-alive: an OPTIONS (RFC 3261 §11) every interval, addressed to
    /// the next hop itself. Any answer (200, 404, 405, 483 …) is proof of life; no answer within the
    /// probe's timeout (half the interval, at most Timer F) means the registrar is unreachable, so a
    /// dead registrar is seen within one and a half intervals (45 s at the default 30 s).
    /// </summary>
    public sealed class RegistrarProbe
    {
        /// <summary>The default interval, in seconds.</summary>
        public const int DefaultIntervalSeconds = 30;

        /// <summary><see cref="Tick"/>: nothing happened that the registration must act on.</summary>
        public const int Quiet = 0;

        /// <summary><see cref="Tick"/>: the probe in flight got no answer: the registrar is unreachable.</summary>
        public const int Unanswered = 1;

        private readonly SipFlow _flow;
        private readonly Random _random;
        private readonly string _userAgent;
        private readonly string _callId;
        private readonly string _fromTag;
        private int _cseq;
        private long _intervalMs;
        private long _nextAt = -1;
        private NonInviteClientTransaction _inFlight;

        /// <summary>Creates the probe of one line.</summary>
        /// <param name="flow">The line's flow to its registrar or proxy.</param>
        /// <param name="random">Randomness for the Call-ID, tags and branches.</param>
        /// <param name="userAgent">The User-Agent header value.</param>
        public RegistrarProbe(SipFlow flow, Random random, string userAgent)
        {
            _flow = flow;
            _random = random;
            _userAgent = userAgent;
            _callId = Identifiers.CallId(random);
            _fromTag = Identifiers.Tag(random);
            _cseq = random.Next(1000) + 1;
        }

        /// <summary>The Call-ID every probe of this line uses.</summary>
        public string CallId
        {
            get { return _callId; }
        }

        /// <summary>The probe in flight, or null.</summary>
        public NonInviteClientTransaction InFlight
        {
            get { return _inFlight; }
        }

        /// <summary>How long a probe sent every <paramref name="intervalSeconds"/> waits for its answer: half the interval, at most Timer F.</summary>
        public static long TimeoutMs(int intervalSeconds)
        {
            long half = (long)intervalSeconds * 500;
            return half < SipTimers.TimerF ? half : SipTimers.TimerF;
        }

        /// <summary>Probes every <paramref name="intervalSeconds"/> from <paramref name="now"/> on; 0 turns probing off.</summary>
        public void Start(long now, int intervalSeconds)
        {
            _inFlight = null;
            _intervalMs = (long)intervalSeconds * 1000;
            _nextAt = intervalSeconds > 0 ? now + _intervalMs : -1;
        }

        /// <summary>Stops probing; a probe in flight is dropped.</summary>
        public void Stop()
        {
            _inFlight = null;
            _nextAt = -1;
        }

        /// <summary>
        /// Sends the next probe when due (to <paramref name="targetUri"/>, from <paramref name="fromUri"/>)
        /// and follows the one in flight; returns <see cref="Unanswered"/> when it timed out.
        /// </summary>
        public int Tick(long now, string targetUri, string fromUri)
        {
            if (_inFlight != null)
            {
                if (_inFlight.Tick(now))
                {
                    _nextAt = -1;
                    return Unanswered;
                }

                if (_inFlight.IsPending)
                {
                    return Quiet;
                }

                _inFlight = null;
            }

            if (_nextAt < 0 || now < _nextAt)
            {
                return Quiet;
            }

            _cseq++;
            string branch = Identifiers.Branch(_random);
            SipRequestWriter options = new SipRequestWriter("OPTIONS", targetUri)
                .Via(_flow.ViaTransport, _flow.LocalAddress, _flow.LocalPort, branch)
                .From(fromUri, _fromTag)
                .To(targetUri, null)
                .CallId(_callId)
                .CSeq(_cseq)
                .Header("Accept", "application/sdp")
                .Header("User-Agent", _userAgent);
            _inFlight = new NonInviteClientTransaction(_flow, "OPTIONS", branch, options.ToBytes(), TimeoutMs((int)(_intervalMs / 1000)));
            _inFlight.Start(now);
            _nextAt = now + _intervalMs;
            return Quiet;
        }

        /// <summary>True when <paramref name="response"/> answers the probe in flight (which then ends: the registrar is alive).</summary>
        public bool OnResponse(SipResponse response, long now)
        {
            if (_inFlight == null || response.CallId != _callId || !_inFlight.Matches(response))
            {
                return false;
            }

            if (_inFlight.OnResponse(response, now) && response.StatusCode >= 200)
            {
                _inFlight = null;
            }

            return true;
        }
    }
}
