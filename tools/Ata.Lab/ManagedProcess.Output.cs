namespace Ata.Lab;

/// <summary>The child's output: its lines buffered as they are read, and waited for.</summary>
public sealed partial class ManagedProcess
{
    /// <summary>Every buffered line, both streams, in the order read.</summary>
    public IReadOnlyList<OutputLine> Lines
    {
        get
        {
            lock (gate)
            {
                return [.. lines];
            }
        }
    }

    /// <summary>The buffered stdout lines.</summary>
    public IReadOnlyList<string> StandardOutputLines => LinesOf(OutputStream.StandardOutput);

    /// <summary>The buffered stderr lines.</summary>
    public IReadOnlyList<string> StandardErrorLines => LinesOf(OutputStream.StandardError);

    /// <summary>Waits for a line on stdout that matches <paramref name="predicate"/>.</summary>
    /// <param name="predicate">The line to wait for.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="includeEarlierLines">Whether lines already read count.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The matching line.</returns>
    public Task<string> WaitForOutputLineAsync(Func<string, bool> predicate, TimeSpan timeout, bool includeEarlierLines = true, CancellationToken cancellationToken = default) =>
        WaitForLineAsync(OutputStream.StandardOutput, predicate, timeout, includeEarlierLines, cancellationToken);

    /// <summary>Waits for a line on stderr that matches <paramref name="predicate"/>.</summary>
    /// <param name="predicate">The line to wait for.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="includeEarlierLines">Whether lines already read count.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The matching line.</returns>
    public Task<string> WaitForErrorLineAsync(Func<string, bool> predicate, TimeSpan timeout, bool includeEarlierLines = true, CancellationToken cancellationToken = default) =>
        WaitForLineAsync(OutputStream.StandardError, predicate, timeout, includeEarlierLines, cancellationToken);

    /// <summary>Waits for a line on <paramref name="stream"/> that matches <paramref name="predicate"/>.</summary>
    /// <param name="stream">The stream to watch.</param>
    /// <param name="predicate">The line to wait for; called under a lock, so keep it cheap.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="includeEarlierLines">
    /// Whether lines already read count. To see only a line caused by a later action, call this
    /// before the action and await the task after it: the wait is registered before this returns.
    /// </param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The matching line.</returns>
    /// <exception cref="TimeoutException">No line matched in time; the message carries the last ~40 lines.</exception>
    /// <exception cref="InvalidOperationException">The child exited first; the message carries its last lines.</exception>
    public async Task<string> WaitForLineAsync(
        OutputStream stream,
        Func<string, bool> predicate,
        TimeSpan timeout,
        bool includeEarlierLines = true,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var waiter = new LineWaiter(stream, predicate);
        lock (gate)
        {
            if (includeEarlierLines)
            {
                foreach (var line in lines)
                {
                    if (line.Stream == stream && predicate(line.Text))
                    {
                        return line.Text;
                    }
                }
            }

            if (outputEnded)
            {
                throw new InvalidOperationException(ExitedBeforeMatch(stream));
            }

            waiters.Add(waiter);
        }

        try
        {
            return await waiter.Match.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Forget(waiter);
            throw new TimeoutException(
                $"{Name}: no line on {Describe(stream)} matched within {timeout.TotalSeconds:0.###} s; last output:{System.Environment.NewLine}{Tail()}");
        }
        catch (OperationCanceledException)
        {
            Forget(waiter);
            throw;
        }
    }

    /// <summary>The last lines of output, both streams, stderr lines marked, one per line.</summary>
    /// <param name="count">How many lines.</param>
    public string Tail(int count = DefaultTailLength)
    {
        OutputLine[] snapshot;
        lock (gate)
        {
            snapshot = [.. lines];
        }

        var tail = snapshot.Skip(Math.Max(0, snapshot.Length - count))
            .Select(line => (line.Stream == OutputStream.StandardError ? "  [stderr] " : "  [stdout] ") + line.Text);
        var text = string.Join(System.Environment.NewLine, tail);
        return text.Length == 0 ? "  (no output)" : text;
    }

    private static string Describe(OutputStream stream) => stream == OutputStream.StandardOutput ? "stdout" : "stderr";

    private IReadOnlyList<string> LinesOf(OutputStream stream)
    {
        lock (gate)
        {
            return [.. lines.Where(line => line.Stream == stream).Select(line => line.Text)];
        }
    }

    private void Forget(LineWaiter waiter)
    {
        lock (gate)
        {
            waiters.Remove(waiter);
        }
    }

    private string ExitedBeforeMatch(OutputStream stream)
    {
        return $"{Name} exited (code {exitCode}) before a matching line on {Describe(stream)}; last output:{System.Environment.NewLine}{Tail()}";
    }

    private async Task PumpAsync(StreamReader reader, OutputStream stream, Action<string>? callback)
    {
        await Task.Yield();
        try
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } text)
            {
                // The observer sees a line before anyone waiting for it is released, so a waiter
                // can rely on what the observer did with it.
                var at = DateTimeOffset.Now;
                if (callback is not null)
                {
                    try
                    {
                        callback(text);
                    }
                    catch (Exception)
                    {
                        // A failing observer must not stop the pipe from draining (the child would block).
                    }
                }

                Record(new OutputLine(stream, text, at));
            }
        }
        catch (ObjectDisposedException)
        {
        }
        catch (IOException)
        {
        }
    }

    private void Record(OutputLine line)
    {
        List<(LineWaiter Waiter, Exception? Error)>? answered = null;
        lock (gate)
        {
            lines.Enqueue(line);
            while (lines.Count > options.BufferedLines)
            {
                lines.Dequeue();
            }

            for (var index = waiters.Count - 1; index >= 0; index--)
            {
                var waiter = waiters[index];
                if (waiter.Stream != line.Stream)
                {
                    continue;
                }

                Exception? error = null;
                bool matched;
                try
                {
                    matched = waiter.Predicate(line.Text);
                }
                catch (Exception predicateError)
                {
                    matched = true;
                    error = predicateError;
                }

                if (matched)
                {
                    waiters.RemoveAt(index);
                    (answered ??= []).Add((waiter, error));
                }
            }
        }

        foreach (var (waiter, error) in answered ?? [])
        {
            if (error is null)
            {
                waiter.Match.TrySetResult(line.Text);
            }
            else
            {
                waiter.Match.TrySetException(error);
            }
        }
    }

    private sealed class LineWaiter(OutputStream stream, Func<string, bool> predicate)
    {
        public OutputStream Stream { get; } = stream;

        public Func<string, bool> Predicate { get; } = predicate;

        public TaskCompletionSource<string> Match { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
