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
