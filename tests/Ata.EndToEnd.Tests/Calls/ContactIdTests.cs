using Ata.Core.Dtmf;
using Ata.Lab;
using Ata.Tests.Audio;
using static Ata.EndToEnd.Tests.Calls.CallLab;

namespace Ata.EndToEnd.Tests.Calls;

/// <summary>
/// An alarm panel on the adapter's line reports over the phone line: a Contact ID message (SIA DC-05:
/// 16 DTMF digits, account, 18, qualifier, event, group, zone and checksum, 60 ms on and 60 ms off) played
/// into the simulated handset's microphone, through a lossy relay (0 % and 5 % of the RTP packets
/// dropped, as the lossy network tests set it) and the lab's Kamailio to baresip, the receiver. Every digit
/// arrives (as RFC 4733 telephone-events, the adapter's in-band keys), in order, and the checksum holds.
/// The receiver's handshake and kissoff tones are not modelled (baresip plays a fixed file).
/// </summary>
public sealed class ContactIdTests(SharedCallLab shared) : IClassFixture<SharedCallLab>
{
    /// <summary>Account 1234, new event (1) 131 (perimeter burglary), group 01, zone 015, checksum 8.</summary>
    public const string Report = "1234181131010158";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private CallLab Lab => shared.Lab;

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.05)]
    public async Task A_Contact_ID_report_from_the_panel_reaches_the_receiver_with_every_digit_and_its_checksum(double loss)
    {
        Assert.True(ChecksumHolds(Report));
        using var relay = new LossyMediaRelay(loss, delayMs: 20, jitterMs: 10, seed: 2100);
        await using var call = await RelayedBaresipCall.StartAsync(Lab, relay, WriteSilence());
        var (receiver, adapter) = (call.Phone, call.Adapter);

        // The panel waits for the receiver's handshake, then sends its message once.
        await Task.Delay(TimeSpan.FromSeconds(1));
        var last = receiver.WaitForEventAsync(_ => receiver.ReceivedDigits.Length >= Report.Length, Timeout, includeEarlier: false);
        await adapter.Process.WriteLineAsync($"mic wav {WriteReport(Report)} 1");
        await last;
        await adapter.Process.WriteLineAsync("mic off 1");
        await Task.Delay(TimeSpan.FromMilliseconds(500));

        var closed = receiver.WaitForEventAsync(BaresipEvent.CallClosed, Timeout, includeEarlier: false);
        await adapter.Process.WriteLineAsync("onhook 1");
        await closed;

        string received = receiver.ReceivedDigits;
        Assert.True(relay.AToB.Forwarded > 100, $"relayed {relay.AToB.Forwarded} packets");
        if (loss > 0)
        {
            Assert.True(relay.AToB.Dropped > 0, "the relay dropped nothing");
        }

        Assert.Equal(Report, received);
        Assert.True(ChecksumHolds(received), $"checksum of {received}");
    }

    /// <summary>SIA DC-05: the digits' values (0 counts 10) and the checksum add up to a multiple of 15.</summary>
    public static bool ChecksumHolds(string message)
    {
        int sum = 0;
        foreach (char c in message)
        {
            int value = c switch
            {
                '0' => 10,
                >= '1' and <= '9' => c - '0',
                '*' => 11,
                '#' => 12,
                'A' => 13,
                'B' => 14,
                'C' => 15,
                _ => -1000,
            };
            sum += value;
        }

        return message.Length == 16 && sum > 0 && sum % 15 == 0;
    }

    /// <summary>The panel's message as the handset's microphone: each digit 60 ms of DTMF then 60 ms of silence, then 30 s of silence (the file loops).</summary>
    private string WriteReport(string message)
    {
        const int Tone = 60 * 8, Pause = 60 * 8;
        var samples = new short[(message.Length * (Tone + Pause)) + (30 * 8000)];
        for (int i = 0; i < message.Length; i++)
        {
            DtmfKeypad.Synthesize(message[i], 5000, samples, i * (Tone + Pause), Tone, 0);
        }

        string path = Path.Combine(Lab.Directory, $"contact-id-{message}.wav");
        new WavFile(samples, 8000).Write(path);
        return path;
    }

    private string WriteSilence()
    {
        Directory.CreateDirectory(Lab.Directory);
        string path = Path.Combine(Lab.Directory, "silence.wav");
        new WavFile(new short[8000 * 60], 8000).Write(path);
        return path;
    }
}
