using System.Globalization;
using Ata.Lab;
using Ata.Tests.Audio;
using static Ata.EndToEnd.Tests.Calls.CallLab;

namespace Ata.EndToEnd.Tests.Calls;

/// <summary>
/// Call waiting with two real callers through the lab's Kamailio: sipp calls the adapter first (and
/// sends back, with <c>-rtp_echo</c>, what the adapter's microphone sends it: a 1 kHz tone), baresip
/// calls second (its microphone: 700 Hz, well apart from the 425 Hz call-waiting tone). The household hears the call-waiting tone over the first
/// call, flashes to hold the first (sipp checks the re-INVITE offers a=inactive) and talk to the
/// second, flashes back (sipp checks a=sendrecv), hangs up and is rung back by the held call.
/// What is heard is found in the simulator's earpiece recording of the line.
/// </summary>
public sealed class CallWaitingCallTests(SharedCallLab shared) : IClassFixture<SharedCallLab>
{
    private const double AdapterTone = 1000;
    private const double PhoneTone = 700;
    private const double CallWaitingTone = 425;
    private const int WindowMs = 50;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private CallLab Lab => shared.Lab;

    [Fact]
    public async Task A_second_caller_gets_the_call_waiting_tone_flash_holds_and_swaps_and_hanging_up_rings_the_held_call_back()
    {
        string user = Lab.NewUser();
        await using var adapter = await Lab.StartAdapterAsync(user);
        await adapter.Process.WriteLineAsync($"mic tone {AdapterTone} 1");
        string phoneUser = Lab.NewUser();
        await using var phone = await BaresipPhone.StartAsync(new BaresipPhoneOptions
        {
            User = phoneUser,
            Password = PasswordOf(phoneUser),
            Registrar = Lab.Registrar.Address,
            Microphone = Lab.WriteTone(PhoneTone),
        });

        // The first caller: answered, it talks (its echo of the adapter's tone).
        string caller = Lab.NewUser();
        int mediaPort = FreePort.Udp();
        await using var first = SippScenario.Start("call-held-and-resumed.xml", new SippOptions
        {
            Remote = Lab.Registrar.Address,
            Service = user,
            AuthUser = caller,
            AuthPassword = PasswordOf(caller),
            Keys = new Dictionary<string, string> { ["caller"] = caller },
            Arguments = ["-mp", mediaPort.ToString(CultureInfo.InvariantCulture), "-rtp_echo"],
            Timeout = TimeSpan.FromSeconds(90),
        });
        await CallState(adapter, "ringing", Timeout, e => Is(e, "direction", "incoming"));
        await adapter.Process.WriteLineAsync("offhook 1");
        await CallState(adapter, "connected", Timeout);
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        // The second caller: 180, and the call-waiting tone over the first call.
        await phone.DialAsync(user);
        var waiting = await CallState(adapter, "waiting", Timeout);
        Assert.EndsWith(phoneUser[^3..], waiting.GetProperty("farEnd").GetString());
        await ToneStarted(adapter, "call-waiting");
        await phone.WaitForEventAsync(BaresipEvent.CallRinging, Timeout);
        long waitingAt = waiting.GetProperty("t").GetInt64();
        Assert.DoesNotContain(adapter.Events, e => e.GetProperty("event").GetString() == "ringer" && e.GetProperty("on").GetBoolean() && e.GetProperty("t").GetInt64() >= waitingAt);
        await Task.Delay(TimeSpan.FromSeconds(2));

        // Flash: the first on hold, the second answered.
        await adapter.Process.WriteLineAsync("flash 1");
        await CallState(adapter, "held", Timeout);
        await phone.WaitForEventAsync(BaresipEvent.CallEstablished, Timeout);
        await Task.Delay(TimeSpan.FromSeconds(2.5));

        // Flash again: the second on hold, the first back.
        int held = CountCalls(adapter, "held");
        await adapter.Process.WriteLineAsync("flash 1");
        await adapter.WaitForEventAsync("call", e => Is(e, "state", "held") && CountCalls(adapter, "held") > held, Timeout);
        await Task.Delay(TimeSpan.FromSeconds(2.5));

        // Hanging up ends the first call (BYE to sipp) and rings the held second one back; lifting the handset resumes it.
        await adapter.Process.WriteLineAsync("onhook 1");
        var result = await first.EnsureSucceededAsync(Timeout);
        var offers = result.Messages.Where(m => m.Received && m.Method == "INVITE").Select(m => m.Text).ToList();
        Assert.Contains("a=inactive", offers[0], StringComparison.Ordinal);
        Assert.Contains("a=sendrecv", offers[^1], StringComparison.Ordinal);
        Assert.Equal("BYE", result.ReceivedRequests[^1]);
        await adapter.WaitForEventAsync("ringer", e => e.GetProperty("on").GetBoolean(), Timeout);
        await CallState(adapter, "ringing", Timeout, e => Is(e, "direction", "incoming") && e.GetProperty("farEnd").GetString()!.EndsWith(phoneUser[^3..], StringComparison.Ordinal));
        await adapter.Process.WriteLineAsync("offhook 1");
        int connected = CountCalls(adapter, "connected");
        await adapter.WaitForEventAsync("call", e => Is(e, "state", "connected") && CountCalls(adapter, "connected") > connected, Timeout);
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        await phone.HangUpAsync(Timeout);
        await CallState(adapter, "ended", Timeout, e => e.GetProperty("byFarEnd").GetBoolean() && e.GetProperty("farEnd").GetString()!.EndsWith(phoneUser[^3..], StringComparison.Ordinal));
        await adapter.Process.WriteLineAsync("onhook 1");

        // The earpiece, in order: the first caller; the call-waiting tone over it at the Norwegian cadence
        // (0.2 s on, 0.6 s off, 0.2 s on); the second caller alone; the first alone; the second alone again.
        var heard = Lab.LastCallRecording(user);
        string[] who = Classify(heard.Samples);
        var bursts = Runs(who, "cw");
        Assert.True(bursts.Count >= 2, $"call-waiting bursts: {bursts.Count}; heard: {Summary(who)}");
        Assert.InRange(bursts[0].Length * WindowMs, 100, 300);
        Assert.InRange((bursts[1].Start - bursts[0].Start) * WindowMs, 700, 900);
        var order = Runs(who, null).Where(r => r.Length * WindowMs >= 1000).Select(r => r.Who).ToList();
        Assert.True(
            order.SequenceEqual(["first", "second", "first", "second"]) || order.SequenceEqual(["first", "first", "second", "first", "second"]),
            $"long stretches heard: {string.Join(", ", order)}; all: {Summary(who)}");
        int firstSecond = Runs(who, "second").First(r => r.Length * WindowMs >= 1000).Start;
        Assert.True(bursts[1].Start < firstSecond, "the call-waiting tone came after the second caller was answered");

        // The second caller heard the adapter's microphone while it talked.
        Earpiece.AssertHeard(WavFile.Read(phone.FarEndRecording!), AdapterTone, "baresip");
    }

    private static int CountCalls(SimAdapter adapter, string state) =>
        adapter.Events.Count(e => e.GetProperty("event").GetString() == "call" && Is(e, "state", state));

    /// <summary>What each 50 ms of the recording is: the first caller's 1 kHz, the second's 700 Hz, the call-waiting tone (425 Hz, over either), both callers, or quiet.</summary>
    private static string[] Classify(short[] samples)
    {
        int window = WindowMs * Earpiece.PerMs;
        var who = new string[samples.Length / window];
        for (int i = 0; i < who.Length; i++)
        {
            int from = i * window;
            bool quiet = ToneMeasurement.LevelDbfs(samples, from, window) < -45;
            double first = ToneMeasurement.Share(samples, from, window, AdapterTone);
            double second = ToneMeasurement.Share(samples, from, window, PhoneTone);
            double waiting = ToneMeasurement.Share(samples, from, window, CallWaitingTone);
            who[i] = quiet ? "quiet"
                : waiting > 0.2 && waiting > second ? "cw"
                : first > 0.5 && second < 0.05 ? "first"
                : second > 0.5 && first < 0.05 ? "second"
                : "mixed";
        }

        return who;
    }

    /// <summary>The runs of equal windows (of <paramref name="only"/> when given).</summary>
    private static List<(string Who, int Start, int Length)> Runs(string[] who, string? only)
    {
        var runs = new List<(string Who, int Start, int Length)>();
        for (int i = 0; i < who.Length;)
        {
            int j = i;
            while (j < who.Length && who[j] == who[i])
            {
                j++;
            }

            if (only is null || who[i] == only)
            {
                runs.Add((who[i], i, j - i));
            }

            i = j;
        }

        return runs;
    }

    private static string Summary(string[] who) => string.Join(" ", Runs(who, null).Select(r => $"{r.Who}:{r.Length * WindowMs}"));
}
