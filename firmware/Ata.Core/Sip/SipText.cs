using System.Collections;
using System.Text;

namespace Ata.Core.Sip
{
    /// <summary>Text rules of SIP (RFC 3261 §25): case, white space, lists, quoted strings, parameters.</summary>
    public static class SipText
    {
        /// <summary>ASCII lower case, independent of culture.</summary>
        public static string ToLowerAscii(string value)
        {
            char[] chars = null;
            for (int i = 0; i < value.Length; i++)
            {
                char c = value[i];
                if (c >= 'A' && c <= 'Z')
                {
                    if (chars == null)
                    {
                        chars = value.ToCharArray();
                    }

                    chars[i] = (char)(c + 32);
                }
            }

            return chars == null ? value : new string(chars);
        }

        /// <summary>ASCII case-insensitive equality.</summary>
        public static bool EqualsIgnoreCase(string a, string b)
        {
            if (a == null || b == null || a.Length != b.Length)
            {
                return a == null && b == null;
            }

            for (int i = 0; i < a.Length; i++)
            {
                char x = a[i];
                char y = b[i];
                if (x >= 'A' && x <= 'Z')
                {
                    x = (char)(x + 32);
                }

                if (y >= 'A' && y <= 'Z')
                {
                    y = (char)(y + 32);
                }

                if (x != y)
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Space or horizontal tab.</summary>
        public static bool IsLinearWhiteSpace(char c)
        {
            return c == ' ' || c == '\t';
        }

        /// <summary>Escapes a value for use inside a quoted string.</summary>
        public static string Escape(string value)
        {
            if (value.IndexOf('"') < 0 && value.IndexOf('\\') < 0)
            {
                return value;
            }

            StringBuilder sb = new StringBuilder(value.Length + 4);
            for (int i = 0; i < value.Length; i++)
            {
                char c = value[i];
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
            ArrayList items = new ArrayList();
            bool inQuotes = false;
            bool inAngle = false;
            int start = 0;
            for (int i = 0; i < value.Length; i++)
            {
                char c = value[i];
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
                    AddTrimmed(items, value.Substring(start, i - start));
                    start = i + 1;
                }
            }

            if (inQuotes || inAngle)
            {
                return null;
            }

            AddTrimmed(items, value.Substring(start));
            return items;
        }

        /// <summary>
        /// Parses <c>name=value, name="quoted \" value"</c> pairs (auth parameters, RFC 7235 §2.1)
        /// into a table with lower-case names and unquoted values. Returns null when malformed.
        /// </summary>
        public static Hashtable ParseAuthParameters(string text)
        {
            Hashtable result = new Hashtable();
            int pos = 0;
            int n = text.Length;
            while (true)
            {
                while (pos < n && (IsLinearWhiteSpace(text[pos]) || text[pos] == ','))
                {
                    pos++;
                }

                if (pos >= n)
                {
                    return result;
                }

                int nameStart = pos;
                while (pos < n && text[pos] != '=' && text[pos] != ',' && !IsLinearWhiteSpace(text[pos]))
                {
                    pos++;
                }

                string name = ToLowerAscii(text.Substring(nameStart, pos - nameStart));
                while (pos < n && IsLinearWhiteSpace(text[pos]))
                {
                    pos++;
                }

                if (name.Length == 0 || pos >= n || text[pos] != '=')
                {
                    return null;
                }

                pos++;
                while (pos < n && IsLinearWhiteSpace(text[pos]))
                {
                    pos++;
                }

                string value;
                if (pos < n && text[pos] == '"')
                {
                    pos++;
                    StringBuilder sb = new StringBuilder();
                    bool closed = false;
                    while (pos < n)
                    {
                        char c = text[pos++];
                        if (c == '\\' && pos < n)
                        {
                            sb.Append(text[pos++]);
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
                    while (pos < n && text[pos] != ',' && !IsLinearWhiteSpace(text[pos]))
                    {
                        pos++;
                    }

                    value = text.Substring(valueStart, pos - valueStart);
                }

                result[name] = value;
            }
        }

        /// <summary>
        /// The value of header parameter <paramref name="name"/> in a <c>;name=value</c> list after the
        /// URI of a header element (after its closing angle bracket), unquoted; empty for a parameter
        /// without a value; null when absent. Semicolons inside quoted values do not split.
        /// </summary>
        public static string HeaderParameter(string element, string name)
        {
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

            int n = element.Length;
            while (true)
            {
                while (pos < n && element[pos] != ';')
                {
                    pos++;
                }

                if (pos >= n)
                {
                    return null;
                }

                pos++;
                int keyStart = pos;
                while (pos < n && element[pos] != '=' && element[pos] != ';')
                {
                    pos++;
                }

                string key = element.Substring(keyStart, pos - keyStart).Trim();
                string value = string.Empty;
                if (pos < n && element[pos] == '=')
                {
                    pos++;
                    while (pos < n && IsLinearWhiteSpace(element[pos]))
                    {
                        pos++;
                    }

                    int valueStart = pos;
                    if (pos < n && element[pos] == '"')
                    {
                        pos++;
                        while (pos < n && element[pos] != '"')
                        {
                            pos += element[pos] == '\\' ? 2 : 1;
                        }

                        value = element.Substring(valueStart + 1, (pos < n ? pos : n) - valueStart - 1);
                        pos++;
                    }
                    else
                    {
                        while (pos < n && element[pos] != ';')
                        {
                            pos++;
                        }

                        value = element.Substring(valueStart, pos - valueStart).Trim();
                    }
                }

                if (EqualsIgnoreCase(key, name))
                {
                    return value;
                }
            }
        }

        /// <summary>The URI inside angle brackets of a header element, or the part before the first ';'.</summary>
        public static string HeaderUri(string element)
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

        /// <summary>Parses a non-negative decimal integer (up to 9 digits), or returns -1.</summary>
        public static int ParseNonNegative(string text)
        {
            if (text == null)
            {
                return -1;
            }

            text = text.Trim();
            if (text.Length == 0 || text.Length > 9)
            {
                return -1;
            }

            int value = 0;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c < '0' || c > '9')
                {
                    return -1;
                }

                value = (value * 10) + (c - '0');
            }

            return value;
        }

        /// <summary>True for a dotted-quad IPv4 address such as <c>192.0.2.1</c>.</summary>
        public static bool IsIPv4Literal(string host)
        {
            string[] parts = host.Split(new char[] { '.' });
            if (parts.Length != 4)
            {
                return false;
            }

            for (int i = 0; i < 4; i++)
            {
                int value = ParseNonNegative(parts[i]);
                if (value < 0 || value > 255 || parts[i].Length > 3)
                {
                    return false;
                }
            }

            return true;
        }

        private static void AddTrimmed(ArrayList items, string item)
        {
            string trimmed = item.Trim();
            if (trimmed.Length > 0)
            {
                items.Add(trimmed);
            }
        }
    }
}
