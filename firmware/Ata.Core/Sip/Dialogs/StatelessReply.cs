using Ata.Core.Hardware;
using Ata.Core.Sip.Messages;

namespace Ata.Core.Sip.Dialogs
{
    /// <summary>
    /// The answers to requests no call takes (RFC 3261 §8.2): OPTIONS gets 200 with what the adapter
    /// supports, an INVITE for no line 404, a BYE or CANCEL for no call 481, an ACK nothing, any other
    /// method 405 with <c>Allow</c>.
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

            byte[] response = w.Header("Allow", SipCall.Allow).Header("Server", server).ToBytes();
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
