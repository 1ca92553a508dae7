namespace Ata.Core.Telephony
{
    /// <summary>What came of the digits dialled on a line, as reported in events.</summary>
    public static class DialOutcome
    {
        /// <summary>A number ready to call (the hand-off point to call setup).</summary>
        public const string Call = "call";
        /// <summary>An emergency number, ready to call whatever the plan and the barring say.</summary>
        public const string Emergency = "emergency";
        /// <summary>The digits match no pattern of the dial plan, or timed out: reorder.</summary>
        public const string NoMatch = "no-match";
        /// <summary>The number is in a class the line is barred from.</summary>
        public const string Barred = "barred";
        /// <summary>A service code the provider does not offer (e.g. <c>*21*number#</c>): refusal tone.</summary>
        public const string ServiceRefused = "service-refused";
        /// <summary>A service code accepted and reported to the gateway (e.g. <c>#21#</c>): confirmation tone.</summary>
        public const string ServiceAccepted = "service-accepted";
        /// <summary>Digits dialled on a line that is not registered and cannot make an emergency number: no-service signal.</summary>
        public const string NoService = "no-service";
    }
}
