using Ata.Core.DialPlan;
using Ata.Core.Dtmf;
using Ata.Core.Media;
using Ata.Core.Telephony;

namespace Ata.Core.Tests.Telephony;

/// <summary>
/// The handset's audio once a call's media is on the port: a key of the number dialled that still
/// sounds when the far end answers at once is not sent (neither as a telephone-event nor in-band);
/// a key pressed in the call is.
/// </summary>
public class FxsPortCallAudioTests
{
    private const byte ALawSilence = 0xD5;
    private readonly LineLog _log = new();
    private readonly FakeSocket _rtp = new();
    private readonly FxsPort _port;
    private long _now;

    public FxsPortCallAudioTests()
    {
        _port = new FxsPort(1, LineProfile.Default(Country.Norway), _log);
        _port.Sense(true, 0);
        _port.Tick(true, null, 20);
        _now = 20;
        Assert.Equal(LineState.OffHook, _port.State);
    }

    [Fact]
    public void The_rest_of_the_last_dialled_key_is_not_sent_into_a_call_answered_while_it_sounds()
    {
        Speak(Key('4', 80), 40);
        Assert.Contains("digit 4", _log.Log);
        var media = StartMedia();

        Speak(Key('4', 80), 40, from: 40);
        Speak(new short[8000], 1000);

        Assert.Equal(0, media.Quality.EventsSent);
        Assert.NotEmpty(_rtp.SentBytes);
        Assert.All(_rtp.SentBytes.Take(4), packet => Assert.All(packet.Skip(12), b => Assert.Equal(ALawSilence, b)));
    }

    [Fact]
    public void A_key_pressed_during_the_call_is_sent_as_a_telephone_event()
    {
        var media = StartMedia();
        Speak(new short[800], 100);
        Speak(Key('4', 80), 80);
        Speak(new short[8000], 1000);

        Assert.Equal(1, media.Quality.EventsSent);
    }

    private MediaSession StartMedia()
    {
        var parameters = new MediaParameters
        {
            PayloadType = MediaParameters.PcmaPayloadType,
            ALaw = true,
            EventPayloadType = 101,
            RemoteAddress = "192.0.2.2",
            RemotePort = 42000,
            Direction = MediaDirection.SendReceive,
        };
        var media = new MediaSession(parameters, _rtp, new FakeSocket(), new ManagedMediaKernels(), SineTable.Build(), new Random(1), "a@192.0.2.10", _now);
        _port.Media = media;
        return media;
    }

    /// <summary>A DTMF key at a talking level for <paramref name="ms"/>.</summary>
    private static short[] Key(char key, int ms)
    {
        var samples = new short[ms * 8];
        DtmfKeypad.Synthesize(key, 5000, samples, 0, samples.Length, 0);
        return samples;
    }

    /// <summary>Hands the port <paramref name="ms"/> of <paramref name="samples"/> (from ms <paramref name="from"/>), 20 ms at a time, as the board's capture does.</summary>
    private void Speak(short[] samples, int ms, int from = 0)
    {
        for (int at = from * 8; at < (from + ms) * 8; at += 160)
        {
            _now += 20;
            _port.Hear(samples, at, 160, _now);
            _port.Tick(true, null, _now);
        }
    }
}
