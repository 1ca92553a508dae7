namespace Ata.Gateway.Fleet;

/// <summary>How long the gateway's session waits before connecting to the broker again.</summary>
public static class SessionBackoff
{
    /// <summary>The first delay.</summary>
    public static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest delay: the broker is usually local, and reports wait at it meanwhile.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromSeconds(5);

    /// <summary>The delay after the <paramref name="failures"/>-th failed attempt in a row: <c>min(5 s, 250 ms × 2^(failures − 1))</c>.</summary>
    /// <param name="failures">Failed attempts in a row, 1 for the first.</param>
    public static TimeSpan Delay(int failures)
    {
        if (failures <= 1)
        {
            return Initial;
        }

        var delay = Initial * (1L << Math.Min(failures - 1, 16));
        return delay < Max ? delay : Max;
    }
}
