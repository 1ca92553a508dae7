using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Ata.Gateway.Provisioning;
using Ata.Gateway.Tests.Support;
using Ata.Tests.Mqtt;
using MQTTnet;

namespace Ata.Gateway.Tests.Provisioning;

/// <summary>
/// Bulk import of adapters from CSV (issue 17, item 1): each good row is provisioned as
/// <c>PUT /api/adapters/{id}</c> would (its broker login included), each bad row is reported with its
/// row number and why, the report streams as the file is read, and no secret comes back. Against the
/// real gateway and its real Mosquitto.
/// </summary>
public sealed class AdapterImportTests : IAsyncLifetime
{
    private const string Header = "mac,device_id,secret,customer_reference,line1_username,line1_password,line1_registrar,line2_username,line2_password,line2_registrar";
    private readonly TempDirectory _directory = new();
    private RunningGateway _gateway = null!;

    public async Task InitializeAsync() => _gateway = await RunningGateway.StartAsync(_directory.Path);

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task Good_rows_are_provisioned_with_their_broker_logins_and_the_report_ends_with_the_counts()
    {
        var csv = new StringBuilder().AppendLine(Header)
            .AppendLine("AA:BB:CC:00:00:01,imp-one,imp-secret-one,CUST-1,3001,imp-sip-pass-1,127.0.0.1:5060,,,")
            .AppendLine("aabb.cc00.0002,,imp-secret-two,,3002,imp-sip-pass-2,127.0.0.1:5060,3012,imp-sip-pass-12,sip.example.net:5070")
            .AppendLine()
            .AppendLine("aa-bb-cc-00-00-03,,\"imp-secret,three\",\"CUST \"\"3\"\"\",3003,imp-sip-pass-3,127.0.0.1,,,")
            .ToString();

        var (status, reports, text) = await ImportAsync(csv);

        Assert.Equal(HttpStatusCode.OK, status);
        var done = Assert.Single(reports, r => r["type"]!.GetValue<string>() == "done");
        Assert.Equal((3, 3, 0), (done["rows"]!.GetValue<int>(), done["created"]!.GetValue<int>(), done["failed"]!.GetValue<int>()));
        Assert.DoesNotContain(reports, r => r["type"]!.GetValue<string>() == "error");
        var two = (await _gateway.GetAdapterAsync("ata-aabbcc000002"))!;
        Assert.Equal(2, two["lines"]!.AsArray().Count);
        Assert.Equal("CUST \"3\"", (await _gateway.GetAdapterAsync("ata-aabbcc000003"))!["customerReference"]!.GetValue<string>());
        Assert.Equal("CUST-1", (await _gateway.GetAdapterAsync("imp-one"))!["customerReference"]!.GetValue<string>());

        var port = _gateway.Broker.Port;
        Assert.Equal(MqttClientConnectResultCode.Success, await TryLoginAsync(port, "imp-one", "imp-secret-one"));
        Assert.Equal(MqttClientConnectResultCode.Success, await TryLoginAsync(port, "ata-aabbcc000003", "imp-secret,three"));
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await TryLoginAsync(port, "ata-aabbcc000002", "imp-secret-one"));
        foreach (var secret in new[] { "imp-secret", "imp-sip-pass" })
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Each_bad_row_is_reported_with_its_row_number_and_why_and_the_good_ones_are_still_imported()
    {
        await _gateway.ProvisionAsync("imp-taken", "imp-taken-secret");
        var csv = new StringBuilder().AppendLine(Header)
            .AppendLine("aa:bb:cc:00:01:01,,imp-bad-secret-1,,4001,imp-bad-pass-1,127.0.0.1:5060,,,")   // 2: good
            .AppendLine(",imp-nomac,imp-bad-secret-2,,4002,imp-bad-pass-2,127.0.0.1:5060,,,")           // 3: no MAC
            .AppendLine("aa:bb:cc:00:01:01,imp-again,imp-bad-secret-3,,4003,imp-bad-pass-3,127.0.0.1:5060,,,") // 4: MAC of row 2
            .AppendLine("aa:bb:cc:00:01:04,imp-taken,imp-bad-secret-4,,4004,imp-bad-pass-4,127.0.0.1:5060,,,") // 5: exists
            .AppendLine("aa:bb:cc:00:01:05,,imp-bad-secret-5,,4005,imp-bad-pass-5,not a registrar!,,,")     // 6: registrar
            .AppendLine("aa:bb:cc:00:01:06,,shrt123,,4006,imp-bad-pass-6,127.0.0.1:5060,,,")                  // 7: secret too short
            .AppendLine("zz:bb:cc:00:01:07,,imp-bad-secret-7,,4007,imp-bad-pass-7,127.0.0.1:5060,,,")       // 8: not a MAC
            .AppendLine("aa:bb:cc:00:01:08,,imp-bad-secret-8,,4008,imp-bad-pass-8,127.0.0.1:5060,,,")       // 9: good
            .ToString();

        var (status, reports, text) = await ImportAsync(csv);

        Assert.Equal(HttpStatusCode.OK, status);
        var errors = reports.Where(r => r["type"]!.GetValue<string>() == "error").ToDictionary(r => r["row"]!.GetValue<int>(), r => r["reason"]!.GetValue<string>());
        Assert.Equal(new[] { 3, 4, 5, 6, 7, 8 }, errors.Keys.Order());
        Assert.Contains("MAC is missing", errors[3], StringComparison.Ordinal);
        Assert.Contains("Duplicate", errors[4], StringComparison.Ordinal);
        Assert.Contains("row 2", errors[4], StringComparison.Ordinal);
        Assert.Contains("imp-taken already exists", errors[5], StringComparison.Ordinal);
        Assert.StartsWith("line1_registrar:", errors[6], StringComparison.Ordinal);
        Assert.StartsWith("secret:", errors[7], StringComparison.Ordinal);
        Assert.Contains("MAC is not", errors[8], StringComparison.Ordinal);
        var done = Assert.Single(reports, r => r["type"]!.GetValue<string>() == "done");
        Assert.Equal((8, 2, 6), (done["rows"]!.GetValue<int>(), done["created"]!.GetValue<int>(), done["failed"]!.GetValue<int>()));
        Assert.NotNull(await _gateway.GetAdapterAsync("ata-aabbcc000101"));
        Assert.NotNull(await _gateway.GetAdapterAsync("ata-aabbcc000108"));
        Assert.Null(await _gateway.GetAdapterAsync("imp-nomac"));
        Assert.Null(await _gateway.GetAdapterAsync("ata-aabbcc000105"));
        Assert.Equal(MqttClientConnectResultCode.Success, await TryLoginAsync(_gateway.Broker.Port, "imp-taken", "imp-taken-secret"));
        foreach (var secret in new[] { "imp-bad-secret", "imp-bad-pass", "shrt123" })
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_file_without_the_required_columns_or_not_sent_as_csv_imports_nothing_and_support_may_not_import()
    {
        var (status, _, text) = await ImportAsync("mac,secret,line1_username\naa:bb:cc:00:02:01,imp-col-secret,5001\n");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("missing: line1_password, line1_registrar", text, StringComparison.Ordinal);

        using var json = await _gateway.Http.PostAsync("/api/adapters/import", new StringContent(Header + "\n", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);

        using var support = await _gateway.SupportClientAsync("imp-support");
        using var refused = await support.PostAsync("/api/adapters/import", Csv(Header + "\naa:bb:cc:00:02:02,,imp-col-secret,,5002,imp-col-pass,127.0.0.1,,,\n"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Null(await _gateway.GetAdapterAsync("ata-aabbcc000202"));
    }

    [Fact]
    public async Task A_file_of_10000_rows_is_imported_whole_with_progress_as_it_goes()
    {
        const int rows = 10_000;
        var csv = new StringBuilder(rows * 100).AppendLine(Header);
        for (var n = 1; n <= rows; n++)
        {
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"02:00:00:{n >> 16 & 0xff:x2}:{n >> 8 & 0xff:x2}:{n & 0xff:x2},,bulk-secret-{n:D5},,{60000 + n},bulk-pass,127.0.0.1:5060,,,\n");
        }

        var clock = Stopwatch.StartNew();
        var (status, reports, _) = await ImportAsync(csv.ToString(), TimeSpan.FromMinutes(10));

        Assert.Equal(HttpStatusCode.OK, status);
        var progress = reports.Where(r => r["type"]!.GetValue<string>() == "progress").Select(r => r["rows"]!.GetValue<int>()).ToList();
        Assert.Equal(Enumerable.Range(1, rows / AdapterImport.ProgressEvery).Select(i => i * AdapterImport.ProgressEvery), progress);
        var done = Assert.Single(reports, r => r["type"]!.GetValue<string>() == "done");
        Assert.Equal((rows, rows, 0), (done["rows"]!.GetValue<int>(), done["created"]!.GetValue<int>(), done["failed"]!.GetValue<int>()));
        Assert.Equal(rows, (await _gateway.ListAdaptersAsync()).Count);
        Assert.Equal(MqttClientConnectResultCode.Success, await TryLoginAsync(_gateway.Broker.Port, "ata-020000002710", "bulk-secret-10000"));
        Console.WriteLine($"10,000 rows imported in {clock.Elapsed.TotalSeconds:F1} s");
    }

    private static StringContent Csv(string text) => new(text, Encoding.UTF8, "text/csv");

    private async Task<(HttpStatusCode Status, List<JsonNode> Reports, string Text)> ImportAsync(string csv, TimeSpan? timeout = null)
    {
        using var client = _gateway.Client(RunningGateway.AdminKey);
        client.Timeout = timeout ?? TimeSpan.FromSeconds(60);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/adapters/import") { Content = Csv(csv) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/x-ndjson"));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var text = await response.Content.ReadAsStringAsync();
        var reports = response.IsSuccessStatusCode
            ? text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList()
            : [];
        return (response.StatusCode, reports, text);
    }

    private static async Task<MqttClientConnectResultCode> TryLoginAsync(int port, string deviceId, string secret)
    {
        await using var client = MqttTestClient.Create("127.0.0.1", port, deviceId, deviceId, secret);
        return await client.TryConnectAsync();
    }
}
