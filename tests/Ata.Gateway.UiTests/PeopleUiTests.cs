using System.Net.Http.Json;
using System.Text.Json;
using Ata.Core.Contract;
using Ata.Gateway.Tests.Support;
using Microsoft.Playwright;

namespace Ata.Gateway.UiTests;

/// <summary>
/// A person's dashboard in a real headless Chromium: signing in with their own account, setting up
/// and using a second factor, changing one line setting with a reason, and a reboot that asks first
/// and shows what the adapter answered.
/// </summary>
public sealed class PeopleUiTests(DashboardHost host) : IClassFixture<DashboardHost>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static readonly LocatorAssertionsToContainTextOptions Patient = new() { Timeout = (float)Wait.TotalMilliseconds };

    [Fact]
    public async Task A_person_signs_in_sets_up_an_authenticator_and_is_then_asked_for_its_code()
    {
        await AddPersonAsync("ui-hanna", "support", "hanna-password-1");
        var page = await SignInAsync("ui-hanna", "hanna-password-1");
        await Assertions.Expect(page.Locator(".card", new PageLocatorOptions { HasText = DashboardHost.DeviceId }))
            .ToBeVisibleAsync(new LocatorAssertionsToBeVisibleOptions { Timeout = (float)Wait.TotalMilliseconds });

        await page.ClickAsync("a.people-link");
        await Assertions.Expect(page.Locator("#who")).ToHaveTextAsync("ui-hanna (support)", new LocatorAssertionsToHaveTextOptions { Timeout = (float)Wait.TotalMilliseconds });
        await Assertions.Expect(page.Locator("#people")).ToBeHiddenAsync();
        await page.ClickAsync("#totp-start");
        await Assertions.Expect(page.Locator("#totp-secret")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[A-Z2-7]{32}$"),
            new LocatorAssertionsToHaveTextOptions { Timeout = (float)Wait.TotalMilliseconds });
        var secret = (await page.Locator("#totp-secret").TextContentAsync())!;
        var step = Totp.StepNow();
        await page.FillAsync("#totp-code", Totp.Code(secret, step));
        await page.ClickAsync("#totp-confirm");
        await Assertions.Expect(page.Locator("#totp-state")).ToContainTextAsync("asks for a code", Patient);
        await page.Context.CloseAsync();

        var again = await SignInAsync("ui-hanna", "hanna-password-1");
        await Assertions.Expect(again.Locator(".problem")).ToContainTextAsync("6-digit code", Patient);
        Assert.Equal("ui-hanna", await again.InputValueAsync("#name"));
        await again.FillAsync("#password", "hanna-password-1");
        await again.FillAsync("#code", Totp.Code(secret, step + 1));
        await Task.WhenAll(again.WaitForURLAsync(host.BaseUrl + "/"), again.ClickAsync("#person-sign-in button[type=submit]"));
        await again.Context.CloseAsync();
    }

    [Fact]
    public async Task Support_changes_one_lines_password_with_a_reason_and_the_audit_names_them()
    {
        await AddPersonAsync("ui-ivar", "support", "ivar-password-12");
        var page = await SignInAsync("ui-ivar", "ivar-password-12");
        await page.GotoAsync($"{host.BaseUrl}/adapters/{DashboardHost.DeviceId}");

        await page.SelectOptionAsync("#line-change select[name=line]", new SelectOptionValue { Value = "1" });
        await page.SelectOptionAsync("#line-change select[name=setting]", new SelectOptionValue { Value = "password" });
        await page.FillAsync("#line-change input[name=value]", "ui-new-sip-password");
        await page.FillAsync("#line-change input[name=reason]", "customer asked on the phone");
        await page.ClickAsync("#line-change button[type=submit]");

        await Assertions.Expect(page.Locator("#line-change-result")).ToContainTextAsync("Changed lines[1].password", Patient);
        using var http = Admin();
        var audit = JsonDocument.Parse(await http.GetStringAsync($"/api/audit?target={DashboardHost.DeviceId}")).RootElement[0];
        Assert.Equal("ui-ivar", audit.GetProperty("actor").GetString());
        Assert.Contains("reason: customer asked on the phone", audit.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("ui-new-sip-password", await page.ContentAsync() + audit.GetRawText(), StringComparison.Ordinal);

        // A dial plan the adapter would refuse is refused, with the field named.
        await page.SelectOptionAsync("#line-change select[name=setting]", new SelectOptionValue { Value = "dialPlan" });
        await page.FillAsync("#line-change input[name=value]", "[[");
        await page.FillAsync("#line-change input[name=reason]", "customer wants 0-prefixed numbers");
        await page.ClickAsync("#line-change button[type=submit]");
        await Assertions.Expect(page.Locator("#line-change-result")).ToContainTextAsync("lines[1].dialPlan", Patient);

        // Message waiting (the voicemail light) switched off as words: the PATCH carries false, and support may.
        await page.SelectOptionAsync("#line-change select[name=setting]", new SelectOptionValue { Value = "messageWaiting" });
        await page.FillAsync("#line-change input[name=value]", "off");
        await page.FillAsync("#line-change input[name=reason]", "customer has no voicemail");
        await page.ClickAsync("#line-change button[type=submit]");
        await Assertions.Expect(page.Locator("#line-change-result")).ToContainTextAsync("Changed lines[1].messageWaiting", Patient);
        var adapter = JsonDocument.Parse(await http.GetStringAsync($"/api/adapters/{DashboardHost.DeviceId}")).RootElement;
        Assert.False(adapter.GetProperty("lines")[1].GetProperty("messageWaiting").GetBoolean());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_reboot_asks_first_is_sent_unforced_and_shows_the_adapters_answer()
    {
        var page = await SignInAsync(null, null);
        await page.GotoAsync($"{host.BaseUrl}/adapters/{DashboardHost.DeviceId}");
        var before = host.Commands.Count;

        // Declined: nothing is sent.
        var dismissed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        page.Dialog += DismissOnce;
        await page.ClickAsync("button[data-command=reboot]");
        await dismissed.Task.WaitAsync(Wait);
        using var http = Admin();
        Assert.Equal(0, JsonDocument.Parse(await http.GetStringAsync($"/api/adapters/{DashboardHost.DeviceId}/commands")).RootElement.GetArrayLength());

        page.Dialog += async (_, dialog) => await dialog.AcceptAsync(dialog.Type == DialogType.Prompt ? "phone dead since the storm" : null);
        await page.ClickAsync("button[data-command=reboot]");
        await Assertions.Expect(page.Locator("#action-result")).ToContainTextAsync("Reboot: pending", Patient);
        var deadline = DateTime.UtcNow + Wait;
        while (host.Commands.Count == before && DateTime.UtcNow < deadline)
        {
            await page.WaitForTimeoutAsync(50);
        }

        var command = JsonDocument.Parse(host.Commands[^1].PayloadText).RootElement;
        Assert.Equal("reboot", command.GetProperty(Fields.Command).GetString());
        Assert.False(command.TryGetProperty(Fields.Force, out _));
        var id = command.GetProperty(Fields.Id).GetString()!;
        await Assertions.Expect(page.Locator($"#commands tr[data-command='{id}']")).ToContainTextAsync("pending", Patient);

        await host.ReportAsync(MqttTopics.CommandResult, $$"""{"id":"{{id}}","ok":true,"detail":"rebooting once every line is idle"}""");
        Assert.Contains("reason: phone dead since the storm", await http.GetStringAsync($"/api/audit?target={DashboardHost.DeviceId}"), StringComparison.Ordinal);
        await Assertions.Expect(page.Locator($"#commands tr[data-command='{id}']")).ToContainTextAsync("done: rebooting once every line is idle", Patient);
        await page.Context.CloseAsync();

        void DismissOnce(object? sender, IDialog dialog)
        {
            page.Dialog -= DismissOnce;
            _ = dialog.DismissAsync().ContinueWith(_ => dismissed.TrySetResult(), TaskScheduler.Default);
        }
    }

    private HttpClient Admin()
    {
        var http = new HttpClient { BaseAddress = new Uri(host.BaseUrl) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", DashboardHost.AdminKey);
        return http;
    }

    private async Task AddPersonAsync(string name, string role, string password)
    {
        using var http = Admin();
        var response = await http.PostAsJsonAsync("/api/people", new { name, role, password });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A new browser context at the login page, signed in as a person (or with the admin key when <paramref name="name"/> is null).</summary>
    private async Task<IPage> SignInAsync(string? name, string? password)
    {
        if (name is null)
        {
            return await host.SignedInPageAsync();
        }

        var context = await host.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1200, Height = 1400 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(host.BaseUrl + "/login");
        await page.FillAsync("#name", name);
        await page.FillAsync("#password", password!);
        await Task.WhenAll(
            page.WaitForLoadStateAsync(LoadState.Load),
            page.ClickAsync("#person-sign-in button[type=submit]"));
        return page;
    }
}
