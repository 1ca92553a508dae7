using Ata.EndToEnd.Tests.Calls;
using Ata.Lab;
using Ata.Tests.Audio;
using static Ata.EndToEnd.Tests.Calls.CallLab;

namespace Ata.EndToEnd.Tests.CallerId;

/// <summary>
/// Caller ID end to end: sipp calls the simulator through Kamailio presenting a display name, a Date
/// and a Privacy header (tests/Sipp/call-presenting.xml); the simulator rings as its country does and
/// its earpiece recording of the caller ID signal is read back by a receiver written in the test (FSK
/// demodulator and display-message parser, or the core's DTMF detector): number, name and date, or
/// the withheld codes, in the country's method and order (before the first ring with the line
/// reversed, or in the first ring pause).
/// </summary>
public sealed class CallerIdCallTests(SharedCallLab shared) : IClassFixture<SharedCallLab>
{
    private const string Date = "Sun, 06 Dec 2026 09:52:05 GMT";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private CallLab Lab => shared.Lab;

    [Theory]
    [InlineData("UK", 1300, 2100, true)]
    [InlineData("US", 1200, 2200, false)]
    public async Task An_incoming_call_presents_number_name_and_date_in_FSK_as_the_country_does(string country, int markHz, int spaceHz, bool beforeFirstRing)
    {
        var (caller, heard, adapter, sipp) = await CallAsync(country, "Alice Smith", "none");
        await using var _ = adapter;
        await using var __ = sipp;

        var message = CallerIdDecoder.Read(heard.Samples, markHz, spaceHz);
        Assert.Equal(0x80, message.Type);
        Assert.Equal(caller, message.Text(0x02));
        Assert.Equal("Alice Smith", message.Text(0x07));
        Assert.Equal("12060952", message.Text(0x01));
        AssertOrder(adapter, beforeFirstRing);
    }

    [Fact]
    public async Task A_caller_who_withholds_its_identity_is_presented_as_withheld()
    {
        var (_, heard, adapter, sipp) = await CallAsync("UK", "Alice Smith", "id");
        await using var a = adapter;
        await using var s = sipp;

        var message = CallerIdDecoder.Read(heard.Samples, 1300, 2100);
        Assert.Equal("P", message.Text(0x04));
        Assert.Equal("P", message.Text(0x08));
        Assert.Null(message.Text(0x02));
        Assert.Null(message.Text(0x07));
    }

    [Theory]
    [InlineData("DK", "D", "C")]
    [InlineData("SE", "A", "C")]
    public async Task An_incoming_call_presents_the_number_in_DTMF_before_the_first_ring(string country, string start, string end)
    {
        var (caller, heard, adapter, sipp) = await CallAsync(country, "Alice Smith", "none");
        await using var _ = adapter;
        await using var __ = sipp;

        Assert.Equal(start + caller + end, Calls.Earpiece.Keys(heard.Samples));
        AssertOrder(adapter, beforeFirstRing: true);
    }

    /// <summary>
    /// sipp calls a fresh simulator of <paramref name="country"/>; once the caller ID has sounded the
    /// handset answers, sipp hangs up after a moment. Returns the caller's number, the recording of the
    /// caller ID signal, the simulator and sipp.
    /// </summary>
    private async Task<(string Caller, WavFile Heard, SimAdapter Adapter, SippScenario Sipp)> CallAsync(string country, string display, string privacy)
    {
        string user = Lab.NewUser();
        string caller = Lab.NewUser();
        var adapter = await Lab.StartAdapterAsync(user, "--country", country);
        var sipp = SippScenario.Start("call-presenting.xml", new SippOptions
        {
            Remote = Lab.Registrar.Address,
            Service = user,
            AuthUser = caller,
            AuthPassword = PasswordOf(caller),
            Pause = TimeSpan.FromSeconds(1),
            Keys = new Dictionary<string, string> { ["caller"] = caller, ["display"] = display, ["presented_date"] = Date, ["privacy"] = privacy },
        });

        await CallState(adapter, "ringing", Timeout, e => Is(e, "direction", "incoming"));
        await adapter.WaitForEventAsync("tone", e => Is(e, "tone", "caller-id") && Is(e, "state", "stopped"), Timeout);
        await adapter.WaitForEventAsync("ringer", e => e.GetProperty("on").GetBoolean(), Timeout);
        await adapter.Process.WriteLineAsync("offhook 1");
        await CallState(adapter, "connected", Timeout);
        await sipp.EnsureSucceededAsync(Timeout);
        await CallState(adapter, "ended", Timeout);
        await adapter.Process.WriteLineAsync("onhook 1");

        return (caller, SignalRecording.Of(Lab, user), adapter, sipp);
    }

    private static void AssertOrder(SimAdapter adapter, bool beforeFirstRing)
    {
        long At(string kind, Func<System.Text.Json.JsonElement, bool> what) =>
            adapter.Events.First(e => e.GetProperty("event").GetString() == kind && what(e)).GetProperty("t").GetInt64();

        long signalStart = At("tone", e => Is(e, "tone", "caller-id") && Is(e, "state", "started"));
        long signalEnd = At("tone", e => Is(e, "tone", "caller-id") && Is(e, "state", "stopped"));
        long firstRing = At("ringer", e => e.GetProperty("on").GetBoolean());
        if (beforeFirstRing)
        {
            Assert.True(signalEnd <= firstRing, $"the caller ID ended at {signalEnd}, after the first ring at {firstRing}");
            long reversed = At("polarity", e => e.GetProperty("reversed").GetBoolean());
            long normal = At("polarity", e => !e.GetProperty("reversed").GetBoolean());
            Assert.True(reversed <= signalStart && normal >= signalEnd - 50 && normal <= firstRing, $"polarity reversed {reversed}, normal {normal}; signal {signalStart}–{signalEnd}; ring {firstRing}");
        }
        else
        {
            long firstRingEnd = At("ringer", e => !e.GetProperty("on").GetBoolean());
            Assert.True(signalStart >= firstRingEnd + 450, $"the caller ID started at {signalStart}, first ring ended at {firstRingEnd}");
            Assert.DoesNotContain(adapter.Events, e => e.GetProperty("event").GetString() == "polarity");
        }
    }
}
