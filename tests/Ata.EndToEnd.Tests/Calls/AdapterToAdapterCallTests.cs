using static Ata.EndToEnd.Tests.Calls.CallLab;

namespace Ata.EndToEnd.Tests.Calls;

/// <summary>
/// Two simulated adapters phone each other through a real Kamailio: the callee rings, answers, and a
/// tone played into each microphone arrives in the other's earpiece (frequency within 1 %, level
/// within 3 dB); either side hangs up and the other hears the busy tone.
/// </summary>
public sealed class AdapterToAdapterCallTests
{
    [Fact]
    public async Task A_calls_B_B_answers_audio_flows_both_ways_and_A_hangs_up()
    {
        await using var lab = await CallLab.StartAsync();
        var a = await lab.StartAdapterAsync(UserA);
        var b = await lab.StartAdapterAsync(UserB);
        await a.Process.WriteLineAsync("mic tone 1000 1");
        await b.Process.WriteLineAsync("mic tone 440 1");

        await DialAsync(a, UserB);
        await CallState(b, "ringing", also: e => Is(e, "direction", "incoming"));
        await b.WaitForEventAsync("ringer", e => e.GetProperty("on").GetBoolean());
        await CallState(a, "ringing", also: e => Is(e, "direction", "outgoing"));
        await a.WaitForEventAsync("tone", e => Is(e, "tone", "ringback") && Is(e, "state", "started"));

        await b.Process.WriteLineAsync("offhook 1");
        var connectedB = await CallState(b, "connected");
        var connectedA = await CallState(a, "connected");
        Assert.Equal("PCMA", connectedA.GetProperty("codec").GetString());
        Assert.Equal("*001", connectedB.GetProperty("farEnd").GetString()![^4..]);

        await Task.Delay(TimeSpan.FromSeconds(2.5));
        await a.Process.WriteLineAsync("onhook 1");
        var endedB = await CallState(b, "ended");
        Assert.True(endedB.GetProperty("byFarEnd").GetBoolean());
        Assert.Equal("completed", endedB.GetProperty("outcome").GetString());
        await b.WaitForEventAsync("tone", e => Is(e, "tone", "busy") && Is(e, "state", "started"));
        await CallState(a, "ended");
        await b.Process.WriteLineAsync("onhook 1");

        Earpiece.AssertHeard(lab.LastCallRecording(UserB), 1000, "B's earpiece");
        Earpiece.AssertHeard(lab.LastCallRecording(UserA), 440, "A's earpiece");
    }

    [Fact]
    public async Task The_callee_hanging_up_gives_the_caller_the_busy_tone()
    {
        await using var lab = await CallLab.StartAsync();
        var a = await lab.StartAdapterAsync(UserA);
        var b = await lab.StartAdapterAsync(UserB);
        await DialAsync(a, UserB);
        await CallState(b, "ringing");
        await b.Process.WriteLineAsync("offhook 1");
        await CallState(a, "connected");
        await b.Process.WriteLineAsync("onhook 1");
        var ended = await CallState(a, "ended");
        Assert.True(ended.GetProperty("byFarEnd").GetBoolean());
        await a.WaitForEventAsync("tone", e => Is(e, "tone", "busy") && Is(e, "state", "started"));
    }

    [Fact]
    public async Task The_caller_giving_up_stops_the_ringing()
    {
        await using var lab = await CallLab.StartAsync();
        var a = await lab.StartAdapterAsync(UserA);
        var b = await lab.StartAdapterAsync(UserB);
        await DialAsync(a, UserB);
        await CallState(b, "ringing");
        await a.Process.WriteLineAsync("onhook 1");
        var missed = await CallState(b, "ended");
        Assert.Equal("missed", missed.GetProperty("outcome").GetString());
        Assert.Equal(487, missed.GetProperty("sipCode").GetInt32());
        await b.WaitForEventAsync("line", e => Is(e, "state", "idle"));
    }
}
