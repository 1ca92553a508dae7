using System.Collections;
using System.Text;
using Ata.Core.Text;

namespace Ata.Core.Sip.Messages
{
    /// <summary>
    /// The grammar inside SIP header values (RFC 3261 §25, RFC 7235 §2.1): comma lists, quoted
    /// strings, <c>;name=value</c> parameters, the URI of a header element, auth parameters. Each
    /// reads the value once through a <c>char[]</c> (see <see cref="AsciiText"/> for why).
    /// </summary>
    public static class HeaderValue
    {
        /// <summary>Space or horizontal tab.</summary>
        public static bool IsLinearWhiteSpace(char c)
        {
            return c == ' ' || c == '\t';
        }

        /// <summary>Escapes a value for use inside a quoted string (a backslash before <c>"</c> and <c>\</c>).</summary>
        public static string Escape(string value)
        {
            if (value.IndexOf('"') < 0 && value.IndexOf('\\') < 0)
            {
                return value;
            }

            char[] chars = value.ToCharArray();
            StringBuilder sb = new StringBuilder(chars.Length + 4);
            for (int i = 0; i < chars.Length; i++)
            {
                char c = chars[i];
                if (c == '"' || c == '\\')
                {
                    sb.Append('\\');
                }

                sb.Append(c);
            }

            return sb.ToString();
        }

        /// <summary>
        /// Splits a header value at commas that are outside quoted strings and angle brackets
        /// (RFC 3261 §7.3.1), trimming each element. Returns null when a quote or bracket is unbalanced.
        /// </summary>
        public static ArrayList SplitList(string value)
        {
            char[] chars = value.ToCharArray();
            ArrayList items = new ArrayList();
            bool inQuotes = false;
            bool inAngle = false;
            int start = 0;
            for (int i = 0; i < chars.Length; i++)
            {
                char c = chars[i];
                if (inQuotes)
                {
                    if (c == '\\')
                    {
                        i++;
                    }
                    else if (c == '"')
                    {
                        inQuotes = false;
                    }
                }
                else if (c == '"')
                {
                    inQuotes = true;
                }
                else if (c == '<')
                {
                    inAngle = true;
                }
                else if (c == '>')
                {
                    inAngle = false;
                }
                else if (c == ',' && !inAngle)
                {
                    AddTrimmed(items, chars, start, i);
                    start = i + 1;
                }
            }

            if (inQuotes || inAngle)
            {
                return null;
            }

            AddTrimmed(items, chars, start, chars.Length);
            return items;
        }

        /// <summary>
        /// Parses <c>name=value, name="quoted \" value"</c> pairs (auth parameters, RFC 7235 §2.1)
        /// into a table with lower-case names and unquoted values. Returns null when malformed.
        /// </summary>
        public static Hashtable AuthParameters(string text)
        {
            char[] chars = text.ToCharArray();
            Hashtable result = new Hashtable();
            int pos = 0;
            int n = chars.Length;
            while (true)
            {
                while (pos < n && (IsLinearWhiteSpace(chars[pos]) || chars[pos] == ','))
                {
                    pos++;
                }

                if (pos >= n)
                {
                    return result;
                }

                int nameStart = pos;
                while (pos < n && chars[pos] != '=' && chars[pos] != ',' && !IsLinearWhiteSpace(chars[pos]))
                {
                    pos++;
                }

                string name = AsciiText.ToLower(new string(chars, nameStart, pos - nameStart));
                while (pos < n && IsLinearWhiteSpace(chars[pos]))
                {
                    pos++;
                }

                if (name.Length == 0 || pos >= n || chars[pos] != '=')
                {
                    return null;
                }

                pos++;
                while (pos < n && IsLinearWhiteSpace(chars[pos]))
                {
                    pos++;
                }

                string value;
                if (pos < n && chars[pos] == '"')
                {
                    pos++;
                    StringBuilder sb = new StringBuilder();
                    bool closed = false;
                    while (pos < n)
                    {
                        char c = chars[pos++];
                        if (c == '\\' && pos < n)
                        {
                            sb.Append(chars[pos++]);
                        }
                        else if (c == '"')
                        {
                            closed = true;
                            break;
                        }
                        else
                        {
                            sb.Append(c);
                        }
                    }

                    if (!closed)
                    {
                        return null;
                    }

                    value = sb.ToString();
                }
                else
                {
                    int valueStart = pos;
                    while (pos < n && chars[pos] != ',' && !IsLinearWhiteSpace(chars[pos]))
                    {
                        pos++;
                    }

                    value = new string(chars, valueStart, pos - valueStart);
                }

                result[name] = value;
            }
        }

        /// <summary>
        /// The value of header parameter <paramref name="name"/> in a <c>;name=value</c> list after the
        /// URI of a header element (after its closing angle bracket), unquoted; empty for a parameter
        /// without a value; null when absent. Semicolons inside quoted values do not split.
        /// </summary>
        public static string Parameter(string element, string name)
        {
            char[] chars = element.ToCharArray();
            int n = chars.Length;
            int pos = 0;
            int open = element.IndexOf('<');
            int semi = element.IndexOf(';');
            if (open >= 0 && (semi < 0 || open < semi))
            {
                pos = element.IndexOf('>', open);
                if (pos < 0)
                {
                    return null;
                }
            }

            while (true)
            {
                while (pos < n && chars[pos] != ';')
                {
                    pos++;
                }

                if (pos >= n)
                {
                    return null;
                }

                pos++;
                int keyStart = pos;
                while (pos < n && chars[pos] != '=' && chars[pos] != ';')
                {
                    pos++;
                }

                string key = new string(chars, keyStart, pos - keyStart).Trim();
                string value = string.Empty;
                if (pos < n && chars[pos] == '=')
                {
                    pos++;
                    while (pos < n && IsLinearWhiteSpace(chars[pos]))
                    {
                        pos++;
                    }

                    int valueStart = pos;
                    if (pos < n && chars[pos] == '"')
                    {
                        pos++;
                        while (pos < n && chars[pos] != '"')
                        {
                            pos += chars[pos] == '\\' ? 2 : 1;
                        }

                        int valueEnd = pos < n ? pos : n;
                        value = new string(chars, valueStart + 1, valueEnd - valueStart - 1);
                        pos++;
                    }
                    else
                    {
                        while (pos < n && chars[pos] != ';')
                        {
                            pos++;
                        }

                        value = new string(chars, valueStart, pos - valueStart).Trim();
                    }
                }

                if (AsciiText.EqualsIgnoreCase(key, name))
                {
                    return value;
                }
            }
        }

        /// <summary>The URI inside angle brackets of a header element, or the part before the first ';'.</summary>
        public static string Uri(string element)
        {
            int open = element.IndexOf('<');
            if (open >= 0)
            {
                int close = element.IndexOf('>', open);
                return close > open ? element.Substring(open + 1, close - open - 1) : null;
            }

            int semi = element.IndexOf(';');
            return (semi < 0 ? element : element.Substring(0, semi)).Trim();
        }

        /// <summary>The leading decimal digits of a value such as <c>120 (maintenance);duration=10</c>, or -1.</summary>
        public static int LeadingNumber(string value)
        {
            if (value == null)
            {
                return -1;
            }

            char[] chars = value.Trim().ToCharArray();
            int end = 0;
            while (end < chars.Length && chars[end] >= '0' && chars[end] <= '9')
            {
                end++;
            }

            return AsciiText.ParseNonNegative(new string(chars, 0, end));
        }

        private static void AddTrimmed(ArrayList items, char[] chars, int start, int end)
        {
            string trimmed = new string(chars, start, end - start).Trim();
            if (trimmed.Length > 0)
            {
                items.Add(trimmed);
            }
        }
    }
}
