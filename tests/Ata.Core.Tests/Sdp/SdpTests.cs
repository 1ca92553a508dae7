using Ata.Core.Media;
using Ata.Core.Sdp;

namespace Ata.Core.Tests.Sdp;

public class SdpTests
{
    private static LocalMedia Local(string country = "NO") => new(country, "192.0.2.10", 40000, 4711);

    /// <summary>The session part of a far end's description, before its m= lines.</summary>
    private const string Session = "v=0\r\no=x 1 1 IN IP4 203.0.113.5\r\ns=-\r\nc=IN IP4 203.0.113.5\r\nt=0 0\r\n";

    /// <summary>The session part of a far end's answer.</summary>
    private const string AnswerSession = "v=0\r\no=y 5 6 IN IP4 198.51.100.20\r\ns=-\r\nc=IN IP4 198.51.100.20\r\nt=0 0\r\n";

    private const string BaresipOffer = """
        v=0
        o=- 1203848190 2106437120 IN IP4 198.51.100.20
        s=-
        c=IN IP4 198.51.100.20
        t=0 0
        m=audio 10998 RTP/AVP 9 0 8 101
        a=rtpmap:9 G722/8000
        a=rtpmap:0 PCMU/8000
        a=rtpmap:8 PCMA/8000
        a=rtpmap:101 telephone-event/8000
        a=fmtp:101 0-15
        a=ptime:20
        a=sendrecv
        a=rtcp:10999
        """;

    [Fact]
    public void A_european_offer_lists_a_law_first_with_telephone_events_ptime_20_and_sendrecv()
    {
        string offer = SdpWriter.Offer(Local("NO"));

        Assert.Equal("""
            v=0
            o=ata 4711 1 IN IP4 192.0.2.10
            s=-
            c=IN IP4 192.0.2.10
            t=0 0
            m=audio 40000 RTP/AVP 8 0 101
            a=rtpmap:8 PCMA/8000
            a=rtpmap:0 PCMU/8000
            a=rtpmap:101 telephone-event/8000
            a=fmtp:101 0-16
            a=ptime:20
            a=sendrecv

            """.ReplaceLineEndings("\r\n"), offer);
    }

    [Theory]
    [InlineData("US", "0 8 101")]
    [InlineData("us", "0 8 101")]
    [InlineData("DE", "8 0 101")]
    [InlineData("UK", "8 0 101")]
    [InlineData("SE", "8 0 101")]
    public void The_national_default_law_comes_first(string country, string formats)
    {
        Assert.Contains("m=audio 40000 RTP/AVP " + formats + "\r\n", SdpWriter.Offer(Local(country)));
    }

    [Fact]
    public void An_offer_is_answered_with_its_first_common_codec_in_the_offers_order()
    {
        Negotiation result = Negotiation.Answer(BaresipOffer, Local("NO"));

        Assert.True(result.Succeeded, result.Failure);
        Assert.Equal(0, result.Media.PayloadType);
        Assert.False(result.Media.ALaw);
        Assert.Equal(101, result.Media.EventPayloadType);
        Assert.Equal("198.51.100.20", result.Media.RemoteAddress);
        Assert.Equal(10998, result.Media.RemotePort);
        Assert.Equal(10999, result.Media.RtcpPort);
        Assert.Equal(MediaDirection.SendReceive, result.Media.Direction);
        Assert.False(result.FarEndHolds);
        Assert.Contains("m=audio 40000 RTP/AVP 0 101\r\n", result.AnswerText);
        Assert.Contains("a=rtpmap:0 PCMU/8000\r\n", result.AnswerText);
        Assert.Contains("a=sendrecv\r\n", result.AnswerText);

        // The answer reads back as what it says.
        SessionDescription answer = SessionDescription.Parse(result.AnswerText, out string? error)!;
        Assert.Null(error);
        Assert.Equal(2, answer.FirstAudio()!.FormatCount);
    }

    [Fact]
    public void Dynamic_payload_types_are_matched_by_name_and_telephone_events_keep_the_offers_number()
    {
        string offer = Session
            + "m=audio 5004 RTP/AVP 96 97\r\na=rtpmap:96 pcma/8000\r\na=rtpmap:97 Telephone-Event/8000\r\n";
        Negotiation result = Negotiation.Answer(offer, Local());

        Assert.True(result.Succeeded, result.Failure);
        Assert.Equal(96, result.Media.PayloadType);
        Assert.True(result.Media.ALaw);
        Assert.Equal(97, result.Media.EventPayloadType);
        Assert.Contains("m=audio 40000 RTP/AVP 96 97\r\n", result.AnswerText);
    }

    [Fact]
    public void Other_streams_are_refused_with_port_0_in_the_same_order()
    {
        string offer = Session
            + "m=video 5006 RTP/AVP 31\r\nm=audio 5004 RTP/AVP 8\r\n";
        Negotiation result = Negotiation.Answer(offer, Local());

        Assert.True(result.Succeeded, result.Failure);
        int video = result.AnswerText!.IndexOf("m=video 0 RTP/AVP 31\r\n", StringComparison.Ordinal);
        int audio = result.AnswerText.IndexOf("m=audio 40000 RTP/AVP 8\r\n", StringComparison.Ordinal);
        Assert.True(video > 0 && audio > video);
        Assert.Equal(-1, result.Media.EventPayloadType);
    }

    [Theory]
    [InlineData("m=audio 5004 RTP/AVP 18 9\r\na=rtpmap:18 G729/8000\r\n", "no common codec")]
    [InlineData("m=audio 5004 RTP/AVP 96\r\na=rtpmap:96 PCMA/16000\r\n", "no common codec")]
    [InlineData("m=audio 5004 RTP/SAVP 8\r\n", "not supported")]
    [InlineData("m=video 5004 RTP/AVP 31\r\n", "no audio stream")]
    [InlineData("m=audio 0 RTP/AVP 8\r\n", "no audio stream")]
    public void Offers_this_side_cannot_take_get_488_with_the_reason(string media, string reason)
    {
        string offer = Session + media;
        Negotiation result = Negotiation.Answer(offer, Local());

        Assert.False(result.Succeeded);
        Assert.Equal(488, result.FailureStatus);
        Assert.Contains(reason, result.Failure);
        Assert.Null(result.AnswerText);
    }

    [Theory]
    [InlineData("a=sendonly\r\n", MediaDirection.ReceiveOnly, true)]
    [InlineData("a=inactive\r\n", MediaDirection.Inactive, true)]
    [InlineData("a=recvonly\r\n", MediaDirection.SendOnly, false)]
    [InlineData("", MediaDirection.SendReceive, false)]
    public void Hold_is_recognised_and_answered_with_the_matching_direction(string attribute, MediaDirection answered, bool hold)
    {
        string offer = Session + "m=audio 5004 RTP/AVP 8\r\n" + attribute;
        Negotiation result = Negotiation.Answer(offer, Local());

        Assert.True(result.Succeeded, result.Failure);
        Assert.Equal(answered, result.Media.Direction);
        Assert.Equal(hold, result.FarEndHolds);
        Assert.Contains("a=" + SdpWriter.DirectionName(answered) + "\r\n", result.AnswerText);
    }

    [Fact]
    public void Old_style_hold_with_address_0_0_0_0_is_hold_and_nothing_is_sent()
    {
        string offer = "v=0\r\no=x 1 2 IN IP4 203.0.113.5\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 5004 RTP/AVP 8\r\n";
        Negotiation result = Negotiation.Answer(offer, Local());

        Assert.True(result.FarEndHolds);
        Assert.False(result.Media.Sends);
    }

    [Fact]
    public void A_session_level_direction_applies_to_sections_without_their_own()
    {
        string offer = "v=0\r\no=x 1 2 IN IP4 203.0.113.5\r\ns=-\r\nc=IN IP4 203.0.113.5\r\nt=0 0\r\na=sendonly\r\nm=audio 5004 RTP/AVP 8\r\n";
        Assert.True(Negotiation.Answer(offer, Local()).FarEndHolds);
    }

    [Fact]
    public void This_side_holding_offers_sendonly_and_reads_the_answer()
    {
        LocalMedia local = Local();
        local.Direction = MediaDirection.SendOnly;
        local.SessionVersion = 2;
        string offer = SdpWriter.Offer(local);
        Assert.Contains("o=ata 4711 2 IN IP4", offer);
        Assert.Contains("a=sendonly\r\n", offer);

        Negotiation result = Negotiation.AcceptAnswer(
            AnswerSession + "m=audio 6000 RTP/AVP 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=recvonly\r\n", local);
        Assert.True(result.Succeeded, result.Failure);
        Assert.Equal(MediaDirection.SendOnly, result.Media.Direction);
        Assert.Equal(8, result.Media.PayloadType);
        Assert.Equal(101, result.Media.EventPayloadType);
        Assert.Equal(6000, result.Media.RemotePort);
    }

    [Theory]
    [InlineData("m=audio 0 RTP/AVP 8\r\n", 488)]
    [InlineData("m=audio 6000 RTP/AVP 18\r\n", 488)]
    [InlineData("m=audio sixty RTP/AVP 8\r\n", 400)]
    public void An_answer_without_usable_audio_fails(string media, int status)
    {
        Negotiation result = Negotiation.AcceptAnswer(AnswerSession + media, Local());
        Assert.False(result.Succeeded);
        Assert.Equal(status, result.FailureStatus);
    }

    public static TheoryData<string, string> Malformed() => new()
    {
        { "", "empty" },
        { "o=x 1 1 IN IP4 1.2.3.4\r\n", "v=0" },
        { "v=1\r\nm=audio 5004 RTP/AVP 8\r\n", "v=0" },
        { "v=0\r\nthis is not sdp\r\n", "line 2" },
        { "v=0\r\nM=audio 5004 RTP/AVP 8\r\n", "line 2" },
        { "v=0\r\n=x\r\n", "line 2" },
        { "v=0\r\no=x 1\r\nm=audio 5004 RTP/AVP 8\r\n", "o=" },
        { "v=0\r\nc=IN IP4\r\nm=audio 5004 RTP/AVP 8\r\n", "c=" },
        { "v=0\r\nc=IN IP4 999.1.2.3\r\nm=audio 5004 RTP/AVP 8\r\n", "not an IPv4" },
        { "v=0\r\nc=IN IPX 1.2.3.4\r\nm=audio 5004 RTP/AVP 8\r\n", "c=" },
        { "v=0\r\nc=IN IP4 1.2.3.4\r\n", "no m= line" },
        { "v=0\r\nm=audio 70000 RTP/AVP 8\r\n", "port" },
        { "v=0\r\nm=audio -1 RTP/AVP 8\r\n", "port" },
        { "v=0\r\nm=audio 5004 RTP/AVP 8 x\r\n", "payload type" },
        { "v=0\r\nm=audio 5004 RTP/AVP 200\r\n", "payload type" },
        { "v=0\r\nm=audio 5004\r\n", "m=" },
        { "v=0\r\nm=audio 5004 RTP/AVP 96\r\na=rtpmap:96\r\n", "rtpmap" },
        { "v=0\r\nm=audio 5004 RTP/AVP 96\r\na=rtpmap:96 PCMA\r\n", "clock rate" },
        { "v=0\r\nm=audio 5004 RTP/AVP 96\r\na=rtpmap:96 PCMA/eight\r\n", "clock rate" },
        { "v=0\r\nm=audio 5004 RTP/AVP 96\r\na=rtcp:port\r\n", "rtcp" },
        { "v=0\r\n" + new string('a', 9000), "longer than" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_sdp_returns_an_error_naming_the_problem(string text, string problem)
    {
        Assert.Null(SessionDescription.Parse(text, out string? error));
        Assert.Contains(problem, error);
        Negotiation result = Negotiation.Answer(text, Local());
        Assert.Equal(400, result.FailureStatus);
    }

    [Fact]
    public void Lf_line_ends_unknown_lines_and_attributes_and_a_missing_final_newline_are_fine()
    {
        string offer = "v=0\no=x 1 1 IN IP4 203.0.113.5\ns=call\nb=AS:64\nc=IN IP4 203.0.113.5/127\nt=0 0\nm=audio 5004/2 RTP/AVP 8\na=x-custom:1\na=rtpmap:8 PCMA/8000/1";
        Negotiation result = Negotiation.Answer(offer, Local());
        Assert.True(result.Succeeded, result.Failure);
        Assert.Equal("203.0.113.5", result.Media.RemoteAddress);
    }

    [Fact]
    public void Random_damage_to_an_offer_never_throws()
    {
        var random = new Random(13);
        char[] alphabet = "v=0aotcm \r\n/:-.123456789IPNRTAV".ToCharArray();
        for (int i = 0; i < 5000; i++)
        {
            char[] text = BaresipOffer.ToCharArray();
            for (int k = random.Next(1, 6); k > 0; k--)
            {
                text[random.Next(text.Length)] = alphabet[random.Next(alphabet.Length)];
            }

            string damaged = new string(text, 0, random.Next(text.Length + 1));
            Negotiation result = Negotiation.Answer(damaged, Local());
            Assert.True(result.Succeeded || result.FailureStatus is 400 or 488);
        }
    }
}
