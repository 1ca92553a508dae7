using Ata.Core.Faults;

namespace Ata.Core.Leds
{
    /// <summary>
    /// The one table of what the LEDs show and how each pattern moves over time. The LED guide for
    /// support is generated from it.
    /// </summary>
    public static class LedTable
    {
        /// <summary>LED names, in panel order.</summary>
        public static readonly string[] Names = { "pwr", "wan", "tel1", "tel2" };

        /// <summary>Index of PWR in <see cref="Names"/>.</summary>
        public const int Power = 0;
        /// <summary>Index of WAN.</summary>
        public const int Wan = 1;
        /// <summary>Index of TEL1 (TEL2 is TEL1 + 1).</summary>
        public const int Tel1 = 2;

        /// <summary>Slow blink period: 1 Hz, half on.</summary>
        public const long SlowPeriodMs = 1000;
        /// <summary>Fast blink period: 5 Hz, half on.</summary>
        public const long FastPeriodMs = 200;
        /// <summary>One blink of a blink code: on for half of it.</summary>
        public const long CodeBlinkMs = 400;
        /// <summary>Dark pause after a blink code's blinks.</summary>
        public const long CodePauseMs = 1600;
        /// <summary>The message-waiting pattern's period: lit, then dark for <see cref="MessageWaitingDarkMs"/>.</summary>
        public const long MessageWaitingPeriodMs = 2000;

        /// <summary>How long the message-waiting pattern is dark in each period.</summary>
        public const long MessageWaitingDarkMs = 400;

        /// <summary>How long the WAN LED goes dark to flicker with traffic.</summary>
        public const long TrafficFlickerMs = 40;

        /// <summary>The blink count PWR shows while the adapter is not set up (no device id, secret or gateway).</summary>
        public const int NotSetUpBlinks = 1;

        /// <summary>
        /// The blink count an LED shows for a fault: TEL counts out registration faults (and the
        /// adapter-wide <see cref="FaultCode.NetworkDown"/>), WAN the gateway's refusal. 0 for codes no LED shows.
        /// </summary>
        public static int BlinkCount(string faultCode)
        {
            switch (faultCode)
            {
                case FaultCode.NetworkDown: return 1;
                case FaultCode.WrongCredentials: return 2;
                case FaultCode.AccountUnknown: return 3;
                case FaultCode.RegistrarUnreachable: return 4;
                case FaultCode.DnsFailure: return 5;
                case FaultCode.RegistrarOverloaded: return 6;
                case FaultCode.RegistrationRefused: return 7;
                case FaultCode.GatewayLoginRefused: return 2;
                default: return 0;
            }
        }

        /// <summary>The fault codes a TEL LED counts out, in blink-count order (the first active one is shown).</summary>
        public static readonly string[] TelFaultCodes =
        {
            FaultCode.NetworkDown, FaultCode.WrongCredentials, FaultCode.AccountUnknown,
            FaultCode.RegistrarUnreachable, FaultCode.DnsFailure, FaultCode.RegistrarOverloaded,
            FaultCode.RegistrationRefused,
        };

        /// <summary>The fault codes the WAN LED counts out.</summary>
        public static readonly string[] WanFaultCodes = { FaultCode.GatewayLoginRefused };

        /// <summary>The wire name of a pattern: <c>off</c>, <c>solid</c>, <c>slow-blink</c>, <c>fast-blink</c>, <c>code-N</c>, <c>message-waiting</c>.</summary>
        public static string PatternName(LedPattern pattern, int count)
        {
            switch (pattern)
            {
                case LedPattern.Solid: return "solid";
                case LedPattern.SlowBlink: return "slow-blink";
                case LedPattern.FastBlink: return "fast-blink";
                case LedPattern.BlinkCode: return "code-" + count.ToString();
                case LedPattern.MessageWaiting: return "message-waiting";
                default: return "off";
            }
        }

        /// <summary>
        /// Whether a LED showing <paramref name="pattern"/> is lit at <paramref name="phaseMs"/> since
        /// the pattern started: a pure function of time.
        /// </summary>
        public static bool IsLit(LedPattern pattern, int count, long phaseMs)
        {
            if (phaseMs < 0)
            {
                phaseMs = 0;
            }

            switch (pattern)
            {
                case LedPattern.Solid:
                    return true;
                case LedPattern.SlowBlink:
                    return phaseMs % SlowPeriodMs < SlowPeriodMs / 2;
                case LedPattern.FastBlink:
                    return phaseMs % FastPeriodMs < FastPeriodMs / 2;
                case LedPattern.MessageWaiting:
                    return phaseMs % MessageWaitingPeriodMs < MessageWaitingPeriodMs - MessageWaitingDarkMs;
                case LedPattern.BlinkCode:
                    long cycle = (count * CodeBlinkMs) + CodePauseMs;
                    long t = phaseMs % cycle;
                    return t < count * CodeBlinkMs && t % CodeBlinkMs < CodeBlinkMs / 2;
                default:
                    return false;
            }
        }
    }
}
