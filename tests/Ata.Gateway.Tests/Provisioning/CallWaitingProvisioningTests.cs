using System.Text;
using System.Text.Json;
using Ata.Core.Provisioning;
using Ata.Gateway.Fleet;
using Ata.Gateway.Provisioning;

namespace Ata.Gateway.Tests.Provisioning;

/// <summary>Call waiting per line: read from the API, carried in the adapter's config document, taken by the core.</summary>
public sealed class CallWaitingProvisioningTests
{
    [Fact]
    public void Call_waiting_is_read_per_line_and_absent_means_the_adapters_default()
    {
        var errors = new Dictionary<string, string[]>();
        using var body = JsonDocument.Parse("""
            {"secret":"abcdefgh","lines":[
              {"username":"2001","password":"p1","registrar":"h","callWaiting":false},
              {"username":"2002","password":"p2","registrar":"h"}]}
            """);

        var specification = AdapterRequest.Read(body.RootElement, errors);

        Assert.Empty(errors);
        Assert.Equal((false, (bool?)null), (specification!.Lines[0].CallWaiting, specification.Lines[1].CallWaiting));
        Assert.NotEqual(specification.Lines[1], specification.Lines[1] with { CallWaiting = true });
    }

    [Theory]
    [InlineData("\"yes\"")]
    [InlineData("1")]
    public void Call_waiting_that_is_not_true_or_false_is_refused_with_its_field(string value)
    {
        var errors = new Dictionary<string, string[]>();
        using var body = JsonDocument.Parse($$"""{"secret":"abcdefgh","lines":[{"username":"2001","password":"p","registrar":"h","callWaiting":{{value}}}]}""");

        Assert.Null(AdapterRequest.Read(body.RootElement, errors));

        Assert.Equal("'callWaiting' is true or false.", Assert.Single(errors["lines[0].callWaiting"]));
    }

    [Fact]
    public void The_config_document_carries_call_waiting_only_when_provisioned_and_the_adapter_takes_it()
    {
        var off = new SipAccount("2001", "p", "127.0.0.1") { CallWaiting = false };
        var unset = new SipAccount("2002", "p", "127.0.0.1");
        string json = Encoding.UTF8.GetString(ConfigDocument.Render(new AdapterConfig("ata-1", 5, [off, unset])));

        var document = ProvisioningDocument.Parse(json, out string? error);

        Assert.Null(error);
        Assert.Equal((false, LineDefaults.CallWaiting), (document!.Line(1)!.CallWaiting, document.Line(2)!.CallWaiting));
        Assert.Single(json.Split("callWaiting")[1..]);
    }
}
