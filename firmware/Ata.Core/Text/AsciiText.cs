namespace Ata.Core.Text
{
    /// <summary>
    /// ASCII text rules the core shares (SIP, DNS, tones, provisioning, settings, the console):
    /// case without culture, small decimal numbers, dotted-quad addresses. Each reads a string's
    /// characters once through a <c>char[]</c>, since nanoFramework keeps strings as UTF-8 and
    /// indexing one in a loop is quadratic there.
    /// </summary>
    public static class AsciiText
    {
        /// <summary>ASCII lower case, independent of culture; the same instance when nothing changes.</summary>
        public static string ToLower(string value)
        {
            char[] chars = value.ToCharArray();
            bool changed = false;
            for (int i = 0; i < chars.Length; i++)
            {
                char c = chars[i];
                if (c >= 'A' && c <= 'Z')
                {
                    chars[i] = (char)(c + 32);
                    changed = true;
                }
            }

            return changed ? new string(chars) : value;
        }

        /// <summary>ASCII case-insensitive equality; two nulls are equal.</summary>
        public static bool EqualsIgnoreCase(string a, string b)
        {
            if (a == null || b == null || a.Length != b.Length)
            {
                return a == null && b == null;
            }

            char[] x = a.ToCharArray();
            char[] y = b.ToCharArray();
            for (int i = 0; i < x.Length; i++)
            {
                if (Lower(x[i]) != Lower(y[i]))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>The ASCII lower case of one character.</summary>
        public static char Lower(char c)
        {
            return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
        }

        /// <summary>
        /// Parses a non-negative decimal integer up to <see cref="int.MaxValue"/> (2³¹ − 1, the largest
        /// CSeq RFC 3261 allows; at most 10 digits, surrounding white space allowed), or returns -1.
        /// </summary>
        public static int ParseNonNegative(string text)
        {
            if (text == null)
            {
                return -1;
            }

            text = text.Trim();
            if (text.Length == 0 || text.Length > 10)
            {
                return -1;
            }

            char[] chars = text.ToCharArray();
            long value = 0;
            for (int i = 0; i < chars.Length; i++)
            {
                char c = chars[i];
                if (c < '0' || c > '9')
                {
                    return -1;
                }

                value = (value * 10) + (c - '0');
            }

            return value > int.MaxValue ? -1 : (int)value;
        }

        /// <summary>
        /// True for a dotted-quad IPv4 address such as <c>192.0.2.1</c>: four numbers of one to three ASCII digits, each
        /// at most 255, and nothing else (no sign, no space); false for null. Settings and SDP's <c>c=</c> line use it.
        /// </summary>
        public static bool IsIPv4(string text)
        {
            if (text == null)
            {
                return false;
            }

            char[] chars = text.ToCharArray();
            int parts = 0;
            int at = 0;
            while (at <= chars.Length)
            {
                int end = at;
                while (end < chars.Length && chars[end] != '.')
                {
                    end++;
                }

                if (end == at || end - at > 3)
                {
                    return false;
                }

                int value = 0;
                for (int i = at; i < end; i++)
                {
                    if (chars[i] < '0' || chars[i] > '9')
                    {
                        return false;
                    }

                    value = (value * 10) + (chars[i] - '0');
                }

                if (value > 255)
                {
                    return false;
                }

                parts++;
                at = end + 1;
            }

            return parts == 4;
        }

        /// <summary>
        /// True for a dotted-quad IPv4 address such as <c>192.0.2.1</c>. Unlike <see cref="IsIPv4"/> it takes white space
        /// around a number as long as the number and its spaces fit in three characters (<c>" 1.2.3.4"</c>, <c>"1 .2.3.4"</c>),
        /// and throws on null.
        /// </summary>
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
    }
}
