using Ata.Lab;
using Ata.Tests.Audio;
using static Ata.EndToEnd.Tests.Calls.CallLab;

namespace Ata.EndToEnd.Tests.Calls;

/// <summary>
/// Caller ID during a call (type 2) through the lab's Kamailio: a US simulator calls sipp, baresip calls it
/// during that call, the simulator's phone (<c>mic ack D</c>) acknowledges the alerting signal it hears, and
/// the FSK message with baresip's number is read back from the simulator's earpiece recording of the call.
/// </summary>
public sealed class CallWaitingCallerIdTests(SharedCallLab shared) : IClassFixture<SharedCallLab>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private CallLab Lab => shared.Lab;

    [Fact]
    public async Task A_waiting_caller_is_presented_during_the_call_after_the_phone_acknowledges()
    {
        string number = Lab.NewUser();
        await using var callee = SippScenario.Start("answer.xml", new SippOptions { Timeout = TimeSpan.FromSeconds(60) });
        await callee.WaitUntilListeningAsync(TimeSpan.FromSeconds(5));
        await SippScenario.RegisterContactAsync(Lab.Registrar.Address, number, PasswordOf(number), callee.Address);
        string user = Lab.NewUser();
        await using var adapter = await Lab.StartAdapterAsync(user, "--country", "US");
        await adapter.Process.WriteLineAsync("mic ack D 1");
        string phoneUser = Lab.NewUser();
        await using var phone = await BaresipPhone.StartAsync(new BaresipPhoneOptions
        {
            User = phoneUser,
            Password = PasswordOf(phoneUser),
            Registrar = Lab.Registrar.Address,
            Microphone = Lab.WriteTone(700),
        });

        await DialAsync(adapter, number);
        await CallState(adapter, "connected", Timeout);
        await phone.DialAsync(user);
        await CallState(adapter, "waiting", Timeout);
        await ToneStarted(adapter, "call-waiting");
        await Task.Delay(TimeSpan.FromSeconds(2));
        await phone.HangUpAsync(Timeout);
        await adapter.WaitForEventAsync("call", e => Is(e, "state", "ended") && e.GetProperty("farEnd").GetString()!.EndsWith(phoneUser[^3..], StringComparison.Ordinal), Timeout);
        await adapter.Process.WriteLineAsync("onhook 1");
        await CallState(adapter, "ended", Timeout, e => !e.GetProperty("farEnd").GetString()!.EndsWith(phoneUser[^3..], StringComparison.Ordinal));
        await callee.EnsureSucceededAsync(Timeout);

        var message = CallerIdDecoder.Read(Lab.LastCallRecording(user).Samples, 1200, 2200);
        Assert.Equal(0x80, message.Type);
        Assert.Equal(phoneUser, message.Text(0x02));
    }
}
