using System.Diagnostics;
using Ata.Lab;
using Xunit.Abstractions;
using static Ata.EndToEnd.Tests.Calls.CallLab;

namespace Ata.EndToEnd.Tests.Calls;

/// <summary>A call lab whose Kamailio relays emergency numbers to an emergency centre on <see cref="CentrePort"/> (played by sipp per test).</summary>
public sealed class EmergencyCallLab : IAsyncLifetime
{
    public int CentrePort { get; } = FreePort.Udp();

    public CallLab Lab { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Lab = await CallLab.StartAsync(new KamailioRegistrarOptions { EmergencyCentre = $"127.0.0.1:{CentrePort}" });

    public async Task DisposeAsync()
    {
        if (Lab is not null)
        {
            await Lab.DisposeAsync();
        }
    }
}

/// <summary>
/// 112 reaches the emergency centre (sipp's answering phone, behind the lab's Kamailio) as an INVITE
/// within 1 s of the last digit: from a registered line, from a line the registrar refuses (wrong
/// password), and from a line whose primary registrar is gone (its port closed), through the
/// secondary; with a primary that takes datagrams and never answers, within 3 s.
/// </summary>
public sealed class EmergencyCallTests(EmergencyCallLab emergency, ITestOutputHelper output) : IClassFixture<EmergencyCallLab>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private CallLab Lab => emergency.Lab;

    [Fact]
    public async Task A_registered_line_reaches_the_emergency_centre_within_a_second_of_the_last_digit()
    {
        string user = Lab.NewUser();
        await using var adapter = await Lab.StartAdapterAsync(user);
        await AssertReachesTheCentreAsync(adapter);
    }

    [Fact]
    public async Task A_line_the_registrar_refuses_still_reaches_the_emergency_centre_within_a_second_of_the_last_digit()
    {
        string user = Lab.NewUser();
        await using var adapter = Lab.StartAdapter(user, "not-the-password", Lab.Registrar.Address);
        var refused = await adapter.WaitForEventAsync("registration", e => e.GetProperty("sipCode").GetInt32() == 403, Timeout);
        Assert.NotEqual("registered", refused.GetProperty("state").GetString());
        await AssertReachesTheCentreAsync(adapter, "no-service");
        Assert.DoesNotContain(adapter.Events, e => e.GetProperty("event").GetString() == "registration" && Is(e, "state", "registered"));
    }

    [Fact]
    public async Task With_the_primary_registrar_gone_an_emergency_call_goes_to_the_secondary_within_a_second()
    {
        string user = Lab.NewUser();
        int closed = FreePort.Udp();
        await using var adapter = Lab.StartAdapter(user, PasswordOf(user), $"127.0.0.1:{closed}", "--secondary-registrar", Lab.Registrar.Address);
        await adapter.WaitForEventAsync("registration", e => Is(e, "state", "registered"), Timeout);
        await AssertReachesTheCentreAsync(adapter);
    }

    [Fact]
    public async Task With_the_primary_registrar_silent_an_emergency_call_goes_to_the_secondary_after_three_sends_not_Timer_B()
    {
        // A host that takes the datagrams and never answers (no ICMP either): the line is not registered
        // yet (its REGISTER waits there), and the INVITE waits for 100 Trying only 2 s (sent at 0, 0.5
        // and 1.5 s) before it is tried at the secondary, not Timer B's 32 s.
        string user = Lab.NewUser();
        using var silent = new System.Net.Sockets.UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        int port = ((System.Net.IPEndPoint)silent.Client.LocalEndPoint!).Port;
        await using var adapter = Lab.StartAdapter(user, PasswordOf(user), $"127.0.0.1:{port}", "--secondary-registrar", Lab.Registrar.Address);
        await adapter.WaitForEventAsync("registration", e => Is(e, "state", "registering"), Timeout);
        await AssertReachesTheCentreAsync(adapter, "no-service", withinMs: 3000);
    }

    /// <summary>Dials 112 on line 1 (after <paramref name="dialTone"/>) and checks the centre gets the INVITE within <paramref name="withinMs"/> of the last digit, answers, and the caller hangs up.</summary>
    private async Task AssertReachesTheCentreAsync(SimAdapter adapter, string dialTone = "dial", long withinMs = 1000)
    {
        await using var centre = SippScenario.Start("answer.xml", new SippOptions { Port = emergency.CentrePort, Timeout = TimeSpan.FromSeconds(40), Name = "emergency-centre" });
        await centre.WaitUntilListeningAsync(TimeSpan.FromSeconds(5));

        await DialAsync(adapter, "112", dialTone);
        var lastDigit = await adapter.WaitForEventAsync("digit", e => Is(e, "digit", "2"), Timeout);
        var dialled = await adapter.WaitForEventAsync("dial", e => Is(e, "outcome", "emergency"), Timeout);
        Assert.Equal("112", dialled.GetProperty("number").GetString());

        var clock = Stopwatch.StartNew();
        while (!centre.Messages.Any(m => m.Received && m.Method == "INVITE"))
        {
            Assert.True(clock.Elapsed < Timeout, "no INVITE reached the emergency centre; its messages: " + string.Join(", ", centre.Messages));
            await Task.Delay(20);
        }

        // The adapter's event and sipp's log both stamp with this machine's clock.
        var arrived = centre.Messages.First(m => m.Received && m.Method == "INVITE").At!.Value;
        long delay = arrived.ToUnixTimeMilliseconds() - lastDigit.GetProperty("t").GetInt64();
        output.WriteLine($"the INVITE reached the centre {delay} ms after the last digit");
        Assert.True(delay <= withinMs, $"the INVITE reached the centre {delay} ms after the last digit (at most {withinMs} ms)");
        var invite = centre.Messages.First(m => m.Received && m.Method == "INVITE");
        Assert.StartsWith("INVITE sip:112@", invite.FirstLine);
        Assert.Equal("emergency", invite.Header("Priority"));

        var connected = await CallState(adapter, "connected", Timeout);
        Assert.True(connected.GetProperty("emergency").GetBoolean());
        await adapter.Process.WriteLineAsync("onhook 1");
        await centre.EnsureSucceededAsync(Timeout);
    }
}
