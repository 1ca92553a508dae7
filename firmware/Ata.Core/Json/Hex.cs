namespace Ata.Core.Json
{
    /// <summary>Lower-case hexadecimal digits, without culture or format strings.</summary>
    public static class Hex
    {
        private static readonly char[] Digits = { '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f' };

        /// <summary>The hex digit of a value 0..15.</summary>
        public static char Digit(int value)
        {
            return Digits[value & 0xF];
        }

        /// <summary>Lower-case hex of the bytes.</summary>
        public static string Of(byte[] bytes)
        {
            char[] chars = new char[bytes.Length * 2];
            for (int i = 0; i < bytes.Length; i++)
            {
                chars[2 * i] = Digits[bytes[i] >> 4];
                chars[(2 * i) + 1] = Digits[bytes[i] & 0xF];
            }

            return new string(chars);
        }

        /// <summary>The value of a hex digit, or -1.</summary>
        public static int ValueOf(char c)
        {
            if (c >= '0' && c <= '9')
            {
                return c - '0';
            }

            if (c >= 'a' && c <= 'f')
            {
                return c - 'a' + 10;
            }

            if (c >= 'A' && c <= 'F')
            {
                return c - 'A' + 10;
            }

            return -1;
        }
    }
}
