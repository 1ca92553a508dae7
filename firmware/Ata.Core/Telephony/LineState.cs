namespace Ata.Core.Telephony
{
    /// <summary>Line state names, as reported in health and events.</summary>
    public static class LineState
    {
        /// <summary>Handset on hook, nothing happening.</summary>
        public const string Idle = "idle";
        /// <summary>Handset lifted; dial tone (or stuttered dial tone) plays.</summary>
        public const string OffHook = "off-hook";
        /// <summary>Handset lifted on a line that is not registered: the no-service signal plays.</summary>
        public const string NoService = "no-service";
        /// <summary>Digits are being collected against the dial plan.</summary>
        public const string Dialing = "dialing";
        /// <summary>A number is ready to call: the call is being set up (INVITE sent, no answer yet).</summary>
        public const string Calling = "calling";
        /// <summary>The far end is ringing: the national ringback tone plays, or the far end's early media.</summary>
        public const string Ringback = "ringback";
        /// <summary>In a call: the two parties talk.</summary>
        public const string Connected = "connected";
        /// <summary>A tone tells the outcome (reorder, refusal, confirmation) until the handset goes down.</summary>
        public const string Signalling = "signalling";
        /// <summary>Off hook too long: the receiver-off-hook (howler) tone plays.</summary>
        public const string Howler = "howler";
        /// <summary>After the howler: silence until the handset goes down.</summary>
        public const string Lockout = "lockout";
        /// <summary>On hook, the phone is being rung.</summary>
        public const string Ringing = "ringing";
        /// <summary>The handset was lifted while ringing: the call is being answered.</summary>
        public const string Answered = "answered";

        /// <summary>True while <paramref name="state"/> is part of a call (being set up, ringing the far end, answered, connected).</summary>
        public static bool IsInCall(string state)
        {
            return state == Calling || state == Ringback || state == Answered || state == Connected;
        }

        /// <summary>True when the handset is off hook in <paramref name="state"/>.</summary>
        public static bool IsOffHook(string state)
        {
            return state != null && state != Idle && state != Ringing;
        }
    }
}
