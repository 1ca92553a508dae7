using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Ata.Core.Contract;
using Ata.Core.Faults;
using Ata.Gateway.Tests.Access;
using Ata.Gateway.Tests.Support;

namespace Ata.Gateway.Tests.Localization;

/// <summary>
/// Each request is answered in its reader's language: the person's stored choice
/// (<c>PUT /api/me/language</c>), else the browser's <c>Accept-Language</c>, else English. Next
/// steps and fault descriptions from the API, the sign-in page and the dashboard's words follow it;
/// machine fields (codes) do not.
/// </summary>
public sealed class LanguageChoiceTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private const string NorwegianNextStep =
        "Feil påloggingsdetaljer: provisjoner linjen på nytt med SIP-brukernavnet og passordet fra taleplattformen.";

    private const string EnglishNextStep =
        "Wrong credentials: re-provision the line with the SIP user name and password from the voice platform.";

    private const string SwedishNextStep =
        "Fel inloggningsuppgifter: provisionera linjen på nytt med SIP-användarnamnet och lösenordet från röstplattformen.";

    private RunningGateway Gateway => fixture.Gateway;

    [Fact]
    public async Task A_person_who_chose_Norwegian_gets_Norwegian_next_steps_whatever_their_browser_says()
    {
        const string id = "i18n-nb";
        await OpenWrongCredentialsIncidentAsync(id);
        await AddPersonAsync("nora-support", "nora-password-1");
        using var browser = new DashboardBrowser(Gateway.Http.BaseAddress!);
        browser.Http.DefaultRequestHeaders.AcceptLanguage.ParseAdd("sv-SE");
        Assert.Equal(HttpStatusCode.Redirect, (await PeopleTests.SignInAsync(browser, "nora-support", "nora-password-1")).StatusCode);
        await browser.OpenDashboardAsync();
        Assert.Equal(SwedishNextStep, (await IncidentOfAsync(browser.Http, id))["nextStep"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.NoContent, (await browser.SendAsync(HttpMethod.Put, "/api/me/language", JsonContent.Create(new { language = "nb" }))).StatusCode);

        var me = JsonNode.Parse(await browser.Http.GetStringAsync("/api/me"))!;
        Assert.Equal(("nb", "nb"), (me["language"]!.GetValue<string>(), me["shownIn"]!.GetValue<string>()));
        var incident = await IncidentOfAsync(browser.Http, id);
        Assert.Equal(NorwegianNextStep, incident["nextStep"]!.GetValue<string>());
        Assert.Equal("Feil SIP-brukernavn eller passord: registraren avviste dem", incident["description"]!.GetValue<string>());
        Assert.Equal(FaultCode.WrongCredentials, incident["code"]!.GetValue<string>());
        var fault = JsonNode.Parse(await browser.Http.GetStringAsync($"/api/adapters/{id}"))!["faults"]!.AsArray().Single()!;
        Assert.Equal("Feil SIP-brukernavn eller passord: registraren avviste dem", fault["description"]!.GetValue<string>());
        var strings = JsonNode.Parse(await browser.Http.GetStringAsync("/api/strings"))!;
        Assert.Equal("nb", strings["language"]!.GetValue<string>());

        // Nobody else's answers change: the admin's key and the relay stay English.
        Assert.Equal(EnglishNextStep, (await IncidentOfAsync(Gateway.Http, id))["nextStep"]!.GetValue<string>());

        // Back to the browser's language.
        Assert.Equal(HttpStatusCode.NoContent, (await browser.SendAsync(HttpMethod.Put, "/api/me/language", JsonContent.Create(new { language = (string?)null }))).StatusCode);
        Assert.Null(JsonNode.Parse(await browser.Http.GetStringAsync("/api/me"))!["language"]);
        Assert.Equal(SwedishNextStep, (await IncidentOfAsync(browser.Http, id))["nextStep"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("sv-SE,sv;q=0.9,en;q=0.5", "sv", SwedishNextStep)]
    [InlineData("nb-NO", "nb", NorwegianNextStep)]
    [InlineData("no", "nb", NorwegianNextStep)]
    [InlineData("de-DE,de;q=0.9", "en", EnglishNextStep)]
    [InlineData("xx", "en", EnglishNextStep)]
    [InlineData("", "en", EnglishNextStep)]
    public async Task Without_a_choice_the_browser_language_applies_and_an_unknown_one_falls_back_to_English(string acceptLanguage, string expected, string nextStep)
    {
        const string id = "i18n-browser";
        await OpenWrongCredentialsIncidentAsync(id);
        using var client = Gateway.Client(RunningGateway.AdminKey);
        if (acceptLanguage.Length > 0)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation("Accept-Language", acceptLanguage);
        }

        var strings = JsonNode.Parse(await client.GetStringAsync("/api/strings"))!;
        Assert.Equal(expected, strings["language"]!.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(strings["strings"]!["nav.signOut"]?.GetValue<string>()));
        Assert.Equal(nextStep, (await IncidentOfAsync(client, id))["nextStep"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_language_there_are_no_texts_in_cannot_be_chosen_and_a_key_has_no_language_to_choose()
    {
        await AddPersonAsync("dieter-support", "dieter-password");
        using var browser = new DashboardBrowser(Gateway.Http.BaseAddress!);
        await PeopleTests.SignInAsync(browser, "dieter-support", "dieter-password");
        await browser.OpenDashboardAsync();

        var refused = await browser.SendAsync(HttpMethod.Put, "/api/me/language", JsonContent.Create(new { language = "de" }));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var problem = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!;
        Assert.Contains("en, nb, da, sv, fi", problem["errors"]!["language"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(JsonNode.Parse(await browser.Http.GetStringAsync("/api/me"))!["language"]);

        // A regional tag of a language there are texts in is that language.
        Assert.Equal(HttpStatusCode.NoContent, (await browser.SendAsync(HttpMethod.Put, "/api/me/language", JsonContent.Create(new { language = "fi-FI" }))).StatusCode);
        Assert.Equal("fi", JsonNode.Parse(await browser.Http.GetStringAsync("/api/me"))!["language"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Conflict, (await Gateway.Http.PutAsJsonAsync("/api/me/language", new { language = "fi" })).StatusCode);
    }

    [Fact]
    public async Task The_sign_in_page_and_its_messages_are_in_the_browser_language()
    {
        using var browser = new DashboardBrowser(Gateway.Http.BaseAddress!);
        browser.Http.DefaultRequestHeaders.AcceptLanguage.ParseAdd("fi-FI");

        var page = await browser.Http.GetStringAsync("/login");
        Assert.Contains("<html lang=\"fi\">", page, StringComparison.Ordinal);
        Assert.Contains("<label for=\"password\">Salasana</label>", page, StringComparison.Ordinal);

        var refused = await PeopleTests.SignInAsync(browser, "nobody-at-all", "not-a-password-1");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("Nimi ja salasana eivät täsmää.", WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync()), StringComparison.Ordinal);
    }

    private async Task OpenWrongCredentialsIncidentAsync(string id)
    {
        if ((await Gateway.Http.GetAsync($"/api/adapters/{id}")).StatusCode == HttpStatusCode.OK)
        {
            await IncidentOfAsync(Gateway.Http, id);
            return;
        }

        await Gateway.ProvisionAsync(id, $"{id}-secret");
        await using var device = await Device.ConnectAsync(id, $"{id}-secret", Gateway.Broker.Port, Gateway.Log);
        await device.ReportAsync(MqttTopics.Fault, Reports.Fault(1, FaultCode.WrongCredentials, raised: true, line: 1, sipCode: 403));
        await IncidentOfAsync(Gateway.Http, id);
    }

    private static async Task<JsonNode> IncidentOfAsync(HttpClient client, string id)
    {
        static JsonNode? Of(JsonArray? incidents, string id) =>
            incidents?.FirstOrDefault(i => i!["deviceId"]?.GetValue<string>() == id && i["code"]!.GetValue<string>() == FaultCode.WrongCredentials);
        var incidents = await Eventually.ValueAsync(() => client.GetFromJsonAsync<JsonArray>("/api/incidents?open=true"), list => Of(list, id) is not null,
            $"an open wrong-credentials incident of {id}");
        return Of(incidents, id)!;
    }

    private async Task AddPersonAsync(string name, string password)
    {
        var response = await Gateway.Http.PostAsJsonAsync("/api/people", new { name, role = "support", password });
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, await response.Content.ReadAsStringAsync());
    }
}
