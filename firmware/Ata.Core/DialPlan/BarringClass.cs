namespace Ata.Core.DialPlan
{
    /// <summary>
    /// Classes of numbers a line can be barred from calling, provisioned per line by name (the
    /// gateway's names, plus information numbers). Emergency numbers are in none of them.
    /// </summary>
    public static class BarringClass
    {
        /// <summary>Calls abroad.</summary>
        public const string International = "international";
        /// <summary>Premium-rate numbers.</summary>
        public const string Premium = "premium";
        /// <summary>Directory enquiries and information numbers.</summary>
        public const string Information = "information";
        /// <summary>Mobile numbers.</summary>
        public const string Mobile = "mobile";
        /// <summary>Operator and short service numbers.</summary>
        public const string Operator = "operator";
        /// <summary>Other national numbers (with a closed numbering plan, every other domestic number).</summary>
        public const string National = "national";

        /// <summary>Every class, in the order a number is classified (first match wins).</summary>
        public static readonly string[] All = { International, Premium, Information, Mobile, Operator, National };

        /// <summary>Index of <paramref name="name"/> in <see cref="All"/>, or -1.</summary>
        public static int IndexOf(string name)
        {
            for (int i = 0; i < All.Length; i++)
            {
                if (All[i] == name)
                {
                    return i;
                }
            }

            return -1;
        }

        /// <summary>True when <paramref name="name"/> is one of <see cref="All"/>.</summary>
        public static bool IsKnown(string name)
        {
            return IndexOf(name) >= 0;
        }
    }
}
