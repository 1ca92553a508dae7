using Ata.Core.Hardware;

namespace Ata.Sim;

/// <summary>
/// <c>--tones-wav DIR</c>: writes what each line's earpiece gets as 8 kHz 16-bit mono WAV files, so a
/// person (or a test) can listen: one file per tone, <c>NNN-lineL-TONE.wav</c>, and one per call with
/// everything heard from its start to its end (ringback, the far end's voice, the outcome tone),
/// <c>NNN-lineL-call.wav</c>, numbered in the order they started.
/// </summary>
internal sealed class ToneRecorder(string directory) : IAudioSink, IDisposable
{
    private readonly Dictionary<int, WavFile> _open = [];
    private readonly Dictionary<int, WavFile> _calls = [];
    private int _sequence;

    /// <summary>A call on <paramref name="line"/> started (<paramref name="started"/>) or ended: opens or closes its recording.</summary>
    public void Call(int line, bool started)
    {
        if (_calls.Remove(line, out var current))
        {
            current.Dispose();
        }

        if (started)
        {
            Directory.CreateDirectory(directory);
            _sequence++;
            _calls[line] = new WavFile(Path.Combine(directory, $"{_sequence:D3}-line{line}-call.wav"));
        }
    }

    /// <summary>A line's tone changed: closes its file and opens one for <paramref name="tone"/> (null: silence).</summary>
    public void Begin(int line, string? tone)
    {
        if (_open.Remove(line, out var current))
        {
            current.Dispose();
        }

        if (tone is not null)
        {
            Directory.CreateDirectory(directory);
            _sequence++;
            _open[line] = new WavFile(Path.Combine(directory, $"{_sequence:D3}-line{line}-{tone}.wav"));
        }
    }

    public void Play(int line, short[] samples, int offset, int count)
    {
        if (_open.TryGetValue(line, out var file))
        {
            file.Write(samples, offset, count);
        }

        if (_calls.TryGetValue(line, out var call))
        {
            call.Write(samples, offset, count);
        }
    }

    public void Dispose()
    {
        foreach (var file in _open.Values.Concat(_calls.Values))
        {
            file.Dispose();
        }

        _open.Clear();
        _calls.Clear();
    }

    private sealed class WavFile : IDisposable
    {
        private const int SampleRate = 8000;
        private readonly FileStream _stream;
        private readonly BinaryWriter _writer;
        private int _dataBytes;

        public WavFile(string path)
        {
            _stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
            _writer = new BinaryWriter(_stream);
            WriteHeader();
        }

        public void Write(short[] samples, int offset, int count)
        {
            _stream.Seek(0, SeekOrigin.End);
            for (int i = 0; i < count; i++)
            {
                _writer.Write(samples[offset + i]);
            }

            _dataBytes += count * 2;

            // Sizes are rewritten as it grows, so a file cut short by a crash still plays.
            WriteHeader();
            _writer.Flush();
        }

        public void Dispose()
        {
            _writer.Flush();
            _writer.Dispose();
        }

        private void WriteHeader()
        {
            _stream.Seek(0, SeekOrigin.Begin);
            _writer.Write("RIFF"u8);
            _writer.Write(36 + _dataBytes);
            _writer.Write("WAVEfmt "u8);
            _writer.Write(16);
            _writer.Write((short)1);
            _writer.Write((short)1);
            _writer.Write(SampleRate);
            _writer.Write(SampleRate * 2);
            _writer.Write((short)2);
            _writer.Write((short)16);
            _writer.Write("data"u8);
            _writer.Write(_dataBytes);
        }
    }
}
