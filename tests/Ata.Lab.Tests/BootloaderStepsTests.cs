namespace Ata.Lab.Tests;

/// <summary>
/// One way into the reference board's bootloader, told the same everywhere (issue 15, item 2):
/// before, tools/flash said "hold the BOOT/RESET button while plugging in USB" (the board has only
/// RESET, and USB powers only the USB bridge), the technician's guide "hold RESET while plugging in
/// USB", and led-placement.md "hold RESET while plugging in power".
/// </summary>
public sealed class BootloaderStepsTests
{
    private static readonly string Root = RepoLayout.Find().Root;

    [Theory]
    [InlineData("tools/flash")]
    [InlineData("firmware/Ata.Device/README.md")]
    [InlineData("hardware/led-placement.md")]
    public void The_bootloader_is_entered_by_holding_RESET_while_the_12_V_supply_is_plugged_in(string file)
    {
        var text = Flatten(File.ReadAllText(Path.Combine(Root, file)));

        Assert.DoesNotContain("BOOT/RESET", text, StringComparison.Ordinal);
        Assert.DoesNotContain("BOOT button, hold", text, StringComparison.Ordinal);
        Assert.DoesNotContain("while plugging in USB", text, StringComparison.Ordinal);
        Assert.Contains("RESET", text, StringComparison.Ordinal);
        Assert.Contains("12 V supply", text, StringComparison.Ordinal);
    }

    [Fact]
    public void USB_powers_only_the_bridge_as_the_power_table_says()
    {
        var power = File.ReadAllText(Path.Combine(Root, "hardware/power-and-ring.md"));
        Assert.Contains("| USB 5 V | the technician's USB | CH342 bridge only |", power, StringComparison.Ordinal);
        var guide = Flatten(File.ReadAllText(Path.Combine(Root, "firmware/Ata.Device/README.md")));
        Assert.Contains("USB powers only the USB bridge", guide, StringComparison.Ordinal);
        Assert.Contains("waiting for download", guide, StringComparison.Ordinal);
    }

    private static string Flatten(string text) =>
        string.Join(' ', text.Replace("\"", " ", StringComparison.Ordinal).Replace("echo", " ", StringComparison.Ordinal).Replace("#", " ", StringComparison.Ordinal)
            .Split([' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries));
}
