using Ata.Core.Media;
using Ata.Core.Telephony;

namespace Ata.Core.Sdp
{
    /// <summary>
    /// What this side of a call offers or accepts: its RTP address and port, its codecs in order of
    /// preference (the national default first: A-law in Europe, µ-law in the US plan), telephone events,
    /// the direction it wants (sendrecv, or sendonly/inactive when it holds the call), and the o= line's
    /// session id and version (the version goes up with every new offer in a dialog).
    /// </summary>
    public sealed class LocalMedia
    {
        /// <summary>The o= username the adapter writes.</summary>
        public const string OriginUser = "ata";

        /// <summary>Local media for a call in <paramref name="country"/> (see <see cref="Country"/>) on <paramref name="address"/>:<paramref name="port"/>.</summary>
        public LocalMedia(string country, string address, int port, long sessionId)
        {
            Address = address;
            Port = port;
            SessionId = sessionId;
            SessionVersion = 1;
            Codecs = CodecsFor(country);
            EventPayloadType = MediaParameters.DefaultEventPayloadType;
            Direction = MediaDirection.SendReceive;
        }

        /// <summary>The IPv4 address RTP is received on (c=).</summary>
        public string Address { get; set; }

        /// <summary>The RTP port (m=); RTCP is on the next one.</summary>
        public int Port { get; set; }

        /// <summary>o= session id.</summary>
        public long SessionId { get; set; }

        /// <summary>o= session version: raise it for each new offer in the dialog.</summary>
        public long SessionVersion { get; set; }

        /// <summary>The G.711 payload types (8 = PCMA, 0 = PCMU) in order of preference.</summary>
        public int[] Codecs { get; set; }

        /// <summary>The telephone-event payload type offered, or -1 to offer none.</summary>
        public int EventPayloadType { get; set; }

        /// <summary>The direction this side wants: sendrecv, or sendonly / inactive while it holds the call.</summary>
        public MediaDirection Direction { get; set; }

        /// <summary>
        /// The national default order of the G.711 laws: µ-law first in the US (the North American plan),
        /// A-law first everywhere else this adapter knows (Europe).
        /// </summary>
        public static int[] CodecsFor(string country)
        {
            if (Country.Normalize(country) == Country.UnitedStates)
            {
                return new int[] { MediaParameters.PcmuPayloadType, MediaParameters.PcmaPayloadType };
            }

            return new int[] { MediaParameters.PcmaPayloadType, MediaParameters.PcmuPayloadType };
        }
    }
}
