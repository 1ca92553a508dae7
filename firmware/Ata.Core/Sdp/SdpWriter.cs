using System.Text;
using Ata.Core.Media;

namespace Ata.Core.Sdp
{
    /// <summary>
    /// Writes this side's session descriptions (RFC 4566): an offer with every codec of
    /// <see cref="LocalMedia.Codecs"/> and telephone-event/8000 0-16, ptime 20 and the direction; an
    /// answer with the chosen codec, and port 0 for every other section of the offer (RFC 3264 §6).
    /// </summary>
    public static class SdpWriter
    {
        /// <summary>The packet time this adapter sends, in milliseconds.</summary>
        public const int PacketTimeMs = 20;

        /// <summary>The events offered with telephone-event (DTMF 0–15 and flash, RFC 4733).</summary>
        public const string EventFormats = "0-16";

        /// <summary>The offer: one audio section with the local codecs in order, and telephone events.</summary>
        public static string Offer(LocalMedia local)
        {
            StringBuilder text = Header(local);
            text.Append("m=audio ").Append(local.Port.ToString()).Append(" RTP/AVP");
            for (int i = 0; i < local.Codecs.Length; i++)
            {
                text.Append(' ').Append(local.Codecs[i].ToString());
            }

            if (local.EventPayloadType >= 0)
            {
                text.Append(' ').Append(local.EventPayloadType.ToString());
            }

            text.Append("\r\n");
            for (int i = 0; i < local.Codecs.Length; i++)
            {
                RtpMap(text, local.Codecs[i], CodecName(local.Codecs[i]));
            }

            Events(text, local.EventPayloadType);
            Tail(text, local.Direction);
            return text.ToString();
        }

        /// <summary>
        /// The answer to <paramref name="offer"/>: its audio section at <paramref name="audioIndex"/> answered
        /// with <paramref name="payloadType"/> (PCMA when <paramref name="aLaw"/>, else PCMU) and
        /// <paramref name="eventPayloadType"/> (or -1) in <paramref name="direction"/>; every other section
        /// refused with port 0.
        /// </summary>
        public static string Answer(LocalMedia local, SessionDescription offer, int audioIndex, int payloadType, bool aLaw, int eventPayloadType, MediaDirection direction)
        {
            StringBuilder text = Header(local);
            for (int i = 0; i < offer.MediaCount; i++)
            {
                MediaDescription media = offer.MediaAt(i);
                if (i != audioIndex)
                {
                    text.Append("m=").Append(media.Media).Append(" 0 ").Append(media.Protocol);
                    text.Append(' ').Append(media.FormatCount > 0 ? media.FormatAt(0).ToString() : "0").Append("\r\n");
                    continue;
                }

                text.Append("m=audio ").Append(local.Port.ToString()).Append(" RTP/AVP ").Append(payloadType.ToString());
                if (eventPayloadType >= 0)
                {
                    text.Append(' ').Append(eventPayloadType.ToString());
                }

                text.Append("\r\n");
                RtpMap(text, payloadType, aLaw ? "PCMA" : "PCMU");
                Events(text, eventPayloadType);
                Tail(text, direction);
            }

            return text.ToString();
        }

        /// <summary>The SDP name of a direction.</summary>
        public static string DirectionName(MediaDirection direction)
        {
            switch (direction)
            {
                case MediaDirection.SendOnly: return "sendonly";
                case MediaDirection.ReceiveOnly: return "recvonly";
                case MediaDirection.Inactive: return "inactive";
                default: return "sendrecv";
            }
        }

        private static StringBuilder Header(LocalMedia local)
        {
            StringBuilder text = new StringBuilder();
            text.Append("v=0\r\n");
            text.Append("o=").Append(LocalMedia.OriginUser).Append(' ').Append(local.SessionId.ToString()).Append(' ')
                .Append(local.SessionVersion.ToString()).Append(" IN IP4 ").Append(local.Address).Append("\r\n");
            text.Append("s=-\r\n");
            text.Append("c=IN IP4 ").Append(local.Address).Append("\r\n");
            text.Append("t=0 0\r\n");
            return text;
        }

        private static void RtpMap(StringBuilder text, int payloadType, string name)
        {
            text.Append("a=rtpmap:").Append(payloadType.ToString()).Append(' ').Append(name).Append("/8000\r\n");
        }

        private static void Events(StringBuilder text, int eventPayloadType)
        {
            if (eventPayloadType >= 0)
            {
                RtpMap(text, eventPayloadType, "telephone-event");
                text.Append("a=fmtp:").Append(eventPayloadType.ToString()).Append(' ').Append(EventFormats).Append("\r\n");
            }
        }

        private static void Tail(StringBuilder text, MediaDirection direction)
        {
            text.Append("a=ptime:").Append(PacketTimeMs.ToString()).Append("\r\n");
            text.Append("a=").Append(DirectionName(direction)).Append("\r\n");
        }

        private static string CodecName(int payloadType)
        {
            return payloadType == MediaParameters.PcmuPayloadType ? "PCMU" : "PCMA";
        }
    }
}
