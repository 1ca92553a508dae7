using Ata.EndToEnd.Tests.Calls;
using Ata.Lab;
using Ata.Tests.Audio;
using static Ata.EndToEnd.Tests.Calls.CallLab;

namespace Ata.EndToEnd.Tests.CallerId;

/// <summary>
/// Anonymous calling end to end: the household dials the anonymous-calling prefix before the number;
/// Kamailio (the ISP's proxy, trusting the adapter's P-Preferred-Identity as RFC 3325 says) authorises
/// the call, and the far end sees From "Anonymous" and Privacy: id and no number: sipp's raw INVITE,
/// and another simulator whose caller ID presents the call as withheld. The code is reported on
/// <c>ata/{id}/service</c> (in the core tests, where the broker's side is the test's).
/// </summary>
public sealed class AnonymousCallTests(SharedCallLab shared) : IClassFixture<SharedCallLab>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private CallLab Lab => shared.Lab;

    [Fact]
    public async Task The_far_end_gets_an_anonymous_From_and_Privacy_id_and_no_number_of_the_caller()
    {
        string number = Lab.NewUser();
        await using var callee = SippScenario.Start("answer.xml", new SippOptions { Timeout = TimeSpan.FromSeconds(60) });
        await callee.WaitUntilListeningAsync(TimeSpan.FromSeconds(5));
        await SippScenario.RegisterContactAsync(Lab.Registrar.Address, number, PasswordOf(number), callee.Address);
        string caller = Lab.NewUser();
        await using var adapter = await Lab.StartAdapterAsync(caller);

        await DialAsync(adapter, "#31#" + number);
        await CallState(adapter, "connected", Timeout);
        await adapter.Process.WriteLineAsync("onhook 1");
        await CallState(adapter, "ended", Timeout);
        var result = await callee.EnsureSucceededAsync(Timeout);

        var invite = result.Messages.First(m => m.Received && m.Method == "INVITE");
        Assert.StartsWith("\"Anonymous\" <sip:anonymous@anonymous.invalid>", invite.Header("From"));
        Assert.Equal("id", invite.Header("Privacy"));
        Assert.StartsWith($"INVITE sip:{number}@", invite.FirstLine);
        Assert.DoesNotContain(caller, invite.Header("From"));
        Assert.Null(invite.Header("P-Preferred-Identity"));
    }

    [Fact]
    public async Task Another_adapter_presents_an_anonymous_call_as_withheld()
    {
        string callee = Lab.NewUser();
        string caller = Lab.NewUser();
        await using var phone = await Lab.StartAdapterAsync(callee, "--country", "UK");
        await using var adapter = await Lab.StartAdapterAsync(caller);

        await DialAsync(adapter, "#31#" + callee);
        var ringing = await CallState(phone, "ringing", Timeout, e => Is(e, "direction", "incoming"));
        Assert.False(ringing.TryGetProperty("farEnd", out var farEnd) && farEnd.ValueKind == System.Text.Json.JsonValueKind.String && farEnd.GetString()!.Length > 0,
            $"the callee was shown the caller: {ringing}");
        await phone.WaitForEventAsync("tone", e => Is(e, "tone", "caller-id") && Is(e, "state", "stopped"), Timeout);
        await adapter.Process.WriteLineAsync("onhook 1");
        await CallState(phone, "ended", Timeout);

        var heard = SignalRecording.Of(Lab, callee);
        var message = CallerIdDecoder.Read(heard.Samples, 1300, 2100);
        Assert.Equal("P", message.Text(0x04));
        Assert.Equal("P", message.Text(0x08));
        Assert.Null(message.Text(0x02));
    }
}
