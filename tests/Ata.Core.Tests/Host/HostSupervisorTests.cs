using Ata.Core.Host;

namespace Ata.Core.Tests.Host;

public class HostSupervisorTests
{
    /// <summary>A supervisor whose adapter connects at once at boot (no power-on spread): the back-off is the subject.</summary>
    private static HostSupervisor New(int seed = 1) => new(new GatewayAccess("gw", 1883, "ata-1", "secret-123") { PowerOnSpreadMs = 0 }, null, new Random(seed), 0);

    private static HostSupervisor PoweredOn(string deviceId, long now) => new(new GatewayAccess("gw", 1883, deviceId, "secret-123"), null, new Random(1), now);

    private static HostRequest? Connect(HostSupervisor s, long now)
    {
        s.Tick(true, true, false, true, now);
        return s.Next();
    }

    [Fact]
    public void Without_a_power_on_spread_connects_at_once_at_boot_but_only_with_a_WAN()
    {
        var s = New();
        s.Tick(false, true, false, true, 0);
        Assert.Null(s.Next());
        Assert.Equal(HostRequestKind.Connect, Connect(s, 10)!.Kind);
        Assert.Equal(GatewayState.Connecting, s.State);
    }

    [Fact]
    public void After_a_power_on_an_adapter_connects_once_its_own_delay_is_over()
    {
        const long boot = 5_000;
        long delay = HostSupervisor.PowerOnDelayMs("ata-000042", HostSupervisor.PowerOnSpreadMs);
        Assert.InRange(delay, 1, HostSupervisor.PowerOnSpreadMs - 1);
        var s = PoweredOn("ata-000042", boot);
        Assert.Equal(boot + delay, s.NextConnectAt);
        Assert.Null(Connect(s, boot));
        Assert.Null(Connect(s, boot + delay - 1));
        Assert.Equal(GatewayState.Waiting, s.State);
        Assert.Equal(HostRequestKind.Connect, Connect(s, boot + delay)!.Kind);
    }

    [Fact]
    public void The_WAN_coming_up_during_the_power_on_delay_does_not_bring_the_connection_forward()
    {
        long delay = HostSupervisor.PowerOnDelayMs("ata-000042", HostSupervisor.PowerOnSpreadMs);
        var s = PoweredOn("ata-000042", 0);
        s.Tick(false, true, false, true, 0);
        Assert.Null(Connect(s, 10));
        Assert.Null(Connect(s, delay - 1));
        Assert.NotNull(Connect(s, delay));
    }

    [Fact]
    public void A_fleet_powered_on_together_spreads_its_first_connections_evenly_and_each_adapter_the_same_way_on_every_boot()
    {
        const int fleet = 10_000;
        const int slices = 8;
        var perSlice = new int[slices];
        for (int n = 1; n <= fleet; n++)
        {
            string id = $"ata-{n:D6}";
            long delay = HostSupervisor.PowerOnDelayMs(id, HostSupervisor.PowerOnSpreadMs);
            Assert.InRange(delay, 0, HostSupervisor.PowerOnSpreadMs - 1);
            Assert.Equal(delay, PoweredOn(id, 0).NextConnectAt);
            Assert.Equal(delay, PoweredOn(id, 0).NextConnectAt);
            perSlice[delay * slices / HostSupervisor.PowerOnSpreadMs]++;
        }

        // Consecutive ids (as a fleet's often are) land evenly: each eighth of the spread holds 12.5 % ± 1.5 %.
        Assert.All(perSlice, count => Assert.InRange(count, fleet / slices - 150, fleet / slices + 150));
        Assert.Equal(0, HostSupervisor.PowerOnDelayMs("ata-000042", 0));
    }

    [Fact]
    public void Failed_attempts_back_off_exponentially_with_jitter_up_to_the_cap()
    {
        var s = New();
        long now = 0;
        var waits = new List<long>();
        Assert.NotNull(Connect(s, now));
        for (int attempt = 1; attempt <= 12; attempt++)
        {
            s.ConnectFailed(false, "unreachable", now);
            long wait = s.NextConnectAt - now;
            waits.Add(wait);
            long bound = Math.Min(HostSupervisor.ConnectCapMs, HostSupervisor.ConnectBaseMs << (attempt - 1));
            Assert.InRange(wait, bound / 2, bound);
            s.Tick(true, true, false, true, s.NextConnectAt - 1);
            Assert.Null(s.Next());
            now = s.NextConnectAt;
            Assert.NotNull(Connect(s, now));
        }

        Assert.True(waits[^1] >= HostSupervisor.ConnectCapMs / 2);
    }

    [Fact]
    public void A_fleet_that_lost_its_broker_together_does_not_return_in_lock_step()
    {
        var returns = new List<long>();
        for (int seed = 0; seed < 50; seed++)
        {
            var s = New(seed);
            Assert.NotNull(Connect(s, 0));
            s.Connected(100);
            s.ConnectionLost(60_000);
            returns.Add(s.NextConnectAt - 60_000);
        }

        Assert.All(returns, r => Assert.InRange(r, HostSupervisor.ConnectBaseMs / 2, HostSupervisor.ConnectBaseMs));
        Assert.True(returns.Distinct().Count() > 40, "the returns are spread over time");
    }

    [Fact]
    public void A_refused_login_is_remembered_until_a_session_succeeds()
    {
        var s = New();
        Assert.NotNull(Connect(s, 0));
        s.ConnectFailed(true, "the broker refused the login", 10);
        Assert.True(s.LoginRefused);
        Assert.Equal(GatewayState.Waiting, s.State);
        Assert.NotNull(Connect(s, s.NextConnectAt));
        s.Connected(s.NextConnectAt + 10);
        Assert.False(s.LoginRefused);
        Assert.Null(s.Problem);
    }

    [Fact]
    public void An_attempt_the_host_never_reports_on_counts_as_failed()
    {
        var s = New();
        Assert.NotNull(Connect(s, 0));
        s.Tick(true, true, false, true, HostSupervisor.ConnectTimeoutMs);
        Assert.Equal(GatewayState.Waiting, s.State);
        Assert.Equal(1, s.ConnectFailures);
    }

    [Fact]
    public void Without_a_gateway_nothing_connects_and_a_reboot_is_immediate()
    {
        var s = new HostSupervisor(null, null, new Random(1), 0);
        s.Tick(true, true, false, true, 0);
        Assert.Null(s.Next());
        Assert.Equal(GatewayState.NotConfigured, s.State);
        s.RequestReboot("console", false, 10);
        s.Tick(true, true, false, true, 20);
        Assert.Equal(HostRequestKind.Reboot, s.Next()!.Kind);
        s.Tick(true, true, false, true, 30);
        Assert.Null(s.Next());
    }

    [Fact]
    public void In_setup_mode_nothing_connects()
    {
        var s = new HostSupervisor(new GatewayAccess("gw", 1883, "", ""), "device.id", new Random(1), 0);
        s.Tick(true, true, false, true, 0);
        Assert.Null(s.Next());
        Assert.Equal("device.id", s.NotSetUp);
    }

    [Fact]
    public void A_reboot_waits_at_most_a_while_for_the_broker_to_acknowledge_the_reports()
    {
        var s = New();
        Assert.NotNull(Connect(s, 0));
        s.Connected(10);
        s.RequestReboot("gateway", false, 20);
        s.Tick(true, true, false, false, 30);
        Assert.Null(s.Next());
        s.Tick(true, true, false, false, 30 + HostSupervisor.FlushWaitMs);
        Assert.Equal(HostRequestKind.Disconnect, s.Next()!.Kind);

        // The goodbye is not reported: the board reboots anyway after a while.
        s.Tick(true, true, false, false, 30 + HostSupervisor.FlushWaitMs + HostSupervisor.LeaveTimeoutMs);
        Assert.Equal(HostRequestKind.Reboot, s.Next()!.Kind);
    }

    [Fact]
    public void A_secret_that_cannot_be_stored_is_not_used()
    {
        var s = New();
        Assert.NotNull(Connect(s, 0));
        s.Connected(10);
        s.RotateSecret("new-secret-456");
        Assert.True(s.WritingFlash);
        Assert.Equal(HostRequestKind.StoreSecret, s.Next()!.Kind);
        s.Stored(HostRequestKind.StoreSecret, false, 20);
        Assert.False(s.WritingFlash);
        Assert.Null(s.Next());
        Assert.Equal(GatewayState.Connected, s.State);
    }
}
