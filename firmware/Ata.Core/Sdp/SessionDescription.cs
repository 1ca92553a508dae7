using System.Collections;
using Ata.Core.Media;

namespace Ata.Core.Sdp
{
    /// <summary>
    /// A session description (RFC 4566) as read from an offer or an answer: its origin, the session-level
    /// connection and direction, and its m= sections. <see cref="Parse"/> never throws: malformed text gives
    /// null and a reason. Text is scanned as characters once (nanoFramework strings are UTF-8 inside, so
    /// indexing a string in a loop is quadratic).
    /// </summary>
    public sealed partial class SessionDescription
    {
        /// <summary>The longest description read, in characters.</summary>
        public const int MaxLength = 8192;

        /// <summary>Most m= sections read.</summary>
        public const int MaxMedia = 8;

        private readonly ArrayList _media = new ArrayList();

        private SessionDescription()
        {
            Direction = MediaDirection.SendReceive;
        }

        /// <summary>o= username.</summary>
        public string OriginUser { get; private set; }

        /// <summary>o= session id.</summary>
        public string SessionId { get; private set; }

        /// <summary>o= session version.</summary>
        public string SessionVersion { get; private set; }

        /// <summary>The session-level c= address, or null.</summary>
        public string ConnectionAddress { get; private set; }

        /// <summary>The session-level direction (sendrecv when not given).</summary>
        public MediaDirection Direction { get; private set; }

        /// <summary>Number of m= sections.</summary>
        public int MediaCount
        {
            get { return _media.Count; }
        }

        /// <summary>The m= section at <paramref name="index"/>.</summary>
        public MediaDescription MediaAt(int index)
        {
            return (MediaDescription)_media[index];
        }

        /// <summary>The first audio section with a port, or null.</summary>
        public MediaDescription FirstAudio()
        {
            for (int i = 0; i < _media.Count; i++)
            {
                MediaDescription media = MediaAt(i);
                if (media.Media == "audio" && media.Port != 0)
                {
                    return media;
                }
            }

            return null;
        }

        /// <summary>
        /// Reads a session description. Returns null with <paramref name="error"/> saying what is wrong (which
        /// line) when it is not one this adapter can read: empty or too long, no v=0, a line that is not
        /// <c>x=value</c>, an o=, c= or m= line that does not parse, a port out of range, or no m= line.
        /// Unknown lines and attributes are skipped.
        /// </summary>
        public static SessionDescription Parse(string text, out string error)
        {
            error = null;
            if (text == null || text.Length == 0)
            {
                error = "empty session description";
                return null;
            }

            if (text.Length > MaxLength)
            {
                error = "session description longer than " + MaxLength.ToString() + " characters";
                return null;
            }

            char[] chars = text.ToCharArray();
            SessionDescription description = new SessionDescription();
            MediaDescription media = null;
            int line = 0;
            int at = 0;
            bool sawVersion = false;
            while (at < chars.Length)
            {
                int end = at;
                while (end < chars.Length && chars[end] != '\n')
                {
                    end++;
                }

                int next = end + 1;
                if (end > at && chars[end - 1] == '\r')
                {
                    end--;
                }

                line++;
                if (end > at)
                {
                    if (end - at < 2 || chars[at + 1] != '=' || chars[at] < 'a' || chars[at] > 'z')
                    {
                        error = "line " + line.ToString() + ": not of the form x=value";
                        return null;
                    }

                    char type = chars[at];
                    int value = at + 2;
                    if (!sawVersion)
                    {
                        if (type != 'v' || !SdpText.Is(chars, value, end, "0"))
                        {
                            error = "line " + line.ToString() + ": a session description starts with v=0";
                            return null;
                        }

                        sawVersion = true;
                    }
                    else if (!description.ReadLine(type, chars, value, end, ref media, out error))
                    {
                        error = "line " + line.ToString() + ": " + error;
                        return null;
                    }
                }

                at = next;
            }

            if (description._media.Count == 0)
            {
                error = "no m= line";
                return null;
            }

            description.Settle();
            return description;
        }

        private bool ReadLine(char type, char[] chars, int at, int end, ref MediaDescription media, out string error)
        {
            error = null;
            switch (type)
            {
                case 'o':
                    return media != null || ReadOrigin(chars, at, end, out error);
                case 'c':
                    return ReadConnection(chars, at, end, media, out error);
                case 'm':
                    if (_media.Count >= MaxMedia)
                    {
                        error = "more than " + MaxMedia.ToString() + " m= lines";
                        return false;
                    }

                    media = ReadMedia(chars, at, end, out error);
                    if (media == null)
                    {
                        return false;
                    }

                    _media.Add(media);
                    return true;
                case 'a':
                    return ReadAttribute(chars, at, end, media, out error);
                default:
                    return true;
            }
        }

        private bool ReadOrigin(char[] chars, int at, int end, out string error)
        {
            error = null;
            string[] words = SdpText.Words(chars, at, end, 6);
            if (words == null)
            {
                error = "o= needs six fields";
                return false;
            }

            OriginUser = words[0];
            SessionId = words[1];
            SessionVersion = words[2];
            return true;
        }

        private bool ReadConnection(char[] chars, int at, int end, MediaDescription media, out string error)
        {
            error = null;
            string[] words = SdpText.Words(chars, at, end, 3);
            if (words == null || words[0] != "IN" || (words[1] != "IP4" && words[1] != "IP6"))
            {
                error = "c= must be IN IP4 or IN IP6 and an address";
                return false;
            }

            string address = words[2];
            int slash = address.IndexOf('/');
            if (slash >= 0)
            {
                address = address.Substring(0, slash);
            }

            bool ipv4 = words[1] == "IP4";
            if (ipv4 && !Text.AsciiText.IsIPv4(address))
            {
                error = "c= address '" + address + "' is not an IPv4 address";
                return false;
            }

            if (media == null)
            {
                ConnectionAddress = address;
                _sessionIPv4 = ipv4;
            }
            else
            {
                media.ConnectionAddress = address;
                media.ConnectionIsIPv4 = ipv4;
                media.HasOwnConnection = true;
            }

            return true;
        }

        private bool _sessionIPv4;

        private static MediaDescription ReadMedia(char[] chars, int at, int end, out string error)
        {
            error = null;
            string[] words = SdpText.Words(chars, at, end, 3);
            if (words == null)
            {
                error = "m= needs media, port, transport and formats";
                return null;
            }

            char[] portText = words[1].ToCharArray();
            int slash = words[1].IndexOf('/');
            int port;
            if (!SdpText.Number(portText, 0, slash >= 0 ? slash : portText.Length, out port) || port > 65535)
            {
                error = "m= port '" + words[1] + "' is not a port number";
                return null;
            }

            MediaDescription media = new MediaDescription(words[0], port, words[2]);
            bool rtp = words[2].IndexOf("RTP/") == 0;
            int format = at;
            for (int w = 0; w < 3; w++)
            {
                format = SdpText.SkipWord(chars, format, end);
            }

            while (format < end)
            {
                int wordEnd = format;
                while (wordEnd < end && chars[wordEnd] != ' ')
                {
                    wordEnd++;
                }

                int payloadType;
                if (rtp)
                {
                    if (!SdpText.Number(chars, format, wordEnd, out payloadType) || payloadType > 127)
                    {
                        error = "m= format '" + new string(chars, format, wordEnd - format) + "' is not an RTP payload type";
                        return null;
                    }

                    media.AddFormat(payloadType);
                }

                format = SdpText.SkipSpaces(chars, wordEnd, end);
            }

            return media;
        }

        private void Settle()
        {
            for (int i = 0; i < _media.Count; i++)
            {
                MediaDescription media = MediaAt(i);
                if (!media.HasOwnConnection)
                {
                    media.ConnectionAddress = ConnectionAddress;
                    media.ConnectionIsIPv4 = _sessionIPv4;
                }

                if (!media.DirectionGiven)
                {
                    media.Direction = Direction;
                }
            }
        }
    }
}
