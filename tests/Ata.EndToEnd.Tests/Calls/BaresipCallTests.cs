using Ata.Lab;
using Ata.Tests.Audio;
using static Ata.EndToEnd.Tests.Calls.CallLab;

namespace Ata.EndToEnd.Tests.Calls;

/// <summary>
/// The adapter and a phone nobody here wrote (Debian's baresip) call each other through the lab's
/// Kamailio, both ways: each end's microphone tone is measured in the other's recording (frequency
/// within 1 %, level within 3 dB), and keys pressed during the call cross as RFC 4733 telephone-events
/// both ways (the adapter's in-band keys reach baresip as events; baresip's events sound as DTMF in
/// the adapter's earpiece).
/// </summary>
public sealed class BaresipCallTests(SharedCallLab shared) : IClassFixture<SharedCallLab>
{
    private const double AdapterTone = 1000;
    private const double PhoneTone = 440;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private CallLab Lab => shared.Lab;

    [Fact]
    public async Task The_adapter_calls_baresip_audio_flows_both_ways_and_keys_cross_as_telephone_events_both_ways()
    {
        string user = Lab.NewUser();
        await using var phone = await StartPhoneAsync();
        await using var adapter = await Lab.StartAdapterAsync(user);
        await adapter.Process.WriteLineAsync($"mic tone {AdapterTone} 1");

        await DialAsync(adapter, phone.User);
        var incoming = await phone.WaitForEventAsync(BaresipEvent.CallIncoming, Timeout);
        Assert.Contains("sip:" + user + "@", incoming.PeerUri);
        await CallState(adapter, "ringing", also: e => Is(e, "direction", "outgoing"));
        await ToneStarted(adapter, "ringback");
        await phone.AnswerAsync(Timeout);
        var connected = await CallState(adapter, "connected");
        Assert.Equal("PCMA", connected.GetProperty("codec").GetString());

        // Keys dialled on the handset during the call: heard in-band by the adapter, sent as telephone-events.
        await Task.Delay(TimeSpan.FromSeconds(1));
        var lastKey = phone.WaitForEventAsync(e => e.Type == BaresipEvent.DtmfStart && e.Param == "#", Timeout, includeEarlier: false);
        await adapter.Process.WriteLineAsync("dial 159# 1");
        await lastKey;
        Assert.Equal("159#", phone.ReceivedDigits);

        // Keys pressed on baresip: telephone-events, played as DTMF into the adapter's earpiece.
        await phone.SendDigitsAsync("2580");
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var closed = phone.WaitForEventAsync(BaresipEvent.CallClosed, Timeout, includeEarlier: false);
        await adapter.Process.WriteLineAsync("onhook 1");
        await closed;
        var ended = await CallState(adapter, "ended");
        Assert.Equal("completed", ended.GetProperty("outcome").GetString());
        Assert.True(ended.GetProperty("eventsSent").GetInt64() >= 4, ended.ToString());
        Assert.True(ended.GetProperty("eventsReceived").GetInt64() >= 4, ended.ToString());

        var heardByAdapter = Lab.LastCallRecording(user);
        Assert.Equal("2580", Earpiece.Keys(heardByAdapter.Samples));
        Earpiece.AssertHeard(heardByAdapter, PhoneTone, "the adapter's earpiece");
        Earpiece.AssertHeard(WavFile.Read(phone.FarEndRecording!), AdapterTone, "baresip");
    }

    [Fact]
    public async Task Baresip_calls_the_adapter_which_rings_and_answers_audio_flows_both_ways_and_baresip_hangs_up()
    {
        string user = Lab.NewUser();
        await using var phone = await StartPhoneAsync();
        await using var adapter = await Lab.StartAdapterAsync(user);
        await adapter.Process.WriteLineAsync($"mic tone {AdapterTone} 1");

        await phone.DialAsync(user);
        var ringing = await CallState(adapter, "ringing", also: e => Is(e, "direction", "incoming"));
        Assert.EndsWith(phone.User[^3..], ringing.GetProperty("farEnd").GetString());
        await adapter.WaitForEventAsync("ringer", e => e.GetProperty("on").GetBoolean());
        await phone.WaitForEventAsync(BaresipEvent.CallRinging, Timeout);
        await adapter.Process.WriteLineAsync("offhook 1");
        await CallState(adapter, "connected");
        await phone.WaitForEventAsync(BaresipEvent.CallEstablished, Timeout);

        await Task.Delay(TimeSpan.FromSeconds(2.5));
        await phone.HangUpAsync(Timeout);
        var ended = await CallState(adapter, "ended");
        Assert.True(ended.GetProperty("byFarEnd").GetBoolean());
        Assert.Equal("completed", ended.GetProperty("outcome").GetString());
        await ToneStarted(adapter, "busy");
        await adapter.Process.WriteLineAsync("onhook 1");

        Earpiece.AssertHeard(Lab.LastCallRecording(user), PhoneTone, "the adapter's earpiece");
        Earpiece.AssertHeard(WavFile.Read(phone.FarEndRecording!), AdapterTone, "baresip");
    }

    private async Task<BaresipPhone> StartPhoneAsync()
    {
        string user = Lab.NewUser();
        return await BaresipPhone.StartAsync(new BaresipPhoneOptions
        {
            User = user,
            Password = PasswordOf(user),
            Registrar = Lab.Registrar.Address,
            Microphone = Lab.WriteTone(PhoneTone),
        });
    }
}
