namespace Ata.Core.Sdp
{
    /// <summary>
    /// Reading the text of one SDP line as characters, each looked at once (nanoFramework strings are UTF-8 inside, so
    /// indexing a string in a loop is quadratic): words, decimal numbers, prefixes and upper case, all
    /// within [at, end) of a <c>char[]</c>.
    /// </summary>
    internal static class SdpText
    {
        /// <summary>The first <paramref name="count"/> space-separated words (the last takes the rest of the line's first word), or null when there are fewer.</summary>
        internal static string[] Words(char[] chars, int at, int end, int count)
        {
            string[] words = Arrays.Strings(count);
            int word = SkipSpaces(chars, at, end);
            for (int i = 0; i < count; i++)
            {
                if (word >= end)
                {
                    return null;
                }

                int wordEnd = word;
                while (wordEnd < end && chars[wordEnd] != ' ')
                {
                    wordEnd++;
                }

                words[i] = new string(chars, word, wordEnd - word);
                word = SkipSpaces(chars, wordEnd, end);
            }

            return words;
        }

        /// <summary>Past the word at <paramref name="at"/> (after any spaces) and the spaces after it.</summary>
        internal static int SkipWord(char[] chars, int at, int end)
        {
            at = SkipSpaces(chars, at, end);
            while (at < end && chars[at] != ' ')
            {
                at++;
            }

            return SkipSpaces(chars, at, end);
        }

        /// <summary>Past the spaces and tabs at <paramref name="at"/>.</summary>
        internal static int SkipSpaces(char[] chars, int at, int end)
        {
            while (at < end && (chars[at] == ' ' || chars[at] == '\t'))
            {
                at++;
            }

            return at;
        }

        /// <summary>Where <paramref name="wanted"/> first occurs in [at, end), or -1.</summary>
        internal static int IndexOf(char[] chars, int at, int end, char wanted)
        {
            for (int i = at; i < end; i++)
            {
                if (chars[i] == wanted)
                {
                    return i;
                }
            }

            return -1;
        }

        /// <summary>True when [at, end) begins with <paramref name="prefix"/> (case matters).</summary>
        internal static bool StartsWith(char[] chars, int at, int end, string prefix)
        {
            if (end - at < prefix.Length)
            {
                return false;
            }

            char[] wanted = prefix.ToCharArray();
            for (int i = 0; i < wanted.Length; i++)
            {
                if (chars[at + i] != wanted[i])
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>True when [at, end) is exactly <paramref name="word"/>.</summary>
        internal static bool Is(char[] chars, int at, int end, string word)
        {
            return end - at == word.Length && StartsWith(chars, at, end, word);
        }

        /// <summary>A decimal number of 1–9 digits filling [at, end).</summary>
        internal static bool Number(char[] chars, int at, int end, out int value)
        {
            value = 0;
            if (end <= at || end - at > 9)
            {
                return false;
            }

            for (int i = at; i < end; i++)
            {
                if (chars[i] < '0' || chars[i] > '9')
                {
                    return false;
                }

                value = (value * 10) + (chars[i] - '0');
            }

            return true;
        }

        /// <summary>[at, end) in ASCII upper case.</summary>
        internal static string Upper(char[] chars, int at, int end)
        {
            char[] upper = new char[end - at];
            for (int i = at; i < end; i++)
            {
                char c = chars[i];
                upper[i - at] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
            }

            return new string(upper);
        }
    }
}
