using System.Collections;
using Ata.Core.Contract;
using Ata.Core.DialPlan;
using Ata.Core.Json;
using Ata.Core.Tones;

namespace Ata.Core.Telephony
{
    /// <summary>
    /// How a line behaves to the household: its country (tones, ringing, numbering, flash window),
    /// its dial plan and inter-digit timers, the classes of numbers it is barred from, and tone overrides. Parsed and
    /// validated with the provisioning document, so a bad plan is refused before anything changes.
    /// </summary>
    public sealed class LineProfile
    {
        /// <summary>Shortest provisionable flash window end, in ms.</summary>
        public const int MinFlashMs = 100;

        /// <summary>Longest provisionable flash window end, in ms.</summary>
        public const int MaxFlashMs = 2000;

        /// <summary>Shortest provisionable short inter-digit timer, in ms.</summary>
        public const int MinShortTimerMs = 500;

        /// <summary>Longest provisionable short inter-digit timer, in ms.</summary>
        public const int MaxShortTimerMs = 10000;

        /// <summary>Shortest provisionable long inter-digit timer, in ms.</summary>
        public const int MinLongTimerMs = 2000;

        /// <summary>Longest provisionable long inter-digit timer, in ms.</summary>
        public const int MaxLongTimerMs = 60000;

        private readonly bool[] _barred;

        private LineProfile(string country, DigitMap digitMap, string dialPlanText, bool[] barred, int flashMs, TonePlan tones, Hashtable toneOverrides, string tonePlanCountry, int shortTimerMs, int longTimerMs)
        {
            ShortTimerMs = shortTimerMs;
            LongTimerMs = longTimerMs;
            digitMap.ShortTimerMs = shortTimerMs > 0 ? shortTimerMs : DigitMap.DefaultShortTimerMs;
            digitMap.LongTimerMs = longTimerMs > 0 ? longTimerMs : DigitMap.DefaultLongTimerMs;
            Country = country;
            TonePlanCountry = tonePlanCountry;
            DigitMap = digitMap;
            DialPlanText = dialPlanText;
            _barred = barred;
            FlashMs = flashMs;
            Tones = tones;
            ToneOverrides = toneOverrides;
            Numbering = NumberingPlan.For(country);
        }

        /// <summary>The country (see <see cref="Telephony.Country"/>).</summary>
        public string Country { get; private set; }

        /// <summary>The provisioned tone plan country, or null when the tones follow <see cref="Country"/>.</summary>
        public string TonePlanCountry { get; private set; }

        /// <summary>The dial plan in force.</summary>
        public DigitMap DigitMap { get; private set; }

        /// <summary>The provisioned dial plan text, or null when the country's default is used.</summary>
        public string DialPlanText { get; private set; }

        /// <summary>The provisioned flash window end in ms, or 0 for the national default.</summary>
        public int FlashMs { get; private set; }

        /// <summary>The provisioned short inter-digit timer in ms, or 0 for the default (<see cref="DialPlan.DigitMap.DefaultShortTimerMs"/>); the one in force is the <see cref="DigitMap"/>'s.</summary>
        public int ShortTimerMs { get; private set; }

        /// <summary>The provisioned long inter-digit timer in ms, or 0 for the default (<see cref="DialPlan.DigitMap.DefaultLongTimerMs"/>); the one in force is the <see cref="DigitMap"/>'s.</summary>
        public int LongTimerMs { get; private set; }

        /// <summary>The flash window end in force.</summary>
        public int FlashMaxMs
        {
            get { return FlashMs > 0 ? FlashMs : Telephony.Country.DefaultFlashMaxMs(Country); }
        }

        /// <summary>The tones.</summary>
        public TonePlan Tones { get; private set; }

        /// <summary>Provisioned tone texts by tone name, or null.</summary>
        public Hashtable ToneOverrides { get; private set; }

        /// <summary>The line's service codes (anonymous calling, call return): the country's, or as provisioned.</summary>
        public ServiceCodes Services { get; private set; }

        /// <summary>The country's numbering (emergency numbers, barring prefixes).</summary>
        public NumberingPlan Numbering { get; private set; }

        /// <summary>True when the line may not call numbers of <paramref name="barringClass"/>.</summary>
        public bool IsBarred(string barringClass)
        {
            int index = BarringClass.IndexOf(barringClass);
            return index >= 0 && _barred[index];
        }

        /// <summary>The country's defaults: its dial plan and tones, no barring, its flash window.</summary>
        public static LineProfile Default(string country)
        {
            NumberingPlan numbering = NumberingPlan.For(country);
            string error;
            LineProfile profile = new LineProfile(country, DigitMap.Parse(numbering.DefaultDialPlan, out error), null,
                new bool[BarringClass.All.Length], 0, TonePlan.For(country), null, null, 0, 0);
            profile.Services = ServiceCodes.For(country);
            return profile;
        }

        /// <summary>
        /// Reads a line's telephony fields from its provisioning object. Returns null with
        /// <paramref name="error"/> (prefixed with <paramref name="field"/>) when one is invalid.
        /// </summary>
        public static LineProfile Parse(Hashtable line, string field, out string error)
        {
            error = null;
            string country = Telephony.Country.Default;
            object countryValue = line[Fields.Country];
            if (countryValue != null)
            {
                country = Telephony.Country.Normalize(countryValue as string);
                if (country == null)
                {
                    error = field + "." + Fields.Country + ": '" + (countryValue as string) + "' is not a known country (NO, DK, SE, FI, DE, UK, US)";
                    return null;
                }
            }

            string tonePlanCountry = null;
            object tonePlanValue = line[Fields.TonePlan];
            if (tonePlanValue != null)
            {
                tonePlanCountry = Telephony.Country.Normalize(tonePlanValue as string);
                if (tonePlanCountry == null)
                {
                    error = field + "." + Fields.TonePlan + ": no tone plan for '" + (tonePlanValue as string) + "' (known: NO, DK, SE, FI, DE, UK, US)";
                    return null;
                }
            }

            NumberingPlan numbering = NumberingPlan.For(country);
            string dialPlanText = null;
            object dialPlanValue = line[Fields.DialPlan];
            if (dialPlanValue != null)
            {
                dialPlanText = dialPlanValue as string;
                if (dialPlanText == null)
                {
                    error = field + "." + Fields.DialPlan + ": not a string";
                    return null;
                }
            }

            string mapError;
            DigitMap map = DigitMap.Parse(dialPlanText == null ? numbering.DefaultDialPlan : dialPlanText, out mapError);
            if (map == null)
            {
                error = field + "." + Fields.DialPlan + ": " + mapError;
                return null;
            }

            bool[] barred = new bool[BarringClass.All.Length];
            object barringValue = line[Fields.Barring];
            if (barringValue != null)
            {
                ArrayList classes = barringValue as ArrayList;
                if (classes == null)
                {
                    error = field + "." + Fields.Barring + ": not an array of class names";
                    return null;
                }

                for (int i = 0; i < classes.Count; i++)
                {
                    string name = classes[i] as string;
                    int index = BarringClass.IndexOf(name);
                    if (index < 0)
                    {
                        error = field + "." + Fields.Barring + "[" + i.ToString() + "]: '" + name + "' is not a barring class (international, premium, information, mobile, operator, national)";
                        return null;
                    }

                    barred[index] = true;
                }
            }

            long flashMs = Milliseconds(line, field, Fields.FlashMs, MinFlashMs, MaxFlashMs, ref error);
            long shortTimerMs = Milliseconds(line, field, Fields.ShortTimerMs, MinShortTimerMs, MaxShortTimerMs, ref error);
            long longTimerMs = Milliseconds(line, field, Fields.LongTimerMs, MinLongTimerMs, MaxLongTimerMs, ref error);
            if (error != null)
            {
                return null;
            }

            long effectiveShort = shortTimerMs > 0 ? shortTimerMs : DigitMap.DefaultShortTimerMs;
            long effectiveLong = longTimerMs > 0 ? longTimerMs : DigitMap.DefaultLongTimerMs;
            if (effectiveLong < effectiveShort)
            {
                error = field + "." + Fields.LongTimerMs + ": must not be shorter than " + Fields.ShortTimerMs + " (" + effectiveShort.ToString() + " ms)";
                return null;
            }

            Hashtable overrides = null;
            object tonesValue = line[Fields.Tones];
            if (tonesValue != null)
            {
                overrides = tonesValue as Hashtable;
                if (overrides == null)
                {
                    error = field + "." + Fields.Tones + ": not an object of tone name to tone text";
                    return null;
                }
            }

            string toneError;
            TonePlan tones = TonePlan.Build(tonePlanCountry == null ? country : tonePlanCountry, overrides, out toneError);
            if (tones == null)
            {
                error = field + "." + Fields.Tones + "." + toneError;
                return null;
            }

            ServiceCodes services = ServiceCodes.Parse(line, country, field, out error);
            if (services == null)
            {
                return null;
            }

            LineProfile profile = new LineProfile(country, map, dialPlanText, barred, (int)flashMs, tones, overrides, tonePlanCountry, (int)shortTimerMs, (int)longTimerMs);
            profile.Services = services;
            return profile;
        }

        /// <summary>
        /// The optional duration <paramref name="name"/> of <paramref name="line"/> in ms, or 0 when it is
        /// left out; when it is outside <paramref name="min"/>..<paramref name="max"/>, the first such
        /// error is kept in <paramref name="error"/>.
        /// </summary>
        private static long Milliseconds(Hashtable line, string field, string name, int min, int max, ref string error)
        {
            long value = JsonObject.GetLong(line, name, 0);
            if (line[name] != null && (value < min || value > max))
            {
                if (error == null)
                {
                    error = field + "." + name + ": must be from " + min.ToString() + " to " + max.ToString() + " ms";
                }

                return 0;
            }

            return value;
        }

        /// <summary>Writes the provisioned telephony fields (those not left to defaults) into a line object being written.</summary>
        public void WriteTo(JsonWriter w)
        {
            w.Property(Fields.Country, Country);
            if (TonePlanCountry != null)
            {
                w.Property(Fields.TonePlan, TonePlanCountry);
            }

            if (DialPlanText != null)
            {
                w.Property(Fields.DialPlan, DialPlanText);
            }

            bool any = false;
            for (int i = 0; i < _barred.Length; i++)
            {
                if (_barred[i])
                {
                    if (!any)
                    {
                        w.Name(Fields.Barring).BeginArray();
                        any = true;
                    }

                    w.Value(BarringClass.All[i]);
                }
            }

            if (any)
            {
                w.EndArray();
            }

            if (FlashMs > 0)
            {
                w.Property(Fields.FlashMs, FlashMs);
            }

            if (ShortTimerMs > 0)
            {
                w.Property(Fields.ShortTimerMs, ShortTimerMs);
            }

            if (LongTimerMs > 0)
            {
                w.Property(Fields.LongTimerMs, LongTimerMs);
            }

            Services.WriteTo(w);
            if (ToneOverrides != null && ToneOverrides.Count > 0)
            {
                w.Name(Fields.Tones).BeginObject();
                foreach (DictionaryEntry entry in ToneOverrides)
                {
                    w.Property((string)entry.Key, (string)entry.Value);
                }

                w.EndObject();
            }
        }
    }
}
