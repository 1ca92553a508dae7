namespace Ata.Core.Media
{
    /// <summary>
    /// RTCP compound packets (RFC 3550 §6): this side's sender or receiver report with one report block
    /// about the far end, its SDES CNAME, and BYE at the end of a call; written into a caller-owned buffer.
    /// Also the NTP time arithmetic the reports use.
    /// </summary>
    public static class RtcpPacket
    {
        /// <summary>Packet type of a sender report.</summary>
        public const int SenderReport = 200;

        /// <summary>Packet type of a receiver report.</summary>
        public const int ReceiverReport = 201;

        /// <summary>Packet type of source description items.</summary>
        public const int SourceDescription = 202;

        /// <summary>Packet type of goodbye.</summary>
        public const int Goodbye = 203;

        /// <summary>Bytes in one report block.</summary>
        public const int ReportBlockSize = 24;

        /// <summary>Room a compound report needs beyond the CNAME's bytes.</summary>
        public const int MaxFixedSize = 28 + ReportBlockSize + 14 + 8;

        /// <summary>Milliseconds from the NTP epoch (1900) to the Unix epoch (1970).</summary>
        public const long NtpToUnixMs = 2208988800000;

        /// <summary>
        /// Writes a compound packet at <paramref name="offset"/>: a sender report when
        /// <paramref name="sender"/> (this side sent media since the last report), else a receiver report;
        /// one report block when <paramref name="about"/> is given; SDES with the CNAME; BYE when
        /// <paramref name="bye"/>. Returns its length.
        /// </summary>
        /// <param name="buffer">Where to write; at least <see cref="MaxFixedSize"/> plus the CNAME's length.</param>
        /// <param name="offset">Where the packet starts.</param>
        /// <param name="ssrc">This side's SSRC.</param>
        /// <param name="sender">Whether to write a sender report.</param>
        /// <param name="ntpMs">The wall clock now, in milliseconds since the NTP epoch (sender reports only).</param>
        /// <param name="rtpTimestamp">The RTP timestamp that corresponds to <paramref name="ntpMs"/>.</param>
        /// <param name="packets">Packets sent since the session started.</param>
        /// <param name="octets">Payload octets sent since the session started.</param>
        /// <param name="about">The far end's reception statistics, or null for no report block.</param>
        /// <param name="fractionLost">The fraction lost since the last report, in 1/256ths.</param>
        /// <param name="lastSenderReport">The middle 32 bits of the far end's last SR's NTP time (LSR), or 0.</param>
        /// <param name="delaySinceLastSenderReport">Time since that SR arrived, in 1/65536 s (DLSR), or 0.</param>
        /// <param name="cname">The canonical name's bytes.</param>
        /// <param name="bye">Whether to end with BYE.</param>
        public static int Write(byte[] buffer, int offset, uint ssrc, bool sender, long ntpMs, uint rtpTimestamp, long packets, long octets,
            ReceptionStatistics about, int fractionLost, uint lastSenderReport, uint delaySinceLastSenderReport, byte[] cname, bool bye)
        {
            int at = offset;
            int blocks = about != null ? 1 : 0;
            int words = (sender ? 6 : 1) + (blocks * 6);
            buffer[at] = (byte)(0x80 | blocks);
            buffer[at + 1] = (byte)(sender ? SenderReport : ReceiverReport);
            WriteUInt16(buffer, at + 2, words);
            RtpHeader.WriteUInt32(buffer, at + 4, ssrc);
            at += 8;
            if (sender)
            {
                long seconds = ntpMs / 1000;
                long fraction = ((ntpMs % 1000) << 32) / 1000;
                RtpHeader.WriteUInt32(buffer, at, (uint)seconds);
                RtpHeader.WriteUInt32(buffer, at + 4, (uint)fraction);
                RtpHeader.WriteUInt32(buffer, at + 8, rtpTimestamp);
                RtpHeader.WriteUInt32(buffer, at + 12, (uint)packets);
                RtpHeader.WriteUInt32(buffer, at + 16, (uint)octets);
                at += 20;
            }

            if (about != null)
            {
                long lost = about.CumulativeLost;
                if (lost > 0x7FFFFF)
                {
                    lost = 0x7FFFFF;
                }
                else if (lost < -0x800000)
                {
                    lost = -0x800000;
                }

                RtpHeader.WriteUInt32(buffer, at, about.Ssrc);
                RtpHeader.WriteUInt32(buffer, at + 4, ((uint)fractionLost << 24) | ((uint)lost & 0xFFFFFF));
                RtpHeader.WriteUInt32(buffer, at + 8, (uint)about.ExtendedHighestSequence);
                RtpHeader.WriteUInt32(buffer, at + 12, (uint)about.Jitter);
                RtpHeader.WriteUInt32(buffer, at + 16, lastSenderReport);
                RtpHeader.WriteUInt32(buffer, at + 20, delaySinceLastSenderReport);
                at += ReportBlockSize;
            }

            // SDES: one chunk, CNAME then END, padded with zeros to a 32-bit boundary.
            int chunk = 4 + 2 + cname.Length + 1;
            int padded = (chunk + 3) & ~3;
            buffer[at] = 0x81;
            buffer[at + 1] = SourceDescription;
            WriteUInt16(buffer, at + 2, padded / 4);
            RtpHeader.WriteUInt32(buffer, at + 4, ssrc);
            buffer[at + 8] = 1;
            buffer[at + 9] = (byte)cname.Length;
            System.Array.Copy(cname, 0, buffer, at + 10, cname.Length);
            for (int i = 10 + cname.Length; i < 4 + padded; i++)
            {
                buffer[at + i] = 0;
            }

            at += 4 + padded;
            if (bye)
            {
                buffer[at] = 0x81;
                buffer[at + 1] = Goodbye;
                WriteUInt16(buffer, at + 2, 1);
                RtpHeader.WriteUInt32(buffer, at + 4, ssrc);
                at += 8;
            }

            return at - offset;
        }

        /// <summary>The middle 32 bits of the NTP timestamp of <paramref name="ntpMs"/> (16.16 fixed point seconds), as LSR and round-trip arithmetic use it.</summary>
        public static uint MiddleBits(long ntpMs)
        {
            long seconds = ntpMs / 1000;
            long fraction = ((ntpMs % 1000) << 16) / 1000;
            return (uint)(((seconds & 0xFFFF) << 16) | fraction);
        }

        /// <summary>Milliseconds as the 1/65536 s units of DLSR.</summary>
        public static uint ToShortUnits(long ms)
        {
            return ms <= 0 ? 0 : (uint)((ms << 16) / 1000);
        }

        /// <summary>
        /// The round trip in milliseconds from a report block about this side (RFC 3550 §6.4.1): the
        /// report's arrival time minus LSR minus DLSR, all as middle NTP bits; -1 when the block carries
        /// no LSR (the far end has not seen a sender report yet).
        /// </summary>
        public static int RoundTripMs(uint arrivalMiddle, uint lastSenderReport, uint delaySinceLastSenderReport)
        {
            if (lastSenderReport == 0)
            {
                return -1;
            }

            int units = (int)(arrivalMiddle - lastSenderReport - delaySinceLastSenderReport);
            return units < 0 ? 0 : (int)(((long)units * 1000) >> 16);
        }

        private static void WriteUInt16(byte[] buffer, int offset, int value)
        {
            buffer[offset] = (byte)(value >> 8);
            buffer[offset + 1] = (byte)value;
        }
    }
}
