using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Ata.Gateway.UiTests;

/// <summary>
/// The dashboard in its reader's language, in a real headless Chromium: a browser asking for Swedish
/// gets the sign-in page, the fleet (tiles, cards, fault descriptions, the incidents' next steps) and
/// the adapter page in Swedish; a person who chose Norwegian gets Norwegian whatever the browser asks
/// for; a language there are no texts in gets English. No key is ever shown in place of its words.
/// </summary>
public sealed partial class LanguageUiTests(DashboardHost host) : IClassFixture<DashboardHost>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static readonly LocatorAssertionsToHaveTextOptions Patient = new() { Timeout = (float)Wait.TotalMilliseconds };

    private static readonly LocatorAssertionsToContainTextOptions PatientContains = new() { Timeout = (float)Wait.TotalMilliseconds };

    [Fact]
    public async Task A_browser_asking_for_Swedish_gets_the_dashboard_in_Swedish()
    {
        var page = await NewPageAsync("sv-SE,sv;q=0.9,en;q=0.5");
        await page.GotoAsync(host.BaseUrl + "/login");
        await Assertions.Expect(page.Locator("#key-sign-in button[type=submit]")).ToHaveTextAsync("Logga in med nyckeln");
        await page.FillAsync("#key", DashboardHost.AdminKey);
        await Task.WhenAll(page.WaitForURLAsync(host.BaseUrl + "/"), page.ClickAsync("#key-sign-in button[type=submit]"));

        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "sv", new() { Timeout = (float)Wait.TotalMilliseconds });
        await Assertions.Expect(page.Locator("#sign-out")).ToHaveTextAsync("Logga ut", Patient);
        await Assertions.Expect(page.Locator("[data-tile=online] .tile-name")).ToHaveTextAsync("anslutna", Patient);
        var card = page.Locator(".card", new PageLocatorOptions { HasText = DashboardHost.DeviceId });
        await Assertions.Expect(card.Locator(".presence")).ToHaveTextAsync("ansluten", Patient);
        await Assertions.Expect(card.Locator(".faults")).ToContainTextAsync("Fel SIP-användarnamn eller lösenord: registraren avvisade dem", PatientContains);
        await Assertions.Expect(card.Locator(".faults")).ToContainTextAsync("linje 2", PatientContains);
        await Assertions.Expect(page.Locator("#summary")).ToContainTextAsync("adaptrar", PatientContains);
        await Assertions.Expect(page.Locator("#incidents .next-step").First).ToContainTextAsync("Fel inloggningsuppgifter", PatientContains);
        await Assertions.Expect(page.Locator("#search")).ToHaveAttributeAsync("placeholder", "enhets-id, SIP-användare, nummer, MAC eller kundreferens");
        await NoKeysShownAsync(page);

        await page.GotoAsync($"{host.BaseUrl}/adapters/{DashboardHost.DeviceId}");
        await Assertions.Expect(page.Locator("button[data-command=reboot]")).ToHaveTextAsync("Starta om", Patient);
        await Assertions.Expect(page.Locator("button[data-command=ring][data-line='2']")).ToHaveTextAsync("Testringning linje 2", Patient);
        await Assertions.Expect(page.Locator("#summary")).ToContainTextAsync("uppdaterad", PatientContains);
        await Assertions.Expect(page.Locator("#line-settings")).ToContainTextAsync("nummerplan", PatientContains);
        await Assertions.Expect(page.Locator("#calls-status")).ToContainTextAsync("samtal · uppdaterat", PatientContains);
        await Assertions.Expect(page.Locator("#led-guide table[data-led=pwr]")).ToContainTextAsync("ingen ström: kontrollera nätadaptern och eluttaget", PatientContains);
        Assert.Equal("TEL2: blinkkod 3 (telefonitjänsten känner inte till den här linjens konto)",
            await page.Locator("#adapter-detail .led[data-led=tel2]").GetAttributeAsync("title"));
        await NoKeysShownAsync(page);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_person_who_chose_Norwegian_gets_Norwegian_whatever_the_browser_asks_for()
    {
        await AddPersonAsync("ui-nora", "nora-password-12");
        var page = await NewPageAsync("sv-SE,sv;q=0.9");
        await page.GotoAsync(host.BaseUrl + "/login");
        await page.FillAsync("#name", "ui-nora");
        await page.FillAsync("#password", "nora-password-12");
        await Task.WhenAll(page.WaitForURLAsync(host.BaseUrl + "/"), page.ClickAsync("#person-sign-in button[type=submit]"));
        await Assertions.Expect(page.Locator("#sign-out")).ToHaveTextAsync("Logga ut", Patient);

        await page.ClickAsync("a.people-link");
        await Assertions.Expect(page.Locator("#my-language")).ToBeVisibleAsync(new() { Timeout = (float)Wait.TotalMilliseconds });
        await page.SelectOptionAsync("#language", new SelectOptionValue { Value = "nb" });
        await page.ClickAsync("#language-save");

        // The page reloads in Norwegian (its heading reads the same in Swedish, the label does not).
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "nb", new() { Timeout = (float)Wait.TotalMilliseconds });
        await Assertions.Expect(page.Locator("#my-language label span")).ToHaveTextAsync("Oversikt og neste steg på", Patient);
        await Assertions.Expect(page.Locator("#language")).ToHaveValueAsync("nb", new() { Timeout = (float)Wait.TotalMilliseconds });

        await page.GotoAsync(host.BaseUrl + "/");
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "nb", new() { Timeout = (float)Wait.TotalMilliseconds });
        await Assertions.Expect(page.Locator("#sign-out")).ToHaveTextAsync("Logg ut", Patient);
        await Assertions.Expect(page.Locator("[data-tile=online] .tile-name")).ToHaveTextAsync("tilkoblet", Patient);
        var card = page.Locator(".card", new PageLocatorOptions { HasText = DashboardHost.DeviceId });
        await Assertions.Expect(card.Locator(".faults")).ToContainTextAsync("Feil SIP-brukernavn eller passord: registraren avviste dem", PatientContains);
        await Assertions.Expect(page.Locator("#incidents .next-step").First).ToContainTextAsync("Feil påloggingsdetaljer", PatientContains);
        await Assertions.Expect(page.Locator(".card", new PageLocatorOptions { HasText = DashboardHost.GoneDeviceId }).Locator(".presence"))
            .ToHaveTextAsync("frakoblet", Patient);
        await NoKeysShownAsync(page);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_browser_asking_for_a_language_without_texts_gets_English()
    {
        var page = await NewPageAsync("de-DE,de;q=0.9");
        await page.GotoAsync(host.BaseUrl + "/login");
        await page.FillAsync("#key", DashboardHost.AdminKey);
        await Task.WhenAll(page.WaitForURLAsync(host.BaseUrl + "/"), page.ClickAsync("#key-sign-in button[type=submit]"));

        await Assertions.Expect(page.Locator("#summary")).ToContainTextAsync("adapters", PatientContains);
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await Assertions.Expect(page.Locator("#sign-out")).ToHaveTextAsync("Sign out");
        await Assertions.Expect(page.Locator("[data-tile=online] .tile-name")).ToHaveTextAsync("online");
        await page.Context.CloseAsync();
    }

    private async Task NoKeysShownAsync(IPage page)
    {
        var text = await page.Locator("body").InnerTextAsync();
        Assert.DoesNotMatch(Key(), text);
    }

    private async Task<IPage> NewPageAsync(string acceptLanguage)
    {
        var context = await host.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1200, Height = 1400 },
            ExtraHTTPHeaders = new Dictionary<string, string> { ["Accept-Language"] = acceptLanguage },
        });
        return await context.NewPageAsync();
    }

    private async Task AddPersonAsync(string name, string password)
    {
        using var http = new HttpClient { BaseAddress = new Uri(host.BaseUrl) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", DashboardHost.AdminKey);
        var response = await http.PostAsJsonAsync("/api/people", new { name, role = "support", password });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        using var me = JsonDocument.Parse(await http.GetStringAsync("/api/me"));
        Assert.Null(me.RootElement.GetProperty("language").GetString());
    }

    // A resource key where its words belong: a lookup that found nothing.
    [GeneratedRegex(@"\b(nav|summary|tile|incidents?|search|fleet|page|ledGuide|ledMeaning|actions?|commands?|change|onboarding|refused|health|calls|lineSettings|timeline|configs?|card|presence|registration|common|fault|fact|led|time|settings|error|problem|chart|people)\.[a-z][A-Za-z]*\b")]
    private static partial Regex Key();
}
