using Ata.Core.Media;
using Ata.Core.Sdp;
using Ata.Core.Sip.Dialogs;

namespace Ata.Core.Calls
{
    /// <summary>
    /// One of a line's calls while another is in the foreground (<see cref="LineCalls"/>): a second
    /// incoming call waiting to be answered, or a call this side put on hold with a hook flash. It keeps
    /// everything the call needs to come back: its SIP side, its record, its SDP and its audio.
    /// </summary>
    public sealed class CallLeg
    {
        /// <summary>The call's SIP side.</summary>
        public SipCall Call;

        /// <summary>The call's record.</summary>
        public CallRecord Record;

        /// <summary>This side's media description for the call (its direction says whether this side holds it).</summary>
        public LocalMedia Local;

        /// <summary>The call's audio, or null before it was answered.</summary>
        public MediaSession Media;

        /// <summary>The SDP answer prepared for a call still waiting to be answered, or null.</summary>
        public string Answer;

        /// <summary>The media the prepared answer agrees, or null.</summary>
        public MediaParameters AnswerMedia;

        /// <summary>True while the call waits to be answered (it has not been answered yet).</summary>
        public bool IsWaiting
        {
            get { return Media == null; }
        }
    }
}
