using System.Text;

namespace Ata.Core.Sip.Messages
{
    /// <summary>A parsed SIP response: status and reason, with the headers and body of <see cref="SipMessage"/>.</summary>
    public sealed class SipResponse : SipMessage
    {
        internal SipResponse(int statusCode, string reason)
        {
            StatusCode = statusCode;
            Reason = reason;
        }

        /// <summary>The status code, 100..699.</summary>
        public int StatusCode { get; private set; }

        /// <summary>The reason phrase.</summary>
        public string Reason { get; private set; }

        /// <summary>
        /// Parses a datagram that must be a response. Returns null, with <paramref name="error"/>
        /// saying why, for anything else; never throws on bad input.
        /// </summary>
        public static SipResponse Parse(byte[] data, int length, out string error)
        {
            SipMessage message = SipMessage.Parse(data, 0, length, out error);
            if (message == null)
            {
                return null;
            }

            SipResponse response = message as SipResponse;
            if (response == null)
            {
                error = "not a SIP/2.0 response";
            }

            return response;
        }

        /// <summary>Parses response text (encoded as UTF-8 once); see <see cref="Parse(byte[], int, out string)"/>.</summary>
        public static SipResponse Parse(string text, out string error)
        {
            byte[] data = Encoding.UTF8.GetBytes(text);
            return Parse(data, data.Length, out error);
        }
    }
}
