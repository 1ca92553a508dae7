using System;
using System.Collections;
using Ata.Core.Sip.Messages;

namespace Ata.Core.Sip.Auth
{
    /// <summary>
    /// Answers the digest challenges (401/407) of one account for every request it sends: REGISTER
    /// now, INVITE and BYE in calls. Picks the strongest challenge it can answer (RFC 8760 §2.4),
    /// reuses its nonce with a rising count for later requests, and says when a challenge means the
    /// credentials are wrong (challenged again right after answering a fresh challenge, not stale),
    /// so a caller never hammers the server with a bad password.
    /// </summary>
    public sealed class DigestAnswerer
    {
        /// <summary>A challenge was taken: send the request again, authorised.</summary>
        public const int Answer = 0;

        /// <summary>The credentials were just answered to a fresh challenge and were challenged again: they are wrong.</summary>
        public const int Rejected = 1;

        /// <summary>No challenge of a scheme and algorithm this adapter can answer.</summary>
        public const int Unsupported = 2;

        /// <summary>Only an HA1 is provisioned, and the server did not offer MD5 for its realm.</summary>
        public const int OtherRealm = 3;

        private readonly string _username;
        private readonly string _password;
        private readonly string _ha1;
        private readonly string _realm;
        private readonly Random _random;

        private DigestChallenge _challenge;
        private int _nonceCount;
        private bool _fresh;
        private bool _sentCredentials;
        private bool _sentFresh;

        /// <summary>Creates the answerer of one account.</summary>
        /// <param name="username">The digest user name.</param>
        /// <param name="password">The password, or null when an HA1 is provisioned instead.</param>
        /// <param name="ha1">The provisioned MD5 HA1, used when <paramref name="password"/> is null.</param>
        /// <param name="realm">The realm the HA1 was made for.</param>
        /// <param name="random">Randomness for client nonces.</param>
        public DigestAnswerer(string username, string password, string ha1, string realm, Random random)
        {
            _username = username;
            _password = password;
            _ha1 = ha1;
            _realm = realm;
            _random = random;
        }

        /// <summary>True while a challenge is held (later requests carry credentials for it).</summary>
        public bool HasChallenge
        {
            get { return _challenge != null; }
        }

        /// <summary>True when the last request written carried credentials answering a challenge received just before it.</summary>
        public bool SentFreshCredentials
        {
            get { return _sentCredentials && _sentFresh; }
        }

        /// <summary>Takes the challenge of a 401 or 407; returns <see cref="Answer"/> or why it cannot be answered.</summary>
        public int OnChallenge(SipResponse response)
        {
            DigestChallenge challenge = Strongest(response);
            if (challenge == null)
            {
                return _password == null ? OtherRealm : Unsupported;
            }

            if (SentFreshCredentials && !challenge.Stale)
            {
                _challenge = null;
                return Rejected;
            }

            _challenge = challenge;
            _nonceCount = 0;
            _fresh = true;
            return Answer;
        }

        /// <summary>
        /// Adds <c>Authorization</c> (or <c>Proxy-Authorization</c>) for the held challenge to
        /// <paramref name="request"/>, signing its method and Request-URI; adds nothing without one.
        /// </summary>
        public void Authorize(SipRequestWriter request)
        {
            _sentCredentials = _challenge != null;
            _sentFresh = _fresh;
            _fresh = false;
            if (_challenge == null)
            {
                return;
            }

            _nonceCount++;
            string cnonce = Identifiers.Token(_random, 16);
            string answer = _password != null
                ? _challenge.Answer(_username, _password, request.Method, request.RequestUri, _nonceCount, cnonce)
                : _challenge.AnswerWithHa1(_username, _ha1, request.Method, request.RequestUri, _nonceCount, cnonce);
            request.Header(_challenge.IsProxy ? "Proxy-Authorization" : "Authorization", answer);
        }

        private DigestChallenge Strongest(SipResponse response)
        {
            bool proxy = response.StatusCode == 407;
            ArrayList headers = response.Headers(proxy ? "proxy-authenticate" : "www-authenticate");
            DigestChallenge strongest = null;
            for (int i = 0; i < headers.Count; i++)
            {
                DigestChallenge candidate = DigestChallenge.Parse((string)headers[i], proxy);
                bool answerable = candidate != null && (_password != null || candidate.CanAnswerWithHa1(_realm));
                if (answerable && (strongest == null || candidate.Strength > strongest.Strength))
                {
                    strongest = candidate;
                }
            }

            return strongest;
        }
    }
}
