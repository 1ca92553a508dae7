using System;
using System.Collections;
using System.Text;

namespace Ata.Core.Json
{
    /// <summary>Raised for text that is not JSON, or JSON beyond the reader's limits.</summary>
    public sealed class JsonException : Exception
    {
        /// <summary>Creates the exception with a message that names the position.</summary>
        public JsonException(string message, int position)
            : base(message + " at position " + position.ToString())
        {
            Position = position;
        }

        /// <summary>Byte offset (in the UTF-8 text) where the problem was found.</summary>
        public int Position { get; private set; }
    }

    /// <summary>
    /// A small JSON reader for the device. It reads UTF-8 bytes (what an MQTT payload or a file is)
    /// in one pass, each byte looked at a bounded number of times, and never indexes a string
    /// (nanoFramework keeps strings as UTF-8, where <c>text[i]</c> in a loop is quadratic). Objects
    /// become <see cref="Hashtable"/> (string keys), arrays <see cref="ArrayList"/>, integers
    /// <see cref="long"/>, other numbers <see cref="double"/>, and strings, booleans and null as
    /// themselves. A string may not hold <c>\u0000</c> (refused: a nanoFramework string ends at a NUL,
    /// so it would silently be cut short), nor bytes that are not UTF-8, nor a lone surrogate.
    /// </summary>
    public sealed class JsonReader
    {
        /// <summary>Deepest nesting accepted.</summary>
        public const int MaxDepth = 16;

        private readonly byte[] _data;
        private readonly int _start;
        private readonly int _end;
        private int _pos;
        private int _visited;
        private byte[] _scratch;

        private JsonReader(byte[] data, int offset, int length)
        {
            _data = data;
            _start = offset;
            _pos = offset;
            _end = offset + length;
        }

        /// <summary>Parses one JSON value; anything but white space after it is an error.</summary>
        /// <exception cref="JsonException">The text is not valid JSON.</exception>
        public static object Parse(string text)
        {
            if (text == null)
            {
                throw new JsonException("no text", 0);
            }

            byte[] utf8 = Encoding.UTF8.GetBytes(text);
            return Parse(utf8, 0, utf8.Length);
        }

        /// <summary>Parses text that must be a JSON object.</summary>
        /// <exception cref="JsonException">The text is not a JSON object.</exception>
        public static Hashtable ParseObject(string text)
        {
            return AsObject(Parse(text));
        }

        /// <summary>Parses one JSON value from <paramref name="length"/> UTF-8 bytes of <paramref name="utf8"/> at <paramref name="offset"/>.</summary>
        /// <exception cref="JsonException">The bytes are not valid JSON.</exception>
        public static object Parse(byte[] utf8, int offset, int length)
        {
            int visited;
            return Parse(utf8, offset, length, out visited);
        }

        /// <summary>Parses UTF-8 bytes that must be a JSON object.</summary>
        /// <exception cref="JsonException">The bytes are not a JSON object.</exception>
        public static Hashtable ParseObject(byte[] utf8, int offset, int length)
        {
            return AsObject(Parse(utf8, offset, length));
        }

        /// <summary>As <see cref="Parse(byte[], int, int)"/>, also saying how many bytes were looked at (each time it was).</summary>
        internal static object Parse(byte[] utf8, int offset, int length, out int bytesVisited)
        {
            if (utf8 == null || offset < 0 || length < 0 || offset + length > utf8.Length)
            {
                throw new JsonException("no text", 0);
            }

            JsonReader reader = new JsonReader(utf8, offset, length);
            object value = reader.ReadValue(0);
            reader.SkipWhiteSpace();
            if (reader._pos != reader._end)
            {
                throw reader.Error("unexpected text after the value", reader._pos);
            }

            bytesVisited = reader._visited;
            return value;
        }

        private static Hashtable AsObject(object value)
        {
            Hashtable table = value as Hashtable;
            if (table == null)
            {
                throw new JsonException("expected an object", 0);
            }

            return table;
        }

        private object ReadValue(int depth)
        {
            if (depth > MaxDepth)
            {
                throw Error("nesting too deep", _pos);
            }

            SkipWhiteSpace();
            if (_pos >= _end)
            {
                throw Error("unexpected end", _pos);
            }

            byte c = Peek();
            switch (c)
            {
                case (byte)'{': return ReadObject(depth);
                case (byte)'[': return ReadArray(depth);
                case (byte)'"': return ReadString();
                case (byte)'t': ExpectWord("true"); return true;
                case (byte)'f': ExpectWord("false"); return false;
                case (byte)'n': ExpectWord("null"); return null;
                default:
                    if (c == '-' || IsDigit(c))
                    {
                        return ReadNumber();
                    }

                    throw Error(c >= 32 && c < 127 ? "unexpected character '" + ((char)c).ToString() + "'" : "unexpected byte " + c.ToString(), _pos);
            }
        }

        private Hashtable ReadObject(int depth)
        {
            Hashtable table = new Hashtable();
            _pos++;
            SkipWhiteSpace();
            if (Peek() == '}')
            {
                _pos++;
                return table;
            }

            while (true)
            {
                SkipWhiteSpace();
                if (Peek() != '"')
                {
                    throw Error("expected a property name", _pos);
                }

                string name = ReadString();
                SkipWhiteSpace();
                if (Peek() != ':')
                {
                    throw Error("expected ':'", _pos);
                }

                _pos++;
                table[name] = ReadValue(depth + 1);
                SkipWhiteSpace();
                byte c = Peek();
                _pos++;
                if (c == '}')
                {
                    return table;
                }

                if (c != ',')
                {
                    throw Error("expected ',' or '}'", _pos - 1);
                }
            }
        }

        private ArrayList ReadArray(int depth)
        {
            ArrayList list = new ArrayList();
            _pos++;
            SkipWhiteSpace();
            if (Peek() == ']')
            {
                _pos++;
                return list;
            }

            while (true)
            {
                list.Add(ReadValue(depth + 1));
                SkipWhiteSpace();
                byte c = Peek();
                _pos++;
                if (c == ']')
                {
                    return list;
                }

                if (c != ',')
                {
                    throw Error("expected ',' or ']'", _pos - 1);
                }
            }
        }

        /// <summary>
        /// Reads a string. A run without escapes is decoded straight from the input; with escapes,
        /// the runs and the escaped characters are gathered as UTF-8 in a scratch buffer and decoded once.
        /// </summary>
        private string ReadString()
        {
            int start = _pos;
            _pos++;
            int runStart = _pos;
            int gathered = -1;
            while (true)
            {
                if (_pos >= _end)
                {
                    throw Error("unterminated string", start);
                }

                byte c = _data[_pos];
                _visited++;
                if (c == '"')
                {
                    int runLength = _pos - runStart;
                    _pos++;
                    _visited += runLength;
                    if (gathered < 0)
                    {
                        return runLength == 0 ? string.Empty : Encoding.UTF8.GetString(_data, runStart, runLength);
                    }

                    gathered = Gather(gathered, _data, runStart, runLength);
                    _visited += gathered;
                    return gathered == 0 ? string.Empty : Encoding.UTF8.GetString(_scratch, 0, gathered);
                }

                if (c < 32)
                {
                    throw Error("control character in string", _pos);
                }

                if (c >= 128)
                {
                    SkipUtf8Sequence();
                    continue;
                }

                if (c != '\\')
                {
                    _pos++;
                    continue;
                }

                gathered = Gather(gathered < 0 ? 0 : gathered, _data, runStart, _pos - runStart);
                _pos++;
                if (_pos >= _end)
                {
                    throw Error("unterminated escape", _pos);
                }

                byte e = _data[_pos];
                _visited++;
                _pos++;
                switch (e)
                {
                    case (byte)'"': gathered = GatherByte(gathered, (byte)'"'); break;
                    case (byte)'\\': gathered = GatherByte(gathered, (byte)'\\'); break;
                    case (byte)'/': gathered = GatherByte(gathered, (byte)'/'); break;
                    case (byte)'b': gathered = GatherByte(gathered, 8); break;
                    case (byte)'f': gathered = GatherByte(gathered, 12); break;
                    case (byte)'n': gathered = GatherByte(gathered, 10); break;
                    case (byte)'r': gathered = GatherByte(gathered, 13); break;
                    case (byte)'t': gathered = GatherByte(gathered, 9); break;
                    case (byte)'u': gathered = GatherCodePoint(gathered, ReadUnicodeEscape()); break;
                    default: throw Error("bad escape", _pos - 1);
                }

                runStart = _pos;
            }
        }

        /// <summary>The code point of a <c>\uXXXX</c> escape (a surrogate pair as one), after the <c>\u</c>.</summary>
        private int ReadUnicodeEscape()
        {
            int at = _pos - 2;
            int value = ReadHex4();
            if (value >= 0xD800 && value <= 0xDBFF)
            {
                if (_pos + 1 < _end && _data[_pos] == '\\' && _data[_pos + 1] == 'u')
                {
                    _pos += 2;
                    int low = ReadHex4();
                    if (low >= 0xDC00 && low <= 0xDFFF)
                    {
                        return 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00);
                    }
                }

                throw Error("a \\u escape of a lone surrogate (not a character)", at);
            }

            if (value >= 0xDC00 && value <= 0xDFFF)
            {
                throw Error("a \\u escape of a lone surrogate (not a character)", at);
            }

            if (value == 0)
            {
                throw Error("\\u0000 in a string: the adapter cannot keep a NUL character in text", at);
            }

            return value;
        }

        private int ReadHex4()
        {
            if (_pos + 4 > _end)
            {
                throw Error("short \\u escape", _pos);
            }

            int value = 0;
            for (int i = 0; i < 4; i++)
            {
                _visited++;
                int digit = HexValue(_data[_pos + i]);
                if (digit < 0)
                {
                    throw Error("bad \\u escape", _pos + i);
                }

                value = (value << 4) | digit;
            }

            _pos += 4;
            return value;
        }

        /// <summary>Moves past one well-formed UTF-8 sequence of 2 to 4 bytes (RFC 3629 §4), or refuses it.</summary>
        private void SkipUtf8Sequence()
        {
            int at = _pos;
            byte lead = _data[_pos];
            int continuations = lead >= 0xC2 && lead <= 0xDF ? 1 : (lead >= 0xE0 && lead <= 0xEF ? 2 : (lead >= 0xF0 && lead <= 0xF4 ? 3 : -1));
            if (continuations < 0 || _pos + continuations >= _end)
            {
                throw Error("not UTF-8", at);
            }

            // The second byte's range rules out overlong forms, surrogates and code points past U+10FFFF.
            byte second = _data[_pos + 1];
            int low = lead == 0xE0 ? 0xA0 : (lead == 0xF0 ? 0x90 : 0x80);
            int high = lead == 0xED ? 0x9F : (lead == 0xF4 ? 0x8F : 0xBF);
            if (second < low || second > high)
            {
                throw Error("not UTF-8", at);
            }

            for (int i = 2; i <= continuations; i++)
            {
                _visited++;
                byte b = _data[_pos + i];
                if (b < 0x80 || b > 0xBF)
                {
                    throw Error("not UTF-8", at);
                }
            }

            _visited++;
            _pos += continuations + 1;
        }

        private int Gather(int count, byte[] source, int start, int length)
        {
            EnsureScratch(count + length);
            Array.Copy(source, start, _scratch, count, length);
            _visited += length;
            return count + length;
        }

        private int GatherByte(int count, byte value)
        {
            EnsureScratch(count + 1);
            _scratch[count] = value;
            return count + 1;
        }

        /// <summary>Appends the UTF-8 form of <paramref name="codePoint"/> (RFC 3629 §3).</summary>
        private int GatherCodePoint(int count, int codePoint)
        {
            EnsureScratch(count + 4);
            if (codePoint < 0x80)
            {
                _scratch[count] = (byte)codePoint;
                return count + 1;
            }

            if (codePoint < 0x800)
            {
                _scratch[count] = (byte)(0xC0 | (codePoint >> 6));
                _scratch[count + 1] = (byte)(0x80 | (codePoint & 0x3F));
                return count + 2;
            }

            if (codePoint < 0x10000)
            {
                _scratch[count] = (byte)(0xE0 | (codePoint >> 12));
                _scratch[count + 1] = (byte)(0x80 | ((codePoint >> 6) & 0x3F));
                _scratch[count + 2] = (byte)(0x80 | (codePoint & 0x3F));
                return count + 3;
            }

            _scratch[count] = (byte)(0xF0 | (codePoint >> 18));
            _scratch[count + 1] = (byte)(0x80 | ((codePoint >> 12) & 0x3F));
            _scratch[count + 2] = (byte)(0x80 | ((codePoint >> 6) & 0x3F));
            _scratch[count + 3] = (byte)(0x80 | (codePoint & 0x3F));
            return count + 4;
        }

        private void EnsureScratch(int size)
        {
            if (_scratch != null && _scratch.Length >= size)
            {
                return;
            }

            int capacity = _scratch == null ? 64 : _scratch.Length * 2;
            while (capacity < size)
            {
                capacity *= 2;
            }

            byte[] grown = new byte[capacity];
            if (_scratch != null)
            {
                Array.Copy(_scratch, grown, _scratch.Length);
            }

            _scratch = grown;
        }

        private object ReadNumber()
        {
            int start = _pos;
            bool negative = false;
            if (Peek() == '-')
            {
                negative = true;
                _pos++;
            }

            int digitsStart = _pos;
            long integer = 0;
            bool overflow = false;
            while (_pos < _end && IsDigit(_data[_pos]))
            {
                _visited++;
                long next = (integer * 10) + (_data[_pos] - '0');
                if (next < integer)
                {
                    overflow = true;
                }

                integer = next;
                _pos++;
            }

            if (_pos == digitsStart || (_data[digitsStart] == '0' && _pos - digitsStart > 1))
            {
                throw Error("bad number", start);
            }

            bool isInteger = true;
            double fraction = 0;
            if (Peek() == '.')
            {
                isInteger = false;
                _pos++;
                double scale = 0.1;
                int fracStart = _pos;
                while (_pos < _end && IsDigit(_data[_pos]))
                {
                    _visited++;
                    fraction += (_data[_pos] - '0') * scale;
                    scale /= 10;
                    _pos++;
                }

                if (_pos == fracStart)
                {
                    throw Error("bad number", start);
                }
            }

            int exponent = 0;
            byte ec = Peek();
            if (ec == 'e' || ec == 'E')
            {
                isInteger = false;
                _pos++;
                bool expNegative = false;
                if (Peek() == '+' || Peek() == '-')
                {
                    expNegative = Peek() == '-';
                    _pos++;
                }

                int expStart = _pos;
                while (_pos < _end && IsDigit(_data[_pos]))
                {
                    _visited++;
                    if (exponent < 1000)
                    {
                        exponent = (exponent * 10) + (_data[_pos] - '0');
                    }

                    _pos++;
                }

                if (_pos == expStart)
                {
                    throw Error("bad number", start);
                }

                if (expNegative)
                {
                    exponent = -exponent;
                }
            }

            if (isInteger && !overflow)
            {
                return negative ? -integer : integer;
            }

            double value = integer + fraction;
            while (exponent > 0)
            {
                value *= 10;
                exponent--;
            }

            while (exponent < 0)
            {
                value /= 10;
                exponent++;
            }

            return negative ? -value : value;
        }

        private void ExpectWord(string word)
        {
            char[] letters = word.ToCharArray();
            if (_pos + letters.Length > _end)
            {
                throw Error("unexpected word", _pos);
            }

            for (int i = 0; i < letters.Length; i++)
            {
                _visited++;
                if (_data[_pos + i] != letters[i])
                {
                    throw Error("unexpected word", _pos);
                }
            }

            _pos += letters.Length;
        }

        private byte Peek()
        {
            _visited++;
            return _pos < _end ? _data[_pos] : (byte)0;
        }

        private void SkipWhiteSpace()
        {
            while (_pos < _end)
            {
                _visited++;
                byte c = _data[_pos];
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
                {
                    return;
                }

                _pos++;
            }
        }

        private JsonException Error(string message, int at)
        {
            return new JsonException(message, at - _start);
        }

        private static bool IsDigit(byte c)
        {
            return c >= '0' && c <= '9';
        }

        private static int HexValue(byte c)
        {
            return c < 128 ? Hex.ValueOf((char)c) : -1;
        }
    }

    /// <summary>Typed reads of values in a parsed JSON object.</summary>
    public static class JsonObject
    {
        /// <summary>The string at <paramref name="name"/>, or null when absent or not a string.</summary>
        public static string GetString(Hashtable table, string name)
        {
            return table[name] as string;
        }

        /// <summary>The integer at <paramref name="name"/>, or <paramref name="fallback"/> when absent or not an integer.</summary>
        public static long GetLong(Hashtable table, string name, long fallback)
        {
            object value = table[name];
            return value is long ? (long)value : fallback;
        }

        /// <summary>The boolean at <paramref name="name"/>, or <paramref name="fallback"/>.</summary>
        public static bool GetBool(Hashtable table, string name, bool fallback)
        {
            object value = table[name];
            return value is bool ? (bool)value : fallback;
        }

        /// <summary>The array at <paramref name="name"/>, or null.</summary>
        public static ArrayList GetArray(Hashtable table, string name)
        {
            return table[name] as ArrayList;
        }

        /// <summary>The object at <paramref name="name"/>, or null.</summary>
        public static Hashtable GetObject(Hashtable table, string name)
        {
            return table[name] as Hashtable;
        }
    }
}
