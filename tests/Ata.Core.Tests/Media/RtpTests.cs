using Ata.Core.Media;

namespace Ata.Core.Tests.Media;

public class RtpTests
{
    [Fact]
    public void A_header_written_reads_back_with_every_field()
    {
        var buffer = new byte[200];
        Assert.Equal(12, RtpHeader.Write(buffer, 4, marker: true, payloadType: 101, sequence: 65535, timestamp: 0xFEDCBA98, ssrc: 0x01020304));

        var header = new RtpHeader();
        Assert.True(header.TryRead(buffer, 4, 12 + 160));
        Assert.True(header.Marker);
        Assert.Equal(101, header.PayloadType);
        Assert.Equal(65535, header.Sequence);
        Assert.Equal(0xFEDCBA98u, header.Timestamp);
        Assert.Equal(0x01020304u, header.Ssrc);
        Assert.Equal(16, header.PayloadOffset);
        Assert.Equal(160, header.PayloadLength);
        Assert.Equal([0x80, 0xE5, 0xFF, 0xFF], buffer[4..8]);
    }

    [Fact]
    public void Csrcs_an_extension_and_padding_are_stepped_over()
    {
        // V=2, P=1, X=1, CC=2; two CSRCs; a one-word extension; 160 bytes of payload; 4 bytes of padding.
        var packet = new byte[12 + 8 + 8 + 160 + 4];
        packet[0] = 0xB2;
        packet[1] = 8;
        packet[20 + 3] = 1;
        packet[^1] = 4;

        var header = new RtpHeader();
        Assert.True(header.TryRead(packet, 0, packet.Length));
        Assert.Equal(28, header.PayloadOffset);
        Assert.Equal(160, header.PayloadLength);
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 0x00 })]
    [InlineData(new byte[] { 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 })]
    [InlineData(new byte[] { 0x8F, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 })]
    [InlineData(new byte[] { 0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9 })]
    [InlineData(new byte[] { 0xA0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 200 })]
    [InlineData(new byte[] { 0xA0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0 })]
    public void Malformed_packets_are_refused(byte[] packet)
    {
        var header = new RtpHeader();
        Assert.False(header.TryRead(packet, 0, packet.Length));
    }

    [Fact]
    public void Every_truncation_of_a_packet_is_refused_or_read_without_running_past_its_end()
    {
        var packet = new byte[40];
        packet[0] = 0xB1;
        packet[16 + 3] = 2;
        var header = new RtpHeader();
        for (int length = 0; length <= packet.Length; length++)
        {
            if (header.TryRead(packet, 0, length))
            {
                Assert.InRange(header.PayloadOffset + header.PayloadLength, 0, length);
            }
        }
    }
}

public class ReceptionStatisticsTests
{
    [Fact]
    public void A_new_source_counts_after_two_sequential_packets()
    {
        var stats = new ReceptionStatistics();
        stats.Reset(7);
        Assert.False(stats.Update(100, 0, 0));
        Assert.True(stats.Update(101, 160, 160));
        Assert.Equal(1, stats.Received);
        Assert.Equal(1, stats.Expected);
    }

    [Fact]
    public void Loss_and_the_fraction_lost_since_the_last_report()
    {
        var stats = new ReceptionStatistics();
        stats.Reset(7);
        for (int seq = 0; seq < 101; seq++)
        {
            if (seq % 10 != 5)
            {
                stats.Update(seq, (uint)(seq * 160), seq * 160);
            }
        }

        // Counted from packet 1 (packet 0 was the probation's first): 100 expected, 10 lost.
        Assert.Equal(100, stats.Expected);
        Assert.Equal(10, stats.CumulativeLost);
        Assert.Equal(25, stats.TakeFractionLost());
        for (int seq = 101; seq < 201; seq++)
        {
            stats.Update(seq, (uint)(seq * 160), seq * 160);
        }

        Assert.Equal(0, stats.TakeFractionLost());
        Assert.Equal(10, stats.CumulativeLost);
    }

    [Fact]
    public void The_sequence_number_wraps_into_the_extended_highest_sequence()
    {
        var stats = new ReceptionStatistics();
        stats.Reset(7);
        for (int i = 0; i < 20; i++)
        {
            int seq = (65530 + i) % 65536;
            stats.Update(seq, (uint)(i * 160), i * 160);
        }

        Assert.Equal(65536 + 13, stats.ExtendedHighestSequence);
        Assert.Equal(0, stats.CumulativeLost);
    }

    [Fact]
    public void A_big_jump_counts_only_once_confirmed_by_a_second_packet()
    {
        var stats = new ReceptionStatistics();
        stats.Reset(7);
        for (int seq = 0; seq < 10; seq++)
        {
            stats.Update(seq, (uint)(seq * 160), seq * 160);
        }

        Assert.False(stats.Update(30000, 0, 0));
        Assert.True(stats.Update(30001, 160, 160));
        Assert.Equal(1, stats.Received);
        Assert.Equal(30001, stats.ExtendedHighestSequence);
    }

    [Fact]
    public void Jitter_follows_rfc_3550_a8()
    {
        var stats = new ReceptionStatistics();
        stats.Reset(7);

        // Packets every 160 samples, arriving alternately 0 and 80 samples late: |D| = 80 each time.
        for (int seq = 0; seq < 400; seq++)
        {
            stats.Update(seq, (uint)(seq * 160), (seq * 160) + (seq % 2 * 80));
        }

        Assert.InRange(stats.Jitter, 76, 80);
    }
}

public class RtcpTests
{
    private static readonly byte[] Cname = "ata-0042@192.0.2.10"u8.ToArray();

    [Fact]
    public void A_sender_report_with_a_block_about_the_far_end_reads_back()
    {
        var about = new ReceptionStatistics();
        about.Reset(0xBEEF);
        for (int seq = 0; seq < 51; seq++)
        {
            if (seq != 20)
            {
                about.Update(seq, (uint)(seq * 160), seq * 160);
            }
        }

        var buffer = new byte[200];
        long ntpMs = RtcpPacket.NtpToUnixMs + 1_700_000_000_000;
        int length = RtcpPacket.Write(buffer, 0, 0xCAFE, true, ntpMs, 12345, 50, 8000, about, about.TakeFractionLost(), 0x11112222, 0x00010000, Cname, bye: false);
        Assert.Equal(0, length % 4);

        // Read it as the far end would (its SSRC is 0xBEEF), arriving 1.25 s after the SR time it echoes.
        var report = new FarEndReport();
        Assert.True(report.Read(buffer, 0, length, 0xBEEF, 5000, ntpMs));
        Assert.Equal(0xCAFEu, report.Ssrc);
        Assert.True(report.HasSenderReport);
        Assert.Equal(RtcpPacket.MiddleBits(ntpMs), report.LastSenderReport);
        Assert.True(report.HasReportBlock);
        Assert.Equal(1, report.CumulativeLost);
        Assert.Equal(5, report.FractionLost);
        Assert.Equal(50u, report.ExtendedHighestSequence);
    }

    [Fact]
    public void The_round_trip_comes_from_lsr_and_dlsr()
    {
        long sentAt = RtcpPacket.NtpToUnixMs + 1_000_000;
        uint lsr = RtcpPacket.MiddleBits(sentAt);
        uint dlsr = RtcpPacket.ToShortUnits(300);
        Assert.InRange(RtcpPacket.RoundTripMs(RtcpPacket.MiddleBits(sentAt + 380), lsr, dlsr), 79, 81);
        Assert.Equal(-1, RtcpPacket.RoundTripMs(RtcpPacket.MiddleBits(sentAt + 380), 0, dlsr));
    }

    [Fact]
    public void A_receiver_report_with_bye_reads_back_and_the_goodbye_is_seen()
    {
        var buffer = new byte[200];
        int length = RtcpPacket.Write(buffer, 0, 0xCAFE, false, 0, 0, 0, 0, null!, 0, 0, 0, Cname, bye: true);
        var report = new FarEndReport();
        Assert.True(report.Read(buffer, 0, length, 0xBEEF, 0, 0));
        Assert.False(report.HasSenderReport);
        Assert.False(report.HasReportBlock);
        Assert.True(report.SaidGoodbye);
        Assert.Equal(-1, report.RoundTripMs);
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 202, 0, 1, 0, 0, 0, 1 })]
    [InlineData(new byte[] { 0x80, 201, 0, 5, 0, 0, 0, 1 })]
    [InlineData(new byte[] { 0x40, 201, 0, 1, 0, 0, 0, 1 })]
    [InlineData(new byte[] { 0x80, 201, 0, 1, 0, 0, 0 })]
    [InlineData(new byte[] { 0xA0, 201, 0, 1, 0, 0, 0, 1, 0x80, 202, 0, 0 })]
    public void Malformed_compounds_are_refused(byte[] packet)
    {
        Assert.False(new FarEndReport().Read(packet, 0, packet.Length, 1, 0, 0));
    }

    [Fact]
    public void Reports_come_about_every_5_s_spread_at_random_and_the_first_sooner()
    {
        Assert.Equal((long)(2500 * 0.5 / 1.21828), RtcpInterval.NextMs(0, first: true));
        Assert.InRange(RtcpInterval.NextMs(0.5, first: false), 4100, 4110);
        Assert.InRange(RtcpInterval.NextMs(0.999, first: false), 6150, 6160);
        Assert.InRange(RtcpInterval.NextMs(7, first: false), 6150, 6160);
    }
}
