using System.Collections;
using Ata.Core.Text;

namespace Ata.Core.Sip.Messages
{
    /// <summary>
    /// A parsed SIP message, request (<see cref="SipRequest"/>) or response (<see cref="SipResponse"/>):
    /// headers by lower-case name with compact forms expanded and folded lines joined, and the body as
    /// the bytes it was (Content-Length counts octets; a NUL in a body is just a byte).
    /// </summary>
    public abstract class SipMessage
    {
        /// <summary>Largest message accepted, in bytes.</summary>
        public const int MaxLength = 8192;

        private readonly ArrayList _names = new ArrayList();
        private readonly ArrayList _values = new ArrayList();
        private byte[] _body;

        internal SipMessage()
        {
        }

        /// <summary>
        /// Parses one message from <paramref name="length"/> bytes of <paramref name="data"/> at
        /// <paramref name="offset"/>, in one pass over them. Returns null, with <paramref name="error"/>
        /// saying why, for anything that is not a well-formed SIP message; never throws on bad input.
        /// </summary>
        public static SipMessage Parse(byte[] data, int offset, int length, out string error)
        {
            return SipMessageReader.Read(data, offset, length, out error);
        }

        /// <summary>The body's bytes, empty when there is none.</summary>
        public byte[] Body
        {
            get { return _body; }
        }

        /// <summary>How many bytes the parser visited to read this message (each counted every time it was looked at).</summary>
        internal int BytesVisited { get; set; }

        /// <summary>The first value of header <paramref name="name"/> (lower case, full form), or null.</summary>
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

                ArrayList parts = HeaderValue.SplitList(value);
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
                return AsciiText.ParseNonNegative(space < 0 ? cseq : cseq.Substring(0, space));
            }
        }

        /// <summary>The CSeq method, upper case as sent, or empty.</summary>
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
                return vias.Count == 0 ? null : HeaderValue.Parameter((string)vias[0], "branch");
            }
        }

        /// <summary>The <c>Expires</c> header in seconds, or -1.</summary>
        public int Expires
        {
            get { return AsciiText.ParseNonNegative(Header("expires")); }
        }

        /// <summary>The <c>Content-Type</c>, or null.</summary>
        public string ContentType
        {
            get { return Header("content-type"); }
        }

        internal void AddHeader(string name, string value)
        {
            _names.Add(name);
            _values.Add(value);
        }

        internal void SetBody(byte[] body)
        {
            _body = body;
        }
    }
}
