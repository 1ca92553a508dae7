namespace Ata.Core.Sip.Messages
{
    /// <summary>A parsed SIP request: its method and Request-URI, with the headers and body of <see cref="SipMessage"/>.</summary>
    public sealed class SipRequest : SipMessage
    {
        internal SipRequest(string method, string requestUri)
        {
            Method = method;
            RequestUri = requestUri;
        }

        /// <summary>The method as sent (methods are case-sensitive, RFC 3261 §7.1): <c>INVITE</c>, <c>OPTIONS</c>, …</summary>
        public string Method { get; private set; }

        /// <summary>The Request-URI.</summary>
        public string RequestUri { get; private set; }
    }
}
