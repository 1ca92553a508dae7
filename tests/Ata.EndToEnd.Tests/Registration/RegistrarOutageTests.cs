using System.Text.Json;
using Ata.Lab;

namespace Ata.EndToEnd.Tests.Registration;

/// <summary>
/// A registrar that hangs (a real Kamailio paused with SIGSTOP: its port stays open, nothing is
/// answered) is seen on the line within a minute on every transport, and the line is registered
/// again as soon as the registrar runs again.
/// </summary>
public sealed class RegistrarOutageTests
{
    private const string User = "4001";
    private const string Password = "pw-4001";

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static bool Registered(JsonElement e) => e.GetProperty("state").GetString() == "registered" && e.GetProperty("sipCode").GetInt32() == 200;

    private static bool Unreachable(JsonElement e, string state) =>
        e.GetProperty("code").GetString() == "sip.unreachable" && e.GetProperty("state").GetString() == state;

    private static bool TelBlinksUnreachable(JsonElement e) =>
        e.GetProperty("led").GetString() == "tel1" && e.GetProperty("pattern").GetString() == "code-4";

    [Fact]
    public async Task A_paused_registrar_shows_on_TEL_within_a_minute_over_UDP_and_the_line_is_back_within_2_s_of_its_resuming()
    {
        await using var registrar = await KamailioRegistrar.StartAsync(new Dictionary<string, string> { [User] = Password });

        // Default probing (OPTIONS every 30 s); no NAT keep-alive, so only the probe can notice.
        await using var sim = SimAdapter.StartStandalone(User, Password, registrar.Address);
        await sim.WaitForEventAsync("registration", Registered);

        long pausedAt = Now();
        registrar.Pause();
        var fault = await sim.WaitForEventAsync("fault", e => Unreachable(e, "raised"), TimeSpan.FromSeconds(70));
        var led = await sim.WaitForEventAsync("led", TelBlinksUnreachable, TimeSpan.FromSeconds(5));
        Assert.True(fault.GetProperty("t").GetInt64() - pausedAt < 60_000, $"the fault came {fault.GetProperty("t").GetInt64() - pausedAt} ms after the pause");
        Assert.True(led.GetProperty("t").GetInt64() - pausedAt < 60_000, $"TEL blinked the code {led.GetProperty("t").GetInt64() - pausedAt} ms after the pause");
        Assert.Contains("OPTIONS", fault.GetProperty("detail").GetString());

        // Resumed, Kamailio answers the probes that waited in its socket at once: the line does not
        // wait out its back-off (10-20 s) but registers at once.
        registrar.Resume();
        long resumedAt = Now();
        var back = await sim.WaitForEventAsync("registration", e => Registered(e) && e.GetProperty("t").GetInt64() >= pausedAt, TimeSpan.FromSeconds(10));
        Assert.True(back.GetProperty("t").GetInt64() - resumedAt < 2_000, $"registered again {back.GetProperty("t").GetInt64() - resumedAt} ms after the registrar resumed");
        await sim.WaitForEventAsync("fault", e => Unreachable(e, "cleared"), TimeSpan.FromSeconds(5));
        await sim.WaitForEventAsync("led", e => e.GetProperty("led").GetString() == "tel1" && e.GetProperty("pattern").GetString() == "solid"
            && e.GetProperty("t").GetInt64() >= resumedAt, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_paused_registrar_shows_within_a_minute_over_TCP_and_the_line_is_back_within_one_back_off_step()
    {
        await using var registrar = await KamailioRegistrar.StartAsync(new Dictionary<string, string> { [User] = Password },
            new KamailioRegistrarOptions { EnableTcp = true });

        // The default NAT keep-alive (25 s): on TCP the registrar answers each ping with a pong.
        await using var sim = SimAdapter.StartStandalone(User, Password, registrar.Address,
            "--transport", "tcp", "--keepalive", "25", "--retry-base", "1", "--retry-max", "2");
        await sim.WaitForEventAsync("registration", Registered);

        long pausedAt = Now();
        registrar.Pause();
        var fault = await sim.WaitForEventAsync("fault", e => Unreachable(e, "raised"), TimeSpan.FromSeconds(70));
        Assert.True(fault.GetProperty("t").GetInt64() - pausedAt < 60_000, $"the fault came {fault.GetProperty("t").GetInt64() - pausedAt} ms after the pause");
        await sim.WaitForEventAsync("led", TelBlinksUnreachable, TimeSpan.FromSeconds(5));

        registrar.Resume();
        long resumedAt = Now();
        var back = await sim.WaitForEventAsync("registration", e => Registered(e) && e.GetProperty("t").GetInt64() >= pausedAt, TimeSpan.FromSeconds(10));
        Assert.True(back.GetProperty("t").GetInt64() - resumedAt < 4_000, $"registered again {back.GetProperty("t").GetInt64() - resumedAt} ms after the registrar resumed");
        await sim.WaitForEventAsync("fault", e => Unreachable(e, "cleared"), TimeSpan.FromSeconds(5));
    }
}
