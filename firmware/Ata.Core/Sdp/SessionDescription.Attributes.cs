using Ata.Core.Media;

namespace Ata.Core.Sdp
{
    /// <summary>
    /// The a= lines: direction (session or media level), rtpmap (names matched case-insensitively), telephone-event's fmtp,
    /// ptime and a=rtcp; other attributes skipped.
    /// </summary>
    public sealed partial class SessionDescription
    {
        private bool ReadAttribute(char[] chars, int at, int end, MediaDescription media, out string error)
        {
            error = null;
            MediaDirection direction;
            if (DirectionOf(chars, at, end, out direction))
            {
                if (media == null)
                {
                    Direction = direction;
                }
                else
                {
                    media.Direction = direction;
                    media.DirectionGiven = true;
                }

                return true;
            }

            if (media == null)
            {
                return true;
            }

            if (SdpText.StartsWith(chars, at, end, "rtpmap:"))
            {
                return ReadRtpMap(chars, at + 7, end, media, out error);
            }

            if (SdpText.StartsWith(chars, at, end, "fmtp:"))
            {
                int space = SdpText.IndexOf(chars, at + 5, end, ' ');
                int payloadType;
                if (space > 0 && SdpText.Number(chars, at + 5, space, out payloadType) && media.NameOf(payloadType) == "TELEPHONE-EVENT")
                {
                    media.EventFormats = new string(chars, space + 1, end - space - 1).Trim();
                }

                return true;
            }

            int number;
            if (SdpText.StartsWith(chars, at, end, "ptime:") && SdpText.Number(chars, at + 6, end, out number))
            {
                media.PacketTimeMs = number;
                return true;
            }

            if (SdpText.StartsWith(chars, at, end, "rtcp:"))
            {
                int space = SdpText.IndexOf(chars, at + 5, end, ' ');
                if (!SdpText.Number(chars, at + 5, space > 0 ? space : end, out number) || number < 1 || number > 65535)
                {
                    error = "a=rtcp port is not a port number";
                    return false;
                }

                media.RtcpPort = number;
            }

            return true;
        }

        private static bool ReadRtpMap(char[] chars, int at, int end, MediaDescription media, out string error)
        {
            error = null;
            int space = SdpText.IndexOf(chars, at, end, ' ');
            int payloadType;
            if (space < 0 || !SdpText.Number(chars, at, space, out payloadType) || payloadType > 127)
            {
                error = "a=rtpmap needs a payload type and an encoding";
                return false;
            }

            int nameStart = space + 1;
            int slash = SdpText.IndexOf(chars, nameStart, end, '/');
            if (slash < 0)
            {
                error = "a=rtpmap encoding needs a clock rate";
                return false;
            }

            int rateEnd = SdpText.IndexOf(chars, slash + 1, end, '/');
            int rate;
            int channels = 1;
            if (!SdpText.Number(chars, slash + 1, rateEnd >= 0 ? rateEnd : end, out rate)
                || (rateEnd >= 0 && !SdpText.Number(chars, rateEnd + 1, end, out channels)))
            {
                error = "a=rtpmap clock rate or channels is not a number";
                return false;
            }

            media.SetMap(payloadType, SdpText.Upper(chars, nameStart, slash), rate, channels);
            return true;
        }

        private static bool DirectionOf(char[] chars, int at, int end, out MediaDirection direction)
        {
            direction = MediaDirection.SendReceive;
            if (SdpText.Is(chars, at, end, "sendrecv"))
            {
                return true;
            }

            if (SdpText.Is(chars, at, end, "sendonly"))
            {
                direction = MediaDirection.SendOnly;
                return true;
            }

            if (SdpText.Is(chars, at, end, "recvonly"))
            {
                direction = MediaDirection.ReceiveOnly;
                return true;
            }

            if (SdpText.Is(chars, at, end, "inactive"))
            {
                direction = MediaDirection.Inactive;
                return true;
            }

            return false;
        }
    }
}
