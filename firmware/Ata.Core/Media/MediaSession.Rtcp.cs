namespace Ata.Core.Media
{
    /// <summary>
    /// RTCP (RFC 3550): the far end's reports taken, this side's sender or receiver reports sent when due, and a last
    /// report with BYE when the call's media ends.
    /// </summary>
    public sealed partial class MediaSession
    {
        /// <summary>
        /// Milliseconds from the NTP epoch (1900) to the caller's time zero, for the wall-clock time in sender
        /// reports. By default the caller's time is taken as Unix time; the round trip is right either way.
        /// </summary>
        public long WallClockOffsetMs { get; set; }

        /// <summary>Takes a datagram that arrived on the RTCP socket from <paramref name="address"/>.</summary>
        public void OnRtcp(byte[] data, int length, string address, int port, long now)
        {
            if (address != _parameters.RemoteAddress)
            {
                Quality.WrongSource++;
                return;
            }

            if (!_farEnd.Read(data, 0, length, Ssrc, now, now + WallClockOffsetMs))
            {
                Quality.Malformed++;
            }
        }

        /// <summary>Sends an RTCP report when one is due.</summary>
        public void Tick(long now)
        {
            if (now < _nextReportAt)
            {
                return;
            }

            SendReport(now, false);
            _nextReportAt = now + RtcpInterval.NextMs(_random.NextDouble(), false);
        }

        /// <summary>Ends the call's media: a last report with BYE.</summary>
        public void Stop(long now)
        {
            SendReport(now, true);
        }

        /// <summary>True when <paramref name="address"/>:<paramref name="port"/> is where the far end's RTCP is expected from.</summary>
        public bool IsFarEndRtcp(string address, int port)
        {
            return port == _parameters.RtcpPort && address == _parameters.RemoteAddress;
        }

        private void SendReport(long now, bool bye)
        {
            if (!_parameters.HasRemote || _rtcp == null)
            {
                return;
            }

            uint lsr = 0;
            uint dlsr = 0;
            if (_farEnd.HasSenderReport)
            {
                lsr = _farEnd.LastSenderReport;
                dlsr = RtcpPacket.ToShortUnits(now - _farEnd.LastSenderReportAt);
            }

            ReceptionStatistics about = _heardFarEnd ? _reception : null;
            int fraction = about != null ? _reception.TakeFractionLost() : 0;
            int length = RtcpPacket.Write(_report, 0, Ssrc, _sentSinceReport, now + WallClockOffsetMs, _timestamp,
                Quality.PacketsSent, Quality.OctetsSent, about, fraction, lsr, dlsr, _cname, bye);
            _rtcp.Send(_report, length, _parameters.RemoteAddress, _parameters.RtcpPort);
            _sentSinceReport = false;
        }
    }
}
