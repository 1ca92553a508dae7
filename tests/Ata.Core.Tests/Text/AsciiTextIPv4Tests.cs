using Ata.Core.Sdp;
using Ata.Core.Settings;
using Ata.Core.Text;

namespace Ata.Core.Tests.Text;

/// <summary>
/// The one dotted-quad rule (<see cref="AsciiText.IsIPv4"/>) that settings and SDP's c= line share: which inputs it
/// takes and which it refuses, and that both callers follow it.
/// </summary>
public sealed class AsciiTextIPv4Tests
{
    public static readonly TheoryData<string> Accepted = new()
    {
        "0.0.0.0", "10.0.0.1", "192.168.1.20", "255.255.255.255", "001.002.003.004", "1.22.133.4",
    };

    public static readonly TheoryData<string> Refused = new()
    {
        "256.1.1.1", "1.2.3.256", "999.1.1.1", "1.2.3", "1.2.3.4.5", "1.2.3.4.", ".1.2.3", "1..2.3", "...",
        "0001.2.3.4", "1.2.3.0004", "+1.2.3.4", "-1.2.3.4", "1.2.3.x", "a.b.c.d", "example.com", "1,2,3,4",
        " 1.2.3.4", "1.2.3.4 ", "1 .2.3.4", "1.2.3.4\n", "1.2.3.4\0", "\u0661.2.3.4", "1.2.3.4/24", "::1",
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void A_dotted_quad_of_up_to_three_digit_numbers_each_at_most_255_is_an_IPv4_address(string text)
    {
        Assert.True(AsciiText.IsIPv4(text));
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public void Anything_else_is_not_even_with_spaces_signs_or_an_extra_dot(string text)
    {
        Assert.False(AsciiText.IsIPv4(text));
    }

    [Fact]
    public void Null_and_empty_are_not_IPv4_addresses()
    {
        Assert.False(AsciiText.IsIPv4(null!));
        Assert.False(AsciiText.IsIPv4(string.Empty));
    }

    [Theory]
    [MemberData(nameof(Accepted))]
    [MemberData(nameof(Refused))]
    public void Settings_take_an_address_exactly_when_the_rule_does(string text)
    {
        var settings = new DeviceSettings();
        string? refused = settings.Set(DeviceSettings.DnsKey, text);
        Assert.Equal(AsciiText.IsIPv4(text), refused is null);
        if (refused is not null)
        {
            Assert.Equal("wan.dns must be an IPv4 address like 192.168.1.1", refused);
        }
    }

    [Theory]
    [MemberData(nameof(Accepted))]
    [MemberData(nameof(Refused))]
    public void Sdp_takes_a_c_line_IP4_address_exactly_when_the_rule_does(string text)
    {
        if (text.IndexOfAny(new[] { ' ', '\n', '\0', '/' }) >= 0)
        {
            return; // not one SDP word: the line's own syntax decides before the address rule
        }

        string sdp = "v=0\r\nc=IN IP4 " + text + "\r\nm=audio 5004 RTP/AVP 0\r\n";
        SessionDescription? parsed = SessionDescription.Parse(sdp, out string? error);
        Assert.Equal(AsciiText.IsIPv4(text), parsed is not null);
        if (parsed is null)
        {
            Assert.Equal("line 2: c= address '" + text + "' is not an IPv4 address", error);
        }
    }
}
