using Ata.Core.Dtmf;

namespace Ata.Sim;

/// <summary>
/// What the simulated handset's microphone picks up, 20 ms at a time in real time: silence, a tone
/// (<c>mic tone HZ</c>), a WAV file (<c>mic wav FILE</c>, 8 kHz 16-bit mono, looped), with the keys
/// pressed on the keypad (DTMF, 80 ms on and 80 ms off each) mixed over it, and (<c>mic ack KEY</c>) a
/// type 2 phone's acknowledgement of caller ID during a call.
/// </summary>
internal sealed class SimMicrophone
{
    public const int FrameSamples = 160;
    public const long FrameMs = 20;
    private const int KeySamples = 640;
    private const int AcknowledgementSamples = 480;

    private readonly Queue<short[]> _keys = new();
    private short[]? _wav;
    private int _wavAt;
    private double _toneHz;
    private short _toneLevel;
    private long _toneSample;
    private short[]? _key;
    private int _keyAt;
    private char _acknowledgeWith;
    private int _alertFrames;

    /// <summary>Silence.</summary>
    public void Off()
    {
        _wav = null;
        _toneHz = 0;
    }

    /// <summary>A steady tone of <paramref name="hz"/> at <paramref name="level"/> (peak amplitude).</summary>
    public void Tone(double hz, short level)
    {
        _wav = null;
        _toneHz = hz;
        _toneLevel = level;
        _toneSample = 0;
    }

    /// <summary>A WAV file's samples, looped.</summary>
    public void Wav(short[] samples)
    {
        _toneHz = 0;
        _wav = samples.Length == 0 ? null : samples;
        _wavAt = 0;
    }

    /// <summary>Queues keys: each sounds 80 ms, then 80 ms of silence, as a tone phone sends them.</summary>
    public void Press(string keys)
    {
        foreach (char key in keys)
        {
            var samples = new short[KeySamples * 2];
            DtmfKeypad.Synthesize(key, 5000, samples, 0, KeySamples, 0);
            _keys.Enqueue(samples);
        }
    }

    /// <summary>
    /// <c>mic ack KEY</c>: the phone takes caller ID during a call (type 2): once the alerting signal
    /// (2130 + 2750 Hz) heard in the earpiece ends, it acknowledges with <paramref name="key"/> (DTMF, 60 ms).
    /// </summary>
    public void AcknowledgeCallerId(char key) => _acknowledgeWith = key;

    /// <summary>What the earpiece plays: listened to for the alerting signal when the phone acknowledges it.</summary>
    public void Hear(short[] samples, int offset, int count)
    {
        if (_acknowledgeWith == '\0')
        {
            return;
        }

        if (Share(samples, offset, count, 2130) > 0.2 && Share(samples, offset, count, 2750) > 0.2)
        {
            _alertFrames++;
            return;
        }

        if (_alertFrames >= 2)
        {
            var samplesOfKey = new short[KeySamples * 2];
            DtmfKeypad.Synthesize(_acknowledgeWith, 5000, samplesOfKey, 0, AcknowledgementSamples, 0);
            _keys.Enqueue(samplesOfKey);
        }

        _alertFrames = 0;
    }

    /// <summary>The share of the samples' energy at <paramref name="hz"/> (one DFT bin).</summary>
    private static double Share(short[] samples, int offset, int count, double hz)
    {
        double re = 0, im = 0, energy = 0;
        for (int i = 0; i < count; i++)
        {
            double x = samples[offset + i];
            re += x * Math.Cos(2 * Math.PI * hz * i / 8000);
            im += x * Math.Sin(2 * Math.PI * hz * i / 8000);
            energy += x * x;
        }

        return energy == 0 ? 0 : ((re * re) + (im * im)) * 2 / count / energy;
    }

    /// <summary>The next 20 ms.</summary>
    public void Fill(short[] frame)
    {
        for (int i = 0; i < FrameSamples; i++)
        {
            int sample = 0;
            if (_wav is not null)
            {
                sample = _wav[_wavAt];
                _wavAt = (_wavAt + 1) % _wav.Length;
            }
            else if (_toneHz > 0)
            {
                sample = (int)(_toneLevel * Math.Sin(2 * Math.PI * _toneHz * _toneSample / 8000.0));
                _toneSample++;
            }

            if (_key is null && _keys.Count > 0)
            {
                _key = _keys.Dequeue();
                _keyAt = 0;
            }

            if (_key is not null)
            {
                sample = _key[_keyAt++] + (_keyAt < KeySamples ? 0 : sample);
                if (_keyAt >= _key.Length)
                {
                    _key = null;
                }
            }

            frame[i] = (short)Math.Clamp(sample, short.MinValue, short.MaxValue);
        }
    }

    /// <summary>Reads an 8 kHz 16-bit mono PCM WAV; throws <see cref="InvalidDataException"/> naming what is wrong.</summary>
    public static short[] ReadWav(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 44 || bytes[0] != 'R' || bytes[1] != 'I' || bytes[2] != 'F' || bytes[3] != 'F')
        {
            throw new InvalidDataException($"{path} is not a WAV file");
        }

        int at = 12;
        int channels = 0, rate = 0, bits = 0;
        while (at + 8 <= bytes.Length)
        {
            string id = System.Text.Encoding.ASCII.GetString(bytes, at, 4);
            int size = BitConverter.ToInt32(bytes, at + 4);
            if (id == "fmt ")
            {
                channels = BitConverter.ToInt16(bytes, at + 10);
                rate = BitConverter.ToInt32(bytes, at + 12);
                bits = BitConverter.ToInt16(bytes, at + 22);
            }
            else if (id == "data")
            {
                if (channels != 1 || rate != 8000 || bits != 16)
                {
                    throw new InvalidDataException($"{path} is {rate} Hz, {bits}-bit, {channels} channel(s); the microphone takes 8000 Hz 16-bit mono");
                }

                int length = Math.Min(size, bytes.Length - at - 8) / 2;
                var samples = new short[length];
                Buffer.BlockCopy(bytes, at + 8, samples, 0, length * 2);
                return samples;
            }

            at += 8 + size + (size & 1);
        }

        throw new InvalidDataException($"{path} has no audio data");
    }
}
