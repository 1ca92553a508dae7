using System;
using Ata.Core.Text;

namespace Ata.Core.Sip.Messages
{
    /// <summary>
    /// Reads a SIP message from bytes in one pass (RFC 3261 §7): the start line, header lines with
    /// folding, then the body by Content-Length in octets. Only header values become strings, each
    /// decoded once; nothing indexes a string.
    /// </summary>
    internal sealed partial class SipMessageReader
    {
        private const byte Cr = 13;
        private const byte Lf = 10;
        private const byte Space = 32;
        private const byte Tab = 9;

        private readonly byte[] _data;
        private readonly int _end;
        private int _pos;
        private int _next;
        private int _visited;

        private SipMessageReader(byte[] data, int offset, int length)
        {
            _data = data;
            _pos = offset;
            _end = offset + length;
        }

        /// <summary>See <see cref="SipMessage.Parse"/>.</summary>
        public static SipMessage Read(byte[] data, int offset, int length, out string error)
        {
            error = null;
            if (data == null || length <= 0 || offset < 0 || offset + length > data.Length)
            {
                error = "empty datagram";
                return null;
            }

            if (length > SipMessage.MaxLength)
            {
                error = "datagram too large";
                return null;
            }

            SipMessageReader reader = new SipMessageReader(data, offset, length);
            try
            {
                return reader.ReadMessage(out error);
            }
            catch (Exception)
            {
                // Only the UTF-8 decoder can throw here (on bytes that are not UTF-8).
                error = "not UTF-8";
                return null;
            }
        }

        /// <summary>
        /// The Content-Length (or compact <c>l</c>) among the header lines in
        /// <paramref name="data"/>[<paramref name="offset"/>, <paramref name="end"/>), or -1 when absent or malformed.
        /// </summary>
        public static int ContentLengthOf(byte[] data, int offset, int end)
        {
            SipMessageReader reader = new SipMessageReader(data, offset, end - offset);
            reader.LineEnd();
            reader.NextLine();
            while (reader._pos < reader._end)
            {
                int contentEnd = reader.LineEnd();
                int colon = reader.IndexOfColon(contentEnd);
                int nameEnd = colon < 0 ? -1 : reader.NameEnd(colon);
                if (nameEnd > reader._pos)
                {
                    string name = reader.Name(reader._pos, nameEnd);
                    if (name == "content-length" || name == "l")
                    {
                        return AsciiText.ParseNonNegative(reader.Decode(colon + 1, contentEnd));
                    }
                }

                reader.NextLine();
            }

            return -1;
        }

        private SipMessage ReadMessage(out string error)
        {
            error = null;

            // CRLFs before the start line are keep-alive traffic (RFC 3261 §7.5, RFC 5626 §4.4.1).
            while (_pos < _end && (_data[_pos] == Cr || _data[_pos] == Lf))
            {
                _pos++;
                _visited++;
            }

            if (_pos >= _end)
            {
                error = "no start line";
                return null;
            }

            int lineEnd = LineEnd();
            if (lineEnd < 0)
            {
                error = "NUL in the start line";
                return null;
            }

            SipMessage message = StartLine(_pos, lineEnd, out error);
            if (message == null)
            {
                return null;
            }

            NextLine();
            bool headersEnded = false;
            while (_pos < _end)
            {
                int contentEnd = LineEnd();
                if (contentEnd < 0)
                {
                    error = "NUL in a header";
                    return null;
                }

                if (contentEnd == _pos)
                {
                    NextLine();
                    headersEnded = true;
                    break;
                }

                if (IsWhiteSpace(_data[_pos]))
                {
                    error = "continuation line without a header";
                    return null;
                }

                if (!Header(message, contentEnd, out error))
                {
                    return null;
                }
            }

            if (message.Header("call-id") == null || message.Header("cseq") == null)
            {
                error = "missing Call-ID or CSeq";
                return null;
            }

            if (message is SipRequest && (message.Header("via") == null || message.Header("from") == null || message.Header("to") == null))
            {
                error = "request without Via, From or To";
                return null;
            }

            int available = headersEnded ? _end - _pos : 0;
            int bodyLength = available;
            string declared = message.Header("content-length");
            if (declared != null)
            {
                bodyLength = AsciiText.ParseNonNegative(declared);
                if (bodyLength < 0)
                {
                    error = "bad Content-Length";
                    return null;
                }

                if (bodyLength > available)
                {
                    error = "body shorter than Content-Length";
                    return null;
                }
            }

            // Octets past Content-Length are dropped (RFC 3261 §18.3).
            byte[] body = new byte[bodyLength];
            Array.Copy(_data, _pos, body, 0, bodyLength);
            _visited += bodyLength;
            message.SetBody(body);
            message.BytesVisited = _visited;
            return message;
        }

        private SipMessage StartLine(int start, int end, out string error)
        {
            error = null;
            if (StartsWithIgnoreCase(start, end, "SIP/2.0 "))
            {
                int pos = SkipWhiteSpace(start + 8, end);
                int status = 0;
                int digits = 0;
                while (pos < end && digits < 4 && _data[pos] >= '0' && _data[pos] <= '9')
                {
                    status = (status * 10) + (_data[pos] - '0');
                    digits++;
                    pos++;
                    _visited++;
                }

                if (digits != 3 || status < 100 || status > 699 || (pos < end && !IsWhiteSpace(_data[pos])))
                {
                    error = "bad status code";
                    return null;
                }

                return new SipResponse(status, Decode(pos, end));
            }

            int methodEnd = start;
            while (methodEnd < end && IsTokenByte(_data[methodEnd]))
            {
                methodEnd++;
                _visited++;
            }

            int uriStart = methodEnd + 1;
            int uriEnd = uriStart;
            while (uriEnd < end && _data[uriEnd] > Space)
            {
                uriEnd++;
                _visited++;
            }

            bool shaped = methodEnd > start && methodEnd < end && _data[methodEnd] == Space
                && uriEnd > uriStart && uriEnd < end && _data[uriEnd] == Space;
            if (!shaped)
            {
                error = "not a SIP/2.0 request or response";
                return null;
            }

            int versionStart = uriEnd + 1;
            if (end - versionStart != 7 || !StartsWithIgnoreCase(versionStart, end, "SIP/2.0"))
            {
                error = "not SIP/2.0";
                return null;
            }

            return new SipRequest(Ascii8(start, methodEnd), Decode(uriStart, uriEnd));
        }

        /// <summary>Reads the header line at <see cref="_pos"/> and its continuation lines, then moves past them.</summary>
        private bool Header(SipMessage message, int contentEnd, out string error)
        {
            error = null;
            int colon = IndexOfColon(contentEnd);
            if (colon < 0)
            {
                error = "header without a colon";
                return false;
            }

            int nameEnd = NameEnd(colon);
            for (int i = _pos; i < nameEnd; i++)
            {
                _visited++;
                if (_data[i] <= Space || _data[i] >= 127)
                {
                    error = "bad header name";
                    return false;
                }
            }

            if (nameEnd == _pos)
            {
                error = "bad header name";
                return false;
            }

            string name = nameEnd - _pos == 1 ? CompactForm(_data[_pos]) : Name(_pos, nameEnd);
            int valueEnd = contentEnd;
            bool folded = false;
            NextLine();

            // A line that starts with white space continues the header (RFC 3261 §7.3.1).
            while (_pos < _end && IsWhiteSpace(_data[_pos]))
            {
                int continuationEnd = LineEnd();
                if (continuationEnd < 0)
                {
                    error = "NUL in a header";
                    return false;
                }

                valueEnd = continuationEnd;
                folded = true;
                NextLine();
            }

            message.AddHeader(name, folded ? Unfold(colon + 1, valueEnd) : Decode(colon + 1, valueEnd));
            return true;
        }

        /// <summary>The value between <paramref name="start"/> and <paramref name="end"/> with each line break and the white space around it made one space.</summary>
        private string Unfold(int start, int end)
        {
            byte[] joined = new byte[end - start];
            int count = 0;
            int i = start;
            while (i < end)
            {
                byte b = _data[i];
                _visited++;
                if (b == Cr || b == Lf)
                {
                    while (count > 0 && IsWhiteSpace(joined[count - 1]))
                    {
                        count--;
                    }

                    while (i < end && (_data[i] == Cr || _data[i] == Lf || IsWhiteSpace(_data[i])))
                    {
                        i++;
                        _visited++;
                    }

                    joined[count++] = Space;
                    continue;
                }

                joined[count++] = b;
                i++;
            }

            return Trimmed(joined, 0, count);
        }

        /// <summary>The full name of a one-letter header name (RFC 3261 §7.3.3, RFC 3265, RFC 3515), lower case.</summary>
        private static string CompactForm(byte letter)
        {
            switch (letter | 0x20)
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
                case 'o': return "event";
                case 'u': return "allow-events";
                case 'r': return "refer-to";
                default: return new string((char)(letter >= 'A' && letter <= 'Z' ? letter + 32 : letter), 1);
            }
        }
    }
}
