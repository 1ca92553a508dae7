using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Access;

/// <summary>
/// Slows down guessing of API keys: after <see cref="MaxFailures"/> failed attempts from one
/// address within <see cref="Window"/>, further attempts from it are refused (without being
/// checked) until the oldest of those failures leaves the window. Successes are never counted.
/// One type serves the dashboard's sign-in and the API's key header, each with its own limits
/// (<see cref="AccessThrottles"/>); each lockout is logged once, with the address and never a key.
/// </summary>
public sealed partial class FailureThrottle
{
    private readonly ConcurrentDictionary<string, Failures> _failures = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private DateTimeOffset _lastSweep;
    private long _refused;
    private long _lockouts;

    /// <summary>Creates a throttle.</summary>
    /// <param name="what">What is throttled, for the log (e.g. <c>sign-in</c>, <c>API key</c>).</param>
    /// <param name="limits">How many failures in how long.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Where lockouts are logged.</param>
    public FailureThrottle(string what, ThrottleLimits limits, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.MaxFailures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.WindowSeconds, 1);
        What = what;
        MaxFailures = limits.MaxFailures;
        Window = TimeSpan.FromSeconds(limits.WindowSeconds);
        _time = time;
        _logger = logger;
        _lastSweep = time.GetUtcNow();
    }

    /// <summary>What is throttled.</summary>
    public string What { get; }

    /// <summary>Failed attempts allowed per address within <see cref="Window"/>.</summary>
    public int MaxFailures { get; }

    /// <summary>The window failed attempts are counted in.</summary>
    public TimeSpan Window { get; }

    /// <summary>Attempts refused so far because their address was locked out.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Lockouts so far (each logged once).</summary>
    public long Lockouts => Interlocked.Read(ref _lockouts);

    /// <summary>
    /// Whether <paramref name="address"/> may try now; when not, how long until it may (at least a
    /// second), and the refusal is counted in <see cref="Refused"/>.
    /// </summary>
    /// <param name="address">The client's address.</param>
    /// <param name="retryAfter">When refused, how long until the address may try again.</param>
    public bool MayTry(string address, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (!_failures.TryGetValue(address, out var failures))
        {
            return true;
        }

        lock (failures)
        {
            var now = _time.GetUtcNow();
            failures.Forget(now - Window);
            if (failures.Times.Count < MaxFailures)
            {
                return true;
            }

            retryAfter = failures.Times.Peek() + Window - now;
        }

        Interlocked.Increment(ref _refused);
        return false;
    }

    /// <summary>Counts a failed attempt from <paramref name="address"/>; the one that locks it out is logged.</summary>
    /// <param name="address">The client's address.</param>
    public void Failed(string address)
    {
        var now = _time.GetUtcNow();
        Sweep(now);
        while (true)
        {
            var failures = _failures.GetOrAdd(address, _ => new Failures());
            lock (failures)
            {
                if (failures.Removed)
                {
                    continue;
                }

                failures.Forget(now - Window);
                failures.Times.Enqueue(now);
                while (failures.Times.Count > MaxFailures)
                {
                    failures.Times.Dequeue();
                }

                if (failures.Times.Count == MaxFailures && now >= failures.LockedUntil)
                {
                    failures.LockedUntil = failures.Times.Peek() + Window;
                    Interlocked.Increment(ref _lockouts);
                    LogLockedOut(What, address, MaxFailures, (int)Window.TotalSeconds, (int)Math.Ceiling((failures.LockedUntil - now).TotalSeconds));
                }

                return;
            }
        }
    }

    /// <summary>Retry-After header value: whole seconds, rounded up, at least 1.</summary>
    /// <param name="retryAfter">What <see cref="MayTry"/> said.</param>
    public static int RetryAfterSeconds(TimeSpan retryAfter) => Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));

    /// <summary>Drops addresses with no failure left in the window, at most once a window, so that the table does not grow.</summary>
    private void Sweep(DateTimeOffset now)
    {
        lock (_failures)
        {
            if (now - _lastSweep < Window)
            {
                return;
            }

            _lastSweep = now;
        }

        foreach (var (address, failures) in _failures)
        {
            lock (failures)
            {
                failures.Forget(now - Window);
                if (failures.Times.Count == 0)
                {
                    failures.Removed = true;
                    _failures.TryRemove(new KeyValuePair<string, Failures>(address, failures));
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Too many wrong keys ({What}): {Failures} failures from {Address} within {WindowSeconds} s; refusing it for {Seconds} s")]
    private partial void LogLockedOut(string what, string address, int failures, int windowSeconds, int seconds);

    private sealed class Failures
    {
        public Queue<DateTimeOffset> Times { get; } = new();

        public DateTimeOffset LockedUntil { get; set; } = DateTimeOffset.MinValue;

        public bool Removed { get; set; }

        public void Forget(DateTimeOffset before)
        {
            while (Times.Count > 0 && Times.Peek() <= before)
            {
                Times.Dequeue();
            }
        }
    }
}

/// <summary>The two throttles of <see cref="AccessOptions"/>: the dashboard's sign-in and API keys.</summary>
/// <param name="options">Their limits.</param>
/// <param name="time">The clock.</param>
/// <param name="logs">Where lockouts are logged.</param>
public sealed class AccessThrottles(IOptions<AccessOptions> options, TimeProvider time, ILoggerFactory logs)
{
    /// <summary>Failed sign-ins at <c>/login</c>.</summary>
    public FailureThrottle SignIn { get; } = new("sign-in", options.Value.SignInThrottle, time, logs.CreateLogger<FailureThrottle>());

    /// <summary>Failed sign-ins of one person's name at <c>/login</c>, from any address.</summary>
    public FailureThrottle Account { get; } = new("person sign-in", options.Value.AccountThrottle, time, logs.CreateLogger<FailureThrottle>());

    /// <summary>Requests with a wrong API key (<c>Authorization: Bearer</c> or <c>X-Api-Key</c>).</summary>
    public FailureThrottle ApiKey { get; } = new("API key", options.Value.ApiKeyThrottle, time, logs.CreateLogger<FailureThrottle>());
}
