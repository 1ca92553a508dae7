namespace Ata.Gateway.Tests.Support;

/// <summary>Waits for a condition with a deadline, checking it often; never a blind sleep.</summary>
internal static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(25);

    public static async Task<T> ValueAsync<T>(Func<Task<T>> read, Func<T, bool> isDone, string what, CapturedLog? log = null, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        T value;
        while (!isDone(value = await read()))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}; last value: {value}{Environment.NewLine}{log?.Tail()}");
            }

            await Task.Delay(Poll);
        }

        return value;
    }

    public static Task TrueAsync(Func<bool> condition, string what, CapturedLog? log = null, TimeSpan? timeout = null) =>
        ValueAsync(() => Task.FromResult(condition()), done => done, what, log, timeout);
}
