using System.Text;

namespace Ata.Core.Json
{
    /// <summary>
    /// A small forward-only JSON writer for the device: objects, arrays, strings, integers and booleans.
    /// Commas are placed automatically.
    /// </summary>
    public sealed class JsonWriter
    {
        private readonly StringBuilder _text = new StringBuilder(256);
        private bool _needComma;

        /// <summary>Starts an object (as a value, or as a property after <see cref="Name"/>).</summary>
        public JsonWriter BeginObject()
        {
            Separate();
            _text.Append('{');
            _needComma = false;
            return this;
        }

        /// <summary>Ends the current object.</summary>
        public JsonWriter EndObject()
        {
            _text.Append('}');
            _needComma = true;
            return this;
        }

        /// <summary>Starts an array.</summary>
        public JsonWriter BeginArray()
        {
            Separate();
            _text.Append('[');
            _needComma = false;
            return this;
        }

        /// <summary>Ends the current array.</summary>
        public JsonWriter EndArray()
        {
            _text.Append(']');
            _needComma = true;
            return this;
        }

        /// <summary>Writes a property name; the next call writes its value.</summary>
        public JsonWriter Name(string name)
        {
            Separate();
            AppendString(name);
            _text.Append(':');
            _needComma = false;
            return this;
        }

        /// <summary>Writes a string value (null writes <c>null</c>).</summary>
        public JsonWriter Value(string value)
        {
            Separate();
            if (value == null)
            {
                _text.Append("null");
            }
            else
            {
                AppendString(value);
            }

            _needComma = true;
            return this;
        }

        /// <summary>Writes an integer value.</summary>
        public JsonWriter Value(long value)
        {
            Separate();
            _text.Append(value);
            _needComma = true;
            return this;
        }

        /// <summary>Writes a number with <paramref name="decimals"/> digits after the point (0 to 6), rounded; NaN and infinities as 0.</summary>
        public JsonWriter Value(double value, int decimals)
        {
            Separate();
            long scale = 1;
            for (int i = 0; i < decimals; i++)
            {
                scale *= 10;
            }

            if (double.IsNaN(value) || double.IsInfinity(value))
            {
                value = 0;
            }

            long scaled = (long)((value < 0 ? -value : value) * scale + 0.5);
            if (value < 0 && scaled > 0)
            {
                _text.Append('-');
            }

            _text.Append(scaled / scale);
            if (decimals > 0)
            {
                string fraction = (scaled % scale).ToString();
                _text.Append('.');
                for (int i = fraction.Length; i < decimals; i++)
                {
                    _text.Append('0');
                }

                _text.Append(fraction);
            }

            _needComma = true;
            return this;
        }

        /// <summary>Writes a boolean value.</summary>
        public JsonWriter Value(bool value)
        {
            Separate();
            _text.Append(value ? "true" : "false");
            _needComma = true;
            return this;
        }

        /// <summary>Writes <c>null</c>.</summary>
        public JsonWriter Null()
        {
            Separate();
            _text.Append("null");
            _needComma = true;
            return this;
        }

        /// <summary>Writes a string property.</summary>
        public JsonWriter Property(string name, string value)
        {
            return Name(name).Value(value);
        }

        /// <summary>Writes an integer property.</summary>
        public JsonWriter Property(string name, long value)
        {
            return Name(name).Value(value);
        }

        /// <summary>Writes a number property with <paramref name="decimals"/> digits after the point.</summary>
        public JsonWriter Property(string name, double value, int decimals)
        {
            return Name(name).Value(value, decimals);
        }

        /// <summary>Writes a boolean property.</summary>
        public JsonWriter Property(string name, bool value)
        {
            return Name(name).Value(value);
        }

        /// <summary>Writes any value the reader produces: Hashtable, ArrayList, string, long, double, bool or null.</summary>
        public JsonWriter Any(object value)
        {
            if (value == null)
            {
                return Null();
            }

            string s = value as string;
            if (s != null)
            {
                return Value(s);
            }

            if (value is bool)
            {
                return Value((bool)value);
            }

            if (value is long)
            {
                return Value((long)value);
            }

            if (value is int)
            {
                return Value((long)(int)value);
            }

            System.Collections.Hashtable table = value as System.Collections.Hashtable;
            if (table != null)
            {
                BeginObject();
                foreach (System.Collections.DictionaryEntry entry in table)
                {
                    Name((string)entry.Key).Any(entry.Value);
                }

                return EndObject();
            }

            System.Collections.ArrayList list = value as System.Collections.ArrayList;
            if (list != null)
            {
                BeginArray();
                for (int i = 0; i < list.Count; i++)
                {
                    Any(list[i]);
                }

                return EndArray();
            }

            throw new System.ArgumentException("value of an unsupported type");
        }

        /// <summary>The JSON text written so far.</summary>
        public override string ToString()
        {
            return _text.ToString();
        }

        private void Separate()
        {
            if (_needComma)
            {
                _text.Append(',');
                _needComma = false;
            }
        }

        private void AppendString(string value)
        {
            _text.Append('"');
            char[] chars = value.ToCharArray();
            for (int i = 0; i < chars.Length; i++)
            {
                char c = chars[i];
                switch (c)
                {
                    case '"': _text.Append("\\\""); break;
                    case '\\': _text.Append("\\\\"); break;
                    case '\n': _text.Append("\\n"); break;
                    case '\r': _text.Append("\\r"); break;
                    case '\t': _text.Append("\\t"); break;
                    case '\b': _text.Append("\\b"); break;
                    case '\f': _text.Append("\\f"); break;
                    default:
                        if (c < ' ')
                        {
                            _text.Append("\\u00");
                            _text.Append(Hex.Digit(c >> 4));
                            _text.Append(Hex.Digit(c & 0xF));
                        }
                        else
                        {
                            _text.Append(c);
                        }

                        break;
                }
            }

            _text.Append('"');
        }
    }
}
