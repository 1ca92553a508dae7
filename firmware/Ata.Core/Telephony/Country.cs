namespace Ata.Core.Telephony
{
    /// <summary>
    /// The countries the adapter knows national defaults for (tones, ringing, hook flash, numbering),
    /// by ISO 3166 code; <c>GB</c> is accepted for the UK.
    /// </summary>
    public static class Country
    {
        /// <summary>Norway.</summary>
        public const string Norway = "NO";
        /// <summary>Denmark.</summary>
        public const string Denmark = "DK";
        /// <summary>Sweden.</summary>
        public const string Sweden = "SE";
        /// <summary>Finland.</summary>
        public const string Finland = "FI";
        /// <summary>Germany.</summary>
        public const string Germany = "DE";
        /// <summary>The United Kingdom.</summary>
        public const string UnitedKingdom = "UK";
        /// <summary>The United States.</summary>
        public const string UnitedStates = "US";

        /// <summary>The country a line gets when its provisioning names none.</summary>
        public const string Default = Norway;

        /// <summary>Every known country.</summary>
        public static readonly string[] All = { Norway, Denmark, Sweden, Finland, Germany, UnitedKingdom, UnitedStates };

        /// <summary>The canonical code for <paramref name="code"/> (any case; GB means UK), or null when unknown.</summary>
        public static string Normalize(string code)
        {
            if (code == null)
            {
                return null;
            }

            string upper = UpperAscii(code.Trim());
            if (upper == "GB")
            {
                return UnitedKingdom;
            }

            for (int i = 0; i < All.Length; i++)
            {
                if (All[i] == upper)
                {
                    return upper;
                }
            }

            return null;
        }

        private static string UpperAscii(string text)
        {
            char[] chars = text.ToCharArray();
            for (int i = 0; i < chars.Length; i++)
            {
                if (chars[i] >= 'a' && chars[i] <= 'z')
                {
                    chars[i] = (char)(chars[i] - 'a' + 'A');
                }
            }

            return new string(chars);
        }

        /// <summary>
        /// The longest on-hook break taken as a hook flash (R key) rather than hanging up, in ms: about
        /// three times the nominal timed-break recall in Europe (80–100 ms), and the North American 1 s.
        /// </summary>
        public static int DefaultFlashMaxMs(string country)
        {
            return country == UnitedStates ? 1000 : 300;
        }
    }
}
