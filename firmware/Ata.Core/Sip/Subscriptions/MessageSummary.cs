using Ata.Core.Sip.Messages;
using Ata.Core.Text;

namespace Ata.Core.Sip.Subscriptions
{
    /// <summary>
    /// The message-summary event package (RFC 3842): a NOTIFY with <c>Event: message-summary</c> whose
    /// <c>application/simple-message-summary</c> body says <c>Messages-Waiting: yes</c> or <c>no</c>,
    /// and optionally how many voice messages are new and old (<c>Voice-Message: 2/8</c>).
    /// </summary>
    public sealed class MessageSummary
    {
        /// <summary>The event package's name.</summary>
        public const string EventName = "message-summary";

        /// <summary>The body's content type.</summary>
        public const string ContentType = "application/simple-message-summary";

        private MessageSummary(bool waiting, int newVoice, int oldVoice)
        {
            Waiting = waiting;
            NewVoice = newVoice;
            OldVoice = oldVoice;
        }

        /// <summary>True when messages are waiting.</summary>
        public bool Waiting { get; private set; }

        /// <summary>New voice messages, or -1 when not said.</summary>
        public int NewVoice { get; private set; }

        /// <summary>Old voice messages, or -1 when not said.</summary>
        public int OldVoice { get; private set; }

        /// <summary>True when <paramref name="request"/> is a NOTIFY of the message-summary event.</summary>
        public static bool IsNotify(SipRequest request)
        {
            if (request.Method != "NOTIFY")
            {
                return false;
            }

            string value = request.Header("event");
            if (value == null)
            {
                return false;
            }

            int semicolon = value.IndexOf(';');
            return AsciiText.EqualsIgnoreCase((semicolon < 0 ? value : value.Substring(0, semicolon)).Trim(), EventName);
        }

        /// <summary>The summary in <paramref name="body"/>, or null when it has no valid <c>Messages-Waiting</c> line.</summary>
        public static MessageSummary Parse(string body)
        {
            if (body == null)
            {
                return null;
            }

            string[] lines = body.Split('\n');
            int waiting = -1;
            int newVoice = -1;
            int oldVoice = -1;
            for (int i = 0; i < lines.Length; i++)
            {
                string line = lines[i].Trim();
                int colon = line.IndexOf(':');
                if (colon <= 0)
                {
                    continue;
                }

                string name = line.Substring(0, colon).Trim();
                string value = line.Substring(colon + 1).Trim();
                if (AsciiText.EqualsIgnoreCase(name, "Messages-Waiting"))
                {
                    waiting = AsciiText.EqualsIgnoreCase(value, "yes") ? 1 : (AsciiText.EqualsIgnoreCase(value, "no") ? 0 : -1);
                }
                else if (AsciiText.EqualsIgnoreCase(name, "Voice-Message"))
                {
                    int space = value.IndexOf(' ');
                    string counts = space < 0 ? value : value.Substring(0, space);
                    int slash = counts.IndexOf('/');
                    if (slash > 0)
                    {
                        newVoice = AsciiText.ParseNonNegative(counts.Substring(0, slash));
                        oldVoice = AsciiText.ParseNonNegative(counts.Substring(slash + 1));
                    }
                }
            }

            return waiting < 0 ? null : new MessageSummary(waiting == 1, newVoice, oldVoice);
        }

        /// <summary>True when <paramref name="notify"/>'s <c>Subscription-State</c> is <c>terminated</c>.</summary>
        public static bool Terminates(SipRequest notify)
        {
            string state = notify.Header("subscription-state");
            return state != null && AsciiText.ToLower(state.Trim()).StartsWith("terminated");
        }
    }
}
