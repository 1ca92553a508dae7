namespace Ata.Mqtt.Tests.Fixtures;

/// <summary>Counts occurrences of an event and lets a test wait for the n-th one.</summary>
internal sealed class Signal
{
    private readonly Lock _gate = new();
    private readonly List<(int Count, TaskCompletionSource Reached)> _waiters = [];
    private int _count;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    public void Set()
    {
        List<TaskCompletionSource> reached = [];
        lock (_gate)
        {
            _count++;
            _waiters.RemoveAll(waiter =>
            {
                if (_count >= waiter.Count)
                {
                    reached.Add(waiter.Reached);
                    return true;
                }

                return false;
            });
        }

        reached.ForEach(waiter => waiter.TrySetResult());
    }

    public Task WaitForCountAsync(int count, TimeSpan? timeout = null)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_count >= count)
            {
                return Task.CompletedTask;
            }

            _waiters.Add((count, reached));
        }

        return reached.Task.WaitAsync(timeout ?? Inbox.DefaultTimeout);
    }
}
