namespace Ata.Core.Media
{
    /// <summary>
    /// What the far end's RTCP said (RFC 3550 §6.4): the NTP time of its last sender report (for the LSR
    /// this side echoes), and its report block about this side: fraction and cumulative loss, extended
    /// highest sequence, jitter, and the round trip computed from LSR and DLSR. Read from compound
    /// packets in place; one instance per call, so reading allocates nothing.
    /// </summary>
    public sealed class FarEndReport
    {
        /// <summary>A report with nothing heard yet.</summary>
        public FarEndReport()
        {
            Reset();
        }

        /// <summary>Sender or receiver reports read.</summary>
        public int Reports { get; private set; }

        /// <summary>The far end's SSRC, from its last report.</summary>
        public uint Ssrc { get; private set; }

        /// <summary>True once a sender report has arrived.</summary>
        public bool HasSenderReport { get; private set; }

        /// <summary>The middle 32 bits of the last sender report's NTP time: the LSR to echo.</summary>
        public uint LastSenderReport { get; private set; }

        /// <summary>When the last sender report arrived (the caller's milliseconds).</summary>
        public long LastSenderReportAt { get; private set; }

        /// <summary>True once a report block about this side has arrived.</summary>
        public bool HasReportBlock { get; private set; }

        /// <summary>The far end's fraction of this side's packets lost, in 1/256ths, from its last report block.</summary>
        public int FractionLost { get; private set; }

        /// <summary>The far end's count of this side's packets lost.</summary>
        public int CumulativeLost { get; private set; }

        /// <summary>The far end's extended highest sequence number received from this side.</summary>
        public uint ExtendedHighestSequence { get; private set; }

        /// <summary>The far end's interarrival jitter of this side's packets, in timestamp units.</summary>
        public uint Jitter { get; private set; }

        /// <summary>The round trip in milliseconds from the last report block, or -1 when not known.</summary>
        public int RoundTripMs { get; private set; }

        /// <summary>True when the far end said goodbye (BYE).</summary>
        public bool SaidGoodbye { get; private set; }

        /// <summary>Forgets everything (a new far end).</summary>
        public void Reset()
        {
            Reports = 0;
            Ssrc = 0;
            HasSenderReport = false;
            LastSenderReport = 0;
            LastSenderReportAt = 0;
            HasReportBlock = false;
            FractionLost = 0;
            CumulativeLost = 0;
            ExtendedHighestSequence = 0;
            Jitter = 0;
            RoundTripMs = -1;
            SaidGoodbye = false;
        }

        /// <summary>
        /// Reads a compound RTCP packet (validated as RFC 3550 A.2 says: version 2, first a sender or
        /// receiver report, lengths adding up to the datagram). False, with nothing taken, when it is not
        /// one. Report blocks about other sources than <paramref name="ourSsrc"/> are skipped.
        /// </summary>
        /// <param name="data">The datagram.</param>
        /// <param name="offset">Where it starts.</param>
        /// <param name="length">Its length.</param>
        /// <param name="ourSsrc">This side's SSRC.</param>
        /// <param name="now">Arrival time, the caller's milliseconds.</param>
        /// <param name="ntpMs">Arrival time on the wall clock, milliseconds since the NTP epoch (for the round trip).</param>
        public bool Read(byte[] data, int offset, int length, uint ourSsrc, long now, long ntpMs)
        {
            if (!IsValid(data, offset, length))
            {
                return false;
            }

            int at = offset;
            int end = offset + length;
            while (at < end)
            {
                int count = data[at] & 0x1F;
                int type = data[at + 1];
                int bytes = (((data[at + 2] << 8) | data[at + 3]) + 1) * 4;
                if (type == RtcpPacket.SenderReport || type == RtcpPacket.ReceiverReport)
                {
                    ReadReport(data, at, bytes, type == RtcpPacket.SenderReport, count, ourSsrc, now, ntpMs);
                }
                else if (type == RtcpPacket.Goodbye)
                {
                    SaidGoodbye = true;
                }

                at += bytes;
            }

            return true;
        }

        private void ReadReport(byte[] data, int at, int bytes, bool sender, int blocks, uint ourSsrc, long now, long ntpMs)
        {
            int body = at + 8;
            if (sender)
            {
                if (bytes < 28)
                {
                    return;
                }

                uint seconds = RtpHeader.ReadUInt32(data, at + 8);
                uint fraction = RtpHeader.ReadUInt32(data, at + 12);
                LastSenderReport = ((seconds & 0xFFFF) << 16) | (fraction >> 16);
                LastSenderReportAt = now;
                HasSenderReport = true;
                body = at + 28;
            }

            Reports++;
            Ssrc = RtpHeader.ReadUInt32(data, at + 4);
            for (int b = 0; b < blocks && body + RtcpPacket.ReportBlockSize <= at + bytes; b++, body += RtcpPacket.ReportBlockSize)
            {
                if (RtpHeader.ReadUInt32(data, body) != ourSsrc)
                {
                    continue;
                }

                uint lossWord = RtpHeader.ReadUInt32(data, body + 4);
                FractionLost = (int)(lossWord >> 24);
                int lost = (int)(lossWord & 0xFFFFFF);
                CumulativeLost = (lost & 0x800000) != 0 ? lost - 0x1000000 : lost;
                ExtendedHighestSequence = RtpHeader.ReadUInt32(data, body + 8);
                Jitter = RtpHeader.ReadUInt32(data, body + 12);
                uint lsr = RtpHeader.ReadUInt32(data, body + 16);
                uint dlsr = RtpHeader.ReadUInt32(data, body + 20);
                int roundTrip = RtcpPacket.RoundTripMs(RtcpPacket.MiddleBits(ntpMs), lsr, dlsr);
                if (roundTrip >= 0)
                {
                    RoundTripMs = roundTrip;
                }

                HasReportBlock = true;
            }
        }

        private static bool IsValid(byte[] data, int offset, int length)
        {
            if (data == null || offset < 0 || length < 8 || offset + length > data.Length || (length & 3) != 0)
            {
                return false;
            }

            int firstType = data[offset + 1];
            if (firstType != RtcpPacket.SenderReport && firstType != RtcpPacket.ReceiverReport)
            {
                return false;
            }

            int at = offset;
            int end = offset + length;
            while (at < end)
            {
                if (at + 4 > end || (data[at] >> 6) != RtpHeader.Version)
                {
                    return false;
                }

                int bytes = (((data[at + 2] << 8) | data[at + 3]) + 1) * 4;
                bool padded = (data[at] & 0x20) != 0;
                if (at + bytes > end || (padded && at + bytes != end))
                {
                    return false;
                }

                at += bytes;
            }

            return at == end;
        }
    }
}
