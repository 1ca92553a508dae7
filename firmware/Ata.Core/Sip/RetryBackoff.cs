namespace Ata.Core.Sip
{
    /// <summary>
    /// How long to wait before the next registration attempt after failures, after RFC 5626 §4.5:
    /// an upper bound of min(cap, base · 2^failures), and a random wait between half of it and all of it,
    /// so a fleet that failed together does not retry together.
    /// </summary>
    public static class RetryBackoff
    {
        /// <summary>Default base wait in milliseconds.</summary>
        public const long DefaultBaseMs = 10000;

        /// <summary>Default cap in milliseconds: far below RFC 5626's 30 minutes, so households get service back quickly.</summary>
        public const long DefaultCapMs = 300000;

        /// <summary>The wait in milliseconds.</summary>
        /// <param name="consecutiveFailures">Failures in a row, 1 for the first.</param>
        /// <param name="random">A uniformly random number in [0, 1).</param>
        /// <param name="baseMs">The base wait.</param>
        /// <param name="capMs">The most the upper bound may grow to.</param>
        public static long DelayMs(int consecutiveFailures, double random, long baseMs, long capMs)
        {
            int doublings = consecutiveFailures < 1 ? 0 : consecutiveFailures - 1;
            long bound = baseMs;
            for (int i = 0; i < doublings && bound < capMs; i++)
            {
                bound *= 2;
            }

            if (bound > capMs)
            {
                bound = capMs;
            }

            if (random < 0)
            {
                random = 0;
            }

            if (random >= 1)
            {
                random = 0.999999;
            }

            return (bound / 2) + (long)((bound / 2) * random);
        }
    }
}
