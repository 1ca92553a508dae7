using System.Text;

namespace Ata.Core.Leds
{
    /// <summary>
    /// The LED guide for support staff, generated from <see cref="LedTable"/> so the printed guide and
    /// the firmware never disagree. <c>hardware/led-guide.md</c> is this text.
    /// </summary>
    public static class LedGuide
    {
        private static readonly string[] Labels = { "PWR", "WAN", "TEL1, TEL2" };

        private static readonly LedPattern[][] Patterns =
        {
            new LedPattern[] { LedPattern.Off, LedPattern.Solid, LedPattern.SlowBlink, LedPattern.FastBlink },
            new LedPattern[] { LedPattern.Off, LedPattern.SlowBlink, LedPattern.Solid },
            new LedPattern[] { LedPattern.Off, LedPattern.Solid, LedPattern.SlowBlink, LedPattern.FastBlink },
        };

        /// <summary>What each LED means in each of its <see cref="Patterns"/>, in the same order.</summary>
        private static readonly string[][] Meanings =
        {
            new string[]
            {
                "no power: check the power adapter and the socket",
                "running",
                "starting, or applying a new configuration",
                "writing flash (a firmware update or factory reset): do not unplug",
            },
            new string[]
            {
                "no network link: check the cable to the modem or router",
                "link, but no address or no internet",
                "online (flickers with traffic)",
            },
            new string[]
            {
                "no account provisioned on this line, or registering",
                "registered, handset on hook: the phone should give dial tone",
                "handset off hook, or a call in progress",
                "ringing",
            },
        };

        /// <summary>The guide as Markdown.</summary>
        public static string Markdown()
        {
            StringBuilder sb = new StringBuilder(2048);
            sb.Append("# LED guide\n\n");
            sb.Append("Generated from the firmware's LED table (`firmware/Ata.Core/Leds/LedTable.cs`, `LedGuide.cs`);\n");
            sb.Append("do not edit by hand. Slow blink is 1 Hz, fast blink 5 Hz. A blink code is n short flashes,\n");
            sb.Append("then a pause of ");
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

                if (i == Labels.Length - 1)
                {
                    for (int c = 0; c < LedTable.TelFaultCodes.Length; c++)
                    {
                        string code = LedTable.TelFaultCodes[c];
                        sb.Append("| ").Append(LedTable.BlinkCount(code)).Append(" blinks, pause | ")
                            .Append(FaultMeaning(code)).Append(" (fault `").Append(code).Append("`) |\n");
                    }

                    sb.Append("\nWhile a TEL LED blinks a code, lifting that line's handset gives the no-service signal\n")
                        .Append("(three rising tones, repeated) instead of dial tone: the service, not the phone, is at fault.\n");
                }

                sb.Append('\n');
            }

            return sb.ToString();
        }

        private static string Describe(LedPattern pattern)
        {
            switch (pattern)
            {
                case LedPattern.SlowBlink: return "blinking slowly";
                case LedPattern.FastBlink: return "blinking fast";
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
                default: return code;
            }
        }
    }
}
