using System.Collections.Concurrent;

namespace Ata.Gateway.Access;

/// <summary>
/// Slows down guessing of API keys at the dashboard's sign-in: after <see cref="MaxFailures"/>
/// failed attempts from one address within <see cref="Window"/>, further attempts from it are
/// refused until the oldest failure leaves the window. Successful sign-ins are never counted.
/// </summary>
/// <param name="time">The clock.</param>
public sealed class SignInThrottle(TimeProvider time)
{
    /// <summary>Failed attempts allowed per address within <see cref="Window"/>.</summary>
    public const int MaxFailures = 5;

    /// <summary>The window failed attempts are counted in.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _failures = new(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="address"/> may try now; when not, how long until it may.</summary>
    public bool MayTry(string address, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (!_failures.TryGetValue(address, out var failures))
        {
            return true;
        }

        lock (failures)
        {
            var now = time.GetUtcNow();
            while (failures.Count > 0 && now - failures.Peek() >= Window)
            {
                failures.Dequeue();
            }

            if (failures.Count < MaxFailures)
            {
                return true;
            }

            retryAfter = failures.Peek() + Window - now;
            return false;
        }
    }

    /// <summary>Counts a failed attempt from <paramref name="address"/>.</summary>
    public void Failed(string address)
    {
        var failures = _failures.GetOrAdd(address, _ => new Queue<DateTimeOffset>());
        lock (failures)
        {
            failures.Enqueue(time.GetUtcNow());
        }
    }
}
