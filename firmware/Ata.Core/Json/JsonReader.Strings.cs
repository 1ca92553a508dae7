using System;
using System.Text;

namespace Ata.Core.Json
{
    /// <summary>
    /// Strings (RFC 8259 §7): decoded from the UTF-8 input without indexing a string; escapes gathered in a scratch
    /// buffer; <c>\u0000</c>, bytes that are not UTF-8 and lone surrogates refused.
    /// </summary>
    public sealed partial class JsonReader
    {
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

        private static int HexValue(byte c)
        {
            return c < 128 ? Hex.ValueOf((char)c) : -1;
        }
    }
}
