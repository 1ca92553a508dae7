namespace Ata.Core.Media
{
    /// <summary>
    /// What offer and answer settled for a call's audio (see <c>Sdp/</c>): the codec and its payload
    /// type, the telephone-event payload type, where the far end expects RTP and RTCP, and the direction
    /// from this side. A <see cref="MediaSession"/> runs on it; a re-INVITE hands it a new one.
    /// </summary>
    public sealed class MediaParameters
    {
        /// <summary>Payload type of PCMU (G.711 µ-law), static in RFC 3551.</summary>
        public const int PcmuPayloadType = 0;

        /// <summary>Payload type of PCMA (G.711 A-law), static in RFC 3551.</summary>
        public const int PcmaPayloadType = 8;

        /// <summary>The payload type this side offers for telephone-event when it chooses (dynamic range).</summary>
        public const int DefaultEventPayloadType = 101;

        /// <summary>Creates parameters for a send-and-receive call with no telephone events.</summary>
        public MediaParameters()
        {
            EventPayloadType = -1;
            Direction = MediaDirection.SendReceive;
            RemoteRtcpPort = -1;
        }

        /// <summary>The audio payload type both sides use (the answer's, for a dynamic one).</summary>
        public int PayloadType { get; set; }

        /// <summary>True for PCMA (A-law), false for PCMU (µ-law).</summary>
        public bool ALaw { get; set; }

        /// <summary>The telephone-event payload type (RFC 4733), or -1 when the far end does not take events.</summary>
        public int EventPayloadType { get; set; }

        /// <summary>The far end's RTP address (IPv4 text); 0.0.0.0 means "do not send" (old-style hold).</summary>
        public string RemoteAddress { get; set; }

        /// <summary>The far end's RTP port.</summary>
        public int RemotePort { get; set; }

        /// <summary>The far end's RTCP port (a=rtcp), or -1 for the RTP port plus one.</summary>
        public int RemoteRtcpPort { get; set; }

        /// <summary>Which way audio flows, from this side.</summary>
        public MediaDirection Direction { get; set; }

        /// <summary>
        /// Whether the first packet from a source other than the expected one may teach the session where the
        /// far end really is (for a far end behind NAT that wrote its private address); off by default, so
        /// packets from anywhere else are dropped and counted.
        /// </summary>
        public bool LatchRemote { get; set; }

        /// <summary>The RTCP port in force: <see cref="RemoteRtcpPort"/>, or the RTP port plus one.</summary>
        public int RtcpPort
        {
            get { return RemoteRtcpPort > 0 ? RemoteRtcpPort : RemotePort + 1; }
        }

        /// <summary>True when this side sends audio: the direction says so and the far end gave an address.</summary>
        public bool Sends
        {
            get { return ((int)Direction & 1) != 0 && HasRemote; }
        }

        /// <summary>True when this side plays what it receives.</summary>
        public bool Receives
        {
            get { return ((int)Direction & 2) != 0; }
        }

        /// <summary>True when the far end gave a usable address and port (not 0.0.0.0, not port 0).</summary>
        public bool HasRemote
        {
            get { return RemoteAddress != null && RemoteAddress.Length > 0 && RemoteAddress != "0.0.0.0" && RemotePort > 0; }
        }

        /// <summary>A copy, for a session to keep while the caller reuses this one.</summary>
        public MediaParameters Clone()
        {
            MediaParameters copy = new MediaParameters();
            copy.PayloadType = PayloadType;
            copy.ALaw = ALaw;
            copy.EventPayloadType = EventPayloadType;
            copy.RemoteAddress = RemoteAddress;
            copy.RemotePort = RemotePort;
            copy.RemoteRtcpPort = RemoteRtcpPort;
            copy.Direction = Direction;
            copy.LatchRemote = LatchRemote;
            return copy;
        }
    }
}
