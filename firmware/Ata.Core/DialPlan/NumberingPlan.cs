namespace Ata.Core.DialPlan
{
    /// <summary>
    /// What a country's numbers mean to the adapter: its emergency numbers (always allowed, never
    /// barred), the prefixes of each <see cref="BarringClass"/>, and the default dial plan.
    /// </summary>
    public sealed class NumberingPlan
    {
        /// <summary>Longest number counted as an operator or short service number.</summary>
        public const int MaxOperatorLength = 5;

        private readonly string[] _emergency;
        private readonly string[][] _classPrefixes;

        private NumberingPlan(string country, string[] emergency, string[][] classPrefixes, string defaultDialPlan)
        {
            Country = country;
            _emergency = emergency;
            _classPrefixes = classPrefixes;
            DefaultDialPlan = defaultDialPlan;
        }

        /// <summary>The country.</summary>
        public string Country { get; private set; }

        /// <summary>The digit map used when a line is provisioned without one.</summary>
        public string DefaultDialPlan { get; private set; }

        /// <summary>The emergency numbers.</summary>
        public string[] EmergencyNumbers
        {
            get { return _emergency; }
        }

        /// <summary>True when <paramref name="digits"/> is exactly one of the country's emergency numbers.</summary>
        public bool IsEmergency(string digits)
        {
            for (int i = 0; i < _emergency.Length; i++)
            {
                if (_emergency[i] == digits)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>True when <paramref name="digits"/> could still grow into an emergency number (or is one).</summary>
        public bool CouldBeEmergency(string digits)
        {
            string[] numbers = EmergencyNumbers;
            for (int i = 0; i < numbers.Length; i++)
            {
                if (numbers[i].StartsWith(digits))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>The barring class <paramref name="digits"/> falls in, or null.</summary>
        public string ClassOf(string digits)
        {
            if (IsEmergency(digits))
            {
                return null;
            }

            for (int c = 0; c < _classPrefixes.Length; c++)
            {
                bool isOperator = BarringClass.All[c] == BarringClass.Operator;
                bool wholeNumber = isOperator || BarringClass.All[c] == BarringClass.Information;
                if (isOperator && digits.Length > MaxOperatorLength)
                {
                    continue;
                }

                string[] prefixes = _classPrefixes[c];
                for (int i = 0; i < prefixes.Length; i++)
                {
                    if (digits.StartsWith(prefixes[i]) && (digits.Length > prefixes[i].Length || wholeNumber))
                    {
                        return BarringClass.All[c];
                    }
                }
            }

            return null;
        }

        /// <summary>The plan of <paramref name="country"/> (a canonical <see cref="Telephony.Country"/> code).</summary>
        public static NumberingPlan For(string country)
        {
            const string ServiceCodes = "|*xx#|#xx#|*xx*x.#)";
            switch (country)
            {
                case Telephony.Country.Denmark:
                    return new NumberingPlan(country, new string[] { "112" },
                        Classes(new string[] { "00" }, new string[] { "90" }, new string[] { "118" },
                            new string[] { "2", "30", "31", "40", "41", "42", "50", "51", "52", "53", "60", "61", "71", "81", "91", "92", "93" },
                            new string[] { "1" }, new string[] { "2", "3", "4", "5", "6", "7", "8", "9" }),
                        "(1xxx.|[2-9]xxxxxxx|00x." + ServiceCodes);
                case Telephony.Country.Sweden:
                    return new NumberingPlan(country, new string[] { "112" },
                        Classes(new string[] { "00" }, new string[] { "0900", "0939", "0944" }, new string[] { "118" },
                            new string[] { "070", "072", "073", "076", "079" }, new string[] { "1" }, new string[] { "0" }),
                        "(0[1-9]xxxxx.|00x.|1xxx.|[2-9]xxxxx." + ServiceCodes);
                case Telephony.Country.Finland:
                    return new NumberingPlan(country, new string[] { "112" },
                        Classes(new string[] { "00" }, new string[] { "0600", "0700" }, new string[] { "118", "020" },
                            new string[] { "04", "050" }, new string[] { "1" }, new string[] { "0" }),
                        "(0[1-9]xxxx.|00x.|1xxx.|[2-9]xxxx." + ServiceCodes);
                case Telephony.Country.Germany:
                    return new NumberingPlan(country, new string[] { "110", "112" },
                        Classes(new string[] { "00" }, new string[] { "0900", "0137" }, new string[] { "118" },
                            new string[] { "015", "016", "017" }, new string[] { "1" }, new string[] { "0" }),
                        "(0[1-9]xxx.|00x.|1xxx.|[2-9]xxx." + ServiceCodes);
                case Telephony.Country.UnitedKingdom:
                    return new NumberingPlan(country, new string[] { "999", "112" },
                        Classes(new string[] { "00" }, new string[] { "09", "0871", "0872", "0873" }, new string[] { "118" },
                            new string[] { "071", "072", "073", "074", "075", "077", "078", "079" },
                            new string[] { "100", "123", "155" }, new string[] { "0" }),
                        "(0[1-9]xxxxxxxx.|00x.|1xxx.|[2-9]xxxxx." + ServiceCodes);
                case Telephony.Country.UnitedStates:
                    return new NumberingPlan(country, new string[] { "911" },
                        Classes(new string[] { "011" }, new string[] { "1900", "900", "1976", "976" }, new string[] { "411", "1411" }, new string[0],
                            new string[] { "0" }, new string[] { "1" }),
                        "([2-9]11|1[2-9]xx[2-9]xxxxxx|[2-9]xx[2-9]xxxxxx|011x.|*xx|#xx#|*xx*x.#)");
                default:
                    return new NumberingPlan(Telephony.Country.Norway, new string[] { "110", "112", "113" },
                        Classes(new string[] { "00" }, new string[] { "82" }, new string[] { "18" }, new string[] { "4", "9" },
                            new string[] { "1" }, new string[] { "2", "3", "4", "5", "6", "7", "8", "9" }),
                        "(1xxx.|[2-9]xxxxxxx|00x." + ServiceCodes);
            }
        }

        private static string[][] Classes(string[] international, string[] premium, string[] information, string[] mobile, string[] operatorNumbers, string[] national)
        {
            return new string[][] { international, premium, information, mobile, operatorNumbers, national };
        }
    }
}
