using System.Collections;
using System.Text;

namespace Ata.Core.Sip
{
    /// <summary>A parsed SIP response: status, headers (names in lower case, compact forms expanded).</summary>
    public sealed class SipResponse
    {
        /// <summary>Largest datagram accepted.</summary>
        public const int MaxLength = 8192;

        private readonly ArrayList _names = new ArrayList();
        private readonly ArrayList _values = new ArrayList();

        private SipResponse()
        {
        }

        /// <summary>The status code, 100..699.</summary>
        public int StatusCode { get; private set; }

        /// <summary>The reason phrase.</summary>
        public string Reason { get; private set; }

        /// <summary>Number of header lines.</summary>
        public int HeaderCount
        {
            get { return _names.Count; }
        }

        /// <summary>
        /// Parses a datagram. Returns null, with <paramref name="error"/> saying why, for anything
        /// that is not a well-formed SIP response; never throws on bad input.
        /// </summary>
        public static SipResponse Parse(byte[] data, int length, out string error)
        {
            error = null;
            if (data == null || length <= 0 || length > data.Length)
            {
                error = "empty datagram";
                return null;
            }

            if (length > MaxLength)
            {
                error = "datagram too large";
                return null;
            }

            string text;
            try
            {
                text = Encoding.UTF8.GetString(data, 0, length);
            }
            catch (System.Exception)
            {
                error = "not UTF-8";
                return null;
            }

            return Parse(text, out error);
        }

        /// <summary>Parses response text; see <see cref="Parse(byte[], int, out string)"/>.</summary>
        public static SipResponse Parse(string text, out string error)
        {
            error = null;
            int headerEnd = text.IndexOf("\r\n\r\n");
            int separatorLength = 4;
            if (headerEnd < 0)
            {
                headerEnd = text.IndexOf("\n\n");
                separatorLength = 2;
            }

            string head = headerEnd < 0 ? text : text.Substring(0, headerEnd);
            string[] lines = SplitLines(head);
            if (lines.Length == 0)
            {
                error = "no status line";
                return null;
            }

            SipResponse response = new SipResponse();
            if (!response.ParseStatusLine(lines[0], out error))
            {
                return null;
            }

            string current = null;
            for (int i = 1; i < lines.Length; i++)
            {
                string line = lines[i];
                if (line.Length == 0)
                {
                    continue;
                }

                if (SipText.IsLinearWhiteSpace(line[0]))
                {
                    if (current == null)
                    {
                        error = "continuation line without a header";
                        return null;
                    }

                    current = current + " " + line.Trim();
                    continue;
                }

                if (current != null && !response.AddHeader(current, out error))
                {
                    return null;
                }

                current = line;
            }

            if (current != null && !response.AddHeader(current, out error))
            {
                return null;
            }

            if (response.Header("call-id") == null || response.Header("cseq") == null)
            {
                error = "missing Call-ID or CSeq";
                return null;
            }

            if (headerEnd >= 0)
            {
                int bodyLength = text.Length - headerEnd - separatorLength;
                string declared = response.Header("content-length");
                if (declared != null && SipText.ParseNonNegative(declared) < 0)
                {
                    error = "bad Content-Length";
                    return null;
                }

                if (declared != null && SipText.ParseNonNegative(declared) > bodyLength)
                {
                    error = "body shorter than Content-Length";
                    return null;
                }
            }

            return response;
        }

        /// <summary>The first value of header <paramref name="name"/> (lower case), or null.</summary>
        public string Header(string name)
        {
            for (int i = 0; i < _names.Count; i++)
            {
                if ((string)_names[i] == name)
                {
                    return (string)_values[i];
                }
            }

            return null;
        }

        /// <summary>
        /// Every element of header <paramref name="name"/> (lower case), across repeated headers and
        /// comma-separated lists. Challenge headers are not split (their parameters contain commas).
        /// </summary>
        public ArrayList Headers(string name)
        {
            ArrayList result = new ArrayList();
            bool split = name != "www-authenticate" && name != "proxy-authenticate";
            for (int i = 0; i < _names.Count; i++)
            {
                if ((string)_names[i] != name)
                {
                    continue;
                }

                string value = (string)_values[i];
                if (!split)
                {
                    result.Add(value);
                    continue;
                }

                ArrayList parts = SipText.SplitList(value);
                if (parts != null)
                {
                    for (int p = 0; p < parts.Count; p++)
                    {
                        result.Add(parts[p]);
                    }
                }
            }

            return result;
        }

        /// <summary>The Call-ID.</summary>
        public string CallId
        {
            get { return Header("call-id"); }
        }

        /// <summary>The CSeq number, or -1 when malformed.</summary>
        public int CSeqNumber
        {
            get
            {
                string cseq = Header("cseq").Trim();
                int space = cseq.IndexOf(' ');
                return SipText.ParseNonNegative(space < 0 ? cseq : cseq.Substring(0, space));
            }
        }

        /// <summary>The CSeq method, upper case as sent.</summary>
        public string CSeqMethod
        {
            get
            {
                string cseq = Header("cseq").Trim();
                int space = cseq.IndexOf(' ');
                return space < 0 ? string.Empty : cseq.Substring(space + 1).Trim();
            }
        }

        /// <summary>The branch parameter of the top Via, or null.</summary>
        public string TopViaBranch
        {
            get
            {
                ArrayList vias = Headers("via");
                return vias.Count == 0 ? null : SipText.HeaderParameter((string)vias[0], "branch");
            }
        }

        /// <summary>The <c>Expires</c> header in seconds, or -1.</summary>
        public int Expires
        {
            get { return SipText.ParseNonNegative(Header("expires")); }
        }

        /// <summary>
        /// The expiry the registrar granted the contact whose URI is <paramref name="contactUri"/>:
        /// its <c>expires</c> parameter, else the <c>Expires</c> header, else -1.
        /// </summary>
        public int GrantedExpires(string contactUri)
        {
            return GrantedExpires(contactUri, null);
        }

        /// <summary>
        /// The expiry the registrar granted our contact, recognised by its <c>+sip.instance</c>
        /// (<paramref name="instanceId"/>, when given) or by its URI: the contact's <c>expires</c>
        /// parameter, else the <c>Expires</c> header, else -1.
        /// </summary>
        public int GrantedExpires(string contactUri, string instanceId)
        {
            ArrayList contacts = Headers("contact");
            for (int i = 0; i < contacts.Count; i++)
            {
                string element = (string)contacts[i];
                string uri = SipText.HeaderUri(element);
                string instance = instanceId == null ? null : SipText.HeaderParameter(element, "+sip.instance");
                bool ours = instance != null
                    ? instance == "<" + instanceId + ">"
                    : uri != null && SipText.EqualsIgnoreCase(uri, contactUri);
                if (ours)
                {
                    int expires = SipText.ParseNonNegative(SipText.HeaderParameter(element, "expires"));
                    if (expires >= 0)
                    {
                        return expires;
                    }
                }
            }

            return Expires;
        }

        private bool ParseStatusLine(string line, out string error)
        {
            error = null;
            if (line.Length < 12 || !SipText.EqualsIgnoreCase(line.Substring(0, 8), "SIP/2.0 "))
            {
                error = "not a SIP/2.0 response";
                return false;
            }

            string rest = line.Substring(8).Trim();
            int space = rest.IndexOf(' ');
            string code = space < 0 ? rest : rest.Substring(0, space);
            int status = code.Length == 3 ? SipText.ParseNonNegative(code) : -1;
            if (status < 100 || status > 699)
            {
                error = "bad status code";
                return false;
            }

            StatusCode = status;
            Reason = space < 0 ? string.Empty : rest.Substring(space + 1).Trim();
            return true;
        }

        private bool AddHeader(string line, out string error)
        {
            error = null;
            int colon = line.IndexOf(':');
            if (colon <= 0)
            {
                error = "header without a colon";
                return false;
            }

            string name = SipText.ToLowerAscii(line.Substring(0, colon).Trim());
            if (name.Length == 0 || name.IndexOf(' ') >= 0 || name.IndexOf('\t') >= 0)
            {
                error = "bad header name";
                return false;
            }

            _names.Add(ExpandCompactForm(name));
            _values.Add(line.Substring(colon + 1).Trim());
            return true;
        }

        private static string ExpandCompactForm(string name)
        {
            if (name.Length != 1)
            {
                return name;
            }

            switch (name[0])
            {
                case 'i': return "call-id";
                case 'm': return "contact";
                case 'v': return "via";
                case 'f': return "from";
                case 't': return "to";
                case 'l': return "content-length";
                case 'c': return "content-type";
                case 'e': return "content-encoding";
                case 'k': return "supported";
                case 's': return "subject";
                default: return name;
            }
        }

        private static string[] SplitLines(string head)
        {
            string[] lines = head.Split(new char[] { '\n' });
            for (int i = 0; i < lines.Length; i++)
            {
                string line = lines[i];
                if (line.Length > 0 && line[line.Length - 1] == '\r')
                {
                    lines[i] = line.Substring(0, line.Length - 1);
                }
            }

            return lines;
        }
    }
}
