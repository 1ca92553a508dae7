using Ata.EndToEnd.Tests.Calls;
using Ata.Lab;
using Ata.Tests.Audio;
using static Ata.EndToEnd.Tests.Calls.CallLab;

namespace Ata.EndToEnd.Tests.MessageWaiting;

/// <summary>
/// The voicemail light end to end, with Kamailio as the registrar and sipp as the voicemail system:
/// an unsolicited message-summary NOTIFY relayed by Kamailio, and a SUBSCRIBE the adapter sends by
/// itself, which Kamailio challenges and relays to the voicemail system, whose NOTIFY comes back in the
/// dialog. Either turns on the TEL LED's message-waiting pattern, the stutter dial tone and (UK) the
/// visual indicator on the phone, read back from the earpiece recording.
/// </summary>
public sealed class MessageWaitingTests(SharedCallLab shared) : IClassFixture<SharedCallLab>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_unsolicited_NOTIFY_through_the_registrar_turns_on_the_light_the_indicator_and_the_stutter_dial_tone()
    {
        var lab = shared.Lab;
        string user = lab.NewUser();
        await using var adapter = await lab.StartAdapterAsync(user, "--country", "UK");

        await using var notify = SippScenario.Start("notify-mwi.xml", new SippOptions
        {
            Remote = lab.Registrar.Address,
            Service = user,
            Keys = new Dictionary<string, string> { ["waiting"] = "yes" },
        });
        await notify.EnsureSucceededAsync(Timeout);

        await AssertMessageWaitingAsync(adapter, lab, user);
    }

    [Fact]
    public async Task The_adapter_subscribes_through_the_registrar_and_the_voicemail_systems_NOTIFY_turns_on_the_light()
    {
        int voicemailPort = FreePort.Udp();
        await using var lab = await CallLab.StartAsync(new KamailioRegistrarOptions { VoicemailServer = $"127.0.0.1:{voicemailPort}" });
        await using var voicemail = SippScenario.Start("voicemail.xml", new SippOptions { Port = voicemailPort, Timeout = TimeSpan.FromSeconds(60), Name = "voicemail" });
        await voicemail.WaitUntilListeningAsync(TimeSpan.FromSeconds(5));
        string user = lab.NewUser();
        await using var adapter = await lab.StartAdapterAsync(user, "--country", "UK");

        var result = await voicemail.EnsureSucceededAsync(Timeout);
        var subscribe = result.Messages.First(m => m.Received && m.Method == "SUBSCRIBE");
        Assert.Equal("message-summary", subscribe.Header("Event"));
        // Kamailio relays only a SUBSCRIBE whose credentials it checked (and keeps them to itself).
        Assert.Null(subscribe.Header("Proxy-Authorization"));
        Assert.Contains($"sip:{user}@", subscribe.FirstLine);

        await AssertMessageWaitingAsync(adapter, lab, user);
    }

    private static async Task AssertMessageWaitingAsync(SimAdapter adapter, CallLab lab, string user)
    {
        await adapter.WaitForEventAsync("led", e => Is(e, "led", "tel1") && Is(e, "pattern", "message-waiting"), Timeout);
        await adapter.WaitForEventAsync("tone", e => Is(e, "tone", "message-waiting-indicator") && Is(e, "state", "stopped"), Timeout);
        var heard = CallerId.SignalRecording.Of(lab, user, "message-waiting-indicator");
        var message = CallerIdDecoder.Read(heard.Samples, 1300, 2100);
        Assert.Equal(0x82, message.Type);
        Assert.Equal([(byte)0xFF], message.Parameters[0x0B]);

        long since = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 5;
        await adapter.Process.WriteLineAsync("offhook 1");
        await ToneStarted(adapter, "stutter", since, Timeout);
        await adapter.Process.WriteLineAsync("onhook 1");
    }
}
