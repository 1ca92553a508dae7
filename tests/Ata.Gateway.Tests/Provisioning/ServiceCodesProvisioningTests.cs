using System.Text;
using System.Text.Json;
using Ata.Core.Contract;
using Ata.Core.Provisioning;
using Ata.Gateway.Fleet;
using Ata.Gateway.Provisioning;

namespace Ata.Gateway.Tests.Provisioning;

/// <summary>A line's service codes (anonymous calling, call return) provisioned through the gateway: checked by the core's rules, carried in the config document, taken by the core.</summary>
public sealed class ServiceCodesProvisioningTests
{
    [Fact]
    public void Service_codes_are_read_carried_in_the_config_document_and_taken_by_the_core()
    {
        var errors = new Dictionary<string, string[]>();
        using var body = JsonDocument.Parse("""
            {"secret":"abcdefgh","lines":[{"username":"2001","password":"p1","registrar":"sip.example.net","country":"US",
              "serviceCodes":{"anonymousCall":"*82","callReturn":""}}]}
            """);
        var specification = AdapterRequest.Read(body.RootElement, errors);
        Assert.Empty(errors);
        var line = specification!.Lines[0];
        Assert.Equal("*82", line.ServiceCodes!["anonymousCall"]);

        var json = Encoding.UTF8.GetString(ConfigDocument.Render(new AdapterConfig("ata-1", 9, [line])));
        var parsed = ProvisioningDocument.Parse(json, out var error);
        Assert.True(error is null, error);
        var services = parsed!.Line(1).Profile.Services;
        Assert.Equal("*82", services.AnonymousCall);
        Assert.Null(services.CallReturn);

        var plain = Encoding.UTF8.GetString(ConfigDocument.Render(new AdapterConfig("ata-1", 10, [new SipAccount("2001", "pw", "h")])));
        Assert.DoesNotContain("serviceCodes", plain, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"anonymousCall":"67"}""", null)]
    [InlineData("""{"anonymousCall":"*6x"}""", "lines[0].serviceCodes.anonymousCall: must be 2 to 8 keys of 0-9, * and # (or \"\" for none)")]
    [InlineData("""{"redial":"*66"}""", "lines[0].serviceCodes.redial: not a service (known: anonymousCall, callReturn)")]
    [InlineData("\"*67\"", "Service codes are an object such as {\"anonymousCall\":\"*67\",\"callReturn\":\"*69\"}.")]
    public void A_bad_service_code_is_refused_naming_the_field(string codes, string? problem)
    {
        var errors = new Dictionary<string, string[]>();
        using var body = JsonDocument.Parse($$"""
            {"secret":"abcdefgh","lines":[{"username":"2001","password":"p1","registrar":"sip.example.net","serviceCodes":{{codes}}}]}
            """);
        var specification = AdapterRequest.Read(body.RootElement, errors);
        if (problem is null)
        {
            Assert.Empty(errors);
            Assert.NotNull(specification);
            return;
        }

        Assert.Null(specification);
        Assert.Equal([problem], errors["lines[0].serviceCodes"]);
    }
}
