using Ata.Core.Tones;

namespace Ata.Core.Calls
{
    /// <summary>
    /// What the household hears when a call it placed does not go through, by the SIP status that
    /// ended it: a table (data), one tone per kind of failure.
    /// </summary>
    public static class CallOutcome
    {
        /// <summary>Outcome name: the call was answered and later ended.</summary>
        public const string Completed = "completed";
        /// <summary>Outcome name: the far end was busy (486, 600, 603).</summary>
        public const string Busy = "busy";
        /// <summary>Outcome name: the number does not exist or cannot be reached now (404, 410, 480, 484, 604).</summary>
        public const string NotReachable = "not-reachable";
        /// <summary>Outcome name: the operator refused the call (403).</summary>
        public const string Refused = "refused";
        /// <summary>Outcome name: the network failed (408, 5xx, no answer from the proxy).</summary>
        public const string NetworkFailure = "network-failure";
        /// <summary>Outcome name: nobody answered within the line's no-answer limit.</summary>
        public const string NoAnswer = "no-answer";
        /// <summary>Outcome name: the caller hung up before an answer.</summary>
        public const string Abandoned = "abandoned";
        /// <summary>Outcome name: an incoming call was not answered (the caller gave up).</summary>
        public const string Missed = "missed";
        /// <summary>Outcome name: an incoming call was refused (busy line, no common codec…).</summary>
        public const string Rejected = "rejected";

        /// <summary>The outcome of a call the adapter placed that ended with <paramref name="code"/> before an answer.</summary>
        public static string Of(int code)
        {
            switch (code)
            {
                case 486:
                case 600:
                case 603:
                    return Busy;
                case 404:
                case 410:
                case 480:
                case 484:
                case 604:
                    return NotReachable;
                case 403:
                    return Refused;
                case 487:
                    return Abandoned;
                default:
                    return NetworkFailure;
            }
        }

        /// <summary>The tone the handset hears for an outcome (see <see cref="ToneName"/>), or null for none.</summary>
        public static string ToneFor(string outcome)
        {
            switch (outcome)
            {
                case Busy: return ToneName.Busy;
                case Completed: return ToneName.Busy;
                case NotReachable: return ToneName.SpecialInformation;
                case Refused: return ToneName.Refusal;
                case NetworkFailure: return ToneName.Congestion;
                case NoAnswer: return ToneName.Congestion;
                default: return null;
            }
        }
    }
}
