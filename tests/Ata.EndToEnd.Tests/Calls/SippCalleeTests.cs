using Ata.Lab;
using static Ata.EndToEnd.Tests.Calls.CallLab;

namespace Ata.EndToEnd.Tests.Calls;

/// <summary>
/// The adapter calls through Kamailio to a far end played by sipp (the shared scenarios in
/// <c>tests/Sipp</c>, registered as a subscriber): early media, refusals, a far end that never answers,
/// the no-answer limit, a 200 OK sent again after the ACK, a BYE from the far end, and hold by
/// re-INVITE (more forms of hold, and the resume: <see cref="FarEndHoldCallTests"/>). Where the far
/// end sends audio it is sipp's RTP echo, which sends back what the adapter's microphone (a 1 kHz
/// tone) sends: the far end's audio, not anything the adapter makes up itself.
/// </summary>
public sealed class SippCalleeTests(SharedCallLab shared) : IClassFixture<SharedCallLab>
{
    private const double MicrophoneTone = 1000;
    private const double Ringback = 425;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private CallLab Lab => shared.Lab;

    [Fact]
    public async Task Early_media_after_a_180_plays_the_far_ends_audio_instead_of_ringback_until_the_caller_gives_up()
    {
        await using var callee = await CalleeAsync("early-media.xml", echo: true);
        string caller = Lab.NewUser();
        await using var adapter = await CallerAsync(caller);

        await DialAsync(adapter, callee.Number);
        await CallState(adapter, "ringing");
        var ringback = await ToneStarted(adapter, "ringback");
        var stopped = await adapter.WaitForEventAsync("tone", e => Is(e, "tone", "ringback") && Is(e, "state", "stopped"), Timeout);
        Assert.InRange(stopped.GetProperty("t").GetInt64() - ringback.GetProperty("t").GetInt64(), 1000, 3000);

        // The 180 that follows the 183 brings no SDP: the early media goes on, no ringback over it.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.Single(adapter.Events, e => e.GetProperty("event").GetString() == "tone" && Is(e, "tone", "ringback") && Is(e, "state", "started"));
        await adapter.Process.WriteLineAsync("onhook 1");
        var ended = await CallState(adapter, "ended");
        Assert.Equal("abandoned", ended.GetProperty("outcome").GetString());
        var result = await callee.Sipp.EnsureSucceededAsync(Timeout);
        Assert.Equal(["INVITE", "CANCEL", "ACK"], result.ReceivedRequests.Distinct());

        var heard = Lab.LastCallRecording(caller);
        Earpiece.AssertTone(heard, 0, 500 * Earpiece.PerMs, Ringback, null, "ringback after the 180");
        Earpiece.AssertHeard(heard, MicrophoneTone, "early media");
    }

    [Theory]
    [InlineData(486, "busy", "busy")]
    [InlineData(404, "not-reachable", "special-information")]
    public async Task A_refusal_from_the_far_end_gives_its_national_tone(int code, string outcome, string tone)
    {
        await using var callee = await CalleeAsync($"refuse-{code}.xml");
        string caller = Lab.NewUser();
        await using var adapter = await CallerAsync(caller);

        await DialAsync(adapter, callee.Number);
        var ended = await CallState(adapter, "ended");
        Assert.Equal(outcome, ended.GetProperty("outcome").GetString());
        Assert.Equal(code, ended.GetProperty("sipCode").GetInt32());
        await ToneStarted(adapter, tone);
        await callee.Sipp.EnsureSucceededAsync(Timeout);
        await adapter.Process.WriteLineAsync("onhook 1");
    }

    [Fact]
    public async Task A_far_end_that_never_answers_gets_ringback_until_the_caller_hangs_up_then_CANCEL_and_487()
    {
        await using var callee = await CalleeAsync("ring-until-cancelled.xml");
        string caller = Lab.NewUser();
        await using var adapter = await CallerAsync(caller);

        await DialAsync(adapter, callee.Number);
        await ToneStarted(adapter, "ringback");
        await Task.Delay(TimeSpan.FromSeconds(6));
        Assert.DoesNotContain(adapter.Events, e => e.GetProperty("event").GetString() == "tone" && Is(e, "tone", "ringback") && Is(e, "state", "stopped"));
        Assert.DoesNotContain(adapter.Events, e => e.GetProperty("event").GetString() == "call" && Is(e, "state", "ended"));
        await adapter.Process.WriteLineAsync("onhook 1");

        var ended = await CallState(adapter, "ended");
        Assert.Equal("abandoned", ended.GetProperty("outcome").GetString());
        Assert.Equal(487, ended.GetProperty("sipCode").GetInt32());
        var result = await callee.Sipp.EnsureSucceededAsync(Timeout);
        Assert.Contains("CANCEL", result.ReceivedRequests);

        // Ringback's cadence (1 s on, 4 s off) went on for the whole wait: two bursts of 425 Hz 5 s apart.
        var heard = Lab.LastCallRecording(caller);
        Earpiece.AssertTone(heard, 200 * Earpiece.PerMs, 600 * Earpiece.PerMs, Ringback, null, "ringback");
        Earpiece.AssertTone(heard, 5200 * Earpiece.PerMs, 600 * Earpiece.PerMs, Ringback, null, "ringback 5 s later");
    }

    [Fact]
    public async Task The_no_answer_limit_gives_up_on_an_unanswered_call_with_CANCEL_and_the_congestion_tone()
    {
        await using var callee = await CalleeAsync("ring-until-cancelled.xml");
        string caller = Lab.NewUser();
        await using var adapter = await CallerAsync(caller, "--no-answer", "10");

        await DialAsync(adapter, callee.Number);
        var setup = await CallState(adapter, "setup");
        var ended = await CallState(adapter, "ended", TimeSpan.FromSeconds(20));
        Assert.Equal("no-answer", ended.GetProperty("outcome").GetString());
        // The call is stamped with the time of the microphone frame that completed the number, which on a
        // busy machine the simulator hands over late: the limit may seem to come a little early.
        Assert.InRange(ended.GetProperty("t").GetInt64() - setup.GetProperty("t").GetInt64(), 9000, 11000);
        await ToneStarted(adapter, "congestion");
        var result = await callee.Sipp.EnsureSucceededAsync(Timeout);
        Assert.Contains("CANCEL", result.ReceivedRequests);
        await adapter.Process.WriteLineAsync("onhook 1");
    }

    [Fact]
    public async Task A_200_OK_sent_again_after_the_ACK_is_ACKed_every_time_and_the_call_goes_on()
    {
        // -nr: sipp would otherwise take the second ACK (the same bytes as the first, as it must be) for a
        // retransmission and answer it with its 200 again, for ever.
        await using var callee = await CalleeAsync("answer-retransmitting-ok.xml", echo: true, "-nr");
        string caller = Lab.NewUser();
        await using var adapter = await CallerAsync(caller);

        await DialAsync(adapter, callee.Number);
        await CallState(adapter, "connected");
        await Eventually.Until(() => Task.FromResult(callee.Sipp.Messages.Count(m => m.Received && m.Method == "ACK") >= 3),
            TimeSpan.FromSeconds(10), () => "sipp did not get three ACKs: " + string.Join(", ", callee.Sipp.Messages));
        await Task.Delay(TimeSpan.FromSeconds(1));
        await adapter.Process.WriteLineAsync("onhook 1");

        var ended = await CallState(adapter, "ended");
        Assert.Equal("completed", ended.GetProperty("outcome").GetString());
        var result = await callee.Sipp.EnsureSucceededAsync(Timeout);
        Assert.Equal(3, result.ReceivedRequests.Count(m => m == "ACK"));
        Assert.Single(adapter.Events, e => e.GetProperty("event").GetString() == "call" && Is(e, "state", "connected"));
        Earpiece.AssertHeard(Lab.LastCallRecording(caller), MicrophoneTone, "the far end's echo");
    }

    [Fact]
    public async Task The_last_digit_dialled_does_not_reach_a_far_end_that_answers_while_its_key_still_sounds()
    {
        // An IVR answers within a few ms of the INVITE: the dialled number's last key is still sounding
        // (80 ms) when the call's media starts. It must not go out as a telephone-event, nor in-band.
        await using var callee = await CalleeAsync("answer-at-once.xml", echo: true);
        string caller = Lab.NewUser();
        await using var adapter = await Lab.StartAdapterAsync(caller);

        await DialAsync(adapter, callee.Number);
        await CallState(adapter, "connected");
        await Task.Delay(TimeSpan.FromSeconds(1));
        await adapter.Process.WriteLineAsync("onhook 1");
        var ended = await CallState(adapter, "ended");
        await callee.Sipp.EnsureSucceededAsync(Timeout);

        Assert.Equal(0, ended.GetProperty("eventsSent").GetInt64());
        Assert.Equal(string.Empty, Earpiece.Keys(Lab.LastCallRecording(caller).Samples));
    }

    [Fact]
    public async Task A_BYE_from_the_far_end_ends_the_call_with_the_busy_tone()
    {
        await using var callee = await CalleeAsync("answer-then-hang-up.xml", echo: true);
        string caller = Lab.NewUser();
        await using var adapter = await CallerAsync(caller);

        await DialAsync(adapter, callee.Number);
        await CallState(adapter, "connected");
        var ended = await CallState(adapter, "ended");
        Assert.True(ended.GetProperty("byFarEnd").GetBoolean());
        Assert.Equal("completed", ended.GetProperty("outcome").GetString());
        await ToneStarted(adapter, "busy");
        await callee.Sipp.EnsureSucceededAsync(Timeout);
        // Measured well inside the call: sipp's echo stops as it sends its BYE, so on a busy machine the
        // last few hundred ms before the call's end may already be quiet.
        Earpiece.AssertHeard(Lab.LastCallRecording(caller), MicrophoneTone, "the far end's echo", endMarginMs: 600);
        await adapter.Process.WriteLineAsync("onhook 1");
    }

    [Fact]
    public async Task Hold_by_reINVITE_is_answered_recvonly_then_inactive_and_the_earpiece_goes_quiet()
    {
        await using var callee = await CalleeAsync("answer-then-hold.xml", echo: true);
        string caller = Lab.NewUser();
        await using var adapter = await CallerAsync(caller);

        await DialAsync(adapter, callee.Number);
        await CallState(adapter, "connected");
        var ended = await CallState(adapter, "ended", TimeSpan.FromSeconds(20));
        Assert.True(ended.GetProperty("byFarEnd").GetBoolean());
        var result = await callee.Sipp.EnsureSucceededAsync(Timeout);
        var okBodies = result.Messages.Where(m => m.Received && m.StatusCode == 200 && m.Header("CSeq")!.EndsWith("INVITE", StringComparison.Ordinal)).Select(m => m.Text).ToList();
        Assert.Contains(okBodies, body => body.Contains("a=recvonly", StringComparison.Ordinal));
        Assert.Contains(okBodies, body => body.Contains("a=inactive", StringComparison.Ordinal));

        // Talk 2 s (the echo of the adapter's 1 kHz), then hold 2 s and inactive 2 s: the adapter sends
        // nothing, so nothing comes back. Found in the recording itself (a busy machine can cost it frames):
        // the echo ends, and the earpiece stays quiet for the rest of the call, most of the 4 s.
        var heard = Lab.LastCallRecording(caller);
        int ms = Earpiece.PerMs;
        int lastLoud = Array.FindLastIndex(heard.Samples, s => Math.Abs((int)s) > 1000);
        Earpiece.AssertTone(heard, lastLoud - (900 * ms), 800 * ms, MicrophoneTone, Earpiece.MicrophoneDbfs, "talking before the hold");
        int quietMs = (heard.Samples.Length - lastLoud) / ms;
        Assert.InRange(quietMs, 2500, 4600);
        Assert.True(Earpiece.LevelDbfs(heard.Samples, lastLoud + (100 * ms), heard.Samples.Length - lastLoud - (100 * ms)) < -50, "the earpiece is not quiet on hold");

        // Quiet from the very end of the echo: on hold nothing is concealed (no 60 ms of repeated, fading audio).
        int sounding = heard.Samples.Skip(lastLoud + (5 * ms)).Count(s => s != 0);
        Assert.True(sounding == 0, $"{sounding} samples sound on hold, the last {(Array.FindLastIndex(heard.Samples, s => s != 0) - lastLoud) / ms} ms after the echo stopped");
    }

    private async Task<SimAdapter> CallerAsync(string user, params string[] extra)
    {
        var adapter = await Lab.StartAdapterAsync(user, extra);
        await adapter.Process.WriteLineAsync($"mic tone {MicrophoneTone} 1");
        return adapter;
    }

    private async Task<Callee> CalleeAsync(string scenario, bool echo = false, params string[] arguments)
    {
        string number = Lab.NewUser();
        var sipp = SippScenario.Start(scenario, new SippOptions
        {
            Arguments = echo ? ["-rtp_echo", .. arguments] : arguments,
            Timeout = TimeSpan.FromSeconds(60),
        });
        await sipp.WaitUntilListeningAsync(TimeSpan.FromSeconds(5));
        await SippScenario.RegisterContactAsync(Lab.Registrar.Address, number, PasswordOf(number), sipp.Address);
        return new Callee(sipp, number);
    }

    /// <summary>A sipp far end registered as <see cref="Number"/>.</summary>
    private sealed class Callee(SippScenario sipp, string number) : IAsyncDisposable
    {
        public SippScenario Sipp => sipp;

        public string Number => number;

        public ValueTask DisposeAsync() => sipp.DisposeAsync();
    }
}
