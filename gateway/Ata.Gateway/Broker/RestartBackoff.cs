namespace Ata.Gateway.Broker;

/// <summary>How long the supervisor waits before restarting a broker that exited unexpectedly.</summary>
public static class RestartBackoff
{
    /// <summary>The first delay.</summary>
    public static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest delay.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromSeconds(30);

    /// <summary>A run at least this long counts as healthy and resets the failure count.</summary>
    public static readonly TimeSpan HealthyRun = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The delay after the <paramref name="failures"/>-th consecutive unexpected exit:
    /// <c>min(30 s, 250 ms × 2^(failures − 1))</c>.
    /// </summary>
    /// <param name="failures">Consecutive failures so far, 1 for the first.</param>
    public static TimeSpan Delay(int failures)
    {
        if (failures <= 1)
        {
            return Initial;
        }

        var doublings = Math.Min(failures - 1, 16);
        var delay = Initial * (1L << doublings);
        return delay < Max ? delay : Max;
    }
}
