using System.Collections;
using System.Text;

namespace Ata.Core.Sip
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
        /// <summary>Algorithm as given (default MD5).</summary>
        public string Algorithm { get; private set; }
        /// <summary>True when the server offered <c>qop=auth</c>.</summary>
        public bool QopAuth { get; private set; }
        /// <summary>True when the server said the previous nonce was stale.</summary>
        public bool Stale { get; private set; }
        /// <summary>True for <c>Proxy-Authenticate</c> (answer with <c>Proxy-Authorization</c>).</summary>
        public bool IsProxy { get; private set; }

        /// <summary>
        /// Parses a header value such as <c>Digest realm="a", nonce="b", qop="auth"</c>.
        /// Returns null when it is not a digest challenge this client can answer (no realm or nonce,
        /// or an algorithm other than MD5).
        /// </summary>
        public static DigestChallenge Parse(string headerValue, bool isProxy)
        {
            if (headerValue == null)
            {
                return null;
            }

            string value = headerValue.Trim();
            if (value.Length < 7 || !SipText.EqualsIgnoreCase(value.Substring(0, 6), "Digest") || !SipText.IsLinearWhiteSpace(value[6]))
            {
                return null;
            }

            Hashtable parameters = SipText.ParseAuthParameters(value.Substring(7));
            if (parameters == null)
            {
                return null;
            }

            DigestChallenge challenge = new DigestChallenge();
            challenge.IsProxy = isProxy;
            challenge.Realm = parameters["realm"] as string;
            challenge.Nonce = parameters["nonce"] as string;
            challenge.Opaque = parameters["opaque"] as string;
            string algorithm = parameters["algorithm"] as string;
            challenge.Algorithm = algorithm == null ? "MD5" : algorithm;
            string stale = parameters["stale"] as string;
            challenge.Stale = stale != null && SipText.EqualsIgnoreCase(stale, "true");
            string qop = parameters["qop"] as string;
            if (qop != null)
            {
                string[] options = qop.Split(new char[] { ',' });
                for (int i = 0; i < options.Length; i++)
                {
                    if (SipText.EqualsIgnoreCase(options[i].Trim(), "auth"))
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

            if (challenge.Realm == null || challenge.Nonce == null || !SipText.EqualsIgnoreCase(challenge.Algorithm, "MD5"))
            {
                return null;
            }

            return challenge;
        }

        /// <summary>
        /// The digest response (RFC 2617 §3.2.2.1): with qop, MD5(HA1:nonce:nc:cnonce:auth:HA2),
        /// otherwise MD5(HA1:nonce:HA2).
        /// </summary>
        public static string ComputeResponse(string username, string realm, string password, string method, string uri,
            string nonce, bool qopAuth, string nonceCount, string cnonce)
        {
            string ha1 = Md5.HexOf(username + ":" + realm + ":" + password);
            string ha2 = Md5.HexOf(method + ":" + uri);
            if (qopAuth)
            {
                return Md5.HexOf(ha1 + ":" + nonce + ":" + nonceCount + ":" + cnonce + ":auth:" + ha2);
            }

            return Md5.HexOf(ha1 + ":" + nonce + ":" + ha2);
        }

        /// <summary>
        /// The <c>Authorization</c> (or <c>Proxy-Authorization</c>) header value answering this challenge.
        /// </summary>
        /// <param name="nonceCount">How many requests have used this nonce, including this one (1 first).</param>
        public string Answer(string username, string password, string method, string uri, int nonceCount, string cnonce)
        {
            string nc = FormatNonceCount(nonceCount);
            string response = ComputeResponse(username, Realm, password, method, uri, Nonce, QopAuth, nc, cnonce);
            StringBuilder sb = new StringBuilder(256);
            sb.Append("Digest username=\"").Append(SipText.Escape(username));
            sb.Append("\", realm=\"").Append(SipText.Escape(Realm));
            sb.Append("\", nonce=\"").Append(SipText.Escape(Nonce));
            sb.Append("\", uri=\"").Append(SipText.Escape(uri));
            sb.Append("\", response=\"").Append(response);
            sb.Append("\", algorithm=MD5");
            if (QopAuth)
            {
                sb.Append(", cnonce=\"").Append(SipText.Escape(cnonce)).Append("\", qop=auth, nc=").Append(nc);
            }

            if (Opaque != null)
            {
                sb.Append(", opaque=\"").Append(SipText.Escape(Opaque)).Append('"');
            }

            return sb.ToString();
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
