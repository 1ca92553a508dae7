using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Ata.Gateway.UiTests;

/// <summary>
/// The bulk import page (<c>/import</c>, issue 17 item 1, in the reader's language as issue 16 item 7
/// asks) in a real headless Chromium against the real gateway: an admin uploads a CSV file with good
/// and bad rows, watches its progress to the end, sees each bad row with its row number and the
/// gateway's reason, and the good rows are adapters the API knows; a browser asking for Swedish gets
/// the page and its report in Swedish; a support person is told that importing is for admins, and the
/// gateway refuses them even when the form is forced open.
/// </summary>
public sealed partial class ImportUiTests(DashboardHost host) : IClassFixture<DashboardHost>
{
    private const string Header = "mac,device_id,secret,customer_reference,line1_username,line1_password,line1_registrar";

    /// <summary>Every row's secrets start so; none may ever be shown.</summary>
    private const string SecretPrefix = "ui-import-secret";

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private static readonly LocatorAssertionsToHaveTextOptions Patient = new() { Timeout = (float)Wait.TotalMilliseconds };

    private static readonly LocatorAssertionsToContainTextOptions PatientContains = new() { Timeout = (float)Wait.TotalMilliseconds };

    private static readonly LocatorAssertionsToHaveAttributeOptions PatientAttribute = new() { Timeout = (float)Wait.TotalMilliseconds };

    [Fact]
    public async Task An_admin_imports_a_file_sees_its_progress_and_each_bad_row_with_its_number_and_reason_and_the_good_adapters_exist()
    {
        // 100 good rows (rows 2-101 of the file, but for the three bad ones slotted in at rows 4, 7 and 10).
        var csv = new StringBuilder().AppendLine(Header);
        var good = new List<string>();
        for (var i = 0; i < 100; i++)
        {
            var row = csv.ToString().Split('\n').Length;
            if (row == 4)
            {
                csv.AppendLine($"02:00:5e:10:zz:01,,{SecretPrefix}-bad-mac,,7100,{SecretPrefix}-sip,127.0.0.1:5060");
            }
            else if (row == 7)
            {
                csv.AppendLine($"02-00-5E-10-00-00,,{SecretPrefix}-again,,7101,{SecretPrefix}-sip,127.0.0.1:5060");
            }
            else if (row == 10)
            {
                csv.AppendLine($"02:00:5e:10:ff:01,ui-import-no-registrar,{SecretPrefix}-nr,,7102,{SecretPrefix}-sip,");
            }

            var mac = $"02:00:5e:10:00:{i:x2}";
            good.Add("ata-02005e1000" + i.ToString("x2", CultureInfo.InvariantCulture));
            csv.AppendLine($"{mac},,{SecretPrefix}-{i},CUST-IMP-{i},{7000 + i},{SecretPrefix}-sip-{i},127.0.0.1:5060");
        }

        var page = await SignedInAsync(DashboardHost.AdminKey, "en");
        await page.GotoAsync(host.BaseUrl + "/import");
        await Assertions.Expect(page.Locator("#import-title")).ToHaveTextAsync("Import adapters", Patient);
        var statuses = await WatchStatusAsync(page);
        await page.SetInputFilesAsync("#import-file", Csv(csv));
        await page.ClickAsync("#import-start");

        await Assertions.Expect(page.Locator("#import-status")).ToHaveAttributeAsync("data-state", "done", PatientAttribute);
        await Assertions.Expect(page.Locator("#import-status")).ToHaveTextAsync("Done: 100 imported, 3 not imported (103 rows).");
        Assert.Equal("103", await page.Locator("#import-progress").GetAttributeAsync("max"));
        Assert.Equal(103, await page.Locator("#import-progress").EvaluateAsync<int>("p => p.value"));

        // On its way the page said how far it had come: the gateway reports every 100 rows.
        var seen = await statuses.JsonValueAsync<string[]>();
        Assert.Contains("Importing 103 rows…", seen);
        Assert.Contains("100 of about 103 rows read: 97 imported, 3 not imported", seen);

        var bad = page.Locator("#import-error-rows tr");
        await Assertions.Expect(bad).ToHaveCountAsync(3);
        Assert.Equal(["4", string.Empty, string.Empty], await Cells(bad.Nth(0), 3));
        await Assertions.Expect(bad.Nth(0).Locator("td").Nth(3)).ToContainTextAsync("The MAC is not six two-digit hex octets");
        Assert.Equal(["7", "ata-02005e100000", "02:00:5e:10:00:00"], await Cells(bad.Nth(1), 3));
        await Assertions.Expect(bad.Nth(1).Locator("td").Nth(3)).ToHaveTextAsync("Duplicate: the MAC 02:00:5e:10:00:00 is already on row 2.");
        Assert.Equal(["10", "ui-import-no-registrar", "02:00:5e:10:ff:01"], await Cells(bad.Nth(2), 3));
        await Assertions.Expect(bad.Nth(2).Locator("td").Nth(3)).ToContainTextAsync("line1_registrar: A registrar is required");
        await Assertions.Expect(page.Locator("#problem")).ToBeHiddenAsync();
        Assert.DoesNotContain(SecretPrefix, await page.ContentAsync(), StringComparison.Ordinal);

        using var http = Admin();
        foreach (var (id, i) in good.Select((id, i) => (id, i)))
        {
            var adapter = JsonDocument.Parse(await http.GetStringAsync($"/api/adapters/{id}")).RootElement;
            Assert.Equal($"CUST-IMP-{i}", adapter.GetProperty("customerReference").GetString());
            Assert.Equal((7000 + i).ToString(CultureInfo.InvariantCulture), adapter.GetProperty("lines")[0].GetProperty("username").GetString());
        }

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/adapters/ui-import-no-registrar")).StatusCode);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_browser_asking_for_Swedish_gets_the_import_page_and_its_report_in_Swedish()
    {
        var page = await SignedInAsync(DashboardHost.AdminKey, "sv");
        await page.GotoAsync(host.BaseUrl + "/import");

        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "sv", PatientAttribute);
        await Assertions.Expect(page).ToHaveTitleAsync("Importera adaptrar · ATA fleet");
        await Assertions.Expect(page.Locator("#import-title")).ToHaveTextAsync("Importera adaptrar");
        await Assertions.Expect(page.Locator("header .summary")).ToHaveTextAsync("Importera adaptrar från CSV");
        await Assertions.Expect(page.Locator("#import-start")).ToHaveTextAsync("Importera");
        await Assertions.Expect(page.Locator("label:has(#import-file) span")).ToHaveTextAsync("CSV-fil");
        await Assertions.Expect(page.Locator("main")).ToContainTextAsync("om den utelämnas: ata- och MAC-adressens 12 hexadecimala siffror");
        Assert.Equal(["Rad", "Enhets-id", "MAC", "Varför den inte importerades"], await page.Locator("#import-errors th").AllTextContentsAsync());

        var csv = new StringBuilder().AppendLine(Header)
            .AppendLine($"02:00:5e:20:00:01,,{SecretPrefix}-sv-1,,7201,{SecretPrefix}-sip,127.0.0.1:5060")
            .AppendLine($"02:00:5e:20:00:02,,{SecretPrefix}-sv-2,,7202,{SecretPrefix}-sip,127.0.0.1:5060")
            .AppendLine($"02:00:5e:20:00:03,,,,7203,{SecretPrefix}-sip,127.0.0.1:5060");
        await page.SetInputFilesAsync("#import-file", Csv(csv));
        await page.ClickAsync("#import-start");

        await Assertions.Expect(page.Locator("#import-status")).ToHaveAttributeAsync("data-state", "done", PatientAttribute);
        await Assertions.Expect(page.Locator("#import-status")).ToHaveTextAsync("Klart: 2 importerade, 1 inte importerade (3 rader).");
        var bad = page.Locator("#import-error-rows tr");
        await Assertions.Expect(bad).ToHaveCountAsync(1);
        Assert.Equal(["4", "ata-02005e200003", "02:00:5e:20:00:03"], await Cells(bad, 3));

        var text = await page.Locator("body").InnerTextAsync();
        Assert.DoesNotMatch(Key(), text);
        Assert.DoesNotContain("Import adapters", text, StringComparison.Ordinal);
        using var http = Admin();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/adapters/ata-02005e200002")).StatusCode);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_support_person_is_told_importing_is_for_admins_and_the_gateway_refuses_them_even_with_the_form_forced_open()
    {
        using var http = Admin();
        var added = await http.PostAsJsonAsync("/api/people", new { name = "ui-sigrid", role = "support", password = "sigrid-password-1" });
        Assert.True(added.IsSuccessStatusCode, await added.Content.ReadAsStringAsync());
        var context = await host.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1200, Height = 1400 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(host.BaseUrl + "/login");
        await page.FillAsync("#name", "ui-sigrid");
        await page.FillAsync("#password", "sigrid-password-1");
        await Task.WhenAll(page.WaitForURLAsync(host.BaseUrl + "/"), page.ClickAsync("#person-sign-in button[type=submit]"));

        await page.GotoAsync(host.BaseUrl + "/import");
        const string AdminOnly = "Only the admin role can import adapters: you are signed in with the support role. Ask an admin to import the file.";
        await Assertions.Expect(page.Locator("#problem")).ToHaveTextAsync(AdminOnly, Patient);
        await Assertions.Expect(page.Locator("#import-start")).ToBeDisabledAsync();
        await Assertions.Expect(page.Locator("#import-file")).ToBeDisabledAsync();

        // Forced open (as a stale page or a hand-edited one would be): the gateway itself refuses, and the page says so.
        await page.EvaluateAsync("""
            () => {
              for (const control of document.getElementById("import-form").elements) control.disabled = false;
              const problem = document.getElementById("problem");
              problem.hidden = true;
              problem.textContent = "";
            }
            """);
        var csv = new StringBuilder().AppendLine(Header).AppendLine($"02:00:5e:30:00:01,,{SecretPrefix}-support,,7301,{SecretPrefix}-sip,127.0.0.1:5060");
        await page.SetInputFilesAsync("#import-file", Csv(csv));
        var answer = await page.RunAndWaitForResponseAsync(
            () => page.ClickAsync("#import-start"),
            response => response.Url.EndsWith("/api/adapters/import", StringComparison.Ordinal));
        Assert.Equal((int)HttpStatusCode.Forbidden, answer.Status);
        await Assertions.Expect(page.Locator("#problem")).ToHaveTextAsync(AdminOnly, Patient);
        await Assertions.Expect(page.Locator("#import-start")).ToBeDisabledAsync();
        await Assertions.Expect(page.Locator("#import-progress")).ToBeHiddenAsync();
        var text = await page.Locator("body").InnerTextAsync();
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
        Assert.DoesNotMatch(StackFrame(), text);

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/adapters/ata-02005e300001")).StatusCode);
        await context.CloseAsync();
    }

    private static FilePayload Csv(StringBuilder csv) =>
        new() { Name = "adapters.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(csv.ToString()) };

    private static async Task<string[]> Cells(ILocator row, int count) =>
        [.. (await row.Locator("td").AllTextContentsAsync()).Take(count)];

    /// <summary>Every text the status line takes from now on (the progress lines go by too fast to catch otherwise).</summary>
    private static Task<IJSHandle> WatchStatusAsync(IPage page) => page.EvaluateHandleAsync("""
        () => {
          const seen = [];
          new MutationObserver((records) => {
            for (const record of records) for (const node of record.addedNodes) seen.push(node.textContent);
          }).observe(document.getElementById("import-status"), { childList: true });
          return seen;
        }
        """);

    private HttpClient Admin()
    {
        var http = new HttpClient { BaseAddress = new Uri(host.BaseUrl) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", DashboardHost.AdminKey);
        return http;
    }

    /// <summary>A new browser context whose browser asks for <paramref name="acceptLanguage"/>, signed in with <paramref name="key"/> through the login page.</summary>
    private async Task<IPage> SignedInAsync(string key, string acceptLanguage)
    {
        var context = await host.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1200, Height = 1400 },
            ExtraHTTPHeaders = new Dictionary<string, string> { ["Accept-Language"] = acceptLanguage },
        });
        var page = await context.NewPageAsync();
        await page.GotoAsync(host.BaseUrl + "/login");
        await page.FillAsync("#key", key);
        await Task.WhenAll(page.WaitForURLAsync(host.BaseUrl + "/"), page.ClickAsync("#key-sign-in button[type=submit]"));
        return page;
    }

    // A resource key where its words belong: a lookup that found nothing.
    [GeneratedRegex(@"\b(import|nav|fact|error)\.[a-z][A-Za-z]*\b")]
    private static partial Regex Key();

    // A .NET stack frame ("   at Namespace.Type.Method(").
    [GeneratedRegex(@"\bat [A-Z][\w.]+\.\w+\(")]
    private static partial Regex StackFrame();
}
