namespace Ata.Core.CallerId
{
    /// <summary>
    /// Who calls, as the phone's display is told: the number and the name, each either present or
    /// absent for a reason (<see cref="Withheld"/>: the caller hid it; <see cref="Unavailable"/>: the
    /// network does not have it), and the date and time of the call when known.
    /// </summary>
    public sealed class Caller
    {
        /// <summary>Reason code of a number or name the caller withheld (ETSI "P", private).</summary>
        public const char Withheld = 'P';

        /// <summary>Reason code of a number or name that is not available (ETSI "O", out of area).</summary>
        public const char Unavailable = 'O';

        /// <summary>The longest number sent (ETSI EN 300 659-3: 20 characters).</summary>
        public const int MaxNumber = 20;

        /// <summary>The longest name sent (ETSI EN 300 659-3: 50 characters).</summary>
        public const int MaxName = 50;

        /// <summary>Creates a caller; <paramref name="number"/> or <paramref name="name"/> null means absent for the reason given.</summary>
        public Caller(string number, char numberAbsence, string name, char nameAbsence, string dateTime)
        {
            Number = number;
            NumberAbsence = number == null ? (numberAbsence == '\0' ? Unavailable : numberAbsence) : '\0';
            Name = name;
            NameAbsence = name == null ? (nameAbsence == '\0' ? Unavailable : nameAbsence) : '\0';
            DateTime = dateTime;
        }

        /// <summary>The number (digits, and <c>*</c> or <c>#</c>), or null.</summary>
        public string Number { get; private set; }

        /// <summary>Why the number is absent (<see cref="Withheld"/>, <see cref="Unavailable"/>), or '\0' when present.</summary>
        public char NumberAbsence { get; private set; }

        /// <summary>The name (printable ASCII), or null.</summary>
        public string Name { get; private set; }

        /// <summary>Why the name is absent, or '\0' when present.</summary>
        public char NameAbsence { get; private set; }

        /// <summary>The call's month, day, hour and minute as eight digits (<c>MMDDhhmm</c>), or null when unknown.</summary>
        public string DateTime { get; private set; }

        /// <summary>
        /// The caller of a SIP call: <paramref name="user"/> is the From URI's user part,
        /// <paramref name="displayName"/> its display name, <paramref name="anonymous"/> true when the
        /// caller asked for privacy (<c>Privacy: id</c>, an anonymous From), <paramref name="date"/> the
        /// INVITE's <c>Date</c> header (RFC 1123), or null. A user part that is no number is unavailable.
        /// </summary>
        public static Caller FromSip(string user, string displayName, bool anonymous, string date)
        {
            string dateTime = DateTimeOf(date);
            if (anonymous)
            {
                return new Caller(null, Withheld, null, Withheld, dateTime);
            }

            string number = NumberOf(user);
            string name = NameOf(displayName);
            if (name != null && AsciiEquals(name, "anonymous"))
            {
                name = null;
            }

            return new Caller(number, Unavailable, name, Unavailable, dateTime);
        }

        /// <summary>The digits of <paramref name="user"/> (a leading <c>+</c> dropped), or null when it is not a number.</summary>
        public static string NumberOf(string user)
        {
            if (user == null)
            {
                return null;
            }

            char[] chars = user.ToCharArray();
            int start = chars.Length > 0 && chars[0] == '+' ? 1 : 0;
            int length = chars.Length - start;
            if (length == 0 || length > MaxNumber)
            {
                return null;
            }

            for (int i = start; i < chars.Length; i++)
            {
                char c = chars[i];
                if (!((c >= '0' && c <= '9') || c == '*' || c == '#'))
                {
                    return null;
                }
            }

            return new string(chars, start, length);
        }

        /// <summary>
        /// <paramref name="displayName"/> as the display can show it: printable ASCII (anything else
        /// becomes <c>?</c>), at most <see cref="MaxName"/> characters; null when empty.
        /// </summary>
        public static string NameOf(string displayName)
        {
            if (displayName == null)
            {
                return null;
            }

            char[] chars = displayName.Trim().ToCharArray();
            int length = chars.Length > MaxName ? MaxName : chars.Length;
            if (length == 0)
            {
                return null;
            }

            for (int i = 0; i < length; i++)
            {
                if (chars[i] < ' ' || chars[i] > '~')
                {
                    chars[i] = '?';
                }
            }

            return new string(chars, 0, length);
        }

        /// <summary>
        /// The <c>MMDDhhmm</c> of an RFC 1123 date (<c>Sun, 06 Dec 2026 09:52:05 GMT</c>), or null when
        /// <paramref name="date"/> is null or not such a date.
        /// </summary>
        public static string DateTimeOf(string date)
        {
            if (date == null)
            {
                return null;
            }

            string[] parts = date.Trim().Split(' ');
            if (parts.Length < 5)
            {
                return null;
            }

            int month = MonthOf(parts[2]);
            string day = parts[1];
            string time = parts[4];
            if (month == 0 || day.Length < 1 || day.Length > 2 || time.Length < 5 || time[2] != ':'
                || !Digits(day) || !Digits(time.Substring(0, 2)) || !Digits(time.Substring(3, 2)))
            {
                return null;
            }

            return (month < 10 ? "0" : "") + month.ToString() + (day.Length == 1 ? "0" : "") + day + time.Substring(0, 2) + time.Substring(3, 2);
        }

        private static int MonthOf(string name)
        {
            string[] months = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
            for (int i = 0; i < months.Length; i++)
            {
                if (months[i] == name)
                {
                    return i + 1;
                }
            }

            return 0;
        }

        private static bool Digits(string text)
        {
            char[] chars = text.ToCharArray();
            for (int i = 0; i < chars.Length; i++)
            {
                if (chars[i] < '0' || chars[i] > '9')
                {
                    return false;
                }
            }

            return chars.Length > 0;
        }

        private static bool AsciiEquals(string a, string b)
        {
            return Text.AsciiText.EqualsIgnoreCase(a, b);
        }
    }
}
