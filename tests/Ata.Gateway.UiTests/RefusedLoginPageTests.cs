using System.Net.Http.Json;
using Ata.Gateway.Broker;
using Ata.Lab;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Ata.Gateway.UiTests;

/// <summary>
/// A real simulator with a mistyped device secret shows on its adapter page within 30 s (issue 15,
/// item 3): before, the page said only "never connected". Its own gateway, so the fleet's counts in
/// <see cref="DashboardTests"/> stay as they are.
/// </summary>
public sealed class RefusedLoginPageTests(DashboardHost host) : IClassFixture<DashboardHost>
{
    private const string DeviceId = "ui-typo-1";

    [Fact]
    public async Task A_simulator_with_a_wrong_secret_shows_on_its_adapter_page_within_30_s()
    {
        using (var http = new HttpClient { BaseAddress = new Uri(host.BaseUrl) })
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", DashboardHost.AdminKey);
            (await http.PutAsJsonAsync($"/api/adapters/{DeviceId}", new
            {
                secret = "ui-typo-right-secret",
                lines = new[] { new { username = "8101", password = "ui-typo-sip", registrar = "127.0.0.1:5060" } },
            })).EnsureSuccessStatusCode();
        }

        var page = await host.SignedInPageAsync();
        await page.GotoAsync($"{host.BaseUrl}/adapters/{DeviceId}");
        var broker = host.Services.GetRequiredService<IBroker>().DeviceAddress!;
        var started = DateTime.UtcNow;
        await using var sim = ManagedProcess.StartDotnet(RepoLayout.Find().SimAssembly,
            ["--device-id", DeviceId, "--broker", broker, "--events", "json"],
            new ManagedProcessOptions { Name = "sim-typo", Environment = new Dictionary<string, string?> { ["ATA_SIM_SECRET"] = "ui-typo-wrong-secret" } });

        await Assertions.Expect(page.Locator("#refused-logins")).ToContainTextAsync("trying to connect with a wrong secret: re-onboard it",
            new LocatorAssertionsToContainTextOptions { Timeout = 30_000 });
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30));
        await Assertions.Expect(page.Locator("#refused-logins")).ToContainTextAsync("from 127.0.0.1");
        await Assertions.Expect(page.Locator("#adapter-detail")).ToContainTextAsync("wrong secret");
        Assert.DoesNotContain("ui-typo-wrong-secret", await page.ContentAsync(), StringComparison.Ordinal);
        await page.Context.CloseAsync();
    }
}
