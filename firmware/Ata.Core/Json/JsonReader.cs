using System.Collections;
using System.Text;

namespace Ata.Core.Json
{
    /// <summary>
    /// A small JSON reader for the device. It reads UTF-8 bytes (what an MQTT payload or a file is)
    /// in one pass, each byte looked at a bounded number of times, and never indexes a string
    /// (nanoFramework keeps strings as UTF-8, where <c>text[i]</c> in a loop is quadratic). Objects
    /// become <see cref="Hashtable"/> (string keys), arrays <see cref="ArrayList"/>, integers
    /// <see cref="long"/>, other numbers <see cref="double"/>, and strings, booleans and null as
    /// themselves. A string may not hold <c>\u0000</c> (refused: a nanoFramework string ends at a NUL,
    /// so it would silently be cut short), nor bytes that are not UTF-8, nor a lone surrogate.
    /// </summary>
    public sealed partial class JsonReader
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
    }
}
