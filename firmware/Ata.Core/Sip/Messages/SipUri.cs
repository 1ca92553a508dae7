using Ata.Core.Text;

namespace Ata.Core.Sip.Messages
{
    /// <summary>
    /// The parts of a <c>sip:</c> or <c>sips:</c> URI the adapter needs (RFC 3261 §19.1): user, host
    /// and port; parameters and headers are skipped. Read in one pass over a <c>char[]</c>.
    /// </summary>
    public sealed class SipUri
    {
        private SipUri(string user, string host, int port)
        {
            User = user;
            Host = host;
            Port = port;
        }

        /// <summary>The user part, or null.</summary>
        public string User { get; private set; }

        /// <summary>The host (a name or an IPv4 address).</summary>
        public string Host { get; private set; }

        /// <summary>The port, or 0 when the URI gives none.</summary>
        public int Port { get; private set; }

        /// <summary>The port, 5060 when the URI gives none.</summary>
        public int PortOrDefault
        {
            get { return Port > 0 ? Port : 5060; }
        }

        /// <summary>Parses <paramref name="uri"/> (angle brackets allowed around it); null when it is not a SIP URI.</summary>
        public static SipUri Parse(string uri)
        {
            if (uri == null)
            {
                return null;
            }

            char[] c = uri.Trim().ToCharArray();
            int at = 0;
            int end = c.Length;
            if (end > 0 && c[0] == '<')
            {
                at = 1;
                while (end > at && c[end - 1] != '>')
                {
                    end--;
                }

                end--;
            }

            if (StartsWith(c, at, "sips:"))
            {
                at += 5;
            }
            else if (StartsWith(c, at, "sip:"))
            {
                at += 4;
            }
            else
            {
                return null;
            }

            int stop = at;
            int atSign = -1;
            while (stop < end && c[stop] != ';' && c[stop] != '?' && c[stop] != '>')
            {
                if (c[stop] == '@')
                {
                    atSign = stop;
                }

                stop++;
            }

            string user = null;
            int hostStart = at;
            if (atSign >= 0)
            {
                int colon = at;
                while (colon < atSign && c[colon] != ':')
                {
                    colon++;
                }

                user = new string(c, at, colon - at);
                hostStart = atSign + 1;
            }

            int portColon = stop;
            for (int i = hostStart; i < stop; i++)
            {
                if (c[i] == ':')
                {
                    portColon = i;
                    break;
                }
            }

            if (portColon == hostStart)
            {
                return null;
            }

            string host = new string(c, hostStart, portColon - hostStart);
            int port = 0;
            if (portColon < stop)
            {
                port = AsciiText.ParseNonNegative(new string(c, portColon + 1, stop - portColon - 1));
                if (port < 1 || port > 65535)
                {
                    return null;
                }
            }

            return new SipUri(user, host, port);
        }

        /// <summary>
        /// Where a response to a request goes over UDP (RFC 3261 §18.2.2 with RFC 3581): the top Via's
        /// <c>received</c> address (else its host) and <c>rport</c> (else its port, else 5060).
        /// False when the Via cannot be read.
        /// </summary>
        public static bool ResponseTarget(string topVia, out string address, out int port)
        {
            address = null;
            port = 0;
            if (topVia == null)
            {
                return false;
            }

            char[] c = topVia.ToCharArray();
            int i = 0;
            while (i < c.Length && c[i] != ' ' && c[i] != '\t')
            {
                i++;
            }

            while (i < c.Length && (c[i] == ' ' || c[i] == '\t'))
            {
                i++;
            }

            int hostStart = i;
            while (i < c.Length && c[i] != ':' && c[i] != ';' && c[i] != ' ')
            {
                i++;
            }

            address = new string(c, hostStart, i - hostStart);
            port = 5060;
            if (i < c.Length && c[i] == ':')
            {
                int portStart = ++i;
                while (i < c.Length && c[i] >= '0' && c[i] <= '9')
                {
                    i++;
                }

                port = AsciiText.ParseNonNegative(new string(c, portStart, i - portStart));
            }

            string received = HeaderValue.Parameter(topVia, "received");
            if (received != null && received.Length > 0)
            {
                address = received;
            }

            int rport = AsciiText.ParseNonNegative(HeaderValue.Parameter(topVia, "rport"));
            if (rport > 0)
            {
                port = rport;
            }

            return address.Length > 0 && port > 0 && port <= 65535;
        }

        private static bool StartsWith(char[] c, int at, string prefix)
        {
            if (c.Length - at < prefix.Length)
            {
                return false;
            }

            for (int i = 0; i < prefix.Length; i++)
            {
                char x = c[at + i];
                if (x >= 'A' && x <= 'Z')
                {
                    x = (char)(x + 32);
                }

                if (x != prefix[i])
                {
                    return false;
                }
            }

            return true;
        }
    }
}
