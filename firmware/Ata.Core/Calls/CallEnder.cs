namespace Ata.Core.Calls
{
    /// <summary>Who ended a call, as its record on <c>ata/{id}/call</c> names it.</summary>
    public static class CallEnder
    {
        /// <summary>The household hung up (or the handset went on hook before an answer).</summary>
        public const string Household = "household";

        /// <summary>The far end hung up (BYE), or the caller of an incoming call gave up (CANCEL).</summary>
        public const string FarEnd = "far-end";

        /// <summary>The network refused or failed the call the household placed: a SIP final status (4xx, 5xx, 6xx) or no answer from the proxy.</summary>
        public const string Network = "network";

        /// <summary>The adapter itself ended it: the no-answer limit, no account or no media port.</summary>
        public const string Adapter = "adapter";
    }
}
