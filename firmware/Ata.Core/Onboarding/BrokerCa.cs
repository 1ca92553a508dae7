using Ata.Core.Json;
using Ata.Core.Sip.Auth;

namespace Ata.Core.Onboarding
{
    /// <summary>
    /// The gateway broker's CA certificate as the adapter keeps it: the PEM text in the config record
    /// <see cref="Record"/>, which the host's MQTT session trusts alone (TLS whenever it is there). The
    /// onboarding code pins it: the technician pastes the PEM on the console and it is kept only when
    /// its SHA-256 (of the DER) is the fingerprint the code carries.
    /// </summary>
    public static class BrokerCa
    {
        /// <summary>The config record holding the CA (PEM); absent or empty means plaintext MQTT.</summary>
        public const string Record = "broker-ca";

        /// <summary>The PEM line that starts a certificate.</summary>
        public const string BeginLine = "-----BEGIN CERTIFICATE-----";

        /// <summary>The PEM line that ends a certificate.</summary>
        public const string EndLine = "-----END CERTIFICATE-----";

        /// <summary>Longest PEM text taken (an RSA-4096 CA is about 2 KB).</summary>
        public const int MaxPemLength = 8192;

        /// <summary>Bytes in a SHA-256 fingerprint.</summary>
        public const int FingerprintBytes = 32;

        /// <summary>
        /// The DER bytes of the first certificate in <paramref name="pem"/>; null, with a sentence in
        /// <paramref name="error"/>, when there is none or it is damaged.
        /// </summary>
        /// <param name="pem">PEM text: BEGIN line, base64 lines, END line.</param>
        /// <param name="error">Why it was refused, or null.</param>
        public static byte[] DerOf(string pem, out string error)
        {
            error = null;
            int begin = pem == null ? -1 : pem.IndexOf(BeginLine);
            int end = begin < 0 ? -1 : pem.IndexOf(EndLine, begin);
            if (end < 0)
            {
                error = "it is not a PEM certificate (" + BeginLine + " ... " + EndLine + ")";
                return null;
            }

            char[] body = pem.Substring(begin + BeginLine.Length, end - begin - BeginLine.Length).ToCharArray();
            char[] base64 = new char[body.Length];
            int count = 0;
            for (int i = 0; i < body.Length; i++)
            {
                char c = body[i];
                if (c == '\r' || c == '\n' || c == ' ' || c == '\t')
                {
                    continue;
                }

                if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '='))
                {
                    error = "a line of it has a character that is not base64 ('" + c.ToString() + "')";
                    return null;
                }

                base64[count++] = c;
            }

            if (count == 0 || count % 4 != 0)
            {
                error = "it is cut short or a line is missing";
                return null;
            }

            byte[] der = System.Convert.FromBase64CharArray(base64, 0, count);
            if (der.Length < 64 || der[0] != 0x30)
            {
                error = "it is not a certificate (DER SEQUENCE)";
                return null;
            }

            if (SequenceLength(der) != der.Length)
            {
                error = "it is cut short or a line is missing";
                return null;
            }

            return der;
        }

        /// <summary>The length of the DER SEQUENCE at the start of <paramref name="der"/>, header included; -1 when unreadable.</summary>
        private static int SequenceLength(byte[] der)
        {
            int first = der[1];
            if (first < 0x80)
            {
                return 2 + first;
            }

            int bytes = first & 0x7F;
            if (bytes == 0 || bytes > 3 || der.Length < 2 + bytes)
            {
                return -1;
            }

            int length = 0;
            for (int i = 0; i < bytes; i++)
            {
                length = (length << 8) | der[2 + i];
            }

            return 2 + bytes + length;
        }

        /// <summary>The SHA-256 of <paramref name="der"/> in lowercase hex, as the gateway shows it.</summary>
        public static string FingerprintOf(byte[] der)
        {
            return Hex.Of(Sha256.Hash(der));
        }

        /// <summary>The fingerprint of the CA kept in <paramref name="pem"/> (the record's text), or null when there is none or it is unreadable.</summary>
        public static string FingerprintOfPem(string pem)
        {
            if (pem == null || pem.Length == 0)
            {
                return null;
            }

            string error;
            byte[] der = DerOf(pem, out error);
            return der == null ? null : FingerprintOf(der);
        }
    }
}
