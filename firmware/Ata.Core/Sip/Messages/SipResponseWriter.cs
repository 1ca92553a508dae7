using System;
using System.Collections;
using System.Text;

namespace Ata.Core.Sip.Messages
{
    /// <summary>
    /// Writes a response to a request (RFC 3261 §8.2.6): the status line, the request's Via headers,
    /// From, To (with the local tag added when the request had none), Call-ID and CSeq copied, then the
    /// headers added, <c>Content-Length</c> in octets and the body.
    /// </summary>
    public sealed class SipResponseWriter
    {
        private readonly StringBuilder _head = new StringBuilder(512);
        private string _contentType;
        private byte[] _body;

        /// <summary>Starts the response <paramref name="code"/> <paramref name="reason"/> to <paramref name="request"/>.</summary>
        /// <param name="request">The request answered.</param>
        /// <param name="code">The status code.</param>
        /// <param name="reason">The reason phrase.</param>
        /// <param name="localTag">The tag to add to <c>To</c> when the request's has none (null for none, e.g. on 100).</param>
        public SipResponseWriter(SipRequest request, int code, string reason, string localTag)
        {
            _head.Append("SIP/2.0 ").Append(code).Append(' ').Append(reason).Append("\r\n");
            ArrayList vias = request.Headers("via");
            for (int i = 0; i < vias.Count; i++)
            {
                _head.Append("Via: ").Append((string)vias[i]).Append("\r\n");
            }

            string to = request.Header("to");
            if (localTag != null && HeaderValue.Parameter(to, "tag") == null)
            {
                to = to + ";tag=" + localTag;
            }

            _head.Append("From: ").Append(request.Header("from")).Append("\r\n");
            _head.Append("To: ").Append(to).Append("\r\n");
            _head.Append("Call-ID: ").Append(request.CallId).Append("\r\n");
            _head.Append("CSeq: ").Append(request.Header("cseq")).Append("\r\n");
        }

        /// <summary>Copies the request's <c>Record-Route</c> headers (2xx and 1xx to an INVITE that form a dialog).</summary>
        public SipResponseWriter RecordRoutes(SipRequest request)
        {
            ArrayList routes = request.Headers("record-route");
            for (int i = 0; i < routes.Count; i++)
            {
                Header("Record-Route", (string)routes[i]);
            }

            return this;
        }

        /// <summary>Adds <c>Contact</c> with <paramref name="uri"/>.</summary>
        public SipResponseWriter Contact(string uri)
        {
            return Header("Contact", "<" + uri + ">");
        }

        /// <summary>Adds any other header.</summary>
        public SipResponseWriter Header(string name, string value)
        {
            _head.Append(name).Append(": ").Append(value).Append("\r\n");
            return this;
        }

        /// <summary>Sets the body (e.g. SDP) and its type.</summary>
        public SipResponseWriter Body(string contentType, byte[] body)
        {
            _contentType = contentType;
            _body = body;
            return this;
        }

        /// <summary>The response as bytes.</summary>
        public byte[] ToBytes()
        {
            int bodyLength = _body == null ? 0 : _body.Length;
            if (_contentType != null && bodyLength > 0)
            {
                _head.Append("Content-Type: ").Append(_contentType).Append("\r\n");
            }

            _head.Append("Content-Length: ").Append(bodyLength).Append("\r\n\r\n");
            byte[] head = Encoding.UTF8.GetBytes(_head.ToString());
            if (bodyLength == 0)
            {
                return head;
            }

            byte[] message = new byte[head.Length + bodyLength];
            Array.Copy(head, message, head.Length);
            Array.Copy(_body, 0, message, head.Length, bodyLength);
            return message;
        }
    }
}
