using System.Text;

namespace Ata.Core.Leds
{
    /// <summary>
    /// The LED guide for support staff, generated from <see cref="LedTable"/> so the printed guide and
    /// the firmware never disagree. <c>hardware/led-guide.md</c> is this text.
    /// </summary>
    public static class LedGuide
    {
        private const string NotSetUp = "not set up: a technician connects the console (tools/console) and sets what its status command says is missing";

        private static readonly string[] Labels = { "PWR", "WAN", "TEL1, TEL2" };

        private static readonly LedPattern[][] Patterns =
        {
            new LedPattern[] { LedPattern.Off, LedPattern.Solid, LedPattern.SlowBlink, LedPattern.FastBlink },
            new LedPattern[] { LedPattern.Off, LedPattern.SlowBlink, LedPattern.Solid },
            new LedPattern[] { LedPattern.Off, LedPattern.Solid, LedPattern.SlowBlink, LedPattern.FastBlink, LedPattern.MessageWaiting },
        };

        /// <summary>What each LED means in each of its <see cref="Patterns"/>, in the same order (see <see cref="LedRules"/>).</summary>
        private static readonly string[][] Meanings =
        {
            new string[]
            {
                "no power: check the power adapter and the socket",
                "running",
                "starting: no configuration from the phone company yet",
                "writing the configuration or settings to flash: do not unplug",
            },
            new string[]
            {
                "no network link: check the cable to the modem or router",
                "link, but no address, or neither the phone service nor the management service answers: restart the modem or router",
                "online (flickers with traffic)",
            },
            new string[]
            {
                "no account provisioned on this line",
                "registered, handset on hook: the phone should give dial tone",
                "handset off hook or a call in progress; with the handset on hook: registering with the phone service",
                "ringing",
                "a message is waiting in the voicemail box (registered, handset on hook): lifting the handset gives the stuttered dial tone",
            },
        };

        /// <summary>The guide as Markdown.</summary>
        public static string Markdown()
        {
            StringBuilder sb = new StringBuilder(3072);
            sb.Append("# LED guide\n\n");
            sb.Append("Generated from the firmware's LED table (`firmware/Ata.Core/Leds/LedTable.cs`, `LedRules.cs`,\n");
            sb.Append("`LedGuide.cs`); do not edit by hand. Slow blink is 1 Hz, fast blink 5 Hz. A blink code is n short\n");
            sb.Append("flashes, then a pause of ");
            sb.Append(LedTable.CodePauseMs / 100 / 10);
            sb.Append('.');
            sb.Append(LedTable.CodePauseMs / 100 % 10);
            sb.Append(" s, repeated: count the flashes between pauses.\n\n");
            for (int i = 0; i < Labels.Length; i++)
            {
                sb.Append("## ").Append(Labels[i]).Append("\n\n| the LED is | it means |\n|---|---|\n");
                for (int p = 0; p < Patterns[i].Length; p++)
                {
                    sb.Append("| ").Append(Describe(Patterns[i][p])).Append(" | ").Append(Meanings[i][p]).Append(" |\n");
                }

                if (i == 0)
                {
                    sb.Append("| ").Append(LedTable.NotSetUpBlinks).Append(" blink, pause | ").Append(NotSetUp).Append(" |\n");
                }
                else if (i == 1)
                {
                    AppendCodes(sb, LedTable.WanFaultCodes);
                }
                else
                {
                    AppendCodes(sb, LedTable.TelFaultCodes);
                    sb.Append("\nWhile a TEL LED blinks a code, lifting that line's handset gives the no-service signal\n")
                        .Append("(three rising tones, repeated) instead of dial tone: the service, not the phone, is at fault.\n");
                }

                sb.Append('\n');
            }

            return sb.ToString();
        }

        /// <summary>
        /// What LED <paramref name="led"/> (<see cref="LedTable.Power"/>, <see cref="LedTable.Wan"/>,
        /// <see cref="LedTable.Tel1"/> or the next) means while it shows <paramref name="patternName"/>
        /// (<see cref="LedTable.PatternName"/>: <c>off</c>, <c>solid</c>, <c>slow-blink</c>, <c>fast-blink</c>,
        /// <c>code-N</c>), as the guide says; null for a pattern the guide does not give that LED.
        /// </summary>
        public static string Meaning(int led, string patternName)
        {
            int group = led == LedTable.Power ? 0 : led == LedTable.Wan ? 1 : 2;
            LedPattern[] patterns = Patterns[group];
            for (int p = 0; p < patterns.Length; p++)
            {
                if (patterns[p] != LedPattern.BlinkCode && LedTable.PatternName(patterns[p], 0) == patternName)
                {
                    return Meanings[group][p];
                }
            }

            const string CodePrefix = "code-";
            if (patternName == null || !patternName.StartsWith(CodePrefix))
            {
                return null;
            }

            int count = Text.AsciiText.ParseNonNegative(patternName.Substring(CodePrefix.Length));
            if (group == 0)
            {
                return count == LedTable.NotSetUpBlinks ? NotSetUp : null;
            }

            string[] codes = group == 1 ? LedTable.WanFaultCodes : LedTable.TelFaultCodes;
            for (int c = 0; c < codes.Length; c++)
            {
                if (LedTable.BlinkCount(codes[c]) == count)
                {
                    return FaultMeaning(codes[c]);
                }
            }

            return null;
        }

        private static void AppendCodes(StringBuilder sb, string[] codes)
        {
            for (int c = 0; c < codes.Length; c++)
            {
                string code = codes[c];
                int blinks = LedTable.BlinkCount(code);
                sb.Append("| ").Append(blinks).Append(blinks == 1 ? " blink, pause | " : " blinks, pause | ")
                    .Append(FaultMeaning(code)).Append(" (fault `").Append(code).Append("`) |\n");
            }
        }

        private static string Describe(LedPattern pattern)
        {
            switch (pattern)
            {
                case LedPattern.SlowBlink: return "blinking slowly";
                case LedPattern.FastBlink: return "blinking fast";
                case LedPattern.MessageWaiting: return "lit, dark briefly every " + (LedTable.MessageWaitingPeriodMs / 1000).ToString() + " s";
                default: return LedTable.PatternName(pattern, 0);
            }
        }

        /// <summary>What a TEL blink code means to a household and to support.</summary>
        public static string FaultMeaning(string code)
        {
            switch (code)
            {
                case Faults.FaultCode.NetworkDown: return "no network: the adapter cannot reach the internet";
                case Faults.FaultCode.WrongCredentials: return "the phone service refused the line's user name or password";
                case Faults.FaultCode.AccountUnknown: return "the phone service does not know this line's account";
                case Faults.FaultCode.RegistrarUnreachable: return "the phone service's server does not answer";
                case Faults.FaultCode.DnsFailure: return "the phone service's server name cannot be looked up";
                case Faults.FaultCode.RegistrarOverloaded: return "the phone service's server reports an error or overload";
                case Faults.FaultCode.RegistrationRefused: return "the phone service refused the line for another reason";
                case Faults.FaultCode.GatewayLoginRefused: return "the management service refused the adapter's login: its device secret is wrong; support re-onboards it";
                default: return code;
            }
        }
    }
}
