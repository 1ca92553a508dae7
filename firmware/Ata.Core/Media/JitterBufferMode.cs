namespace Ata.Core.Media
{
    /// <summary>How a <see cref="JitterBuffer"/> plays out: whether its delay follows the jitter and what fills missing audio.</summary>
    public enum JitterBufferMode
    {
        /// <summary>A two-way conversation: the delay follows the jitter, and missing audio is concealed.</summary>
        Conversation = 0,

        /// <summary>
        /// One way only (hold, music on hold: recvonly, inactive, no far end): the delay follows the jitter, and
        /// a gap plays as silence and is not counted as concealed, since the far end sending nothing is no loss.
        /// </summary>
        OneWay = 1,

        /// <summary>
        /// Pass-through for fax, modems and alarm panels (V.25 answer tone heard): the delay stays where it is
        /// (no block inserted or dropped, the target no longer follows the jitter) and missing audio is silence,
        /// so the data signal is never stretched, squeezed or invented.
        /// </summary>
        PassThrough = 2,
    }
}
