using Ata.Core.Media;

namespace Ata.Core.Sdp
{
    /// <summary>
    /// One m= section of a session description (RFC 4566 §5.14) with the attributes this adapter reads:
    /// its formats and their rtpmap names, telephone-event's fmtp, ptime, direction, a=rtcp, and the
    /// connection address in force (its own c= or the session's).
    /// </summary>
    public sealed class MediaDescription
    {
        /// <summary>Most formats read from one m= line; the rest are ignored.</summary>
        public const int MaxFormats = 32;

        private readonly int[] _formats = new int[MaxFormats];
        private readonly string[] _names = Arrays.Strings(MaxFormats);
        private readonly int[] _rates = new int[MaxFormats];
        private readonly int[] _channels = new int[MaxFormats];

        internal MediaDescription(string media, int port, string protocol)
        {
            Media = media;
            Port = port;
            Protocol = protocol;
            RtcpPort = -1;
            Direction = MediaDirection.SendReceive;

            // nanoFramework: a fresh array of references holds no real nulls until they are stored.
            for (int i = 0; i < MaxFormats; i++)
            {
                _names[i] = null;
            }
        }

        /// <summary>The media type: audio, video, …</summary>
        public string Media { get; private set; }

        /// <summary>The port; 0 for a stream rejected or removed.</summary>
        public int Port { get; private set; }

        /// <summary>The transport, e.g. RTP/AVP.</summary>
        public string Protocol { get; private set; }

        /// <summary>Formats listed (payload types for RTP).</summary>
        public int FormatCount { get; private set; }

        /// <summary>The connection address in force: the section's c=, else the session's; null when neither gave one.</summary>
        public string ConnectionAddress { get; internal set; }

        /// <summary>True when the connection address in force is IPv4 (IN IP4).</summary>
        public bool ConnectionIsIPv4 { get; internal set; }

        /// <summary>The direction the section states, else the session's, else sendrecv; as the sender of the description sees it.</summary>
        public MediaDirection Direction { get; internal set; }

        /// <summary>True when the section itself gave a direction attribute.</summary>
        internal bool DirectionGiven { get; set; }

        /// <summary>True when the section itself gave a c= line.</summary>
        internal bool HasOwnConnection { get; set; }

        /// <summary>a=ptime in milliseconds, or 0 when absent.</summary>
        public int PacketTimeMs { get; internal set; }

        /// <summary>a=rtcp's port, or -1 when absent.</summary>
        public int RtcpPort { get; internal set; }

        /// <summary>The fmtp parameters of telephone-event (e.g. 0-16), or null.</summary>
        public string EventFormats { get; internal set; }

        /// <summary>
        /// True when the sender of the description puts the stream on hold: sendonly or inactive, or the
        /// old style of RFC 2543 (connection address 0.0.0.0).
        /// </summary>
        public bool IsHold
        {
            get { return Direction == MediaDirection.SendOnly || Direction == MediaDirection.Inactive || ConnectionAddress == "0.0.0.0"; }
        }

        /// <summary>The payload type at <paramref name="index"/> in the m= line's order.</summary>
        public int FormatAt(int index)
        {
            return _formats[index];
        }

        /// <summary>The encoding name of <paramref name="payloadType"/> (rtpmap, or RFC 3551's static name), upper case; null when unknown.</summary>
        public string NameOf(int payloadType)
        {
            int i = IndexOf(payloadType);
            if (i >= 0 && _names[i] != null)
            {
                return _names[i];
            }

            switch (payloadType)
            {
                case MediaParameters.PcmuPayloadType: return "PCMU";
                case MediaParameters.PcmaPayloadType: return "PCMA";
                default: return null;
            }
        }

        /// <summary>The clock rate of <paramref name="payloadType"/> (rtpmap, or 8000 for the static G.711 types); 0 when unknown.</summary>
        public int RateOf(int payloadType)
        {
            int i = IndexOf(payloadType);
            if (i >= 0 && _rates[i] > 0)
            {
                return _rates[i];
            }

            return payloadType == MediaParameters.PcmuPayloadType || payloadType == MediaParameters.PcmaPayloadType ? 8000 : 0;
        }

        /// <summary>
        /// The first payload type, in the m= line's order, whose encoding is <paramref name="name"/> at 8 kHz
        /// with one channel; -1 when there is none.
        /// </summary>
        public int Find(string name)
        {
            for (int i = 0; i < FormatCount; i++)
            {
                int payloadType = _formats[i];
                if (NameOf(payloadType) == name && RateOf(payloadType) == 8000 && _channels[i] <= 1)
                {
                    return payloadType;
                }
            }

            return -1;
        }

        internal void AddFormat(int payloadType)
        {
            if (FormatCount < MaxFormats && IndexOf(payloadType) < 0)
            {
                _formats[FormatCount] = payloadType;
                FormatCount++;
            }
        }

        internal void SetMap(int payloadType, string name, int rate, int channels)
        {
            int i = IndexOf(payloadType);
            if (i >= 0)
            {
                _names[i] = name;
                _rates[i] = rate;
                _channels[i] = channels;
            }
        }

        private int IndexOf(int payloadType)
        {
            for (int i = 0; i < FormatCount; i++)
            {
                if (_formats[i] == payloadType)
                {
                    return i;
                }
            }

            return -1;
        }
    }
}
