using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Ata.Gateway.Tests.Support;

/// <summary>Every log line of a test's gateway and devices, at every level, for assertions.</summary>
internal sealed class CapturedLog : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public string Text
    {
        get
        {
            var text = new StringBuilder();
            foreach (var line in _lines)
            {
                text.AppendLine(line);
            }

            return text.ToString();
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public ILogger<T> CreateLogger<T>() => new LoggerFactory([this]).CreateLogger<T>();

    public string Tail(int count = 40) => string.Join(Environment.NewLine, _lines.TakeLast(count));

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? string.Empty : Environment.NewLine + exception)}");
        }
    }
}
