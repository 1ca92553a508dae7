using System.Text;

namespace Ata.EndToEnd.Tests.Console;

/// <summary>A technician's side of a pseudo-terminal: writes keystrokes, collects what comes back.</summary>
internal sealed class PtyTerminal : IDisposable
{
    private readonly FileStream _stream;
    private readonly StringBuilder _received = new();
    private readonly Lock _gate = new();

    public PtyTerminal(string path)
    {
        _stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1, FileOptions.None);
        new Thread(ReadLoop) { IsBackground = true, Name = "pty-terminal" }.Start();
    }

    public string Received
    {
        get
        {
            lock (_gate)
            {
                return _received.ToString();
            }
        }
    }

    /// <summary>Types a command and Enter, then waits until the answer ends with the next prompt; returns the answer.</summary>
    public async Task<string> CommandAsync(string command, TimeSpan? timeout = null)
    {
        int start = Received.Length;
        Type(command + "\r");
        DateTime deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            string text = Received[start..];
            int answer = text.IndexOf("\r\n", StringComparison.Ordinal);
            if (answer >= 0 && text.EndsWith("ata> ", StringComparison.Ordinal))
            {
                return text[(answer + 2)..^"ata> ".Length];
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no prompt after '{command}'; received:\n{text}");
            }

            await Task.Delay(20);
        }
    }

    public void Type(string keys)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(keys);
        _stream.Write(bytes, 0, bytes.Length);
        _stream.Flush();
    }

    public void Dispose() => _stream.Dispose();

    private void ReadLoop()
    {
        byte[] buffer = new byte[512];
        try
        {
            int n;
            while ((n = _stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                lock (_gate)
                {
                    _received.Append(Encoding.ASCII.GetString(buffer, 0, n));
                }
            }
        }
        catch (IOException)
        {
            // The simulator closed the pty.
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
