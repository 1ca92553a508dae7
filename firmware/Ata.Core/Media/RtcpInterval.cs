namespace Ata.Core.Media
{
    /// <summary>
    /// When to send the next RTCP report (RFC 3550 §6.2 and §6.3.1): for a two-party call the computed
    /// interval is below the 5 s minimum, so the interval is 5 s (2.5 s before the first report), spread
    /// over 0.5–1.5 times that at random and divided by e − 3/2 to compensate for the spreading, so two
    /// ends that started together do not report together.
    /// </summary>
    public static class RtcpInterval
    {
        /// <summary>The minimum interval between reports, in milliseconds.</summary>
        public const long MinimumMs = 5000;

        /// <summary>The wait in milliseconds before the next report.</summary>
        /// <param name="random">A uniformly random number in [0, 1).</param>
        /// <param name="first">True before the session's first report (half the minimum).</param>
        public static long NextMs(double random, bool first)
        {
            if (random < 0)
            {
                random = 0;
            }
            else if (random >= 1)
            {
                random = 0.999999;
            }

            double interval = first ? MinimumMs / 2 : MinimumMs;
            return (long)(interval * (0.5 + random) / 1.21828);
        }
    }
}
