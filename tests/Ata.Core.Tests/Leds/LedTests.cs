using Ata.Core.Faults;
using Ata.Core.Hardware;
using Ata.Core.Leds;

namespace Ata.Core.Tests.Leds;

public class LedTests
{
    private sealed class Pin : ILed
    {
        public List<bool> Levels { get; } = [];
        public void Set(bool on) => Levels.Add(on);
    }

    private static string Trace(LedPattern pattern, int count, long periodMs, long stepMs) =>
        string.Concat(Enumerable.Range(0, (int)(periodMs / stepMs)).Select(i => LedTable.IsLit(pattern, count, i * stepMs) ? '#' : '.'));

    [Fact]
    public void Slow_blink_is_1_Hz_and_fast_blink_5_Hz()
    {
        Assert.Equal("#####.....#####.....", Trace(LedPattern.SlowBlink, 0, 2000, 100));
        Assert.Equal("##..##..##..##..##..", Trace(LedPattern.FastBlink, 0, 1000, 50));
        Assert.Equal("####", Trace(LedPattern.Solid, 0, 400, 100));
        Assert.Equal("....", Trace(LedPattern.Off, 0, 400, 100));
    }

    [Fact]
    public void A_blink_code_counts_out_then_pauses()
    {
        // Code 3: three 200 ms flashes 400 ms apart, then a 1.6 s pause, then again (a 2.8 s cycle).
        Assert.Equal("##..##..##......" + "............##..##..", Trace(LedPattern.BlinkCode, 3, 3600, 100));
    }

    [Fact]
    public void Each_registration_fault_has_its_own_count()
    {
        var counts = LedTable.TelFaultCodes.Select(LedTable.BlinkCount).ToList();
        Assert.Equal(counts.Count, counts.Distinct().Count());
        Assert.All(counts, c => Assert.InRange(c, 1, 9));
        Assert.Equal(2, LedTable.BlinkCount(FaultCode.WrongCredentials));
        Assert.Equal(0, LedTable.BlinkCount(FaultCode.ConfigRefused));
    }

    [Theory]
    [InlineData(LedPattern.Off, 0, "off")]
    [InlineData(LedPattern.Solid, 0, "solid")]
    [InlineData(LedPattern.SlowBlink, 0, "slow-blink")]
    [InlineData(LedPattern.FastBlink, 0, "fast-blink")]
    [InlineData(LedPattern.BlinkCode, 4, "code-4")]
    public void Patterns_have_wire_names(LedPattern pattern, int count, string name)
    {
        Assert.Equal(name, LedTable.PatternName(pattern, count));
    }

    [Fact]
    public void Panel_restarts_the_phase_on_change_and_writes_pins_only_on_edges()
    {
        var pins = new[] { new Pin(), new Pin(), new Pin(), new Pin() };
        var panel = new LedPanel(pins);
        Assert.True(panel.Set(LedTable.Tel1, LedPattern.BlinkCode, 2, 1000));
        Assert.False(panel.Set(LedTable.Tel1, LedPattern.BlinkCode, 2, 1500));
        for (long t = 1000; t < 1000 + 2400; t += 10)
        {
            panel.Tick(t);
        }

        Assert.Equal(new[] { true, false, true, false }, pins[LedTable.Tel1].Levels);
        Assert.Equal("code-2", panel.PatternName(LedTable.Tel1));
    }

    [Fact]
    public void Solid_WAN_flickers_with_traffic()
    {
        var panel = new LedPanel(new ILed[4]);
        panel.Set(LedTable.Wan, LedPattern.Solid, 0, 0);
        Assert.True(panel.IsLit(LedTable.Wan, 1000));
        panel.Traffic(1000);
        Assert.False(panel.IsLit(LedTable.Wan, 1010));
        Assert.True(panel.IsLit(LedTable.Wan, 1000 + LedTable.TrafficFlickerMs));
    }
}
