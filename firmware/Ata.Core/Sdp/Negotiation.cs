using Ata.Core.Media;

namespace Ata.Core.Sdp
{
    /// <summary>
    /// Offer and answer for a call's audio (RFC 3264): answering an offer with the first codec in the
    /// offer's order that this side also has, or taking the far end's answer to this side's offer. The
    /// outcome is the <see cref="MediaParameters"/> a <see cref="MediaSession"/> runs on, the answer's text,
    /// whether the far end puts the call on hold, or why there is no call: a malformed description
    /// (400 Bad Request) or no codec in common (488 Not Acceptable Here).
    /// </summary>
    public sealed class Negotiation
    {
        /// <summary>The status for a description that does not parse.</summary>
        public const int BadRequest = 400;

        /// <summary>The status for a description with nothing this side can use.</summary>
        public const int NotAcceptableHere = 488;

        private Negotiation()
        {
        }

        /// <summary>True when audio was agreed.</summary>
        public bool Succeeded
        {
            get { return Media != null; }
        }

        /// <summary>The agreed audio, or null.</summary>
        public MediaParameters Media { get; private set; }

        /// <summary>The answer to send (answers only), or null.</summary>
        public string AnswerText { get; private set; }

        /// <summary>True when the far end's description puts the call on hold (sendonly, inactive or c=0.0.0.0).</summary>
        public bool FarEndHolds { get; private set; }

        /// <summary>The SIP status to refuse with when there is no call (400 or 488); 0 on success.</summary>
        public int FailureStatus { get; private set; }

        /// <summary>Why there is no call, for the log and the response's reason; null on success.</summary>
        public string Failure { get; private set; }

        /// <summary>
        /// Answers an offer: the first audio section with a port, its first PCMA or PCMU format that
        /// <paramref name="local"/> has, telephone-event when both have it, and the direction that follows
        /// from the offer's and this side's (an offer to send only is answered receive only, and so on).
        /// </summary>
        public static Negotiation Answer(string offerText, LocalMedia local)
        {
            string error;
            SessionDescription offer = SessionDescription.Parse(offerText, out error);
            if (offer == null)
            {
                return Fail(BadRequest, "malformed SDP offer: " + error);
            }

            MediaDescription audio = null;
            int audioIndex = -1;
            for (int i = 0; i < offer.MediaCount && audio == null; i++)
            {
                MediaDescription media = offer.MediaAt(i);
                if (media.Media == "audio" && media.Port != 0)
                {
                    audio = media;
                    audioIndex = i;
                }
            }

            if (audio == null)
            {
                return Fail(NotAcceptableHere, "no audio stream offered");
            }

            string unusable = Unusable(audio);
            if (unusable != null)
            {
                return Fail(NotAcceptableHere, unusable);
            }

            int payloadType = -1;
            bool aLaw = false;
            for (int i = 0; i < audio.FormatCount && payloadType < 0; i++)
            {
                int offered = audio.FormatAt(i);
                string name = audio.NameOf(offered);
                if (audio.RateOf(offered) == 8000 && ((name == "PCMA" && Has(local, MediaParameters.PcmaPayloadType)) || (name == "PCMU" && Has(local, MediaParameters.PcmuPayloadType))))
                {
                    payloadType = offered;
                    aLaw = name == "PCMA";
                }
            }

            if (payloadType < 0)
            {
                return Fail(NotAcceptableHere, "no common codec (this side has PCMA and PCMU)");
            }

            int events = local.EventPayloadType >= 0 ? audio.Find("TELEPHONE-EVENT") : -1;
            MediaDirection direction = Combine(Reverse(OfferedDirection(audio)), local.Direction);
            Negotiation result = Agreed(audio, payloadType, aLaw, events, direction);
            result.AnswerText = SdpWriter.Answer(local, offer, audioIndex, payloadType, aLaw, events, direction);
            return result;
        }

        /// <summary>
        /// Takes the far end's answer to <paramref name="offered"/> (this side's offer): its first audio
        /// section must keep a port and name one of the offered codecs.
        /// </summary>
        public static Negotiation AcceptAnswer(string answerText, LocalMedia offered)
        {
            string error;
            SessionDescription answer = SessionDescription.Parse(answerText, out error);
            if (answer == null)
            {
                return Fail(BadRequest, "malformed SDP answer: " + error);
            }

            MediaDescription audio = answer.MediaAt(0);
            if (audio.Media != "audio" || audio.Port == 0)
            {
                return Fail(NotAcceptableHere, "the far end refused the audio stream");
            }

            string unusable = Unusable(audio);
            if (unusable != null)
            {
                return Fail(NotAcceptableHere, unusable);
            }

            for (int i = 0; i < audio.FormatCount; i++)
            {
                int payloadType = audio.FormatAt(i);
                string name = audio.NameOf(payloadType);
                bool aLaw = name == "PCMA";
                if (audio.RateOf(payloadType) == 8000 && (aLaw || name == "PCMU")
                    && Has(offered, aLaw ? MediaParameters.PcmaPayloadType : MediaParameters.PcmuPayloadType))
                {
                    int events = offered.EventPayloadType >= 0 ? audio.Find("TELEPHONE-EVENT") : -1;
                    return Agreed(audio, payloadType, aLaw, events, Combine(Reverse(OfferedDirection(audio)), offered.Direction));
                }
            }

            return Fail(NotAcceptableHere, "no common codec in the answer");
        }

        /// <summary>The direction seen from the other side: what one sends, the other receives.</summary>
        public static MediaDirection Reverse(MediaDirection direction)
        {
            int flags = (int)direction;
            return (MediaDirection)(((flags & 1) << 1) | ((flags & 2) >> 1));
        }

        /// <summary>Only what both allow.</summary>
        public static MediaDirection Combine(MediaDirection a, MediaDirection b)
        {
            return (MediaDirection)((int)a & (int)b);
        }

        /// <summary>
        /// The direction <paramref name="audio"/> states, where the old form of hold (RFC 2543: connection
        /// address 0.0.0.0, RFC 3264 §8.4) counts as "receives nothing": its sender is answered receive
        /// only (or inactive) and sent nothing.
        /// </summary>
        private static MediaDirection OfferedDirection(MediaDescription audio)
        {
            return audio.ConnectionAddress == "0.0.0.0" ? Combine(audio.Direction, MediaDirection.SendOnly) : audio.Direction;
        }

        private static string Unusable(MediaDescription audio)
        {
            if (audio.Protocol != "RTP/AVP")
            {
                return "transport " + audio.Protocol + " is not supported (RTP/AVP only)";
            }

            if (audio.ConnectionAddress == null)
            {
                return "no connection address (c=) for the audio stream";
            }

            if (!audio.ConnectionIsIPv4)
            {
                return "the audio stream's address is not IPv4";
            }

            return null;
        }

        private static Negotiation Agreed(MediaDescription audio, int payloadType, bool aLaw, int events, MediaDirection direction)
        {
            MediaParameters media = new MediaParameters();
            media.PayloadType = payloadType;
            media.ALaw = aLaw;
            media.EventPayloadType = events;
            media.RemoteAddress = audio.ConnectionAddress;
            media.RemotePort = audio.Port;
            media.RemoteRtcpPort = audio.RtcpPort;
            media.Direction = direction;
            Negotiation result = new Negotiation();
            result.Media = media;
            result.FarEndHolds = audio.IsHold;
            return result;
        }

        private static Negotiation Fail(int status, string reason)
        {
            Negotiation result = new Negotiation();
            result.FailureStatus = status;
            result.Failure = reason;
            return result;
        }

        private static bool Has(LocalMedia local, int payloadType)
        {
            for (int i = 0; i < local.Codecs.Length; i++)
            {
                if (local.Codecs[i] == payloadType)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
