namespace Ata.Core.CallerId
{
    /// <summary>
    /// The messages of the display services (ETSI EN 300 659-3, the multiple data message format that
    /// Telcordia GR-30 shares): a type byte, a length, parameters (type, length, value) and a checksum
    /// that makes the sum of every byte zero modulo 256. Built once per call; nothing here runs per sample.
    /// </summary>
    public static class DisplayMessage
    {
        /// <summary>Message type: call set-up (caller ID).</summary>
        public const byte CallSetup = 0x80;

        /// <summary>Message type: message waiting indicator.</summary>
        public const byte MessageWaiting = 0x82;

        /// <summary>Parameter: date and time, <c>MMDDhhmm</c>.</summary>
        public const byte DateTimeParameter = 0x01;

        /// <summary>Parameter: the calling line's number.</summary>
        public const byte NumberParameter = 0x02;

        /// <summary>Parameter: why the number is absent (<c>O</c> or <c>P</c>).</summary>
        public const byte NoNumberParameter = 0x04;

        /// <summary>Parameter: the caller's name.</summary>
        public const byte NameParameter = 0x07;

        /// <summary>Parameter: why the name is absent (<c>O</c> or <c>P</c>).</summary>
        public const byte NoNameParameter = 0x08;

        /// <summary>Parameter: the visual indicator (0xFF on, 0x00 off).</summary>
        public const byte VisualIndicatorParameter = 0x0B;

        /// <summary>The call set-up message presenting <paramref name="caller"/>.</summary>
        public static byte[] ForCall(Caller caller)
        {
            byte[] buffer = new byte[2 + 10 + 2 + Caller.MaxNumber + 2 + Caller.MaxName + 1];
            int at = 2;
            if (caller.DateTime != null)
            {
                at = Put(buffer, at, DateTimeParameter, caller.DateTime);
            }

            at = caller.Number != null ? Put(buffer, at, NumberParameter, caller.Number) : Put(buffer, at, NoNumberParameter, caller.NumberAbsence.ToString());
            at = caller.Name != null ? Put(buffer, at, NameParameter, caller.Name) : Put(buffer, at, NoNameParameter, caller.NameAbsence.ToString());
            return Close(buffer, CallSetup, at);
        }

        /// <summary>The message that turns the phone's message-waiting indicator on (<paramref name="waiting"/>) or off.</summary>
        public static byte[] ForMessageWaiting(bool waiting)
        {
            byte[] buffer = new byte[2 + 3 + 1];
            buffer[2] = VisualIndicatorParameter;
            buffer[3] = 1;
            buffer[4] = waiting ? (byte)0xFF : (byte)0x00;
            return Close(buffer, MessageWaiting, 5);
        }

        /// <summary>The checksum of the first <paramref name="count"/> bytes: the two's complement of their sum modulo 256.</summary>
        public static byte Checksum(byte[] message, int count)
        {
            int sum = 0;
            for (int i = 0; i < count; i++)
            {
                sum += message[i];
            }

            return (byte)((256 - (sum & 0xFF)) & 0xFF);
        }

        private static int Put(byte[] buffer, int at, byte parameter, string value)
        {
            char[] chars = value.ToCharArray();
            buffer[at] = parameter;
            buffer[at + 1] = (byte)chars.Length;
            for (int i = 0; i < chars.Length; i++)
            {
                buffer[at + 2 + i] = (byte)chars[i];
            }

            return at + 2 + chars.Length;
        }

        private static byte[] Close(byte[] buffer, byte type, int end)
        {
            buffer[0] = type;
            buffer[1] = (byte)(end - 2);
            byte[] message = new byte[end + 1];
            System.Array.Copy(buffer, message, end);
            message[end] = Checksum(message, end);
            return message;
        }
    }
}
