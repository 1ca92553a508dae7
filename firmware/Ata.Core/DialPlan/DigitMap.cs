using System.Collections;

namespace Ata.Core.DialPlan
{
    /// <summary>
    /// A dial plan in the digit-map language of the established adapters: alternatives separated by
    /// <c>|</c>, optionally inside <c>( )</c>; each a run of keys <c>0-9 * #</c>, <c>x</c> (any digit),
    /// sets <c>[2-9]</c>, <c>[135]</c>, <c>[1-3*]</c>, and <c>.</c> repeating the element before it zero or
    /// more times. E.g. <c>(11[023]|[2-9]xxxxxxx|00x.)</c>. A dialled string either cannot match, needs
    /// more digits, matches but could grow, or matches completely (see <see cref="DialMatch"/>).
    /// </summary>
    public sealed class DigitMap
    {
        /// <summary>Longest digit map text.</summary>
        public const int MaxLength = 2048;

        /// <summary>Most elements in one alternative.</summary>
        public const int MaxElements = 62;

        /// <summary>Default short inter-digit timer: after a complete match that could still grow.</summary>
        public const long DefaultShortTimerMs = 3000;

        /// <summary>Default long inter-digit timer: while more digits are needed.</summary>
        public const long DefaultLongTimerMs = 10000;

        private const int AnyDigit = 0x3FF;
        private const int StarBit = 1 << 10;
        private const int HashBit = 1 << 11;

        private readonly int[][] _masks;
        private readonly bool[][] _repeats;

        private DigitMap(string text, int[][] masks, bool[][] repeats)
        {
            Text = text;
            _masks = masks;
            _repeats = repeats;
            ShortTimerMs = DefaultShortTimerMs;
            LongTimerMs = DefaultLongTimerMs;
        }

        /// <summary>The map as provisioned.</summary>
        public string Text { get; private set; }

        /// <summary>Number of alternatives.</summary>
        public int Alternatives
        {
            get { return _masks.Length; }
        }

        /// <summary>Inter-digit wait once a number matches but could be longer.</summary>
        public long ShortTimerMs { get; set; }

        /// <summary>Inter-digit wait while more digits are needed.</summary>
        public long LongTimerMs { get; set; }

        /// <summary>How <paramref name="digits"/> match the map.</summary>
        public DialMatch Match(string digits)
        {
            bool alive = false;
            bool full = false;
            bool longer = false;
            for (int a = 0; a < _masks.Length; a++)
            {
                long set = Run(a, digits);
                if (set == 0)
                {
                    continue;
                }

                alive = true;
                int length = _masks[a].Length;
                if ((set & (1L << length)) != 0)
                {
                    full = true;
                }

                if ((set & ((1L << length) - 1)) != 0)
                {
                    longer = true;
                }
            }

            if (!alive)
            {
                return DialMatch.NoMatch;
            }

            if (full)
            {
                return longer ? DialMatch.CompleteOrLonger : DialMatch.Complete;
            }

            return DialMatch.Partial;
        }

        /// <summary>
        /// Parses a digit map. Returns null with <paramref name="error"/> saying what and where
        /// (1-based character position) when it does not parse.
        /// </summary>
        public static DigitMap Parse(string text, out string error)
        {
            error = null;
            if (text == null || text.Trim().Length == 0)
            {
                error = "empty dial plan";
                return null;
            }

            if (text.Length > MaxLength)
            {
                error = "longer than " + MaxLength.ToString() + " characters";
                return null;
            }

            int start = 0;
            int end = text.Length;
            while (start < end && text[start] == ' ')
            {
                start++;
            }

            while (end > start && text[end - 1] == ' ')
            {
                end--;
            }

            if (text[start] == '(')
            {
                if (text[end - 1] != ')')
                {
                    error = "'(' at position " + (start + 1).ToString() + " is not closed by ')' at the end";
                    return null;
                }

                start++;
                end--;
            }

            ArrayList masks = new ArrayList();
            ArrayList repeats = new ArrayList();
            int[] elementMasks = new int[MaxElements];
            bool[] elementRepeats = new bool[MaxElements];
            int count = 0;
            int altStart = start;
            for (int i = start; i <= end; i++)
            {
                char c = i < end ? text[i] : '|';
                if (c == ' ')
                {
                    continue;
                }

                if (c == '|')
                {
                    if (count == 0)
                    {
                        error = "empty alternative at position " + (altStart + 1).ToString();
                        return null;
                    }

                    int[] m = new int[count];
                    bool[] r = new bool[count];
                    for (int k = 0; k < count; k++)
                    {
                        m[k] = elementMasks[k];
                        r[k] = elementRepeats[k];
                    }

                    masks.Add(m);
                    repeats.Add(r);
                    count = 0;
                    altStart = i + 1;
                    continue;
                }

                if (c == '.')
                {
                    if (count == 0 || elementRepeats[count - 1])
                    {
                        error = "'.' at position " + (i + 1).ToString() + " must follow a key, 'x' or a set";
                        return null;
                    }

                    elementRepeats[count - 1] = true;
                    continue;
                }

                if (count == MaxElements)
                {
                    error = "an alternative has more than " + MaxElements.ToString() + " elements (position " + (i + 1).ToString() + ")";
                    return null;
                }

                int mask;
                if (c == '[')
                {
                    int close = text.IndexOf(']', i);
                    if (close < 0 || close >= end)
                    {
                        error = "'[' at position " + (i + 1).ToString() + " is not closed";
                        return null;
                    }

                    mask = ParseSet(text, i + 1, close, out error);
                    if (mask == 0)
                    {
                        return null;
                    }

                    i = close;
                }
                else
                {
                    mask = c == 'x' || c == 'X' ? AnyDigit : KeyBit(c);
                    if (mask == 0)
                    {
                        error = "unexpected '" + c.ToString() + "' at position " + (i + 1).ToString() + " (use 0-9 * # x [..] . |)";
                        return null;
                    }
                }

                elementMasks[count] = mask;
                elementRepeats[count] = false;
                count++;
            }

            int[][] allMasks = new int[masks.Count][];
            bool[][] allRepeats = new bool[masks.Count][];
            for (int a = 0; a < masks.Count; a++)
            {
                allMasks[a] = (int[])masks[a];
                allRepeats[a] = (bool[])repeats[a];
            }

            return new DigitMap(text, allMasks, allRepeats);
        }

        /// <summary>The bit of a key in an element mask, 0 for characters that are not keys.</summary>
        public static int KeyBit(char c)
        {
            if (c >= '0' && c <= '9')
            {
                return 1 << (c - '0');
            }

            if (c == '*')
            {
                return StarBit;
            }

            return c == '#' ? HashBit : 0;
        }

        private static int ParseSet(string text, int from, int to, out string error)
        {
            error = null;
            int mask = 0;
            for (int i = from; i < to; i++)
            {
                char c = text[i];
                if (c == ' ')
                {
                    continue;
                }

                int bit = c == 'x' || c == 'X' ? AnyDigit : KeyBit(c);
                if (bit == 0)
                {
                    error = "unexpected '" + c.ToString() + "' in a set at position " + (i + 1).ToString();
                    return 0;
                }

                if (i + 2 < to && text[i + 1] == '-')
                {
                    char last = text[i + 2];
                    if (c < '0' || c > '9' || last < '0' || last > '9' || last < c)
                    {
                        error = "range '" + c.ToString() + "-" + last.ToString() + "' at position " + (i + 1).ToString() + " must run from a digit up to a digit";
                        return 0;
                    }

                    for (char d = c; d <= last; d++)
                    {
                        mask |= KeyBit(d);
                    }

                    i += 2;
                    continue;
                }

                mask |= bit;
            }

            if (mask == 0)
            {
                error = "empty set at position " + from.ToString();
            }

            return mask;
        }

        private long Run(int alternative, string digits)
        {
            int[] masks = _masks[alternative];
            bool[] repeats = _repeats[alternative];
            long set = Close(repeats, 1L);
            for (int i = 0; i < digits.Length && set != 0; i++)
            {
                int bit = KeyBit(digits[i]);
                long next = 0;
                for (int p = 0; p < masks.Length; p++)
                {
                    if ((set & (1L << p)) != 0 && (masks[p] & bit) != 0)
                    {
                        next |= repeats[p] ? 1L << p : 1L << (p + 1);
                    }
                }

                set = Close(repeats, next);
            }

            return set;
        }

        private static long Close(bool[] repeats, long set)
        {
            for (int p = 0; p < repeats.Length; p++)
            {
                if (repeats[p] && (set & (1L << p)) != 0)
                {
                    set |= 1L << (p + 1);
                }
            }

            return set;
        }
    }
}
