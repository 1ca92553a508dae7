namespace Ata.Core.Media
{
    /// <summary>
    /// A call's media quality as it runs: what was sent and received, loss and jitter both ways (this
    /// side's measurements and the far end's RTCP reports), the jitter buffer's delay and concealment,
    /// packets dropped as unexpected, and an E-model estimate of the listening quality (MOS). Read live
    /// from the session's parts, so reading allocates nothing; the health report and the call record take it.
    /// </summary>
    public sealed class MediaQuality
    {
        private readonly ReceptionStatistics _reception;
        private readonly FarEndReport _farEnd;
        private JitterBuffer _buffer;

        internal MediaQuality(ReceptionStatistics reception, FarEndReport farEnd, JitterBuffer buffer)
        {
            _reception = reception;
            _farEnd = farEnd;
            _buffer = buffer;
        }

        /// <summary>RTP packets sent (audio and events).</summary>
        public long PacketsSent { get; internal set; }

        /// <summary>Payload octets sent.</summary>
        public long OctetsSent { get; internal set; }

        /// <summary>Telephone events sent.</summary>
        public long EventsSent { get; internal set; }

        /// <summary>Telephone events received.</summary>
        public long EventsReceived { get; internal set; }

        /// <summary>Packets from the far end counted by the RTP statistics (audio and events).</summary>
        public long PacketsReceived
        {
            get { return _reception.Received; }
        }

        /// <summary>Packets from the far end that never arrived (RFC 3550 cumulative loss; never negative here).</summary>
        public long PacketsLost
        {
            get { return _reception.CumulativeLost < 0 ? 0 : _reception.CumulativeLost; }
        }

        /// <summary>Packets lost as a share of those expected, in percent.</summary>
        public double LossPercent
        {
            get { return _reception.Expected <= 0 ? 0 : PacketsLost * 100.0 / _reception.Expected; }
        }

        /// <summary>Interarrival jitter of the far end's packets (RFC 3550 A.8), in milliseconds.</summary>
        public int JitterMs
        {
            get { return _reception.Jitter / 8; }
        }

        /// <summary>Interarrival jitter of the far end's packets (RFC 3550 A.8), in milliseconds to the sample (1/8 ms), as the call record carries it.</summary>
        public double InterarrivalJitterMs
        {
            get { return _reception.Jitter / 8.0; }
        }

        /// <summary>Packets that came too late to play.</summary>
        public long Late
        {
            get { return _buffer.Late; }
        }

        /// <summary>Packets received twice.</summary>
        public long Duplicates
        {
            get { return _buffer.Duplicates; }
        }

        /// <summary>Milliseconds of missing audio filled in by concealment.</summary>
        public long ConcealedMs
        {
            get { return _buffer.ConcealedMs; }
        }

        /// <summary>The jitter buffer's smoothed delay, in milliseconds.</summary>
        public int DelayMs
        {
            get { return _buffer.DelayMs; }
        }

        /// <summary>The jitter buffer's target delay, in milliseconds.</summary>
        public int TargetDelayMs
        {
            get { return _buffer.TargetDelayMs; }
        }

        /// <summary>Packets dropped because they came from an address or port other than the far end's.</summary>
        public long WrongSource { get; internal set; }

        /// <summary>Packets dropped because their payload type was not negotiated.</summary>
        public long WrongPayloadType { get; internal set; }

        /// <summary>Datagrams on the media ports that were not RTP or RTCP, or carried unusable audio.</summary>
        public long Malformed { get; internal set; }

        /// <summary>The far end's last reported loss of this side's packets, in percent (RTCP fraction lost).</summary>
        public double FarEndLossPercent
        {
            get { return _farEnd.FractionLost * 100.0 / 256; }
        }

        /// <summary>The far end's count of this side's packets lost.</summary>
        public long FarEndPacketsLost
        {
            get { return _farEnd.CumulativeLost; }
        }

        /// <summary>The far end's jitter for this side's packets, in milliseconds.</summary>
        public int FarEndJitterMs
        {
            get { return (int)(_farEnd.Jitter / 8); }
        }

        /// <summary>The round trip from RTCP, in milliseconds, or -1 before it is known.</summary>
        public int RoundTripMs
        {
            get { return _farEnd.RoundTripMs; }
        }

        /// <summary>
        /// The mean opinion score the ITU-T G.107 E-model gives this call's listening side: G.711 with
        /// concealment (Ie 0, Bpl 25.1, G.113), the loss measured here, and a one-way delay of half the round
        /// trip plus the jitter buffer's delay plus one packet. 4.4 for a clean call, falling with loss and delay.
        /// </summary>
        public double Mos
        {
            get { return MosFor(LossPercent, (RoundTripMs > 0 ? RoundTripMs / 2 : 0) + DelayMs + 20); }
        }

        /// <summary>The E-model's MOS for G.711 with concealment at <paramref name="lossPercent"/> and <paramref name="oneWayDelayMs"/>.</summary>
        public static double MosFor(double lossPercent, int oneWayDelayMs)
        {
            double delay = oneWayDelayMs;
            double id = 0.024 * delay;
            if (delay > 177.3)
            {
                id += 0.11 * (delay - 177.3);
            }

            double ieEffective = 95 * lossPercent / (lossPercent + 25.1);
            double r = 93.2 - id - ieEffective;
            if (r <= 0)
            {
                return 1;
            }

            if (r >= 100)
            {
                return 4.5;
            }

            return 1 + (0.035 * r) + (r * (r - 60) * (100 - r) * 0.000007);
        }

        internal void Attach(JitterBuffer buffer)
        {
            _buffer = buffer;
        }
    }
}
