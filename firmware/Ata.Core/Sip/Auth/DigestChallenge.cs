using System.Collections;
using System.Text;
using Ata.Core.Sip.Messages;
using Ata.Core.Text;

namespace Ata.Core.Sip.Auth
{
    /// <summary>
    /// A digest challenge from a <c>WWW-Authenticate</c> or <c>Proxy-Authenticate</c> header
    /// (RFC 2617, RFC 7616), and the credentials that answer it.
    /// </summary>
    public sealed class DigestChallenge
    {
        /// <summary>The protection space.</summary>
        public string Realm { get; private set; }
        /// <summary>The server nonce.</summary>
        public string Nonce { get; private set; }
        /// <summary>Opaque value to echo, or null.</summary>
        public string Opaque { get; private set; }
        /// <summary>Algorithm in canonical spelling: MD5, MD5-sess, SHA-256 or SHA-256-sess.</summary>
        public string Algorithm { get; private set; }

        /// <summary>How strong the algorithm is, to pick among several challenges: 2 for SHA-256, 1 for MD5.</summary>
        public int Strength
        {
            get { return IsSha256(Algorithm) ? 2 : 1; }
        }
        /// <summary>True when the server offered <c>qop=auth</c>.</summary>
        public bool QopAuth { get; private set; }
        /// <summary>True when the server said the previous nonce was stale.</summary>
        public bool Stale { get; private set; }
        /// <summary>True for <c>Proxy-Authenticate</c> (answer with <c>Proxy-Authorization</c>).</summary>
        public bool IsProxy { get; private set; }

        /// <summary>
        /// Parses a header value such as <c>Digest realm="a", nonce="b", qop="auth"</c>.
        /// Returns null when it is not a digest challenge this client can answer (no realm or nonce,
        /// or an algorithm other than MD5 and SHA-256 with or without <c>-sess</c>).
        /// </summary>
        public static DigestChallenge Parse(string headerValue, bool isProxy)
        {
            if (headerValue == null)
            {
                return null;
            }

            string value = headerValue.Trim();
            if (value.Length < 7 || !AsciiText.EqualsIgnoreCase(value.Substring(0, 6), "Digest") || !HeaderValue.IsLinearWhiteSpace(value[6]))
            {
                return null;
            }

            Hashtable parameters = HeaderValue.AuthParameters(value.Substring(7));
            if (parameters == null)
            {
                return null;
            }

            DigestChallenge challenge = new DigestChallenge();
            challenge.IsProxy = isProxy;
            challenge.Realm = parameters["realm"] as string;
            challenge.Nonce = parameters["nonce"] as string;
            challenge.Opaque = parameters["opaque"] as string;
            challenge.Algorithm = Canonical(parameters["algorithm"] as string);
            string stale = parameters["stale"] as string;
            challenge.Stale = stale != null && AsciiText.EqualsIgnoreCase(stale, "true");
            string qop = parameters["qop"] as string;
            if (qop != null)
            {
                string[] options = qop.Split(new char[] { ',' });
                for (int i = 0; i < options.Length; i++)
                {
                    if (AsciiText.EqualsIgnoreCase(options[i].Trim(), "auth"))
                    {
                        challenge.QopAuth = true;
                    }
                }

                if (!challenge.QopAuth)
                {
                    // Only auth-int offered: answering it needs the body hash; not supported.
                    return null;
                }
            }

            if (challenge.Realm == null || challenge.Nonce == null || challenge.Algorithm == null)
            {
                return null;
            }

            return challenge;
        }

        /// <summary>The MD5 digest response; see the overload taking an algorithm.</summary>
        public static string ComputeResponse(string username, string realm, string password, string method, string uri,
            string nonce, bool qopAuth, string nonceCount, string cnonce)
        {
            return ComputeResponse("MD5", username, realm, password, method, uri, nonce, qopAuth, nonceCount, cnonce);
        }

        /// <summary>
        /// The digest response (RFC 7616 §3.4.1, RFC 2617 §3.2.2.1): with qop, H(HA1:nonce:nc:cnonce:auth:HA2),
        /// otherwise H(HA1:nonce:HA2), where HA1 = H(user:realm:password), or for the <c>-sess</c>
        /// algorithms H(H(user:realm:password):nonce:cnonce), and HA2 = H(method:uri).
        /// </summary>
        public static string ComputeResponse(string algorithm, string username, string realm, string password, string method, string uri,
            string nonce, bool qopAuth, string nonceCount, string cnonce)
        {
            return ComputeResponseFromHa1(algorithm, Digest(IsSha256(algorithm), username + ":" + realm + ":" + password),
                method, uri, nonce, qopAuth, nonceCount, cnonce);
        }

        /// <summary>
        /// The digest response from a precomputed HA1 (<c>H(user:realm:password)</c>), as provisioned
        /// when the gateway sends the HA1 instead of the password.
        /// </summary>
        public static string ComputeResponseFromHa1(string algorithm, string ha1, string method, string uri,
            string nonce, bool qopAuth, string nonceCount, string cnonce)
        {
            bool sha = IsSha256(algorithm);
            if (algorithm != null && algorithm.EndsWith("-sess"))
            {
                ha1 = Digest(sha, ha1 + ":" + nonce + ":" + cnonce);
            }

            string ha2 = Digest(sha, method + ":" + uri);
            if (qopAuth)
            {
                return Digest(sha, ha1 + ":" + nonce + ":" + nonceCount + ":" + cnonce + ":auth:" + ha2);
            }

            return Digest(sha, ha1 + ":" + nonce + ":" + ha2);
        }

        /// <summary>
        /// The <c>Authorization</c> (or <c>Proxy-Authorization</c>) header value answering this challenge.
        /// </summary>
        /// <param name="username">The digest user name.</param>
        /// <param name="password">The password.</param>
        /// <param name="method">The method of the request that carries the answer.</param>
        /// <param name="uri">The Request-URI of that request.</param>
        /// <param name="nonceCount">How many requests have used this nonce, including this one (1 first).</param>
        /// <param name="cnonce">The client nonce.</param>
        public string Answer(string username, string password, string method, string uri, int nonceCount, string cnonce)
        {
            return AnswerWithHa1(username, Digest(IsSha256(Algorithm), username + ":" + Realm + ":" + password), method, uri, nonceCount, cnonce);
        }

        /// <summary>
        /// The <c>Authorization</c> header value from a precomputed HA1; only meaningful when the HA1 was
        /// made for this challenge's realm and algorithm family (see <see cref="CanAnswerWithHa1"/>).
        /// </summary>
        /// <param name="username">The digest user name.</param>
        /// <param name="ha1">The provisioned <c>H(user:realm:password)</c>.</param>
        /// <param name="method">The method of the request that carries the answer.</param>
        /// <param name="uri">The Request-URI of that request.</param>
        /// <param name="nonceCount">How many requests have used this nonce, including this one (1 first).</param>
        /// <param name="cnonce">The client nonce.</param>
        public string AnswerWithHa1(string username, string ha1, string method, string uri, int nonceCount, string cnonce)
        {
            string nc = FormatNonceCount(nonceCount);
            string response = ComputeResponseFromHa1(Algorithm, ha1, method, uri, Nonce, QopAuth, nc, cnonce);
            StringBuilder sb = new StringBuilder(256);
            sb.Append("Digest username=\"").Append(HeaderValue.Escape(username));
            sb.Append("\", realm=\"").Append(HeaderValue.Escape(Realm));
            sb.Append("\", nonce=\"").Append(HeaderValue.Escape(Nonce));
            sb.Append("\", uri=\"").Append(HeaderValue.Escape(uri));
            sb.Append("\", response=\"").Append(response);
            sb.Append("\", algorithm=").Append(Algorithm);
            if (QopAuth || Algorithm.EndsWith("-sess"))
            {
                sb.Append(", cnonce=\"").Append(HeaderValue.Escape(cnonce)).Append('"');
            }

            if (QopAuth)
            {
                sb.Append(", qop=auth, nc=").Append(nc);
            }

            if (Opaque != null)
            {
                sb.Append(", opaque=\"").Append(HeaderValue.Escape(Opaque)).Append('"');
            }

            return sb.ToString();
        }

        /// <summary>True when an MD5 HA1 provisioned for <paramref name="realm"/> answers this challenge.</summary>
        public bool CanAnswerWithHa1(string realm)
        {
            return !IsSha256(Algorithm) && realm != null && Realm == realm;
        }

        private static string Digest(bool sha256, string text)
        {
            return sha256 ? Sha256.HexOf(text) : Md5.HexOf(text);
        }

        private static bool IsSha256(string algorithm)
        {
            return algorithm != null && algorithm.StartsWith("SHA-256");
        }

        /// <summary>The canonical spelling of a supported algorithm (absent means MD5), or null.</summary>
        private static string Canonical(string algorithm)
        {
            if (algorithm == null)
            {
                return "MD5";
            }

            string[] supported = { "MD5", "MD5-sess", "SHA-256", "SHA-256-sess" };
            for (int i = 0; i < supported.Length; i++)
            {
                if (AsciiText.EqualsIgnoreCase(algorithm, supported[i]))
                {
                    return supported[i];
                }
            }

            return null;
        }

        /// <summary>The 8-hex-digit nonce count.</summary>
        public static string FormatNonceCount(int count)
        {
            char[] digits = new char[8];
            uint value = (uint)count;
            for (int i = 7; i >= 0; i--)
            {
                digits[i] = Json.Hex.Digit((int)(value & 0xF));
                value >>= 4;
            }

            return new string(digits);
        }
    }
}
