using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Ata.Core.Contract;
using Ata.Core.Faults;
using Ata.Core.Sip;
using Ata.Gateway.Incidents;
using Ata.Gateway.Tests.Support;
using Ata.Lab;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Ata.Gateway.Tests.Incidents;

/// <summary>
/// Fault reports relayed to a real webhook receiver and a real SMTP server (Debian's aiosmtpd), both
/// down at first and through a gateway restart, then back: each message arrives exactly once.
/// </summary>
public sealed class RelayTests : IAsyncLifetime
{
    private const string WebhookSecret = "webhook-signing-secret-42";
    private const string DeviceSecret = "relay-device-secret-1";
    private readonly TempDirectory _directory = new();
    private readonly int _hookPort = FreePort.Tcp();
    private readonly int _smtpPort = FreePort.Tcp();
    private readonly ConcurrentQueue<(string Key, string Signature, string Timestamp, string Body)> _hooks = new();
    private WebApplication? _receiver;
    private ManagedProcess? _smtp;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }

        if (_smtp is not null)
        {
            await _smtp.DisposeAsync();
        }

        _directory.Dispose();
    }

    [Fact]
    public async Task Reports_reach_webhook_and_email_exactly_once_after_the_receivers_were_down_for_a_while()
    {
        const string id = "relay-1";
        var gateway = await StartGatewayAsync();
        try
        {
            var (created, _) = await gateway.PutAdapterAsync(id, new
            {
                secret = DeviceSecret,
                customerReference = "CUST-4711",
                lines = new[] { new { username = "7001", password = "relay-sip-pass-1", registrar = "127.0.0.1:5060" } },
            });
            created.EnsureSuccessStatusCode();
            await using var device = await Device.ConnectAsync(id, DeviceSecret, gateway.Broker.Port, gateway.Log);
            await device.ReportAsync(MqttTopics.Hello, Reports.Hello(id, "2.3.4"));
            await device.ReportAsync(MqttTopics.Health, Reports.Health(id, "solid", "solid", "code-2", "off", RegistrationState.Failed, 403), MqttTopics.HealthQos);
            await Eventually.TrueAsync(() => gateway.App.Services.GetRequiredServiceOf<Ata.Gateway.Store.AdapterStore>().Find(id)?.Firmware == "2.3.4", "the hello", gateway.Log);
            await device.ReportAsync(MqttTopics.Fault, Reports.Fault(1, FaultCode.WrongCredentials, raised: true, line: 1, sipCode: 403, detail: "403 Forbidden"));

            await Eventually.TrueAsync(() => Failed(gateway, RelayOptions.Webhook) && Failed(gateway, RelayOptions.Email), "failed attempts on both channels", gateway.Log);
        }
        finally
        {
            await gateway.DisposeAsync();
        }

        gateway = await StartGatewayAsync();
        try
        {
            await StartReceiversAsync();
            await Eventually.TrueAsync(() => _hooks.Count >= 1, "the opening on the webhook", gateway.Log, TimeSpan.FromSeconds(30));

            await using var device = await Device.ConnectAsync(id, DeviceSecret, gateway.Broker.Port, gateway.Log);
            await device.ReportAsync(MqttTopics.Fault, Reports.Fault(2, FaultCode.WrongCredentials, raised: false, line: 1));
            await Eventually.TrueAsync(() => _hooks.Count >= 2, "the resolution on the webhook", gateway.Log, TimeSpan.FromSeconds(30));
            await Eventually.TrueAsync(() => MailIds().Count >= 2, "both e-mails", gateway.Log, TimeSpan.FromSeconds(30));
            await Eventually.TrueAsync(() => gateway.App.Services.GetRequiredServiceOf<FaultRelay>().Pending().Values.Sum() == 0, "an empty outbox", gateway.Log);

            var hooks = _hooks.ToArray();
            Assert.Equal(["ata-incident-1-opened", "ata-incident-1-resolved"], hooks.Select(h => h.Key));
            Assert.All(hooks, h => Assert.Equal(FaultRelay.Sign(WebhookSecret, h.Timestamp, h.Body), h.Signature));
            var opened = JsonNode.Parse(hooks[0].Body)!;
            Assert.Equal("opened", opened["event"]!.GetValue<string>());
            Assert.Equal(FaultCode.WrongCredentials, opened["incident"]!["code"]!.GetValue<string>());
            Assert.NotNull(opened["incident"]!["since"]);
            var adapter = opened["adapter"]!;
            Assert.Equal(("relay-1", "CUST-4711", "2.3.4", "127.0.0.1"), (adapter["deviceId"]!.GetValue<string>(), adapter["customerReference"]!.GetValue<string>(),
                adapter["firmware"]!.GetValue<string>(), adapter["wanAddress"]!.GetValue<string>()));
            Assert.Equal("code-2", adapter["leds"]!["tel1"]!.GetValue<string>());
            Assert.Equal(403, adapter["lastSipCode"]!.GetValue<int>());
            Assert.Equal(NextSteps.For(FaultCode.WrongCredentials), opened["nextStep"]!.GetValue<string>());
            Assert.NotEmpty(opened["recentFaults"]!.AsArray());
            Assert.Equal("resolved", JsonNode.Parse(hooks[1].Body)!["event"]!.GetValue<string>());

            Assert.Equal(["<ata-incident-1-opened@ata-gateway>", "<ata-incident-1-resolved@ata-gateway>"], MailIds());
            var mail = string.Join('\n', _smtp!.StandardOutputLines);
            Assert.Contains("CUST-4711", mail, StringComparison.Ordinal);
            Assert.Contains("Next step: ", mail, StringComparison.Ordinal);
            foreach (var text in new[] { mail, string.Join('\n', hooks.Select(h => h.Body)), gateway.Log.Text })
            {
                Assert.DoesNotContain("relay-sip-pass-1", text, StringComparison.Ordinal);
                Assert.DoesNotContain(DeviceSecret, text, StringComparison.Ordinal);
                Assert.DoesNotContain(WebhookSecret, text, StringComparison.Ordinal);
            }
        }
        finally
        {
            await gateway.DisposeAsync();
        }
    }

    [Fact]
    public async Task Adapters_losing_the_same_registrar_together_make_one_registrar_report_and_one_resolution()
    {
        await StartReceiversAsync();
        await using var gateway = await StartGatewayAsync(new Dictionary<string, string?>
        {
            ["Incidents:FoldWindowSeconds"] = "2",
            ["Incidents:FoldThreshold"] = "3",
        });
        var devices = new List<Device>();
        try
        {
            foreach (var id in new[] { "fold-a", "fold-b", "fold-c" })
            {
                var (created, _) = await gateway.PutAdapterAsync(id, RunningGateway.Adapter("secret-" + id, ("2001", "pw", "sip.down.example:5060")));
                created.EnsureSuccessStatusCode();
                devices.Add(await Device.ConnectAsync(id, "secret-" + id, gateway.Broker.Port, gateway.Log));
            }

            foreach (var device in devices)
            {
                await device.ReportAsync(MqttTopics.Fault, Reports.Fault(1, FaultCode.RegistrarUnreachable, raised: true, line: 1, sipCode: 408));
            }

            await Eventually.TrueAsync(() => _hooks.Count >= 1, "the registrar report", gateway.Log, TimeSpan.FromSeconds(30));
            foreach (var device in devices)
            {
                await device.ReportAsync(MqttTopics.Fault, Reports.Fault(2, FaultCode.RegistrarUnreachable, raised: false, line: 1));
            }

            await Eventually.TrueAsync(() => _hooks.Count >= 2, "the registrar resolution", gateway.Log, TimeSpan.FromSeconds(30));
            await Eventually.TrueAsync(() => gateway.App.Services.GetRequiredServiceOf<FaultRelay>().Pending().Values.Sum() == 0, "an empty outbox", gateway.Log);

            var reports = _hooks.Select(h => JsonNode.Parse(h.Body)!).ToList();
            Assert.Equal(2, reports.Count);
            Assert.All(reports, r => Assert.Equal(IncidentBook.RegistrarKind, r["incident"]!["kind"]!.GetValue<string>()));
            Assert.Equal(["opened", "resolved"], reports.Select(r => r["event"]!.GetValue<string>()));
            Assert.Equal(["fold-a", "fold-b", "fold-c"], reports[0]["adapters"]!.AsArray().Select(a => a!.GetValue<string>()));
            Assert.Equal("sip.down.example:5060", reports[0]["incident"]!["registrar"]!.GetValue<string>());
            Assert.Equal(NextSteps.RegistrarIncident, reports[0]["nextStep"]!.GetValue<string>());

            var incidents = JsonNode.Parse(await gateway.Http.GetStringAsync("/api/incidents"))!.AsArray();
            Assert.Equal(4, incidents.Count);
            Assert.All(incidents, i => Assert.NotNull(i!["endedAt"]));
        }
        finally
        {
            foreach (var device in devices)
            {
                await device.DisposeAsync();
            }
        }
    }

    private static bool Failed(RunningGateway gateway, string channel) =>
        gateway.Log.Lines.Any(l => l.Contains($"by {channel} failed", StringComparison.Ordinal));

    private List<string> MailIds() =>
        [.. (_smtp?.StandardOutputLines ?? []).Where(l => l.StartsWith("Message-ID:", StringComparison.OrdinalIgnoreCase)).Select(l => l["Message-ID:".Length..].Trim())];

    private Task<RunningGateway> StartGatewayAsync(Dictionary<string, string?>? extra = null) =>
        RunningGateway.StartAsync(_directory.Path, settings: new Dictionary<string, string?>(extra ?? [])
        {
            ["Relay:WebhookUrl"] = $"http://127.0.0.1:{_hookPort}/hook",
            ["Relay:WebhookSecret"] = WebhookSecret,
            ["Relay:SmtpHost"] = "127.0.0.1",
            ["Relay:SmtpPort"] = _smtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Relay:MailTo"] = "support@example.test",
            ["Relay:PollMilliseconds"] = "100",
            ["Relay:MaxBackoffSeconds"] = "1",
            ["Incidents:QuietSeconds"] = "1",
        });

    private async Task StartReceiversAsync()
    {
        // Debian's python3 has Debian's aiosmtpd; a python3 earlier on PATH (pyenv) may not.
        _smtp = ManagedProcess.Start(File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : RequiredTool.Locate("python3"),
            ["-u", "-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{_smtpPort}"], new ManagedProcessOptions { Name = "aiosmtpd" });

        _receiver = await WebhookReceiver.StartAsync(_hookPort, async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            var key = request.Headers[FaultRelay.IdempotencyHeader].ToString();
            if (!_hooks.Any(h => h.Key == key))
            {
                _hooks.Enqueue((key, request.Headers[FaultRelay.SignatureHeader].ToString(), request.Headers[FaultRelay.TimestampHeader].ToString(), body));
            }
            else
            {
                _hooks.Enqueue(("DUPLICATE " + key, string.Empty, string.Empty, body));
            }

            return Results.Ok();
        });
        await Eventually.TrueAsync(() => !FreePort.IsTcpAvailable(_smtpPort), "aiosmtpd listening");
    }
}

internal static class ServiceProviderExtensions
{
    public static T GetRequiredServiceOf<T>(this IServiceProvider services)
        where T : notnull => (T)(services.GetService(typeof(T)) ?? throw new InvalidOperationException($"No {typeof(T).Name}."));
}
