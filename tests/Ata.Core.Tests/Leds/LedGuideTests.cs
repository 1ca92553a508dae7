using Ata.Core.Leds;

namespace Ata.Core.Tests.Leds;

public class LedGuideTests
{
    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Firmware.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Firmware.sln not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void The_printed_guide_is_the_one_generated_from_the_LED_table()
    {
        string path = Path.Combine(RepoRoot(), "hardware", "led-guide.md");
        string expected = LedGuide.Markdown();
        string actual = File.Exists(path) ? File.ReadAllText(path) : "(missing)";
        Assert.True(expected == actual,
            "hardware/led-guide.md differs from the LED table. Regenerate it: dotnet firmware/Ata.Sim/bin/Debug/net10.0/Ata.Sim.dll --led-guide > hardware/led-guide.md");
    }

    [Fact]
    public void The_guide_names_every_TEL_fault_with_its_count()
    {
        string guide = LedGuide.Markdown();
        foreach (string code in LedTable.TelFaultCodes)
        {
            int blinks = LedTable.BlinkCount(code);
            Assert.Contains($"| {blinks} {(blinks == 1 ? "blink" : "blinks")}, pause | {LedGuide.FaultMeaning(code)} (fault `{code}`) |", guide);
        }
    }
}
