using Ata.Core.Contract;
using Ata.Core.Hardware;
using Ata.Core.Json;

namespace Ata.Core.Tests.Gateway;

/// <summary>
/// The health report's signal: a radio's RSSI when the board has one; nothing from a wired board
/// (found: support saw "Signal 0 dBm" for every adapter, the reference board being Ethernet).
/// </summary>
public class HealthReportSignalTests
{
    private static string Health(int rssi)
    {
        var adapter = new Adapter("ata-1", new FakeDevice { Rssi = rssi }, new FakeSocket(), new FakeResolver(), new ILed[4], new RecordingEvents(), new Random(1), 0);
        return adapter.HealthJson(1000);
    }

    [Fact]
    public void A_wired_board_reports_no_signal()
    {
        var health = JsonReader.ParseObject(Health(0));
        Assert.False(health.Contains(Fields.Rssi));
        Assert.True(health.Contains(Fields.FreeHeap));
    }

    [Fact]
    public void A_board_with_a_radio_reports_its_signal()
    {
        Assert.Equal(-67L, Convert.ToInt64(JsonReader.ParseObject(Health(-67))[Fields.Rssi], System.Globalization.CultureInfo.InvariantCulture));
    }
}
