using Ata.Core.Contract;
using Ata.Gateway.Provisioning;
using Ata.Gateway.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Ata.Gateway.UiTests;

/// <summary>
/// The fleet page at a few hundred adapters, in a real headless Chromium: server-side pages, filters
/// and tiles that filter, and changes pushed by server-sent events. Found: the dashboard fetched the
/// whole fleet every second (about 1 KB per adapter a second), with no paging, sorting or filters.
/// </summary>
public sealed class FleetDashboardTests(DashboardHost host) : IClassFixture<DashboardHost>
{
    private const int Bulk = 300;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private static readonly SemaphoreSlim Filling = new(1, 1);

    [Fact]
    public async Task An_idle_fleet_page_receives_under_5_KB_a_second_and_a_change_still_reaches_it()
    {
        await FillAsync();
        var received = new BytesReceived();
        var page = await host.SignedInPageAsync(beforeSignIn: received.StartAsync);
        var cards = page.Locator("#adapters .card");
        await Assertions.Expect(cards).ToHaveCountAsync(50, new LocatorAssertionsToHaveCountOptions { Timeout = (float)Wait.TotalMilliseconds });
        await Assertions.Expect(page.Locator("#incidents li")).Not.ToHaveCountAsync(0, new LocatorAssertionsToHaveCountOptions { Timeout = (float)Wait.TotalMilliseconds });
        await page.WaitForTimeoutAsync(3000);
        Assert.True(received.Total > 50 * 500, $"the first page should have been received: {received.Detail}");

        var before = received.Total;
        await page.WaitForTimeoutAsync(10_000);
        var idle = received.Total - before;
        Assert.True(idle < 5 * 1024 * 10, $"{idle} bytes in 10 s of idle: {received.Detail}");

        // Nothing was polled, yet a change is on the card within seconds, through the stream.
        var card = page.Locator(".card", new PageLocatorOptions { HasText = DashboardHost.DeviceId });
        var quiet = received.Total;
        await host.ReportAsync(MqttTopics.Fault, """{"seq":7,"code":"storage.failed","state":"raised","detail":"flash worn"}""");
        await Assertions.Expect(card.Locator(".faults")).ToContainTextAsync("flash worn", new LocatorAssertionsToContainTextOptions { Timeout = (float)Wait.TotalMilliseconds });
        Assert.True(received.Total > quiet, "the change came as bytes the page received");
        await host.ReportAsync(MqttTopics.Fault, """{"seq":8,"code":"storage.failed","state":"cleared"}""");
        await Assertions.Expect(card.Locator(".faults")).Not.ToContainTextAsync("flash worn", new LocatorAssertionsToContainTextOptions { Timeout = (float)Wait.TotalMilliseconds });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Pages_tiles_filters_search_and_sort_are_answered_by_the_gateway()
    {
        await FillAsync();
        var page = await host.SignedInPageAsync();
        var cards = page.Locator("#adapters .card");
        var info = page.Locator("#page-info");
        await Assertions.Expect(info).ToHaveTextAsync("1–50 of 302", new LocatorAssertionsToHaveTextOptions { Timeout = (float)Wait.TotalMilliseconds });
        await Assertions.Expect(cards).ToHaveCountAsync(50);
        await Assertions.Expect(cards.First.Locator(".adapter-link")).ToHaveTextAsync(DashboardHost.DeviceId);
        await Assertions.Expect(page.Locator("#tiles [data-tile=never] .tile-count")).ToHaveTextAsync(Bulk.ToString(System.Globalization.CultureInfo.InvariantCulture));

        await page.ClickAsync("#page-next");
        await Assertions.Expect(info).ToHaveTextAsync("51–100 of 302");
        await Assertions.Expect(cards.First.Locator(".adapter-link")).ToHaveTextAsync("zz-bulk-048");
        await page.ClickAsync("#page-previous");
        await Assertions.Expect(cards.First.Locator(".adapter-link")).ToHaveTextAsync(DashboardHost.DeviceId);

        // The offline tile filters the list to the adapter whose Last Will came; again, and it shows all.
        await page.ClickAsync("#tiles [data-tile=offline] button");
        await Assertions.Expect(cards).ToHaveCountAsync(1);
        await Assertions.Expect(cards.First.Locator(".adapter-link")).ToHaveTextAsync(DashboardHost.GoneDeviceId);
        await Assertions.Expect(page.Locator("#tiles [data-tile=offline] button")).ToHaveAttributeAsync("aria-pressed", "true");
        Assert.Contains("state=offline", page.Url, StringComparison.Ordinal);
        await page.ClickAsync("#tiles [data-tile=offline] button");
        await Assertions.Expect(info).ToHaveTextAsync("1–50 of 302");

        await page.SelectOptionAsync("#filters select[name=state]", "faulted");
        await Assertions.Expect(cards).ToHaveCountAsync(2);
        await page.SelectOptionAsync("#filters select[name=state]", string.Empty);

        await page.FillAsync("#filters input[name=customer]", "cust-bulk-7");
        await page.PressAsync("#filters input[name=customer]", "Enter");
        await page.Locator("#filters input[name=customer]").BlurAsync();
        await Assertions.Expect(info).ToHaveTextAsync($"1–{Bulk / 10} of {Bulk / 10}");
        await page.FillAsync("#filters input[name=customer]", string.Empty);
        await page.Locator("#filters input[name=customer]").DispatchEventAsync("change");

        await page.FillAsync("#search", "02-00-00-00-00-09");
        await Assertions.Expect(cards).ToHaveCountAsync(1);
        await Assertions.Expect(cards.First.Locator(".adapter-link")).ToHaveTextAsync(DashboardHost.DeviceId);
        await page.FillAsync("#search", "+47 800 77 123");
        await Assertions.Expect(cards).ToHaveCountAsync(1);
        await Assertions.Expect(cards.First.Locator(".adapter-link")).ToHaveTextAsync("zz-bulk-123");
        await page.FillAsync("#search", string.Empty);

        await page.SelectOptionAsync("#filters select[name=sort]", "-lastSeen");
        await Assertions.Expect(info).ToHaveTextAsync("1–50 of 302");
        var firstTwo = new[] { await cards.Nth(0).Locator(".adapter-link").TextContentAsync(), await cards.Nth(1).Locator(".adapter-link").TextContentAsync() };
        Assert.Equal([DashboardHost.DeviceId, DashboardHost.GoneDeviceId], firstTwo.Order(StringComparer.Ordinal));
        await page.Context.CloseAsync();
    }

    /// <summary>Adds the bulk of the fleet through the store's bulk insert: adapters provisioned and never connected.</summary>
    private async Task FillAsync()
    {
        await Filling.WaitAsync();
        try
        {
            var store = host.Services.GetRequiredService<AdapterStore>();
            if (store.Find("zz-bulk-000") is null)
            {
                store.SaveMany(Enumerable.Range(0, Bulk).Select(i => new KeyValuePair<string, AdapterSpecification>(
                    $"zz-bulk-{i:D3}",
                    new AdapterSpecification($"bulk-secret-{i}", [new SipAccount($"80077{i:D3}", "bulk-pw", "127.0.0.1:5060")]) { CustomerReference = $"CUST-BULK-{i % 10}" })));
            }
        }
        finally
        {
            Filling.Release();
        }
    }
}
