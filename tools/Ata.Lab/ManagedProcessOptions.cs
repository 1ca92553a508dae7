namespace Ata.Lab;

/// <summary>Which output stream of a child process a line came from.</summary>
public enum OutputStream
{
    /// <summary>The child's stdout.</summary>
    StandardOutput,

    /// <summary>The child's stderr.</summary>
    StandardError,
}

/// <summary>One line a child process wrote.</summary>
/// <param name="Stream">The stream it came from.</param>
/// <param name="Text">The line, without its line ending.</param>
/// <param name="At">When the lab read it.</param>
public readonly record struct OutputLine(OutputStream Stream, string Text, DateTimeOffset At);

/// <summary>How a <see cref="ManagedProcess"/> is started and stopped.</summary>
public sealed class ManagedProcessOptions
{
    /// <summary>A short name for messages and logs; defaults to the program's or assembly's name.</summary>
    public string? Name { get; init; }

    /// <summary>The child's working directory; defaults to the current one.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Environment variables to set (a null value removes the variable).</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>Called with each stdout line, on a reader thread. It must not block for long; exceptions are swallowed so the pipe keeps draining.</summary>
    public Action<string>? StandardOutputLine { get; init; }

    /// <summary>Called with each stderr line, on a reader thread. It must not block for long; exceptions are swallowed so the pipe keeps draining.</summary>
    public Action<string>? StandardErrorLine { get; init; }

    /// <summary>
    /// Starts the child in its own session (through <c>setsid</c>, which execs in place), so a
    /// terminal's Ctrl-C reaches only the parent, which then stops its children in order.
    /// </summary>
    public bool OwnSession { get; init; }

    /// <summary>How long a stop waits after SIGTERM before killing the whole process tree.</summary>
    public TimeSpan StopGracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How many output lines are kept (oldest dropped first).</summary>
    public int BufferedLines { get; init; } = 10_000;
}
