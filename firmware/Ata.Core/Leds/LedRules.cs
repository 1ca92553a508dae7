using Ata.Core.Faults;
using Ata.Core.Health;
using Ata.Core.Telephony;

namespace Ata.Core.Leds
{
    /// <summary>
    /// What each LED shows, as pure functions of the adapter's state: set up, provisioned, writing
    /// flash, the WAN, whether the gateway or a registrar answers, the active faults on the
    /// <see cref="FaultBoard"/> and each line's state. The guide for support
    /// (<see cref="LedGuide"/>) describes exactly these rules.
    /// </summary>
    public static class LedRules
    {
        /// <summary>PWR: not set up (a blink code), writing flash (fast), no provisioning yet (slow), running (solid).</summary>
        public static LedPattern Power(bool setUp, bool provisioned, bool writingFlash, out int count)
        {
            count = 0;
            if (!setUp)
            {
                count = LedTable.NotSetUpBlinks;
                return LedPattern.BlinkCode;
            }

            if (writingFlash)
            {
                return LedPattern.FastBlink;
            }

            return provisioned ? LedPattern.Solid : LedPattern.SlowBlink;
        }

        /// <summary>
        /// WAN: no link (off); the gateway refusing the adapter's login (a blink code); a link without
        /// an address, or an address from which neither the gateway nor any registrar answers (slow);
        /// online (solid, flickering with traffic).
        /// </summary>
        public static LedPattern Wan(string wan, bool servicesAnswer, FaultBoard faults, out int count)
        {
            count = 0;
            if (wan == WanState.Down)
            {
                return LedPattern.Off;
            }

            FaultReport fault = faults.FirstActive(LedTable.WanFaultCodes, 0, false);
            if (fault != null)
            {
                count = LedTable.BlinkCount(fault.Code);
                return LedPattern.BlinkCode;
            }

            return wan == WanState.Limited || !servicesAnswer ? LedPattern.SlowBlink : LedPattern.Solid;
        }

        /// <summary>
        /// TEL of line <paramref name="line"/>: ringing (fast); no account (off); a registration fault of
        /// the line or the whole adapter (its blink code); off hook, in a call or still registering (slow);
        /// registered and on hook (solid).
        /// </summary>
        public static LedPattern Tel(int line, bool provisioned, bool registered, string lineState, FaultBoard faults, out int count)
        {
            return Tel(line, provisioned, registered, lineState, false, faults, out count);
        }

        /// <summary>
        /// TEL as above; a registered line, on hook, with no fault and a message waiting
        /// (<paramref name="messageWaiting"/>) shows <see cref="LedPattern.MessageWaiting"/> instead of solid.
        /// </summary>
        public static LedPattern Tel(int line, bool provisioned, bool registered, string lineState, bool messageWaiting, FaultBoard faults, out int count)
        {
            count = 0;
            if (lineState == LineState.Ringing)
            {
                return LedPattern.FastBlink;
            }

            if (!provisioned)
            {
                return LedPattern.Off;
            }

            FaultReport fault = faults.FirstActive(LedTable.TelFaultCodes, line, true);
            if (fault != null)
            {
                count = LedTable.BlinkCount(fault.Code);
                return LedPattern.BlinkCode;
            }

            if (registered && !LineState.IsOffHook(lineState))
            {
                return messageWaiting ? LedPattern.MessageWaiting : LedPattern.Solid;
            }

            return LedPattern.SlowBlink;
        }
    }
}
