using System.Text;

namespace Ata.Core.Sip.Messages
{
    /// <summary>
    /// The byte scanning the grammar is read with: where a line ends and the next starts, a header name and its colon,
    /// ASCII and UTF-8 text without surrounding white space, token bytes. Each byte looked at counts towards
    /// <see cref="SipMessage.BytesVisited"/>.
    /// </summary>
    internal sealed partial class SipMessageReader
    {
        /// <summary>
        /// The end of the current line's content (before CR LF or LF, or the end of the data), or -1
        /// when the line holds a NUL. Leaves <see cref="_pos"/> at the line's start; <see cref="NextLine"/> moves past it.
        /// </summary>
        private int LineEnd()
        {
            int i = _pos;
            bool nul = false;
            while (i < _end && _data[i] != Lf)
            {
                nul |= _data[i] == 0;
                i++;
                _visited++;
            }

            _next = i < _end ? i + 1 : i;
            if (nul)
            {
                return -1;
            }

            return i > _pos && _data[i - 1] == Cr ? i - 1 : i;
        }

        /// <summary>Moves <see cref="_pos"/> to the line after the one <see cref="LineEnd"/> measured.</summary>
        private void NextLine()
        {
            _pos = _next;
        }

        /// <summary>Where the header name before <paramref name="colon"/> ends, white space before the colon left out.</summary>
        private int NameEnd(int colon)
        {
            int nameEnd = colon;
            while (nameEnd > _pos && IsWhiteSpace(_data[nameEnd - 1]))
            {
                nameEnd--;
                _visited++;
            }

            return nameEnd;
        }

        private int IndexOfColon(int end)
        {
            for (int i = _pos; i < end; i++)
            {
                _visited++;
                if (_data[i] == ':')
                {
                    return i;
                }
            }

            return -1;
        }

        private string Name(int start, int end)
        {
            char[] chars = new char[end - start];
            for (int i = start; i < end; i++)
            {
                _visited++;
                byte b = _data[i];
                chars[i - start] = (char)(b >= 'A' && b <= 'Z' ? b + 32 : b);
            }

            return new string(chars);
        }

        private string Ascii8(int start, int end)
        {
            char[] chars = new char[end - start];
            for (int i = start; i < end; i++)
            {
                _visited++;
                chars[i - start] = (char)_data[i];
            }

            return new string(chars);
        }

        /// <summary>The bytes between <paramref name="start"/> and <paramref name="end"/>, without surrounding white space, as UTF-8 text.</summary>
        private string Decode(int start, int end)
        {
            return Trimmed(_data, start, end);
        }

        private string Trimmed(byte[] bytes, int start, int end)
        {
            while (start < end && IsWhiteSpace(bytes[start]))
            {
                start++;
                _visited++;
            }

            while (end > start && IsWhiteSpace(bytes[end - 1]))
            {
                end--;
                _visited++;
            }

            _visited += end - start;
            return end == start ? string.Empty : Encoding.UTF8.GetString(bytes, start, end - start);
        }

        private bool StartsWithIgnoreCase(int start, int end, string prefix)
        {
            if (end - start < prefix.Length)
            {
                return false;
            }

            char[] expected = prefix.ToCharArray();
            for (int i = 0; i < expected.Length; i++)
            {
                _visited++;
                byte b = _data[start + i];
                char c = (char)(b >= 'a' && b <= 'z' ? b - 32 : b);
                if (c != expected[i])
                {
                    return false;
                }
            }

            return true;
        }

        private int SkipWhiteSpace(int pos, int end)
        {
            while (pos < end && IsWhiteSpace(_data[pos]))
            {
                pos++;
                _visited++;
            }

            return pos;
        }

        private static bool IsWhiteSpace(byte b)
        {
            return b == Space || b == Tab;
        }

        /// <summary>RFC 3261 §25.1 token characters.</summary>
        private static bool IsTokenByte(byte b)
        {
            if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9'))
            {
                return true;
            }

            return b == '-' || b == '.' || b == '!' || b == '%' || b == '*' || b == '_' || b == '+' || b == '`' || b == '\'' || b == '~';
        }
    }
}
