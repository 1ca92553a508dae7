using Ata.Core.Hardware;
using Ata.Core.Sip.Messages;

namespace Ata.Core.Sip.Dialogs
{
    /// <summary>
    /// The answers to requests no call takes (RFC 3261 §8.2): OPTIONS gets 200 with what the adapter
    /// supports, an INVITE for no line 404, a BYE or CANCEL for no call 481, an ACK nothing, any other
    /// method 405 with <c>Allow</c>; and, before anything takes it, a request whose CSeq is no number or
    /// names another method gets 400 (<see cref="RefuseMalformed"/>), and one that requires an extension
    /// 420 (<see cref="RefuseExtensions"/>).
    /// </summary>
    public static class StatelessReply
    {
        /// <summary>Answers <paramref name="request"/> (arrived on TCP <paramref name="connection"/>, or 0).</summary>
        /// <param name="request">The request.</param>
        /// <param name="connection">Its TCP connection, or 0 for UDP (the answer follows the top Via).</param>
        /// <param name="socket">The SIP socket.</param>
        /// <param name="stream">TCP connections, or null.</param>
        /// <param name="server">The Server header value.</param>
        /// <param name="random">Randomness for the To tag.</param>
        public static void Answer(SipRequest request, int connection, IDatagramSocket socket, IStreamTransport stream, string server, System.Random random)
        {
            string method = request.Method;
            if (method == "ACK")
            {
                return;
            }

            SipResponseWriter w;
            if (method == "OPTIONS")
            {
                w = new SipResponseWriter(request, 200, "OK", Identifiers.Tag(random))
                    .Header("Accept", SipCall.SdpType);
            }
            else if (method == "INVITE")
            {
                w = new SipResponseWriter(request, 404, "Not Found", Identifiers.Tag(random));
            }
            else if (method == "BYE" || method == "CANCEL")
            {
                w = new SipResponseWriter(request, 481, "Call/Transaction Does Not Exist", null);
            }
            else
            {
                w = new SipResponseWriter(request, 405, "Method Not Allowed", null);
            }

            Send(w.Header("Allow", SipCall.Allow).Header("Server", server).ToBytes(), request, connection, socket, stream);
        }

        /// <summary>Answers <paramref name="request"/> with <paramref name="code"/> and <paramref name="reason"/> (a request taken outside any call, e.g. a NOTIFY).</summary>
        /// <param name="request">The request.</param>
        /// <param name="connection">Its TCP connection, or 0 for UDP (the answer follows the top Via).</param>
        /// <param name="socket">The SIP socket.</param>
        /// <param name="stream">TCP connections, or null.</param>
        /// <param name="server">The Server header value.</param>
        /// <param name="code">The status code.</param>
        /// <param name="reason">The reason phrase.</param>
        public static void Respond(SipRequest request, int connection, IDatagramSocket socket, IStreamTransport stream, string server, int code, string reason)
        {
            Send(new SipResponseWriter(request, code, reason, null).Header("Server", server).ToBytes(), request, connection, socket, stream);
        }

        /// <summary>
        /// Answers 400 to a request too malformed to take (RFC 3261 §8.2.2, §8.1.1.5: a CSeq number that is
        /// not a number below 2^31, a CSeq method other than the request's) and returns true; false when it
        /// is well formed. A malformed ACK is dropped (nothing answers an ACK).
        /// </summary>
        public static bool RefuseMalformed(SipRequest request, int connection, IDatagramSocket socket, IStreamTransport stream, string server, System.Random random)
        {
            string problem = Problem(request);
            if (problem == null)
            {
                return false;
            }

            if (request.Method != "ACK")
            {
                Send(new SipResponseWriter(request, 400, "Bad Request (" + problem + ")", Identifiers.Tag(random)).Header("Server", server).ToBytes(),
                    request, connection, socket, stream);
            }

            return true;
        }

        /// <summary>
        /// Answers 420 Bad Extension, listing them in <c>Unsupported</c>, to a request that requires SIP
        /// extensions (RFC 3261 §8.2.2.3: e.g. <c>Require: 100rel</c>; the adapter implements none), and
        /// returns true; false when nothing is required. ACK and CANCEL are never refused this way.
        /// </summary>
        public static bool RefuseExtensions(SipRequest request, int connection, IDatagramSocket socket, IStreamTransport stream, string server, System.Random random)
        {
            string method = request.Method;
            if (method == "ACK" || method == "CANCEL")
            {
                return false;
            }

            System.Collections.ArrayList required = request.Headers("require");
            string unsupported = string.Empty;
            for (int i = 0; i < required.Count; i++)
            {
                string tag = ((string)required[i]).Trim();
                if (tag.Length > 0)
                {
                    unsupported = unsupported.Length == 0 ? tag : unsupported + ", " + tag;
                }
            }

            if (unsupported.Length == 0)
            {
                return false;
            }

            Send(new SipResponseWriter(request, 420, "Bad Extension", Identifiers.Tag(random))
                    .Header("Unsupported", unsupported).Header("Server", server).ToBytes(),
                request, connection, socket, stream);
            return true;
        }

        private static string Problem(SipRequest request)
        {
            char[] cseq = request.Header("cseq").Trim().ToCharArray();
            int gap = 0;
            while (gap < cseq.Length && cseq[gap] != ' ' && cseq[gap] != '\t')
            {
                gap++;
            }

            if (gap == 0 || gap > 10 || gap == cseq.Length)
            {
                return "CSeq is not a number and a method";
            }

            long number = 0;
            for (int i = 0; i < gap; i++)
            {
                if (cseq[i] < '0' || cseq[i] > '9')
                {
                    return "CSeq is not a number and a method";
                }

                number = (number * 10) + (cseq[i] - '0');
            }

            if (number >= 0x80000000L)
            {
                return "CSeq number too large";
            }

            return new string(cseq, gap, cseq.Length - gap).Trim() == request.Method ? null : "CSeq names another method";
        }

        private static void Send(byte[] response, SipRequest request, int connection, IDatagramSocket socket, IStreamTransport stream)
        {
            if (connection != 0 && stream != null)
            {
                stream.Send(connection, response, response.Length);
                return;
            }

            string address;
            int port;
            if (SipUri.ResponseTarget((string)request.Headers("via")[0], out address, out port))
            {
                socket.Send(response, response.Length, address, port);
            }
        }
    }
}
