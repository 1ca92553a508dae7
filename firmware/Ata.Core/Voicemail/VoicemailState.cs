namespace Ata.Core.Voicemail
{
    /// <summary>A line's voicemail light, as health carries it.</summary>
    public static class VoicemailState
    {
        /// <summary>The voicemail system said messages are waiting: stutter dial tone, TEL LED's message-waiting pattern.</summary>
        public const string Waiting = "waiting";

        /// <summary>No message is known to be waiting.</summary>
        public const string None = "none";

        /// <summary>The line's message waiting is provisioned off: no subscription, nothing shown.</summary>
        public const string Off = "off";
    }
}
