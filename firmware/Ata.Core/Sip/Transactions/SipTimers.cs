namespace Ata.Core.Sip.Transactions
{
    /// <summary>The timer values of RFC 3261 §17 (Table 4), in milliseconds.</summary>
    public static class SipTimers
    {
        /// <summary>T1, the round-trip estimate: the first retransmission interval.</summary>
        public const long T1 = 500;

        /// <summary>T2, the longest retransmission interval of non-INVITE requests (and INVITE responses).</summary>
        public const long T2 = 4000;

        /// <summary>T4, how long a message may stay in the network: how long a completed transaction absorbs retransmissions on UDP.</summary>
        public const long T4 = 5000;

        /// <summary>Timer F (and Timer B for INVITE): a client transaction times out after 64·T1.</summary>
        public const long TimerF = 64 * T1;
    }
}
