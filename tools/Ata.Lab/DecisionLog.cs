namespace Ata.Lab;

/// <summary>
/// Decisions read from a child's log, in order, and the waits for one of them: a wait registered
/// before the action that causes the decision cannot miss it.
/// </summary>
/// <typeparam name="T">The kind of decision.</typeparam>
internal sealed class DecisionLog<T>
    where T : class
{
    private readonly object gate = new();
    private readonly List<T> decisions = [];
    private readonly List<Waiter> waiters = [];

    /// <summary>Every decision so far, oldest first.</summary>
    public IReadOnlyList<T> All
    {
        get
        {
            lock (gate)
            {
                return [.. decisions];
            }
        }
    }

    /// <summary>Records a decision and releases the waits it matches.</summary>
    public void Add(T decision)
    {
        List<Waiter> answered;
        lock (gate)
        {
            decisions.Add(decision);
            answered = waiters.Where(waiter => waiter.Predicate(decision)).ToList();
            waiters.RemoveAll(answered.Contains);
        }

        foreach (var waiter in answered)
        {
            waiter.Match.TrySetResult(decision);
        }
    }

    /// <summary>Waits for a decision matching <paramref name="predicate"/>.</summary>
    /// <param name="predicate">The decision to wait for.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="includeEarlierDecisions">Whether decisions already recorded count.</param>
    /// <param name="describeTimeout">The timeout message, given the decisions so far (one per line).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public async Task<T> WaitAsync(
        Func<T, bool> predicate,
        TimeSpan timeout,
        bool includeEarlierDecisions,
        Func<string, string> describeTimeout,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var waiter = new Waiter(predicate);
        lock (gate)
        {
            if (includeEarlierDecisions && decisions.FirstOrDefault(predicate) is { } earlier)
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
            var made = string.Join(Environment.NewLine, All.Select(decision => "  " + decision));
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
