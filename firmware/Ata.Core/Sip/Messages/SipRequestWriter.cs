using System;
using System.Text;

namespace Ata.Core.Sip.Messages
{
    /// <summary>
    /// Writes one SIP request (RFC 3261 §8.1.1): the request line, <c>Max-Forwards: 70</c>, then the
    /// headers in the order they are added, <c>Content-Length</c> in octets and the body. The same
    /// writer serves REGISTER, OPTIONS, INVITE, ACK, CANCEL and BYE; what varies is which headers
    /// the caller adds (a dialog adds its route set and To tag; ACK and CANCEL reuse the INVITE's branch).
    /// </summary>
    public sealed class SipRequestWriter
    {
        private readonly StringBuilder _head = new StringBuilder(640);
        private string _contentType;
        private byte[] _body;

        /// <summary>Starts a request.</summary>
        /// <param name="method">The method, e.g. <c>REGISTER</c>.</param>
        /// <param name="requestUri">The Request-URI.</param>
        public SipRequestWriter(string method, string requestUri)
        {
            Method = method;
            RequestUri = requestUri;
            _head.Append(method).Append(' ').Append(requestUri).Append(" SIP/2.0\r\n");
            _head.Append("Max-Forwards: 70\r\n");
        }

        /// <summary>The method.</summary>
        public string Method { get; private set; }

        /// <summary>The Request-URI (digest answers sign it).</summary>
        public string RequestUri { get; private set; }

        /// <summary>Adds the Via of this hop, with <c>rport</c> (RFC 3581) so answers find their way back through NAT.</summary>
        /// <param name="transport"><c>UDP</c> or <c>TCP</c>.</param>
        /// <param name="host">The address answers should go to.</param>
        /// <param name="port">Its port.</param>
        /// <param name="branch">The transaction's branch (see <see cref="Identifiers.Branch"/>).</param>
        public SipRequestWriter Via(string transport, string host, int port, string branch)
        {
            _head.Append("Via: SIP/2.0/").Append(transport).Append(' ').Append(host).Append(':').Append(port)
                .Append(";branch=").Append(branch).Append(";rport\r\n");
            return this;
        }

        /// <summary>Adds a <c>Route</c> to <paramref name="uri"/> (loose routing: give the URI with <c>;lr</c>).</summary>
        public SipRequestWriter Route(string uri)
        {
            return Header("Route", "<" + uri + ">");
        }

        /// <summary>Adds <c>From</c> with its tag.</summary>
        public SipRequestWriter From(string uri, string tag)
        {
            return Header("From", "<" + uri + ">;tag=" + tag);
        }

        /// <summary>Adds <c>To</c>, with the far end's tag inside a dialog (null outside one).</summary>
        public SipRequestWriter To(string uri, string tag)
        {
            return Header("To", tag == null ? "<" + uri + ">" : "<" + uri + ">;tag=" + tag);
        }

        /// <summary>Adds <c>Call-ID</c>.</summary>
        public SipRequestWriter CallId(string callId)
        {
            return Header("Call-ID", callId);
        }

        /// <summary>Adds <c>CSeq</c> with the request's method.</summary>
        public SipRequestWriter CSeq(int number)
        {
            _head.Append("CSeq: ").Append(number).Append(' ').Append(Method).Append("\r\n");
            return this;
        }

        /// <summary>Adds <c>Contact</c>: the URI in angle brackets, then <paramref name="parameters"/> (e.g. <c>;expires=60</c>) or null.</summary>
        public SipRequestWriter Contact(string uri, string parameters)
        {
            return Header("Contact", parameters == null ? "<" + uri + ">" : "<" + uri + ">" + parameters);
        }

        /// <summary>Adds any other header.</summary>
        public SipRequestWriter Header(string name, string value)
        {
            _head.Append(name).Append(": ").Append(value).Append("\r\n");
            return this;
        }

        /// <summary>Sets the body (e.g. SDP) and its type; <c>Content-Length</c> will count its octets.</summary>
        public SipRequestWriter Body(string contentType, byte[] body)
        {
            _contentType = contentType;
            _body = body;
            return this;
        }

        /// <summary>The request as bytes, ready for the wire.</summary>
        public byte[] ToBytes()
        {
            int bodyLength = _body == null ? 0 : _body.Length;
            StringBuilder head = new StringBuilder(_head.Length + 64);
            head.Append(_head.ToString());
            if (_contentType != null && bodyLength > 0)
            {
                head.Append("Content-Type: ").Append(_contentType).Append("\r\n");
            }

            head.Append("Content-Length: ").Append(bodyLength).Append("\r\n\r\n");
            byte[] headBytes = Encoding.UTF8.GetBytes(head.ToString());
            if (bodyLength == 0)
            {
                return headBytes;
            }

            byte[] message = new byte[headBytes.Length + bodyLength];
            Array.Copy(headBytes, message, headBytes.Length);
            Array.Copy(_body, 0, message, headBytes.Length, bodyLength);
            return message;
        }
    }
}
