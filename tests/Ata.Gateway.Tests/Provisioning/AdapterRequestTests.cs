using System.Text.Json;
using Ata.Gateway.Provisioning;

namespace Ata.Gateway.Tests.Provisioning;

public sealed class AdapterRequestTests
{
    [Fact]
    public void A_valid_body_becomes_a_specification_with_lines_in_order()
    {
        var errors = new Dictionary<string, string[]>();
        using var body = JsonDocument.Parse("""
            {"secret":"abcdefgh","lines":[
              {"username":"2001","password":"p1","registrar":"127.0.0.1:5060","extra":true},
              {"username":"2002","password":"p2","registrar":"sip.example.net"}]}
            """);

        var specification = AdapterRequest.Read(body.RootElement, errors);

        Assert.Empty(errors);
        Assert.NotNull(specification);
        Assert.Equal("abcdefgh", specification.Secret);
        Assert.Equal(
            [new SipAccount("2001", "p1", "127.0.0.1:5060"), new SipAccount("2002", "p2", "sip.example.net")],
            specification.Lines);
    }

    [Fact]
    public void Every_problem_is_reported_by_field_without_repeating_secrets()
    {
        var errors = new Dictionary<string, string[]>();
        using var body = JsonDocument.Parse("""
            {"secret":"tiny-sec","lines":[{"username":"a b","password":"","registrar":"x:99999"},{"username":"ok","password":"hunter2hunter2","registrar":"h"}]}
            """.Replace("tiny-sec", "tiny", StringComparison.Ordinal));

        Assert.Null(AdapterRequest.Read(body.RootElement, errors));

        Assert.Equal(
            new SortedSet<string>(["secret", "lines[0].username", "lines[0].password", "lines[0].registrar"], StringComparer.Ordinal),
            new SortedSet<string>(errors.Keys, StringComparer.Ordinal));
        Assert.DoesNotContain(errors.Values.SelectMany(m => m), m => m.Contains("tiny", StringComparison.Ordinal) || m.Contains("hunter2", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ata-lab-1", true)]
    [InlineData("A.b_c-9", true)]
    [InlineData("", false)]
    [InlineData("a/b", false)]
    [InlineData("a+b", false)]
    [InlineData("@gateway", false)]
    public void Device_ids_follow_the_contract(string deviceId, bool valid)
    {
        var errors = new Dictionary<string, string[]>();
        AdapterRequest.ValidateDeviceId(deviceId, errors);
        Assert.Equal(valid, errors.Count == 0);
    }

    [Fact]
    public void Flash_tones_and_inter_digit_timers_are_read_with_the_cores_bounds()
    {
        var errors = new Dictionary<string, string[]>();
        using var body = JsonDocument.Parse("""
            {"secret":"abcdefgh","lines":[
              {"username":"2001","password":"p1","registrar":"h","country":"DK","flashMs":600,"shortTimerMs":1500,"longTimerMs":20000,
               "tones":{"busy":"425:250 0:250","dial":"425"}},
              {"username":"2002","password":"p2","registrar":"h","tones":{}}]}
            """);

        var specification = AdapterRequest.Read(body.RootElement, errors);

        Assert.Empty(errors);
        var first = specification!.Lines[0];
        Assert.Equal((600, 1500, 20000), (first.FlashMs, first.ShortTimerMs, first.LongTimerMs));
        Assert.Equal(new NamedTexts { ["dial"] = "425", ["busy"] = "425:250 0:250" }, first.Tones);
        var second = specification.Lines[1];
        Assert.Equal((null, null, null, null), (second.FlashMs, second.ShortTimerMs, second.LongTimerMs, (object?)second.Tones));
        Assert.Equal(LineDefaults.MinFlashMs, Ata.Core.Telephony.LineProfile.MinFlashMs);
        Assert.Equal(LineDefaults.LongTimerMs, (int)Ata.Core.DialPlan.DigitMap.DefaultLongTimerMs);
    }

    [Fact]
    public void The_registrar_probe_and_the_no_answer_limit_are_read_as_the_adapter_reads_them()
    {
        var errors = new Dictionary<string, string[]>();
        using var body = JsonDocument.Parse("""
            {"secret":"abcdefgh","lines":[
              {"username":"2001","password":"p1","registrar":"h","registrarProbeSeconds":0,"noAnswerSeconds":3600},
              {"username":"2002","password":"p2","registrar":"h","registrarProbeSeconds":10}]}
            """);

        var specification = AdapterRequest.Read(body.RootElement, errors);

        Assert.Empty(errors);
        Assert.Equal((0, 3600), (specification!.Lines[0].RegistrarProbeSeconds, specification.Lines[0].NoAnswerSeconds));
        Assert.Equal((10, (int?)null), (specification.Lines[1].RegistrarProbeSeconds, specification.Lines[1].NoAnswerSeconds));
        Assert.NotEqual(specification.Lines[1], specification.Lines[1] with { RegistrarProbeSeconds = 11 });
    }

    [Theory]
    [InlineData(""" "registrarProbeSeconds":9 """, "lines[0].registrarProbeSeconds", "'registrarProbeSeconds' must be 0 (off) or from 10 to 3600 seconds.")]
    [InlineData(""" "registrarProbeSeconds":3601 """, "lines[0].registrarProbeSeconds", "'registrarProbeSeconds' must be 0 (off) or from 10 to 3600 seconds.")]
    [InlineData(""" "registrarProbeSeconds":-1 """, "lines[0].registrarProbeSeconds", "'registrarProbeSeconds' must be 0 (off) or from 10 to 3600 seconds.")]
    [InlineData(""" "registrarProbeSeconds":"30" """, "lines[0].registrarProbeSeconds", "'registrarProbeSeconds' is a whole number of seconds.")]
    [InlineData(""" "noAnswerSeconds":1 """, "lines[0].noAnswerSeconds", "'noAnswerSeconds' must be 0 (no limit) or from 10 to 3600 seconds.")]
    [InlineData(""" "noAnswerSeconds":99999999999 """, "lines[0].noAnswerSeconds", "'noAnswerSeconds' is a whole number of seconds.")]
    [InlineData(""" "noAnswerSeconds":12.5 """, "lines[0].noAnswerSeconds", "'noAnswerSeconds' is a whole number of seconds.")]
    public void A_probe_or_no_answer_limit_the_adapter_would_refuse_is_refused_with_its_reason(string setting, string field, string message)
    {
        var errors = new Dictionary<string, string[]>();
        using var body = JsonDocument.Parse($$"""{"secret":"abcdefgh","lines":[{"username":"2001","password":"p","registrar":"h",{{setting}}}]}""");

        Assert.Null(AdapterRequest.Read(body.RootElement, errors));

        Assert.Equal([field], errors.Keys);
        Assert.Equal(message, Assert.Single(errors[field]));
    }

    [Fact]
    public void Equal_tone_sets_make_equal_accounts_so_an_unchanged_line_is_not_a_new_version()
    {
        var a = new SipAccount("2001", "p", "h") { Tones = new NamedTexts { ["busy"] = "425:500 0:500", ["dial"] = "425" } };
        var b = new SipAccount("2001", "p", "h") { Tones = new NamedTexts { ["dial"] = "425", ["busy"] = "425:500 0:500" } };
        var c = new SipAccount("2001", "p", "h") { Tones = new NamedTexts { ["dial"] = "425", ["busy"] = "425:500 0:501" } };

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, c);
        Assert.NotEqual(a, a with { Tones = null });
    }

    [Theory]
    [InlineData(""" "flashMs":50 """, "lines[0].flashMs")]
    [InlineData(""" "flashMs":2001 """, "lines[0].flashMs")]
    [InlineData(""" "flashMs":"300" """, "lines[0].flashMs")]
    [InlineData(""" "shortTimerMs":499 """, "lines[0].shortTimerMs")]
    [InlineData(""" "shortTimerMs":2.5 """, "lines[0].shortTimerMs")]
    [InlineData(""" "longTimerMs":60001 """, "lines[0].longTimerMs")]
    [InlineData(""" "shortTimerMs":6000,"longTimerMs":5000 """, "lines[0].longTimerMs")]
    [InlineData(""" "longTimerMs":2500 """, "lines[0].longTimerMs")]
    [InlineData(""" "tones":"loud" """, "lines[0].tones")]
    [InlineData(""" "tones":{"busy":"425:0"} """, "lines[0].tones.busy")]
    [InlineData(""" "tones":{"busy":"425:500 0:500","ring":"25:hello"} """, "lines[0].tones.ring")]
    [InlineData(""" "tones":{"beep":"425"} """, "lines[0].tones.beep")]
    [InlineData(""" "tones":{"dial":425} """, "lines[0].tones.dial")]
    [InlineData(""" "tones":{"dial":""} """, "lines[0].tones.dial")]
    public void A_bad_telephony_setting_is_reported_against_its_field(string setting, string field)
    {
        var errors = new Dictionary<string, string[]>();
        using var body = JsonDocument.Parse($$"""{"secret":"abcdefgh","lines":[{"username":"2001","password":"p","registrar":"h",{{setting}}}]}""");

        Assert.Null(AdapterRequest.Read(body.RootElement, errors));

        Assert.Equal([field], errors.Keys);
        Assert.All(errors.Values.SelectMany(m => m), m => Assert.False(string.IsNullOrWhiteSpace(m)));
    }

    [Fact]
    public void A_tone_the_adapter_would_refuse_is_refused_with_the_cores_reason()
    {
        var errors = new Dictionary<string, string[]>();
        using var body = JsonDocument.Parse("""{"secret":"abcdefgh","lines":[{"username":"2001","password":"p","registrar":"h","tones":{"busy":"425:0"}}]}""");

        Assert.Null(AdapterRequest.Read(body.RootElement, errors));

        Assert.Equal("The adapter would refuse this tone: '425:0': the duration must be 1 to 60000 ms.", Assert.Single(errors["lines[0].tones.busy"]));
    }
}
