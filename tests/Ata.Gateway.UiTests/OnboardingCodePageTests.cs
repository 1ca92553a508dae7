using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Ata.Core.Onboarding;
using Microsoft.Playwright;

namespace Ata.Gateway.UiTests;

/// <summary>
/// The adapter page's onboarding code (issue 15, item 2): an admin makes it with one button and sees
/// it once; support does not get the button.
/// </summary>
public sealed class OnboardingCodePageTests(DashboardHost host) : IClassFixture<DashboardHost>
{
    private const string DeviceId = "ui-onboard-1";

    [Fact]
    public async Task An_admin_makes_the_code_on_the_adapter_page_and_sees_it_once_and_support_has_no_button()
    {
        string supportKey;
        using (var http = new HttpClient { BaseAddress = new Uri(host.BaseUrl) })
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", DashboardHost.AdminKey);
            (await http.PutAsJsonAsync($"/api/adapters/{DeviceId}", new
            {
                secret = "ui-onboard-old-secret",
                lines = new[] { new { username = "8201", password = "ui-onboard-sip", registrar = "127.0.0.1:5060" } },
            })).EnsureSuccessStatusCode();
            var key = await http.PostAsJsonAsync("/api/keys", new { name = "ui-onboard-agent", role = "support" });
            supportKey = JsonNode.Parse(await key.Content.ReadAsStringAsync())!["key"]!.GetValue<string>();
        }

        var page = await host.SignedInPageAsync();
        await page.GotoAsync($"{host.BaseUrl}/adapters/{DeviceId}");
        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await page.ClickAsync("#onboarding-code-make");

        var shown = page.Locator("#onboarding-code");
        await Assertions.Expect(shown).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[0-9A-Z]{5}(-[0-9A-Z]{1,5})+$"));
        var code = OnboardingCode.Decode(await shown.TextContentAsync(), out var error);
        Assert.Null(error);
        Assert.Equal(DeviceId, code.DeviceId);
        await Assertions.Expect(page.Locator("#onboarding-result")).ToContainTextAsync("Shown once");
        string ca = (await page.Locator("#onboarding-ca").TextContentAsync())!;
        Assert.Equal(code.CaFingerprint, Ata.Core.Onboarding.BrokerCa.FingerprintOfPem(ca));
        await Assertions.Expect(page.Locator("#onboarding-result")).ToContainTextAsync("SHA-256 " + code.CaFingerprint);

        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#onboarding-panel")).ToBeVisibleAsync();
        await Assertions.Expect(shown).ToBeEmptyAsync();
        await page.Context.CloseAsync();

        var support = await host.SignedInPageAsync(supportKey);
        await support.GotoAsync($"{host.BaseUrl}/adapters/{DeviceId}");
        await Assertions.Expect(support.Locator("#adapter-detail")).ToContainTextAsync(DeviceId);
        await Assertions.Expect(support.Locator("#onboarding-panel")).ToBeHiddenAsync();
        await support.Context.CloseAsync();
    }
}
