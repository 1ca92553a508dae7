namespace Ata.Tests.Audio;

/// <summary>
/// What a caller ID display would read from earpiece audio, written here independently of the
/// firmware: a non-coherent FSK demodulator (quadrature correlation with the mark and space
/// frequencies over one bit), an asynchronous receiver that waits for at least 30 mark bits before
/// it takes start bits (so the channel seizure is not read as bytes), and the parser of the display
/// message (ETSI EN 300 659-3 / Telcordia MDMF) with its checksum.
/// </summary>
public static class CallerIdDecoder
{
    /// <summary>Bits per second of both FSK variants.</summary>
    public const double Baud = 1200;

    /// <summary>The bytes an FSK receiver takes from <paramref name="samples"/> (8 kHz), in order.</summary>
    public static List<byte> FskBytes(short[] samples, int markHz, int spaceHz, int sampleRate = 8000)
    {
        double bit = sampleRate / Baud;
        int window = (int)Math.Round(bit);
        int n = samples.Length;
        var decision = new double[n];
        var power = new double[n];
        for (int i = 0; i + window <= n; i++)
        {
            double mark = Correlate(samples, i, window, markHz, sampleRate);
            double space = Correlate(samples, i, window, spaceHz, sampleRate);
            decision[i + (window / 2)] = mark - space;
            power[i + (window / 2)] = mark + space;
        }

        double loud = 0;
        for (int i = 0; i < n; i++)
        {
            loud = Math.Max(loud, power[i]);
        }

        double floor = loud / 20;
        var bytes = new List<byte>();
        int markRun = 0;
        bool armed = false;
        int at = 0;
        while (at < n)
        {
            if (power[at] < floor)
            {
                markRun = 0;
                armed = false;
                at++;
                continue;
            }

            if (decision[at] > 0)
            {
                markRun++;
                if (markRun >= 30 * bit)
                {
                    armed = true;
                }

                at++;
                continue;
            }

            if (!armed)
            {
                markRun = 0;
                at++;
                continue;
            }

            // A start bit begins here: read the ten bits at their centres.
            int value = 0;
            bool framed = true;
            for (int b = 0; b < 10; b++)
            {
                int centre = at + (int)Math.Round((b + 0.5) * bit);
                if (centre >= n || power[centre] < floor)
                {
                    framed = false;
                    break;
                }

                bool one = decision[centre] > 0;
                if (b == 0 && one || b == 9 && !one)
                {
                    framed = false;
                }
                else if (b >= 1 && b <= 8 && one)
                {
                    value |= 1 << (b - 1);
                }
            }

            if (!framed)
            {
                armed = false;
                markRun = 0;
                at++;
                continue;
            }

            bytes.Add((byte)value);
            at += (int)Math.Round(9.5 * bit);
            markRun = 0;
        }

        return bytes;
    }

    /// <summary>
    /// The display message in <paramref name="bytes"/>: its type and its parameters (type → value as
    /// text); throws when the length or the checksum is wrong.
    /// </summary>
    public static DisplayMessageRead ParseMessage(IReadOnlyList<byte> bytes)
    {
        if (bytes.Count < 3)
        {
            throw new InvalidDataException($"{bytes.Count} bytes are no display message");
        }

        int length = bytes[1];
        if (bytes.Count < length + 3)
        {
            throw new InvalidDataException($"the message says {length} bytes, but only {bytes.Count - 3} came: {Hex(bytes)}");
        }

        int sum = 0;
        for (int i = 0; i < length + 3; i++)
        {
            sum += bytes[i];
        }

        if ((sum & 0xFF) != 0)
        {
            throw new InvalidDataException($"checksum wrong: {Hex(bytes)}");
        }

        var parameters = new Dictionary<int, byte[]>();
        int at = 2;
        while (at < length + 2)
        {
            int type = bytes[at];
            int size = bytes[at + 1];
            parameters[type] = bytes.Skip(at + 2).Take(size).ToArray();
            at += 2 + size;
        }

        return new DisplayMessageRead(bytes[0], parameters);
    }

    /// <summary>The message read from <paramref name="samples"/>.</summary>
    public static DisplayMessageRead Read(short[] samples, int markHz, int spaceHz) => ParseMessage(FskBytes(samples, markHz, spaceHz));

    private static double Correlate(short[] samples, int from, int count, double hz, int sampleRate)
    {
        double re = 0, im = 0;
        for (int i = 0; i < count; i++)
        {
            double angle = 2 * Math.PI * hz * (from + i) / sampleRate;
            re += samples[from + i] * Math.Cos(angle);
            im += samples[from + i] * Math.Sin(angle);
        }

        return (re * re) + (im * im);
    }

    private static string Hex(IReadOnlyList<byte> bytes) => string.Join(" ", bytes.Select(b => b.ToString("X2")));
}

/// <summary>A display message as read back: its type (0x80 call set-up, 0x82 message waiting) and parameters.</summary>
public sealed record DisplayMessageRead(int Type, Dictionary<int, byte[]> Parameters)
{
    /// <summary>Parameter <paramref name="type"/> as ASCII text, or null when absent.</summary>
    public string? Text(int type) => Parameters.TryGetValue(type, out var value) ? System.Text.Encoding.ASCII.GetString(value) : null;
}
