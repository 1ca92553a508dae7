namespace Ata.Core.Media
{
    /// <summary>
    /// RFC 4733 telephone-event payloads: the DTMF event codes (0–9, * = 10, # = 11, A–D = 12–15), and the
    /// four-byte payload: event, end bit and volume, duration in timestamp units.
    /// </summary>
    public static class TelephoneEvent
    {
        /// <summary>Bytes in one event payload.</summary>
        public const int PayloadSize = 4;

        /// <summary>The highest DTMF event code.</summary>
        public const int LastDtmfEvent = 15;

        /// <summary>The longest duration one packet can carry, in samples.</summary>
        public const int MaxDuration = 0xFFFF;

        /// <summary>The event code of <paramref name="key"/>, or -1 when it is not a DTMF key.</summary>
        public static int EventOf(char key)
        {
            if (key >= '0' && key <= '9')
            {
                return key - '0';
            }

            switch (key)
            {
                case '*': return 10;
                case '#': return 11;
                case 'A': return 12;
                case 'B': return 13;
                case 'C': return 14;
                case 'D': return 15;
                default: return -1;
            }
        }

        /// <summary>The key of DTMF event <paramref name="code"/>, or '\0' for any other event.</summary>
        public static char KeyOf(int code)
        {
            if (code < 0 || code > LastDtmfEvent)
            {
                return '\0';
            }

            return code <= 9 ? (char)('0' + code) : "*#ABCD"[code - 10];
        }

        /// <summary>Writes an event payload; returns <see cref="PayloadSize"/>.</summary>
        public static int Write(byte[] buffer, int offset, int code, bool end, int volume, int duration)
        {
            buffer[offset] = (byte)code;
            buffer[offset + 1] = (byte)((end ? 0x80 : 0) | (volume & 0x3F));
            buffer[offset + 2] = (byte)(duration >> 8);
            buffer[offset + 3] = (byte)duration;
            return PayloadSize;
        }
    }
}
