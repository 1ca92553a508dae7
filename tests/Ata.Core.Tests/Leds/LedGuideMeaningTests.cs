using Ata.Core.Faults;
using Ata.Core.Leds;

namespace Ata.Core.Tests.Leds;

/// <summary>The guide's meaning of one LED in one pattern, as the dashboard shows it beside the drawn LEDs.</summary>
public class LedGuideMeaningTests
{
    [Fact]
    public void Each_led_reads_its_own_blink_codes()
    {
        Assert.StartsWith("not set up", LedGuide.Meaning(LedTable.Power, "code-" + LedTable.NotSetUpBlinks));
        Assert.Equal(LedGuide.FaultMeaning(FaultCode.GatewayLoginRefused), LedGuide.Meaning(LedTable.Wan, "code-2"));
        Assert.Equal(LedGuide.FaultMeaning(FaultCode.WrongCredentials), LedGuide.Meaning(LedTable.Tel1, "code-2"));
        Assert.Equal(LedGuide.FaultMeaning(FaultCode.NetworkDown), LedGuide.Meaning(LedTable.Tel1 + 1, "code-1"));
    }

    [Fact]
    public void Plain_patterns_read_as_the_printed_guide_says_and_unknown_ones_as_nothing()
    {
        string guide = LedGuide.Markdown();
        foreach (var (led, pattern) in new[] { (LedTable.Power, "fast-blink"), (LedTable.Wan, "slow-blink"), (LedTable.Tel1, "off"), (LedTable.Tel1, "solid") })
        {
            string? meaning = LedGuide.Meaning(led, pattern);
            Assert.NotNull(meaning);
            Assert.Contains(meaning, guide, StringComparison.Ordinal);
        }

        Assert.Null(LedGuide.Meaning(LedTable.Wan, "fast-blink"));
        Assert.Null(LedGuide.Meaning(LedTable.Power, "code-7"));
        Assert.Null(LedGuide.Meaning(LedTable.Tel1, "code-x"));
        Assert.Null(LedGuide.Meaning(LedTable.Tel1, "sparkle"));
    }
}
