using System.Text.Json;
using Ata.Gateway.Provisioning;

namespace Ata.Gateway.Tests.Provisioning;

/// <summary>
/// The words about SIP transports are true (issue 15, item 1): the adapter speaks SIP over UDP and
/// TCP only. Before, the gateway's README offered <c>"transport":"udp|tcp|tls"</c>.
/// </summary>
public sealed class TransportWordsTests
{
    [Theory]
    [InlineData("tls")]
    [InlineData("TLS")]
    [InlineData("sctp")]
    public void A_transport_other_than_udp_or_tcp_is_refused_with_the_two_the_adapter_speaks(string transport)
    {
        var errors = new Dictionary<string, string[]>();
        using var body = JsonDocument.Parse($$"""{"secret":"abcdefgh","lines":[{"username":"2001","password":"p","registrar":"h","transport":"{{transport}}"}]}""");

        Assert.Null(AdapterRequest.Read(body.RootElement, errors));

        var message = Assert.Single(errors["lines[0].transport"]);
        Assert.Contains("udp or tcp", message, StringComparison.Ordinal);
        Assert.Contains("no TLS", message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_readme_offers_SIP_over_TLS()
    {
        var root = Ata.Lab.RepoLayout.Find().Root;
        foreach (var readme in new[] { "README.md", "gateway/Ata.Gateway/README.md", "firmware/Ata.Device/README.md", "firmware/Ata.Sim/README.md" })
        {
            var path = Path.Combine(root, readme);
            if (!File.Exists(path))
            {
                continue;
            }

            var text = File.ReadAllText(path);
            Assert.DoesNotContain("|tls", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("SIP over TLS", text.Replace("no SIP over TLS", string.Empty, StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("5061", text, StringComparison.Ordinal);
        }
    }
}
