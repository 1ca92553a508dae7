namespace Ata.Gateway.Tests.Support;

/// <summary>Reads server-sent events (<c>event:</c> and <c>data:</c> lines, a blank line ends one; comments skipped).</summary>
internal sealed class EventReader(Stream stream) : IDisposable
{
    private readonly StreamReader _reader = new(stream);
    private Task<string?>? _pending;

    public async Task<(string Name, string Data)> NextAsync(TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        string name = "message", data = string.Empty;
        while (true)
        {
            _pending ??= _reader.ReadLineAsync();
            var left = until - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || await Task.WhenAny(_pending, Task.Delay(left)) != _pending)
            {
                throw new TimeoutException("no event");
            }

            var line = await _pending;
            _pending = null;
            if (line is null)
            {
                throw new EndOfStreamException();
            }

            if (line.Length == 0 && data.Length > 0)
            {
                return (name, data);
            }

            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data += line[6..];
            }
        }
    }

    public void Dispose() => _reader.Dispose();
}
