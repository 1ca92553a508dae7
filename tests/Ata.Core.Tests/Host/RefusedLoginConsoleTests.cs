using Ata.Core.Console;
using Ata.Core.Faults;
using Ata.Core.Hardware;
using Ata.Core.Host;
using Ata.Core.Leds;

namespace Ata.Core.Tests.Host;

/// <summary>
/// A refused login is visible on the adapter (issue 15, item 3): its console log says
/// <c>gateway: login refused, check the device secret</c> in those words (before, it said
/// <c>gateway waiting: the broker refused the login (NotAuthorized)</c>), and WAN counts out a code
/// of its own, written in the LED guide.
/// </summary>
public class RefusedLoginConsoleTests
{
    [Fact]
    public void The_console_log_says_login_refused_check_the_device_secret_at_each_refusal_and_not_once_connected()
    {
        var log = new RecentLog(32);
        var adapter = new Adapter("ata-1", new FakeDevice(), new FakeSocket(), new FakeResolver(), new ILed[4],
            new LoggingEvents(log, new RecordingEvents()), new Random(5), new GatewayAccess("gw", 8883, "ata-1", "typo-secret") { PowerOnSpreadMs = 0 }, null, 0);
        var console = new TechnicianConsole(adapter, new FakeDevice(), new Ata.Core.Settings.DeviceSettings(), new Console.MemoryConfigStore(), log, 0);

        long now = 0;
        for (int attempt = 0; attempt < 2; attempt++)
        {
            adapter.Tick(now);
            Assert.Equal(HostRequestKind.Connect, adapter.NextHostRequest()!.Kind);
            adapter.OnMqttConnectFailed(true, "the broker refused the login (NotAuthorized)", now + 100);
            now = adapter.Host.NextConnectAt;
        }

        var lines = console.Execute("log", now).Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.True(2 == lines.Count(l => l.EndsWith(" gateway: login refused, check the device secret", StringComparison.Ordinal)), string.Join("\n", lines));
        Assert.Contains("gateway:    login refused, check the device secret (2 attempts)", console.Execute("status", now));

        adapter.Tick(now);
        Assert.Equal(HostRequestKind.Connect, adapter.NextHostRequest()!.Kind);
        adapter.OnMqttConnected(new FakeMqtt(), now + 50);
        Assert.DoesNotContain("login refused", console.Execute("status", now + 60), StringComparison.Ordinal);
    }

    [Fact]
    public void The_WAN_LED_counts_out_a_code_no_other_WAN_state_uses_and_the_guide_names_it()
    {
        int count = LedTable.BlinkCount(FaultCode.GatewayLoginRefused);
        Assert.True(count > 1);
        Assert.Single(LedTable.WanFaultCodes, c => LedTable.BlinkCount(c) == count);
        Assert.NotEqual(LedTable.NotSetUpBlinks, count);
        Assert.Contains($"| {count} blinks, pause | {LedGuide.FaultMeaning(FaultCode.GatewayLoginRefused)} (fault `{FaultCode.GatewayLoginRefused}`) |", LedGuide.Markdown());
    }
}
