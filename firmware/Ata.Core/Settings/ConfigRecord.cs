using System;
using System.Text;

namespace Ata.Core.Settings
{
    /// <summary>
    /// How a config store record is framed on flash so a torn write is recognised: a header line
    /// <c>ATA1 {length} {crc32 hex}</c>, then the UTF-8 text. A record whose length or CRC does not
    /// match is treated as absent, so the store falls back to the previous copy.
    /// </summary>
    public static class ConfigRecord
    {
        private const string Magic = "ATA1";
        private static uint[] _table;

        /// <summary>The framed bytes of <paramref name="text"/>.</summary>
        public static byte[] Encode(string text)
        {
            byte[] body = Encoding.UTF8.GetBytes(text);
            byte[] header = Encoding.UTF8.GetBytes(Magic + " " + body.Length.ToString() + " " + Hex8(Crc32(body, 0, body.Length)) + "\n");
            byte[] record = new byte[header.Length + body.Length];
            Array.Copy(header, 0, record, 0, header.Length);
            Array.Copy(body, 0, record, header.Length, body.Length);
            return record;
        }

        /// <summary>The text of a framed record, or null when it is torn, truncated or not a record.</summary>
        public static string Decode(byte[] record)
        {
            if (record == null)
            {
                return null;
            }

            int newline = -1;
            for (int i = 0; i < record.Length && i < 32; i++)
            {
                if (record[i] == (byte)'\n')
                {
                    newline = i;
                    break;
                }
            }

            if (newline < 0)
            {
                return null;
            }

            string[] header = Encoding.UTF8.GetString(record, 0, newline).Split(new char[] { ' ' });
            if (header.Length != 3 || header[0] != Magic)
            {
                return null;
            }

            int length = Text.AsciiText.ParseNonNegative(header[1]);
            int start = newline + 1;
            if (length < 0 || start + length != record.Length || Hex8(Crc32(record, start, length)) != header[2])
            {
                return null;
            }

            return length == 0 ? string.Empty : Encoding.UTF8.GetString(record, start, length);
        }

        /// <summary>The CRC-32 (IEEE 802.3) of a byte range.</summary>
        public static uint Crc32(byte[] data, int offset, int count)
        {
            uint[] table = Table();
            uint crc = 0xFFFFFFFF;
            for (int i = offset; i < offset + count; i++)
            {
                crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
            }

            return crc ^ 0xFFFFFFFF;
        }

        private static uint[] Table()
        {
            if (_table == null)
            {
                uint[] table = new uint[256];
                for (uint n = 0; n < 256; n++)
                {
                    uint c = n;
                    for (int k = 0; k < 8; k++)
                    {
                        c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
                    }

                    table[n] = c;
                }

                _table = table;
            }

            return _table;
        }

        private static string Hex8(uint value)
        {
            char[] digits = new char[8];
            for (int i = 7; i >= 0; i--)
            {
                digits[i] = Json.Hex.Digit((int)(value & 0xF));
                value >>= 4;
            }

            return new string(digits);
        }
    }
}
