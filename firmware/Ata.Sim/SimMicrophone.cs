using Ata.Core.Dtmf;

namespace Ata.Sim;

/// <summary>
/// What the simulated handset's microphone picks up, 20 ms at a time in real time: silence, a tone
/// (<c>mic tone HZ</c>), a WAV file (<c>mic wav FILE</c>, 8 kHz 16-bit mono, looped), with the keys
/// pressed on the keypad (DTMF, 80 ms on and 80 ms off each) mixed over it.
/// </summary>
internal sealed class SimMicrophone
{
    public const int FrameSamples = 160;
    public const long FrameMs = 20;
    private const int KeySamples = 640;

    private readonly Queue<short[]> _keys = new();
    private short[]? _wav;
    private int _wavAt;
    private double _toneHz;
    private short _toneLevel;
    private long _toneSample;
    private short[]? _key;
    private int _keyAt;

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
