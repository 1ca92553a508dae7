using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Playwright;

namespace Ata.Gateway.UiTests;

/// <summary>Bytes a page received, by Chromium's own network accounting (CDP), from before it loads.</summary>
internal sealed class BytesReceived
{
    private readonly ConcurrentDictionary<string, string> _urls = new();
    private readonly ConcurrentDictionary<string, long> _encoded = new();
    private readonly ConcurrentDictionary<string, long> _decoded = new();
    private readonly ConcurrentDictionary<string, long> _finished = new();

    public long Total => Ids.Sum(Bytes);

    /// <summary>Requests the page has made so far.</summary>
    public int Requests => _urls.Count;

    public string Detail => string.Join("; ", Ids.Select(id => $"{_urls.GetValueOrDefault(id, id)} {Bytes(id)}"));

    private IEnumerable<string> Ids => _encoded.Keys.Union(_finished.Keys);

    public async Task StartAsync(IPage page)
    {
        var cdp = await page.Context.NewCDPSessionAsync(page);
        cdp.Event("Network.requestWillBeSent").OnEvent += (_, e) =>
            _urls[Id(e)] = e!.Value.GetProperty("request").GetProperty("url").GetString()!;
        cdp.Event("Network.dataReceived").OnEvent += (_, e) =>
        {
            _encoded.AddOrUpdate(Id(e), Length(e, "encodedDataLength"), (_, n) => n + Length(e, "encodedDataLength"));
            _decoded.AddOrUpdate(Id(e), Length(e, "dataLength"), (_, n) => n + Length(e, "dataLength"));
        };
        cdp.Event("Network.loadingFinished").OnEvent += (_, e) => _finished[Id(e)] = Length(e, "encodedDataLength");
        await cdp.SendAsync("Network.enable");
    }

    private static string Id(JsonElement? e) => e!.Value.GetProperty("requestId").GetString()!;

    private static long Length(JsonElement? e, string name) => (long)e!.Value.GetProperty(name).GetDouble();

    private long Bytes(string id) => Math.Max(Math.Max(_encoded.GetValueOrDefault(id), _decoded.GetValueOrDefault(id)), _finished.GetValueOrDefault(id));
}
