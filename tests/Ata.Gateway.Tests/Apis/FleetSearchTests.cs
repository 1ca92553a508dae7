using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Ata.Core.Contract;
using Ata.Gateway.Tests.Support;

namespace Ata.Gateway.Tests.Apis;

/// <summary>
/// Support finds an adapter by what the customer reads out: its MAC from the label, its number as
/// people write it. Found: the search missed MAC addresses and numbers written with spaces or +47.
/// </summary>
public sealed class FleetSearchTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private const string Id = "search-mac-1";
    private const string Secret = "search-secret-1";

    private RunningGateway Gateway => fixture.Gateway;

    [Theory]
    [InlineData("02:5A:00:12:34:56")]
    [InlineData("02-5a-00-12-34-56")]
    [InlineData("025a00123456")]
    [InlineData("12:34:56")]
    [InlineData("800 12 345")]
    [InlineData("+47 800 12 345")]
    [InlineData("0047 80012345")]
    [InlineData("+47 (0) 22 33 44 55")]
    [InlineData("22 33 44 55")]
    [InlineData("search-MAC")]
    public async Task An_adapter_is_found_by_its_mac_in_any_notation_and_its_numbers_as_people_write_them(string query)
    {
        await ProvisionedWithHelloAsync();
        var found = await SearchAsync(query);
        Assert.Contains(Id, found);
    }

    [Theory]
    [InlineData("02:5A:00:12:34:57")]
    [InlineData("900 12 345")]
    [InlineData("+47 900 12 345")]
    [InlineData("99")]
    public async Task Near_misses_do_not_match(string query)
    {
        await ProvisionedWithHelloAsync();
        Assert.DoesNotContain(Id, await SearchAsync(query));
    }

    private async Task<List<string>> SearchAsync(string query)
    {
        var list = (await Gateway.Http.GetFromJsonAsync<JsonArray>($"/api/adapters?q={Uri.EscapeDataString(query)}"))!;
        return [.. list.Select(a => a!["deviceId"]!.GetValue<string>())];
    }

    private async Task ProvisionedWithHelloAsync()
    {
        if ((await Gateway.GetAdapterAsync(Id))?["mac"]?.GetValue<string>() is not null)
        {
            return;
        }

        var (response, _) = await Gateway.PutAdapterAsync(Id, RunningGateway.Adapter(Secret, ("80012345", "pw-1", "sip.example.net"), ("+4722334455", "pw-2", "sip.example.net")));
        response.EnsureSuccessStatusCode();
        await using var device = await Device.ConnectAsync(Id, Secret, Gateway.Broker.Port, Gateway.Log);
        var hello = JsonNode.Parse(Reports.Hello(Id))!;
        hello[Fields.Mac] = "02:5a:00:12:34:56";
        await device.ReportAsync(MqttTopics.Hello, hello.ToJsonString());
        await Gateway.AdapterWhenAsync(Id, a => a["mac"]?.GetValue<string>() is not null, "the adapter's MAC");
    }
}
