using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Ata.Mqtt.Tests.Fixtures;

/// <summary>Keeps every log entry, to check what a client logs (and never logs).</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    public ConcurrentQueue<(LogLevel Level, string Message, Exception? Exception)> Entries { get; } = new();

    public string Text => string.Join('\n', Entries.Select(entry => $"{entry.Level}: {entry.Message} {entry.Exception?.Message}"));

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((logLevel, formatter(state, exception), exception));
}
