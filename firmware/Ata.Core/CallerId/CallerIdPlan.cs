using Ata.Core.Telephony;

namespace Ata.Core.CallerId
{
    /// <summary>
    /// How a country presents the caller on an analog line (see README.md for the source of each
    /// choice): the signal (<see cref="Method"/>), when it is sent (<see cref="BeforeFirstRing"/> or in
    /// the first ring pause), how the phone is woken first (line reversal, the dual-tone alerting signal),
    /// the DTMF start and end keys, whether visual message waiting is sent on hook, and whether a waiting
    /// call's caller is presented during a call (<see cref="OffHook"/>, type 2).
    /// </summary>
    public sealed class CallerIdPlan
    {
        /// <summary>ETSI FSK with ITU-T V.23 frequencies: mark 1300 Hz, space 2100 Hz, 1200 baud.</summary>
        public const string FskV23 = "fsk-v23";

        /// <summary>FSK with Bell 202 frequencies: mark 1200 Hz, space 2200 Hz, 1200 baud (Telcordia GR-30).</summary>
        public const string FskBell202 = "fsk-bell202";

        /// <summary>DTMF caller ID: a start key, the number, an end key (information codes for hidden numbers).</summary>
        public const string Dtmf = "dtmf";

        /// <summary>No caller ID.</summary>
        public const string None = "none";

        private CallerIdPlan(string country, string method, bool beforeFirstRing, bool reversal, bool alertTone, char dtmfStart, char dtmfEnd, bool visualMessageWaiting, bool offHook)
        {
            Country = country;
            Method = method;
            BeforeFirstRing = beforeFirstRing;
            LineReversal = reversal;
            AlertTone = alertTone;
            DtmfStart = dtmfStart;
            DtmfEnd = dtmfEnd;
            VisualMessageWaiting = visualMessageWaiting;
            OffHook = offHook;
        }

        /// <summary>The country the plan is for.</summary>
        public string Country { get; private set; }

        /// <summary><see cref="FskV23"/>, <see cref="FskBell202"/>, <see cref="Dtmf"/> or <see cref="None"/>.</summary>
        public string Method { get; private set; }

        /// <summary>True: sent before the first ring; false: in the pause after the first ring.</summary>
        public bool BeforeFirstRing { get; private set; }

        /// <summary>True when the line's polarity is reversed to wake the phone before the signal (restored after it).</summary>
        public bool LineReversal { get; private set; }

        /// <summary>True when the dual-tone alerting signal (2130 + 2750 Hz, 100 ms) precedes the FSK before the first ring.</summary>
        public bool AlertTone { get; private set; }

        /// <summary>The DTMF key that starts the number (DTMF plans).</summary>
        public char DtmfStart { get; private set; }

        /// <summary>The DTMF key that ends the signal (DTMF plans).</summary>
        public char DtmfEnd { get; private set; }

        /// <summary>True when a waiting message is also shown on the phone's display (an on-hook FSK message-waiting message).</summary>
        public bool VisualMessageWaiting { get; private set; }

        /// <summary>
        /// True when a call waiting during a call is presented on the phone's display (off-hook caller ID,
        /// "type 2": alerting signal, the phone's DTMF acknowledgement, FSK; see <see cref="OffHookCallerId"/>).
        /// Only FSK plans have it.
        /// </summary>
        public bool OffHook { get; private set; }

        /// <summary>True for the FSK methods.</summary>
        public bool IsFsk
        {
            get { return Method == FskV23 || Method == FskBell202; }
        }

        /// <summary>FSK mark (binary 1) frequency in Hz.</summary>
        public int MarkHz
        {
            get { return Method == FskBell202 ? 1200 : 1300; }
        }

        /// <summary>FSK space (binary 0) frequency in Hz.</summary>
        public int SpaceHz
        {
            get { return Method == FskBell202 ? 2200 : 2100; }
        }

        /// <summary>The national plan of <paramref name="country"/> (a <see cref="Telephony.Country"/> code; unknown: Norway's).</summary>
        public static CallerIdPlan For(string country)
        {
            switch (country)
            {
                case Telephony.Country.Denmark:
                    return new CallerIdPlan(country, Dtmf, true, true, false, 'D', 'C', false, false);
                case Telephony.Country.Sweden:
                case Telephony.Country.Finland:
                    return new CallerIdPlan(country, Dtmf, true, true, false, 'A', 'C', false, false);
                case Telephony.Country.Germany:
                    return new CallerIdPlan(country, FskV23, false, false, false, '\0', '\0', true, true);
                case Telephony.Country.UnitedKingdom:
                    return new CallerIdPlan(country, FskV23, true, true, true, '\0', '\0', true, true);
                case Telephony.Country.UnitedStates:
                    return new CallerIdPlan(country, FskBell202, false, false, false, '\0', '\0', true, true);
                default:
                    return new CallerIdPlan(Telephony.Country.Norway, FskV23, true, true, true, '\0', '\0', true, false);
            }
        }

        /// <summary>A plan that sends nothing.</summary>
        public static CallerIdPlan Off(string country)
        {
            return new CallerIdPlan(country, None, false, false, false, '\0', '\0', false, false);
        }
    }
}
