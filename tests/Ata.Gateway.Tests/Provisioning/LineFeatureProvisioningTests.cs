using System.Text;
using System.Text.Json;
using Ata.Core.Contract;
using Ata.Core.Provisioning;
using Ata.Gateway.Fleet;
using Ata.Gateway.Provisioning;

namespace Ata.Gateway.Tests.Provisioning;

/// <summary>
/// A line's on/off features, call waiting and message waiting (the voicemail light): read from the API, carried in
/// the adapter's config document only when provisioned, taken by the core.
/// </summary>
public sealed class LineFeatureProvisioningTests
{
    public static TheoryData<string> Features() => [Fields.CallWaiting, Fields.MessageWaiting];

    private static bool? Provisioned(SipAccount line, string feature) => feature == Fields.CallWaiting ? line.CallWaiting : line.MessageWaiting;

    private static bool Taken(LineConfig line, string feature) => feature == Fields.CallWaiting ? line.CallWaiting : line.MessageWaiting;

    [Theory]
    [MemberData(nameof(Features))]
    public void A_feature_is_read_per_line_and_absent_means_the_adapters_default(string feature)
    {
        var errors = new Dictionary<string, string[]>();
        using var body = JsonDocument.Parse($$"""
            {"secret":"abcdefgh","lines":[
              {"username":"2001","password":"p1","registrar":"h","{{feature}}":false},
              {"username":"2002","password":"p2","registrar":"h"}]}
            """);

        var specification = AdapterRequest.Read(body.RootElement, errors);

        Assert.Empty(errors);
        Assert.Equal((false, (bool?)null), (Provisioned(specification!.Lines[0], feature), Provisioned(specification.Lines[1], feature)));
    }

    [Theory]
    [InlineData("callWaiting", "\"yes\"")]
    [InlineData("callWaiting", "1")]
    [InlineData("messageWaiting", "\"off\"")]
    public void A_feature_that_is_not_true_or_false_is_refused_with_its_field(string feature, string value)
    {
        var errors = new Dictionary<string, string[]>();
        using var body = JsonDocument.Parse($$"""{"secret":"abcdefgh","lines":[{"username":"2001","password":"p","registrar":"h","{{feature}}":{{value}}}]}""");

        Assert.Null(AdapterRequest.Read(body.RootElement, errors));

        Assert.Equal($"'{feature}' is true or false.", Assert.Single(errors[$"lines[0].{feature}"]));
    }

    [Theory]
    [MemberData(nameof(Features))]
    public void The_config_document_carries_a_feature_only_when_provisioned_and_the_adapter_takes_it(string feature)
    {
        var plain = new SipAccount("2001", "p", "127.0.0.1");
        var off = feature == Fields.CallWaiting ? plain with { CallWaiting = false } : plain with { MessageWaiting = false };
        var unset = new SipAccount("2002", "p", "127.0.0.1");
        string json = Encoding.UTF8.GetString(ConfigDocument.Render(new AdapterConfig("ata-1", 5, [off, unset])));

        var document = ProvisioningDocument.Parse(json, out string? error);

        Assert.Null(error);
        bool adapterDefault = feature == Fields.CallWaiting ? LineDefaults.CallWaiting : LineDefaults.MessageWaiting;
        Assert.Equal((false, adapterDefault), (Taken(document!.Line(1)!, feature), Taken(document.Line(2)!, feature)));
        Assert.Single(json.Split(feature)[1..]);
    }
}
