using System.Collections;
using Ata.Core.Sip.Messages;

namespace Ata.Core.Sip.Dialogs
{
    /// <summary>
    /// A SIP dialog (RFC 3261 §12): the Call-ID and the two tags that name it, each side's URI and
    /// CSeq, the far end's target (its Contact) and the route set from <c>Record-Route</c>; it writes
    /// the requests sent inside it (BYE, ACK, re-INVITE answers are responses) and recognises the
    /// requests that belong to it.
    /// </summary>
    public sealed class Dialog
    {
        private readonly ArrayList _routes = new ArrayList();

        private Dialog()
        {
        }

        /// <summary>The Call-ID.</summary>
        public string CallId { get; private set; }

        /// <summary>This side's tag.</summary>
        public string LocalTag { get; private set; }

        /// <summary>The far end's tag.</summary>
        public string RemoteTag { get; private set; }

        /// <summary>This side's URI (From of requests sent in the dialog).</summary>
        public string LocalUri { get; private set; }

        /// <summary>The far end's URI (To of requests sent in the dialog).</summary>
        public string RemoteUri { get; private set; }

        /// <summary>The far end's Contact: the Request-URI of requests sent in the dialog.</summary>
        public string RemoteTarget { get; private set; }

        /// <summary>The CSeq of the last request sent in the dialog.</summary>
        public int LocalCSeq { get; set; }

        /// <summary>The CSeq of the last request received in the dialog, -1 before any.</summary>
        public int RemoteCSeq { get; set; }

        /// <summary>The route set, in the order requests must visit it.</summary>
        public ArrayList Routes
        {
            get { return _routes; }
        }

        /// <summary>The dialog a caller forms from a response to its INVITE with a To tag (RFC 3261 §12.1.2).</summary>
        public static Dialog AsCaller(SipResponse response, string localUri, string remoteUri, string localTag, int cseq)
        {
            Dialog d = new Dialog();
            d.CallId = response.CallId;
            d.LocalTag = localTag;
            d.RemoteTag = HeaderValue.Parameter(response.Header("to"), "tag");
            d.LocalUri = localUri;
            d.RemoteUri = remoteUri;
            d.LocalCSeq = cseq;
            d.RemoteCSeq = -1;
            d.RemoteTarget = ContactOf(response, remoteUri);
            ArrayList recordRoutes = response.Headers("record-route");
            for (int i = recordRoutes.Count - 1; i >= 0; i--)
            {
                d._routes.Add(HeaderValue.Uri((string)recordRoutes[i]));
            }

            return d;
        }

        /// <summary>The dialog a callee forms from an INVITE it answers with <paramref name="localTag"/> (RFC 3261 §12.1.1).</summary>
        public static Dialog AsCallee(SipRequest invite, string localTag)
        {
            Dialog d = new Dialog();
            d.CallId = invite.CallId;
            d.LocalTag = localTag;
            d.RemoteTag = HeaderValue.Parameter(invite.Header("from"), "tag");
            d.LocalUri = HeaderValue.Uri(invite.Header("to"));
            d.RemoteUri = HeaderValue.Uri(invite.Header("from"));
            d.LocalCSeq = 0;
            d.RemoteCSeq = invite.CSeqNumber;
            d.RemoteTarget = ContactOf(invite, d.RemoteUri);
            ArrayList recordRoutes = invite.Headers("record-route");
            for (int i = 0; i < recordRoutes.Count; i++)
            {
                d._routes.Add(HeaderValue.Uri((string)recordRoutes[i]));
            }

            return d;
        }

        /// <summary>True when <paramref name="request"/> (received) belongs to this dialog.</summary>
        public bool Owns(SipRequest request)
        {
            return request.CallId == CallId
                && HeaderValue.Parameter(request.Header("from"), "tag") == RemoteTag
                && HeaderValue.Parameter(request.Header("to"), "tag") == LocalTag;
        }

        /// <summary>
        /// Starts a request inside the dialog (RFC 3261 §12.2.1.1, loose routing): Request-URI the far
        /// end's target, the route set as <c>Route</c> headers, From/To with the tags, Call-ID and
        /// <paramref name="cseq"/>. The caller adds Via, Contact and the rest.
        /// </summary>
        public SipRequestWriter Request(string method, int cseq)
        {
            SipRequestWriter w = new SipRequestWriter(method, RemoteTarget);
            for (int i = 0; i < _routes.Count; i++)
            {
                w.Route((string)_routes[i]);
            }

            return w.From(LocalUri, LocalTag).To(RemoteUri, RemoteTag).CallId(CallId).CSeq(cseq);
        }

        /// <summary>The URI requests in the dialog are sent to first: the first route, else the far end's target.</summary>
        public SipUri NextHop
        {
            get { return SipUri.Parse(_routes.Count > 0 ? (string)_routes[0] : RemoteTarget); }
        }

        private static string ContactOf(SipMessage message, string fallback)
        {
            string contact = message.Header("contact");
            string uri = contact == null ? null : HeaderValue.Uri(contact);
            return uri == null || uri.Length == 0 ? fallback : uri;
        }
    }
}
