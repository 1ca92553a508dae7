namespace Ata.Lab;

/// <summary>
/// Decisions or events read from a child (a registrar's log, a phone's control socket), in order,
/// and the waits for one of them: a wait registered before the action that causes it cannot miss it.
/// </summary>
/// <typeparam name="T">The kind of decision or event.</typeparam>
internal sealed class EventLog<T>
    where T : class
{
    private readonly object gate = new();
    private readonly List<T> entries = [];
    private readonly List<Waiter> waiters = [];

    /// <summary>Every entry so far, oldest first.</summary>
    public IReadOnlyList<T> All
    {
        get
        {
            lock (gate)
            {
                return [.. entries];
            }
        }
    }

    /// <summary>Records an entry and releases the waits it matches.</summary>
    public void Add(T entry)
    {
        List<Waiter> answered;
        lock (gate)
        {
            entries.Add(entry);
            answered = waiters.Where(waiter => waiter.Predicate(entry)).ToList();
            waiters.RemoveAll(answered.Contains);
        }

        foreach (var waiter in answered)
        {
            waiter.Match.TrySetResult(entry);
        }
    }

    /// <summary>Waits for an entry matching <paramref name="predicate"/>.</summary>
    /// <param name="predicate">The entry to wait for.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="includeEarlier">Whether entries already recorded count.</param>
    /// <param name="describeTimeout">The timeout message, given the entries so far (one per line).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public async Task<T> WaitAsync(
        Func<T, bool> predicate,
        TimeSpan timeout,
        bool includeEarlier,
        Func<string, string> describeTimeout,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var waiter = new Waiter(predicate);
        lock (gate)
        {
            if (includeEarlier && entries.FirstOrDefault(predicate) is { } earlier)
            {
                return earlier;
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
            var made = string.Join(Environment.NewLine, All.Select(entry => "  " + entry));
            throw new TimeoutException(describeTimeout(made.Length == 0 ? "  (none)" : made));
        }
        catch (OperationCanceledException)
        {
            Forget(waiter);
            throw;
        }
    }

    private void Forget(Waiter waiter)
    {
        lock (gate)
        {
            waiters.Remove(waiter);
        }
    }

    private sealed class Waiter(Func<T, bool> predicate)
    {
        public Func<T, bool> Predicate { get; } = predicate;

        public TaskCompletionSource<T> Match { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
