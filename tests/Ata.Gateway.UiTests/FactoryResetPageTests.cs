using System.Text.Json.Nodes;
using Microsoft.Playwright;

namespace Ata.Gateway.UiTests;

/// <summary>
/// The factory reset button (issue 16, item 3): in the adapter page's onboarding panel, for admins
/// only; it asks first, and a declined question sends nothing.
/// </summary>
public sealed class FactoryResetPageTests(DashboardHost host) : IClassFixture<DashboardHost>
{
    [Fact]
    public async Task An_admin_confirms_the_factory_reset_and_the_adapter_gets_it_a_declined_one_sends_nothing()
    {
        var page = await host.SignedInPageAsync();
        await page.GotoAsync($"{host.BaseUrl}/adapters/{DashboardHost.DeviceId}");
        var button = page.Locator("#factory-reset");
        await Assertions.Expect(button).ToBeVisibleAsync();

        string? asked = null;
        void Decline(object? sender, IDialog dialog)
        {
            asked = dialog.Message;
            _ = dialog.DismissAsync();
        }

        page.Dialog += Decline;
        await button.ClickAsync();
        await Assertions.Expect(button).ToBeEnabledAsync();
        Assert.Contains("erases its settings, device secret, CA and provisioning", asked);
        Assert.DoesNotContain(host.Commands, m => m.PayloadText.Contains("factory-reset", StringComparison.Ordinal));
        page.Dialog -= Decline;

        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await button.ClickAsync();
        await Assertions.Expect(page.Locator("#onboarding-result")).ToContainTextAsync("Factory reset: pending");
        await host.Device.WaitForAsync(m => JsonNode.Parse(m.PayloadText)?["command"]?.GetValue<string>() == "factory-reset", "the factory reset");
        await page.Context.CloseAsync();
    }
}
