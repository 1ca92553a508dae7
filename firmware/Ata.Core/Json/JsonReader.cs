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

        /// <summary>Character offset where the problem was found.</summary>
        public int Position { get; private set; }
    }

    /// <summary>
    /// A small JSON reader for the device. Objects become <see cref="Hashtable"/> (string keys),
    /// arrays <see cref="ArrayList"/>, integers <see cref="long"/>, other numbers <see cref="double"/>,
    /// and strings, booleans and null as themselves.
    /// </summary>
    public sealed class JsonReader
    {
        /// <summary>Deepest nesting accepted.</summary>
        public const int MaxDepth = 16;

        private readonly string _text;
        private int _pos;

        private JsonReader(string text)
        {
            _text = text;
        }

        /// <summary>Parses one JSON value; anything but white space after it is an error.</summary>
        /// <exception cref="JsonException">The text is not valid JSON.</exception>
        public static object Parse(string text)
        {
            if (text == null)
            {
                throw new JsonException("no text", 0);
            }

            JsonReader reader = new JsonReader(text);
            object value = reader.ReadValue(0);
            reader.SkipWhiteSpace();
            if (reader._pos != text.Length)
            {
                throw new JsonException("unexpected text after the value", reader._pos);
            }

            return value;
        }

        /// <summary>Parses text that must be a JSON object.</summary>
        /// <exception cref="JsonException">The text is not a JSON object.</exception>
        public static Hashtable ParseObject(string text)
        {
            Hashtable table = Parse(text) as Hashtable;
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
                throw new JsonException("nesting too deep", _pos);
            }

            SkipWhiteSpace();
            if (_pos >= _text.Length)
            {
                throw new JsonException("unexpected end", _pos);
            }

            char c = _text[_pos];
            switch (c)
            {
                case '{': return ReadObject(depth);
                case '[': return ReadArray(depth);
                case '"': return ReadString();
                case 't': ExpectWord("true"); return true;
                case 'f': ExpectWord("false"); return false;
                case 'n': ExpectWord("null"); return null;
                default:
                    if (c == '-' || (c >= '0' && c <= '9'))
                    {
                        return ReadNumber();
                    }

                    throw new JsonException("unexpected character '" + c.ToString() + "'", _pos);
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
                    throw new JsonException("expected a property name", _pos);
                }

                string name = ReadString();
                SkipWhiteSpace();
                if (Peek() != ':')
                {
                    throw new JsonException("expected ':'", _pos);
                }

                _pos++;
                table[name] = ReadValue(depth + 1);
                SkipWhiteSpace();
                char c = Peek();
                _pos++;
                if (c == '}')
                {
                    return table;
                }

                if (c != ',')
                {
                    throw new JsonException("expected ',' or '}'", _pos - 1);
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
                char c = Peek();
                _pos++;
                if (c == ']')
                {
                    return list;
                }

                if (c != ',')
                {
                    throw new JsonException("expected ',' or ']'", _pos - 1);
                }
            }
        }

        private string ReadString()
        {
            int start = _pos;
            _pos++;
            StringBuilder sb = null;
            int runStart = _pos;
            while (true)
            {
                if (_pos >= _text.Length)
                {
                    throw new JsonException("unterminated string", start);
                }

                char c = _text[_pos];
                if (c == '"')
                {
                    string run = _text.Substring(runStart, _pos - runStart);
                    _pos++;
                    if (sb == null)
                    {
                        return run;
                    }

                    sb.Append(run);
                    return sb.ToString();
                }

                if (c < ' ')
                {
                    throw new JsonException("control character in string", _pos);
                }

                if (c != '\\')
                {
                    _pos++;
                    continue;
                }

                if (sb == null)
                {
                    sb = new StringBuilder();
                }

                sb.Append(_text, runStart, _pos - runStart);
                _pos++;
                if (_pos >= _text.Length)
                {
                    throw new JsonException("unterminated escape", _pos);
                }

                char e = _text[_pos];
                _pos++;
                switch (e)
                {
                    case '"': sb.Append('"'); break;
                    case '\\': sb.Append('\\'); break;
                    case '/': sb.Append('/'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'u': sb.Append(ReadUnicodeEscape()); break;
                    default: throw new JsonException("bad escape", _pos - 1);
                }

                runStart = _pos;
            }
        }

        private char ReadUnicodeEscape()
        {
            if (_pos + 4 > _text.Length)
            {
                throw new JsonException("short \\u escape", _pos);
            }

            int value = 0;
            for (int i = 0; i < 4; i++)
            {
                int digit = Hex.ValueOf(_text[_pos + i]);
                if (digit < 0)
                {
                    throw new JsonException("bad \\u escape", _pos + i);
                }

                value = (value << 4) | digit;
            }

            _pos += 4;
            return (char)value;
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
            while (_pos < _text.Length && IsDigit(_text[_pos]))
            {
                long next = (integer * 10) + (_text[_pos] - '0');
                if (next < integer)
                {
                    overflow = true;
                }

                integer = next;
                _pos++;
            }

            if (_pos == digitsStart || (_text[digitsStart] == '0' && _pos - digitsStart > 1))
            {
                throw new JsonException("bad number", start);
            }

            bool isInteger = true;
            double fraction = 0;
            if (Peek() == '.')
            {
                isInteger = false;
                _pos++;
                double scale = 0.1;
                int fracStart = _pos;
                while (_pos < _text.Length && IsDigit(_text[_pos]))
                {
                    fraction += (_text[_pos] - '0') * scale;
                    scale /= 10;
                    _pos++;
                }

                if (_pos == fracStart)
                {
                    throw new JsonException("bad number", start);
                }
            }

            int exponent = 0;
            char ec = Peek();
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
                while (_pos < _text.Length && IsDigit(_text[_pos]))
                {
                    if (exponent < 1000)
                    {
                        exponent = (exponent * 10) + (_text[_pos] - '0');
                    }

                    _pos++;
                }

                if (_pos == expStart)
                {
                    throw new JsonException("bad number", start);
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
            if (_pos + word.Length > _text.Length || _text.Substring(_pos, word.Length) != word)
            {
                throw new JsonException("unexpected word", _pos);
            }

            _pos += word.Length;
        }

        private char Peek()
        {
            return _pos < _text.Length ? _text[_pos] : '\0';
        }

        private void SkipWhiteSpace()
        {
            while (_pos < _text.Length)
            {
                char c = _text[_pos];
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
                {
                    return;
                }

                _pos++;
            }
        }

        private static bool IsDigit(char c)
        {
            return c >= '0' && c <= '9';
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
