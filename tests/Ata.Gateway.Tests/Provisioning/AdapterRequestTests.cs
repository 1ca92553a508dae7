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
}
