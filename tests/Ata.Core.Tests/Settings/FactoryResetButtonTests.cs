using Ata.Core.Settings;

namespace Ata.Core.Tests.Settings;

public sealed class FactoryResetButtonTests
{
    [Fact]
    public void Fires_once_after_ten_seconds_held()
    {
        var button = new FactoryResetButton();
        button.Changed(true, 1000);
        Assert.False(button.Due(10999));
        Assert.True(button.Due(11000));
        Assert.False(button.Due(20000));
    }

    [Fact]
    public void A_shorter_press_does_nothing_and_the_next_press_starts_over()
    {
        var button = new FactoryResetButton();
        button.Changed(true, 0);
        button.Changed(false, 9000);
        Assert.False(button.Due(12000));
        button.Changed(true, 12000);
        Assert.False(button.Due(21999));
        Assert.True(button.Due(22000));
    }
}
