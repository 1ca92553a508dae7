using System.Text;
using System.Text.Json;
using Ata.Core.Provisioning;
using Ata.Gateway.Fleet;
using Ata.Gateway.Provisioning;

namespace Ata.Gateway.Tests.Provisioning;

/// <summary>
/// Message waiting (the voicemail light) per line: read from the API, carried in the adapter's config document and
/// taken by the core; the line's light as health reports it is read back.
/// </summary>
public sealed class MessageWaitingProvisioningTests
{
    [Fact]
    public void Message_waiting_is_read_per_line_and_absent_means_the_adapters_default()
    {
        var errors = new Dictionary<string, string[]>();
        using var body = JsonDocument.Parse("""
            {"secret":"abcdefgh","lines":[
              {"username":"2001","password":"p1","registrar":"h","messageWaiting":false},
              {"username":"2002","password":"p2","registrar":"h"}]}
            """);

        var specification = AdapterRequest.Read(body.RootElement, errors);

        Assert.Empty(errors);
        Assert.Equal((false, (bool?)null), (specification!.Lines[0].MessageWaiting, specification.Lines[1].MessageWaiting));
    }

    [Fact]
    public void Message_waiting_that_is_not_true_or_false_is_refused_with_its_field()
    {
        var errors = new Dictionary<string, string[]>();
        using var body = JsonDocument.Parse("""{"secret":"abcdefgh","lines":[{"username":"2001","password":"p","registrar":"h","messageWaiting":"off"}]}""");

        Assert.Null(AdapterRequest.Read(body.RootElement, errors));

        Assert.Equal("'messageWaiting' is true or false.", Assert.Single(errors["lines[0].messageWaiting"]));
    }

    [Fact]
    public void The_config_document_carries_message_waiting_only_when_provisioned_and_the_adapter_takes_it()
    {
        var off = new SipAccount("2001", "p", "127.0.0.1") { MessageWaiting = false };
        var unset = new SipAccount("2002", "p", "127.0.0.1");
        string json = Encoding.UTF8.GetString(ConfigDocument.Render(new AdapterConfig("ata-1", 5, [off, unset])));

        var document = ProvisioningDocument.Parse(json, out string? error);

        Assert.Null(error);
        Assert.Equal((false, LineDefaults.MessageWaiting), (document!.Line(1)!.MessageWaiting, document.Line(2)!.MessageWaiting));
        Assert.Single(json.Split("messageWaiting")[1..]);
    }

    [Fact]
    public void A_lines_voicemail_light_is_read_from_health()
    {
        byte[] payload = Encoding.UTF8.GetBytes("""
            {"deviceId":"ata-1","uptimeMs":1,"lines":[{"line":1,"registration":"registered","sipCode":200,"lineState":"idle","voicemail":"waiting","calls":[]},
              {"line":2,"registration":"unprovisioned","sipCode":0,"lineState":"idle","voicemail":"off","calls":[]}]}
            """);

        Assert.True(DeviceReports.TryReadHealth(payload, out var health));

        Assert.Equal(["waiting", "off"], health.Lines.Select(l => l.Voicemail));
    }
}
