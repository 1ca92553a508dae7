using System.Collections;

namespace Ata.Core.Tones
{
    /// <summary>
    /// A country's signals as tables of tone text (frequencies and cadences after the ITU-T E.180
    /// supplement's national entries), with per-line overrides. Building a plan builds its loop
    /// buffers once, so playing never allocates.
    /// </summary>
    public sealed class TonePlan
    {
        // E.180's special information tone: 950, 1400 and 1800 Hz, 330 ms each, then 1 s of silence.
        private const string Sit = "950:330 1400:330 1800:330 0:1000";

        // BT SIN 350 separates the three SIT tones by 15 ms of silence.
        private const string UkSit = "950:330 0:15 1400:330 0:15 1800:330 0:1000";

        // Sweden's three tones are 332 ms with 24 ms gaps, then about 2 s of silence.
        private const string SwedishSit = "950:332 0:24 1400:332 0:24 1800:332 0:2024";

        // The North American "intercept" SIT is 913.8, 1370.6 and 1776.7 Hz for 274, 274 and 380 ms.
        // Tone text takes whole hertz, and the loop of a whole frequency f is 8000 / gcd(8000, f)
        // samples: 914, 1371 and 1777 Hz would need loops of 4000, 8000 and 8000 samples (16, 32 and
        // 32 KB with the A-law and µ-law copies). 912, 1370 and 1776 Hz are the nearest whole frequencies
        // whose loops stay within MaxDefaultLoop (500, 800 and 500 samples); they are off by 0.20 %,
        // 0.04 % and 0.04 % (the plans keep every error under 1 %). See Tones/README.md.
        private const string UsSit = "912:274 1370:274 1776:380 0:1000";

        // Receiver off hook: the North American howler, also used where no national value is known.
        private const string Howler = "1400+2060+2450+2600:100 0:100";

        /// <summary>
        /// The longest loop buffer (in samples) a built-in plan may need: that of 350+440 Hz, the
        /// North American dial tone. Frequencies in the plans are chosen to stay within it.
        /// </summary>
        public const int MaxDefaultLoop = 800;

        private readonly Hashtable _tones;

        private TonePlan(string country, Hashtable tones)
        {
            Country = country;
            _tones = tones;
        }

        /// <summary>The country whose defaults the plan starts from.</summary>
        public string Country { get; private set; }

        /// <summary>The tone called <paramref name="name"/> (see <see cref="ToneName"/>), or null.</summary>
        public Tone Get(string name)
        {
            return _tones[name] as Tone;
        }

        /// <summary>The country's plan with no overrides.</summary>
        public static TonePlan For(string country)
        {
            string error;
            return Build(country, null, out error);
        }

        /// <summary>
        /// The plan of <paramref name="country"/> with <paramref name="overrides"/> (tone name to tone
        /// text) replacing its entries. Returns null with <paramref name="error"/> naming the tone when
        /// an override is unknown or does not parse.
        /// </summary>
        public static TonePlan Build(string country, Hashtable overrides, out string error)
        {
            error = null;
            Hashtable cache = new Hashtable();
            Hashtable tones = new Hashtable();
            if (overrides != null)
            {
                foreach (DictionaryEntry entry in overrides)
                {
                    string name = entry.Key as string;
                    if (!ToneName.IsKnown(name))
                    {
                        error = name + ": not a tone name (known: dial, busy, ringback, congestion, call-waiting, special-information, stutter, receiver-off-hook, no-service, refusal, confirmation, ring)";
                        return null;
                    }

                    string spec = entry.Value as string;
                    string toneError;
                    Tone tone = Tone.Parse(name, spec, cache, name != ToneName.Ring, out toneError);
                    if (tone == null)
                    {
                        error = name + ": " + (spec == null ? "not a string" : toneError);
                        return null;
                    }

                    tones[name] = tone;
                }
            }

            for (int i = 0; i < ToneName.All.Length; i++)
            {
                string name = ToneName.All[i];
                if (tones.Contains(name))
                {
                    continue;
                }

                string toneError;
                tones[name] = Tone.Parse(name, DefaultSpec(country, name), cache, name != ToneName.Ring, out toneError);
            }

            return new TonePlan(country, tones);
        }

        /// <summary>The national default text of tone <paramref name="name"/> in <paramref name="country"/>.</summary>
        public static string DefaultSpec(string country, string name)
        {
            switch (name)
            {
                case ToneName.SpecialInformation:
                case ToneName.NoService:
                    return SpecialInformation(country);
                case ToneName.ReceiverOffHook:
                    return Howler;
                case ToneName.Refusal:
                    return SpecialInformation(country) + " | " + DefaultSpec(country, ToneName.Congestion);
                case ToneName.Confirmation:
                    string f = country == Telephony.Country.UnitedKingdom ? "400" : (country == Telephony.Country.UnitedStates ? "350+440" : "425");
                    return f + ":100 0:100 " + f + ":100 0:100 " + f + ":100 |";
            }

            switch (country)
            {
                case Telephony.Country.Denmark: return Denmark(name);
                case Telephony.Country.Sweden: return Sweden(name);
                case Telephony.Country.Finland: return Finland(name);
                case Telephony.Country.Germany: return Germany(name);
                case Telephony.Country.UnitedKingdom: return UnitedKingdom(name);
                case Telephony.Country.UnitedStates: return UnitedStates(name);
                default: return Norway(name);
            }
        }

        private static string SpecialInformation(string country)
        {
            switch (country)
            {
                case Telephony.Country.Sweden: return SwedishSit;
                case Telephony.Country.UnitedKingdom: return UkSit;
                case Telephony.Country.UnitedStates: return UsSit;
                default: return Sit;
            }
        }

        private static string Norway(string name)
        {
            switch (name)
            {
                case ToneName.Busy: return "425:500 0:500";
                case ToneName.Ringback: return "425:1000 0:4000";
                case ToneName.Congestion: return "425:200 0:200";
                case ToneName.CallWaiting: return "425:200 0:600 425:200 0:10000";
                case ToneName.Stutter: return "470:400 425:400";
                case ToneName.Ring: return "25:1000 0:4000";
                default: return "425";
            }
        }

        private static string Denmark(string name)
        {
            switch (name)
            {
                case ToneName.Busy: return "425:500 0:500";
                case ToneName.Ringback: return "425:1000 0:4000";
                case ToneName.Congestion: return "425:200 0:200";
                case ToneName.CallWaiting: return "425:200 0:600 425:200 0:3000 425:200 0:200 425:200 |";
                case ToneName.Stutter: return "425:400 0:40";
                case ToneName.Ring: return "25:1000 0:4000";
                default: return "425";
            }
        }

        private static string Sweden(string name)
        {
            switch (name)
            {
                case ToneName.Busy: return "425:250 0:250";
                case ToneName.Ringback: return "425:1000 0:5000";
                case ToneName.Congestion: return "425:250 0:750";
                case ToneName.CallWaiting: return "425:200 0:500 425:200 0:9100";
                case ToneName.Stutter: return "425:320 0:20";
                case ToneName.Ring: return "25:1000 0:5000";
                default: return "425";
            }
        }

        private static string Finland(string name)
        {
            switch (name)
            {
                case ToneName.Busy: return "425:300 0:300";
                case ToneName.Ringback: return "425:1000 0:4000";
                case ToneName.Congestion: return "425:200 0:200";
                case ToneName.CallWaiting: return "425:150 0:150 425:150 0:8000";
                case ToneName.Stutter: return "425:650 0:25";
                case ToneName.Ring: return "25:1000 0:4000";
                default: return "425";
            }
        }

        private static string Germany(string name)
        {
            switch (name)
            {
                case ToneName.Busy: return "425:480 0:480";
                case ToneName.Ringback: return "425:1000 0:4000";
                case ToneName.Congestion: return "425:240 0:240";
                case ToneName.CallWaiting: return "425:200 0:200 425:200 0:5000";
                case ToneName.Stutter: return "400+425";
                case ToneName.Ring: return "25:1000 0:4000";
                default: return "425";
            }
        }

        private static string UnitedKingdom(string name)
        {
            switch (name)
            {
                case ToneName.Busy: return "400:375 0:375";
                case ToneName.Ringback: return "400+450:400 0:200 400+450:400 0:2000";
                case ToneName.Congestion: return "400:400 0:350 400:225 0:525";
                case ToneName.CallWaiting: return "400:100 0:4000";
                case ToneName.Stutter: return "350+440:750 440:750";
                case ToneName.Ring: return "25:400 0:200 25:400 0:2000";
                default: return "350+440";
            }
        }

        private static string UnitedStates(string name)
        {
            switch (name)
            {
                case ToneName.Busy: return "480+620:500 0:500";
                case ToneName.Ringback: return "440+480:2000 0:4000";
                case ToneName.Congestion: return "480+620:250 0:250";
                case ToneName.CallWaiting: return "440:300 0:9700";
                case ToneName.Stutter:
                    return "350+440:100 0:100 350+440:100 0:100 350+440:100 0:100 350+440:100 0:100 350+440:100 0:100 "
                        + "350+440:100 0:100 350+440:100 0:100 350+440:100 0:100 350+440:100 0:100 350+440:100 0:100 | 350+440";
                case ToneName.Ring: return "20:2000 0:4000";
                default: return "350+440";
            }
        }
    }
}
