namespace Ata.Mqtt;

/// <summary>
/// The delay before the next connection attempt, the same rule libmosquitto applies once its
/// network thread runs (<c>mosquitto_reconnect_delay_set</c> with exponential back-off):
/// <c>min(max, delay × (attempt + 1)²)</c>.
/// </summary>
internal static class ReconnectBackoff
{
    /// <summary>The delay after failed attempt number <paramref name="attempt"/> (0 for the first failure).</summary>
    public static TimeSpan Delay(int attempt, TimeSpan delay, TimeSpan max)
    {
        if (max <= delay)
        {
            return delay;
        }

        double factor = (double)(Math.Max(attempt, 0) + 1) * (Math.Max(attempt, 0) + 1);
        double ticks = delay.Ticks * factor;
        return ticks >= max.Ticks ? max : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>A delay in the whole seconds libmosquitto takes, rounded up, at least 1.</summary>
    public static uint WholeSeconds(TimeSpan delay) =>
        (uint)Math.Clamp(Math.Ceiling(delay.TotalSeconds), 1, int.MaxValue);
}
