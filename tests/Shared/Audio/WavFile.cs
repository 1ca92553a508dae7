namespace Ata.Tests.Audio;

/// <summary>
/// 16-bit PCM WAV files (RIFF/WAVE, format 1): what the simulator records from an earpiece, what baresip's
/// aufile module reads and writes, and what tests feed into a microphone. Reading keeps one channel.
/// </summary>
public sealed class WavFile
{
    /// <summary>Creates a mono recording.</summary>
    public WavFile(short[] samples, int sampleRate)
    {
        Samples = samples;
        SampleRate = sampleRate;
    }

    /// <summary>The samples of the channel read (mono files: the only one).</summary>
    public short[] Samples { get; }

    /// <summary>Samples per second.</summary>
    public int SampleRate { get; }

    /// <summary>The length in milliseconds.</summary>
    public double DurationMs => Samples.Length * 1000.0 / SampleRate;

    /// <summary>Reads <paramref name="path"/>, keeping <paramref name="channel"/> (0 = left or mono).</summary>
    /// <exception cref="InvalidDataException">The file is not 16-bit PCM WAV, or is cut short.</exception>
    public static WavFile Read(string path, int channel = 0) => Parse(File.ReadAllBytes(path), channel);

    /// <summary>Parses a WAV file's bytes, keeping <paramref name="channel"/>.</summary>
    /// <exception cref="InvalidDataException">The bytes are not 16-bit PCM WAV, or are cut short.</exception>
    public static WavFile Parse(byte[] bytes, int channel = 0)
    {
        if (bytes.Length < 12 || Tag(bytes, 0) != "RIFF" || Tag(bytes, 8) != "WAVE")
        {
            throw new InvalidDataException("not a RIFF/WAVE file");
        }

        int channels = 0, rate = 0, bits = 0;
        int at = 12;
        while (at + 8 <= bytes.Length)
        {
            string id = Tag(bytes, at);
            int size = BitConverter.ToInt32(bytes, at + 4);
            int body = at + 8;

            // Streaming writers (baresip's aufile, sox to a pipe) leave the data size at 0 or too large.
            if (size < 0 || body + size > bytes.Length || (id == "data" && size == 0))
            {
                size = bytes.Length - body;
            }

            if (id == "fmt ")
            {
                int format = BitConverter.ToInt16(bytes, body);
                channels = BitConverter.ToInt16(bytes, body + 2);
                rate = BitConverter.ToInt32(bytes, body + 4);
                bits = BitConverter.ToInt16(bytes, body + 14);
                if ((format != 1 && format != unchecked((short)0xFFFE)) || bits != 16)
                {
                    throw new InvalidDataException($"only 16-bit PCM is read (format {format}, {bits} bits)");
                }
            }
            else if (id == "data")
            {
                if (channels == 0)
                {
                    throw new InvalidDataException("the data chunk comes before the fmt chunk");
                }

                if (channel < 0 || channel >= channels)
                {
                    throw new InvalidDataException($"the file has {channels} channel(s), not channel {channel}");
                }

                int frames = size / (2 * channels);
                var samples = new short[frames];
                for (int i = 0; i < frames; i++)
                {
                    samples[i] = BitConverter.ToInt16(bytes, body + (((i * channels) + channel) * 2));
                }

                return new WavFile(samples, rate);
            }

            at = body + size + (size & 1);
        }

        throw new InvalidDataException("no data chunk");
    }

    /// <summary>Writes the recording as a mono 16-bit PCM WAV file.</summary>
    public void Write(string path) => File.WriteAllBytes(path, ToBytes());

    /// <summary>The recording as the bytes of a mono 16-bit PCM WAV file.</summary>
    public byte[] ToBytes()
    {
        int dataBytes = Samples.Length * 2;
        using var stream = new MemoryStream(44 + dataBytes);
        using var writer = new BinaryWriter(stream);
        writer.Write("RIFF"u8);
        writer.Write(36 + dataBytes);
        writer.Write("WAVEfmt "u8);
        writer.Write(16);
        writer.Write((short)1);
        writer.Write((short)1);
        writer.Write(SampleRate);
        writer.Write(SampleRate * 2);
        writer.Write((short)2);
        writer.Write((short)16);
        writer.Write("data"u8);
        writer.Write(dataBytes);
        foreach (short sample in Samples)
        {
            writer.Write(sample);
        }

        writer.Flush();
        return stream.ToArray();
    }

    /// <summary>
    /// The recording resampled to <paramref name="rate"/> with a windowed-sinc low-pass at 0.45 of the
    /// lower rate (e.g. a 22.05 kHz speech synthesiser's output brought to telephony's 8 kHz).
    /// </summary>
    public WavFile Resample(int rate)
    {
        if (rate == SampleRate)
        {
            return this;
        }

        double ratio = (double)SampleRate / rate;
        double cutoff = 0.45 * Math.Min(1.0, 1.0 / ratio);
        const int half = 24;
        var output = new short[(int)(Samples.Length / ratio)];
        for (int n = 0; n < output.Length; n++)
        {
            double center = n * ratio;
            int first = (int)Math.Floor(center) - half;
            double sum = 0;
            for (int k = first; k <= first + (2 * half); k++)
            {
                if (k < 0 || k >= Samples.Length)
                {
                    continue;
                }

                double t = k - center;
                double sinc = t == 0 ? 2 * cutoff : Math.Sin(2 * Math.PI * cutoff * t) / (Math.PI * t);
                double window = 0.5 + (0.5 * Math.Cos(Math.PI * t / (half + 1)));
                sum += Samples[k] * sinc * window;
            }

            output[n] = (short)Math.Clamp(Math.Round(sum), short.MinValue, short.MaxValue);
        }

        return new WavFile(output, rate);
    }

    private static string Tag(byte[] bytes, int at) => System.Text.Encoding.ASCII.GetString(bytes, at, 4);
}
