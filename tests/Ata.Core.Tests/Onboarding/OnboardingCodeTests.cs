using Ata.Core.Onboarding;

namespace Ata.Core.Tests.Onboarding;

public sealed class OnboardingCodeTests
{
    private static readonly byte[] Secret = [.. Enumerable.Range(1, OnboardingCode.SecretBytes).Select(i => (byte)(i * 17))];

    [Fact]
    public void A_code_carries_host_port_device_id_and_secret_in_groups_of_five()
    {
        string text = OnboardingCode.Encode("gw.example.net", 8883, "ata-0042", Secret);

        Assert.Matches("^[0-9A-Z]{1,5}(-[0-9A-Z]{1,5})*$", text);
        Assert.All(text.Split('-').SkipLast(1), group => Assert.Equal(OnboardingCode.GroupLength, group.Length));
        var code = OnboardingCode.Decode(text, out var error);
        Assert.Null(error);
        Assert.Equal(("gw.example.net", 8883, "ata-0042"), (code.Host, code.Port, code.DeviceId));
        Assert.Equal(OnboardingCode.SecretOf(Secret), code.Secret);
        Assert.Equal(24, code.Secret.Length);
        Assert.Null(code.CaFingerprint);
        Assert.DoesNotContain(code.Secret, code.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Typed_in_lower_case_without_dashes_and_with_o_for_zero_it_still_reads()
    {
        string text = OnboardingCode.Encode("192.0.2.7", 1883, "ata-1", Secret);
        string sloppy = text.Replace("-", " ").Replace('0', 'o').Replace('1', 'l').ToLowerInvariant();

        Assert.Equal("192.0.2.7", OnboardingCode.Decode(sloppy, out _).Host);
    }

    [Theory]
    [InlineData("gw.example.net")]
    [InlineData("gw.example.ne")]
    [InlineData("10.1.2.3")]
    public void Every_single_mistyped_character_is_refused_by_the_check(string host)
    {
        string text = OnboardingCode.Encode(host, 8883, "ata-0042", Secret).Replace("-", string.Empty);
        for (int i = 0; i < text.Length; i++)
        {
            char wrong = OnboardingCode.Alphabet[(OnboardingCode.Alphabet.IndexOf(text[i]) + 1) % 32];
            string typo = text[..i] + wrong + text[(i + 1)..];
            Assert.Null(OnboardingCode.Decode(typo, out var error));
            Assert.NotNull(error);
        }

        Assert.Null(OnboardingCode.Decode(text[..^1], out var missing));
        Assert.Contains("does not check out", missing);
        Assert.Null(OnboardingCode.Decode(text + "0", out _));
        Assert.Null(OnboardingCode.Decode(text + "U", out var foreign));
        Assert.Contains("not in it", foreign);
    }

    [Fact]
    public void Fields_a_code_cannot_carry_are_refused_when_writing()
    {
        Assert.Null(OnboardingCode.Encode(string.Empty, 1883, "ata-1", Secret));
        Assert.Null(OnboardingCode.Encode("gw", 0, "ata-1", Secret));
        Assert.Null(OnboardingCode.Encode("gw", 65536, "ata-1", Secret));
        Assert.Null(OnboardingCode.Encode("g w", 1883, "ata-1", Secret));
        Assert.Null(OnboardingCode.Encode("gw", 1883, "ata-1", new byte[4]));
    }
}

public sealed class OnboardingCodeFingerprintTests
{
    private static readonly byte[] Secret = [.. Enumerable.Range(1, OnboardingCode.SecretBytes).Select(i => (byte)(i * 3))];

    [Fact]
    public void A_code_carries_the_ca_fingerprint_and_fits_on_a_console_line()
    {
        byte[] fingerprint = System.Security.Cryptography.SHA256.HashData("ca"u8.ToArray());
        string text = OnboardingCode.Encode("gateway.isp.example.net", 8883, "ata-0042", Secret, fingerprint);

        var code = OnboardingCode.Decode(text, out var error);

        Assert.Null(error);
        Assert.Equal(Convert.ToHexStringLower(fingerprint), code.CaFingerprint);
        Assert.Equal(("gateway.isp.example.net", 8883, "ata-0042"), (code.Host, code.Port, code.DeviceId));
        string longest = OnboardingCode.Encode(new string('h', OnboardingCode.MaxFieldLength), 8883, new string('d', OnboardingCode.MaxFieldLength), Secret, fingerprint);
        Assert.True(("onboard " + longest).Length <= Ata.Core.Console.TechnicianConsole.MaxLineLength, longest.Length.ToString());
        Assert.Null(OnboardingCode.Encode("gw", 8883, "ata-1", Secret, new byte[20]));
    }
}
