using Ata.Core.Media;

namespace Ata.Core.Calls
{
    /// <summary>
    /// What is known of one call, for events, health and the console: direction, the far end (masked
    /// to its last 3 digits in <see cref="FarEndMasked"/>, which is all that leaves the adapter), state,
    /// codec, times, and how it ended.
    /// </summary>
    public sealed class CallRecord
    {
        /// <summary>Direction name of a call the household placed.</summary>
        public const string Outgoing = "outgoing";

        /// <summary>Direction name of a call to the household.</summary>
        public const string Incoming = "incoming";

        /// <summary>Creates the record of a call on <paramref name="line"/> starting at <paramref name="now"/>.</summary>
        public CallRecord(int line, string direction, string farEnd, bool emergency, long now)
        {
            Line = line;
            Direction = direction;
            FarEnd = farEnd;
            Emergency = emergency;
            StartedAt = now;
            AnsweredAt = -1;
            EndedAt = -1;
            State = CallState.Setup;
        }

        /// <summary>The line (1-based).</summary>
        public int Line { get; private set; }

        /// <summary><see cref="Outgoing"/> or <see cref="Incoming"/>.</summary>
        public string Direction { get; private set; }

        /// <summary>The far end's number, in full: never published, logged or shown (see <see cref="FarEndMasked"/>).</summary>
        public string FarEnd { get; private set; }

        /// <summary>The far end's number with all but the last 3 digits hidden.</summary>
        public string FarEndMasked
        {
            get { return Mask(FarEnd); }
        }

        /// <summary>True for an emergency call.</summary>
        public bool Emergency { get; private set; }

        /// <summary>See <see cref="CallState"/>.</summary>
        public string State { get; set; }

        /// <summary>The codec agreed (<c>PCMA</c> or <c>PCMU</c>), or null before media.</summary>
        public string Codec { get; set; }

        /// <summary>The call's media quality (loss, jitter, MOS…), live while it runs and final once it ended; null before media.</summary>
        public MediaQuality Quality { get; set; }

        /// <summary>When the call started.</summary>
        public long StartedAt { get; private set; }

        /// <summary>When it was answered, or -1.</summary>
        public long AnsweredAt { get; set; }

        /// <summary>When it ended, or -1.</summary>
        public long EndedAt { get; set; }

        /// <summary>See <see cref="CallOutcome"/>, once ended.</summary>
        public string Outcome { get; set; }

        /// <summary>The SIP status that ended it (200 for a BYE), 0 when none.</summary>
        public int SipCode { get; set; }

        /// <summary>The reason phrase or words, once ended.</summary>
        public string Reason { get; set; }

        /// <summary>True when the far end ended the call.</summary>
        public bool EndedByFarEnd { get; set; }

        /// <summary>Who ended the call (see <see cref="CallEnder"/>), once ended.</summary>
        public string EndedBy { get; set; }

        /// <summary><paramref name="number"/> with all but its last 3 characters replaced by '*'; null stays null.</summary>
        public static string Mask(string number)
        {
            if (number == null)
            {
                return null;
            }

            int hidden = number.Length > 3 ? number.Length - 3 : 0;
            char[] masked = number.ToCharArray();
            for (int i = 0; i < hidden; i++)
            {
                masked[i] = '*';
            }

            return new string(masked);
        }
    }

    /// <summary>Call state names, as events and health carry them.</summary>
    public static class CallState
    {
        /// <summary>Being set up: INVITE sent (outgoing) or received (incoming).</summary>
        public const string Setup = "setup";
        /// <summary>The far end rings (outgoing) or the phone rings (incoming).</summary>
        public const string Ringing = "ringing";
        /// <summary>The parties talk.</summary>
        public const string Connected = "connected";

        /// <summary>A second incoming call announced by the call-waiting tone during another call.</summary>
        public const string Waiting = "waiting";

        /// <summary>Put on hold by this side (hook flash): the household talks on the other call.</summary>
        public const string Held = "held";
        /// <summary>Over.</summary>
        public const string Ended = "ended";
    }
}
