namespace Ata.Gateway.Incidents;

/// <summary>The relay's retry delay: half a second doubling per failed attempt, capped.</summary>
public static class RelayBackoff
{
    /// <summary>The wait after <paramref name="attempts"/> failed attempts.</summary>
    /// <param name="attempts">Failed attempts so far, from 1.</param>
    /// <param name="max">The cap.</param>
    public static TimeSpan Delay(int attempts, TimeSpan max) =>
        TimeSpan.FromMilliseconds(Math.Min(max.TotalMilliseconds, 500 * Math.Pow(2, Math.Clamp(attempts - 1, 0, 30))));
}
