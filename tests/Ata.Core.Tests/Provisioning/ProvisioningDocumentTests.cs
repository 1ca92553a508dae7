using Ata.Core.Provisioning;

namespace Ata.Core.Tests.Provisioning;

public class ProvisioningDocumentTests
{
    [Fact]
    public void Round_trips_through_JSON()
    {
        var doc = ProvisioningDocument.Parse(
            "{\"version\":7,\"lines\":[{\"username\":\"2001\",\"password\":\"p\\\"w\",\"registrar\":\"sip.example.net\"},{\"line\":2,\"username\":\"2002\",\"authUsername\":\"auth2\",\"password\":\"x\",\"registrar\":\"[::1]:5080\",\"expires\":600}]}",
            out string error);
        Assert.Null(error);
        Assert.Equal(7, doc.Version);
        Assert.Equal("2001", doc.Line(1).Username);
        Assert.Equal("2001", doc.Line(1).AuthUsername);
        Assert.Equal("p\"w", doc.Line(1).Password);
        Assert.Equal(5060, doc.Line(1).RegistrarPort);
        Assert.Equal("::1", doc.Line(2).RegistrarHost);
        Assert.Equal(5080, doc.Line(2).RegistrarPort);
        Assert.Equal("auth2", doc.Line(2).AuthUsername);

        var again = ProvisioningDocument.Parse(doc.ToJson(), out error);
        Assert.Null(error);
        Assert.True(again.Line(1).SameAccount(doc.Line(1)));
        Assert.True(again.Line(2).SameAccount(doc.Line(2)));
    }

    [Fact]
    public void Reads_registration_settings_with_sensible_defaults()
    {
        var doc = ProvisioningDocument.Parse("{\"version\":1,\"lines\":[{\"username\":\"u\",\"password\":\"p\",\"registrar\":\"a\",\"secondaryRegistrar\":\"b:5080\",\"keepAliveSeconds\":0,\"retryBaseSeconds\":5,\"retryMaxSeconds\":60}]}", out string error);
        Assert.Null(error);
        Assert.Equal(("b", 5080), (doc.Line(1).SecondaryHost, doc.Line(1).SecondaryPort));
        Assert.Equal(0, doc.Line(1).KeepAliveSeconds);
        Assert.Equal((5, 60), (doc.Line(1).RetryBaseSeconds, doc.Line(1).RetryMaxSeconds));
        Assert.True(ProvisioningDocument.Parse(doc.ToJson(), out _).Line(1).SameAccount(doc.Line(1)));

        var plain = ProvisioningDocument.Parse("{\"version\":1,\"lines\":[{\"username\":\"u\",\"password\":\"p\",\"registrar\":\"a\"}]}", out _);
        Assert.Null(plain.Line(1).SecondaryHost);
        Assert.Equal(LineConfig.DefaultKeepAliveSeconds, plain.Line(1).KeepAliveSeconds);
        Assert.True(plain.Line(1).RetryMaxSeconds * 1000L < 1_800_000);
    }

    [Theory]
    [InlineData("{\"version\":1,\"lines\":[{\"username\":\"u\",\"password\":\"p\",\"registrar\":\"a\",\"secondaryRegistrar\":\"b:0\"}]}", "lines[0].secondaryRegistrar")]
    [InlineData("{\"version\":1,\"lines\":[{\"username\":\"u\",\"password\":\"p\",\"registrar\":\"a\",\"keepAliveSeconds\":2}]}", "lines[0].keepAliveSeconds")]
    [InlineData("{\"version\":1,\"lines\":[{\"username\":\"u\",\"password\":\"p\",\"registrar\":\"a\",\"retryBaseSeconds\":0}]}", "lines[0].retryBaseSeconds")]
    [InlineData("{\"version\":1,\"lines\":[{\"username\":\"u\",\"password\":\"p\",\"registrar\":\"a\",\"retryBaseSeconds\":30,\"retryMaxSeconds\":10}]}", "lines[0].retryMaxSeconds")]
    public void Refuses_bad_registration_settings_naming_the_field(string json, string field)
    {
        Assert.Null(ProvisioningDocument.Parse(json, out string error));
        Assert.StartsWith(field, error);
    }

    [Theory]
    [InlineData("not json", "not a JSON object")]
    [InlineData("{\"lines\":[]}", "version")]
    [InlineData("{\"version\":1}", "lines")]
    [InlineData("{\"version\":1,\"lines\":[1]}", "lines[0]")]
    [InlineData("{\"version\":1,\"lines\":[{\"password\":\"p\",\"registrar\":\"r\"}]}", "lines[0].username")]
    [InlineData("{\"version\":1,\"lines\":[{\"username\":\"u\",\"registrar\":\"r\"}]}", "lines[0].password")]
    [InlineData("{\"version\":1,\"lines\":[{\"username\":\"u\",\"password\":\"p\",\"registrar\":\"r:99999\"}]}", "lines[0].registrar")]
    [InlineData("{\"version\":1,\"lines\":[{\"username\":\"u\",\"password\":\"p\",\"registrar\":\"\"}]}", "lines[0].registrar")]
    [InlineData("{\"version\":1,\"lines\":[{\"username\":\"u\",\"password\":\"p\",\"registrar\":\"r\",\"expires\":5}]}", "lines[0].expires")]
    [InlineData("{\"version\":1,\"lines\":[{},{},{}]}", "lines")]
    [InlineData("{\"version\":1,\"lines\":[{\"line\":3,\"username\":\"u\",\"password\":\"p\",\"registrar\":\"r\"}]}", "lines[0].line")]
    public void Refuses_bad_documents_naming_the_field(string json, string field)
    {
        Assert.Null(ProvisioningDocument.Parse(json, out string error));
        Assert.StartsWith(field, error);
    }
}
