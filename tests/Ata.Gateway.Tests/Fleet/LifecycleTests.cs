using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Ata.Core.Contract;
using Ata.Core.DialPlan;
using Ata.Core.Sip.Auth;
using Ata.Gateway.Fleet;
using Ata.Gateway.Provisioning;
using Ata.Gateway.Tests.Support;
using MQTTnet;

namespace Ata.Gateway.Tests.Fleet;

/// <summary>Provisioning, credentials and support actions, end to end through the real broker.</summary>
public sealed class LifecycleTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private RunningGateway Gateway => fixture.Gateway;

    [Fact]
    public async Task Every_line_setting_reaches_the_device_and_ha1_replaces_the_password_when_asked()
    {
        const string id = "life-settings";
        const string secret = "life-secret-a1";
        var (response, answer) = await Gateway.PutAdapterAsync(id, new
        {
            secret,
            customerReference = "CUST-1001",
            sendHa1 = true,
            lines = new[]
            {
                new
                {
                    username = "6001", password = "life-sip-pass-a1", registrar = "127.0.0.1:5060", realm = "lab.example",
                    secondaryRegistrar = "127.0.0.2:5060", outboundProxy = "127.0.0.1:5070", transport = "tcp",
                    country = "de", tonePlan = "UK", dialPlan = "0[1-9]x.|11[02]", barring = new[] { BarringClass.Mobile, BarringClass.International },
                    keepAliveSeconds = 0, retryBaseSeconds = 10, retryMaxSeconds = 120, expires = 600,
                },
            },
        });
        Assert.True(response.StatusCode == HttpStatusCode.Created, answer?.ToJsonString());
        var port = Gateway.Broker.Port;

        await using var device = await Device.ConnectAsync(id, secret, port, Gateway.Log);
        var config = await device.ReceiveConfigAsync();
        var line = JsonNode.Parse(config.PayloadText)![Fields.Lines]![0]!;

        Assert.Null(line[Fields.Password]);
        Assert.Equal(Md5.HexOf("6001:lab.example:life-sip-pass-a1"), line[Fields.Ha1]!.GetValue<string>());
        Assert.Equal("127.0.0.2:5060", line[Fields.SecondaryRegistrar]!.GetValue<string>());
        Assert.Equal("127.0.0.1:5070", line[Fields.OutboundProxy]!.GetValue<string>());
        Assert.Equal("tcp", line[Fields.Transport]!.GetValue<string>());
        Assert.Equal("DE", line[Fields.Country]!.GetValue<string>());
        Assert.Equal("UK", line[Fields.TonePlan]!.GetValue<string>());
        Assert.Equal("0[1-9]x.|11[02]", line[Fields.DialPlan]!.GetValue<string>());
        Assert.Equal([BarringClass.International, BarringClass.Mobile], line[Fields.Barring]!.AsArray().Select(b => b!.GetValue<string>()));
        Assert.Equal((0, 10, 120, 600), (line[Fields.KeepAliveSeconds]!.GetValue<int>(), line[Fields.RetryBaseSeconds]!.GetValue<int>(),
            line[Fields.RetryMaxSeconds]!.GetValue<int>(), line[Fields.Expires]!.GetValue<int>()));

        var view = (await Gateway.GetAdapterAsync(id))!;
        Assert.Equal("CUST-1001", view["customerReference"]!.GetValue<string>());
        Assert.True(view["sendHa1"]!.GetValue<bool>());
        Assert.Equal("lab.example", view["lines"]![0]!["realm"]!.GetValue<string>());
        Assert.Single((await Gateway.Http.GetFromJsonAsync<JsonArray>("/api/adapters?q=cust-10"))!);
        Assert.Single((await Gateway.Http.GetFromJsonAsync<JsonArray>("/api/adapters?q=6001"))!);
        Assert.DoesNotContain("life-sip-pass-a1", view.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("life-sip-pass-a1", Gateway.Log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Flash_tones_and_inter_digit_timers_reach_the_device_which_applies_them_and_acknowledges_the_version()
    {
        const string id = "life-telephony";
        const string secret = "life-secret-t1";
        var body = new
        {
            secret,
            lines = new[]
            {
                new
                {
                    username = "6101", password = "life-sip-pass-t1", registrar = "127.0.0.1:5060", country = "SE",
                    flashMs = 650, shortTimerMs = 2500, longTimerMs = 12000,
                    tones = new Dictionary<string, string> { ["busy"] = "425:250 0:250", ["dial"] = "425:1000 0:100" },
                },
            },
        };
        var (response, answer) = await Gateway.PutAdapterAsync(id, body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, answer?.ToJsonString());
        var version = answer!["configVersion"]!.GetValue<int>();

        // The same settings again are no change: equal tone sets make no new version.
        var (again, againAnswer) = await Gateway.PutAdapterAsync(id, body);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(version, againAnswer!["configVersion"]!.GetValue<int>());

        await using var device = await Device.ConnectAsync(id, secret, Gateway.Broker.Port, Gateway.Log);
        var config = await device.ReceiveConfigAsync();

        // The virtual adapter applies it as the firmware does, with the core's own parser.
        var document = Ata.Core.Provisioning.ProvisioningDocument.Parse(config.PayloadText, out var refused);
        Assert.True(document is not null, refused);
        var profile = document.Line(1).Profile;
        Assert.Equal((650, 2500L, 12000L), (profile.FlashMaxMs, profile.DigitMap.ShortTimerMs, profile.DigitMap.LongTimerMs));
        Assert.Equal("425:250 0:250", profile.Tones.Get(Ata.Core.Tones.ToneName.Busy)!.Spec);
        await device.ReportAsync(MqttTopics.ConfigAck, Reports.ConfigAck((int)document.Version, applied: true));

        var view = await Gateway.AdapterWhenAsync(id, a => a["configStatus"]!.GetValue<string>() == "applied", "the config applied");
        Assert.Equal(version, view["appliedConfigVersion"]!.GetValue<int>());
        var line = view["lines"]![0]!;
        Assert.Equal((650, 2500, 12000), (line["flashMs"]!.GetValue<int>(), line["shortTimerMs"]!.GetValue<int>(), line["longTimerMs"]!.GetValue<int>()));
        Assert.Equal("425:1000 0:100", line["tones"]!["dial"]!.GetValue<string>());
        Assert.DoesNotContain("life-sip-pass-t1", view.ToJsonString(), StringComparison.Ordinal);

        // A new timer is a new version, which the device acknowledges in turn.
        var (changed, changedAnswer) = await Gateway.PutAdapterAsync(id, new
        {
            secret,
            lines = new[] { new { username = "6101", password = "life-sip-pass-t1", registrar = "127.0.0.1:5060", country = "SE", shortTimerMs = 4000 } },
        });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var next = changedAnswer!["configVersion"]!.GetValue<int>();
        Assert.Equal(version + 1, next);
        var second = await device.WaitForAsync(
            m => m.Topic == MqttTopics.For(id, MqttTopics.Config) && JsonNode.Parse(m.PayloadText)![Fields.Version]!.GetValue<int>() == next, "the new config");
        var secondLine = JsonNode.Parse(second.PayloadText)![Fields.Lines]![0]!;
        Assert.Equal(4000, secondLine[Fields.ShortTimerMs]!.GetValue<int>());
        Assert.Null(secondLine[Fields.LongTimerMs]);
        Assert.Null(secondLine[Fields.Tones]);
        Assert.Null(secondLine[Fields.FlashMs]);
        await device.ReportAsync(MqttTopics.ConfigAck, Reports.ConfigAck(next, applied: true));
        await Gateway.AdapterWhenAsync(id, a => a["appliedConfigVersion"]?.GetValue<int>() == next, "the new config applied");
    }

    [Fact]
    public async Task The_registrar_probe_and_the_no_answer_limit_reach_the_device_and_support_sees_them()
    {
        const string id = "life-probe";
        const string secret = "life-secret-p1";
        var (response, answer) = await Gateway.PutAdapterAsync(id, new
        {
            secret,
            lines = new object[]
            {
                new { username = "6201", password = "life-sip-pass-p1", registrar = "127.0.0.1:5060", registrarProbeSeconds = 10, noAnswerSeconds = 0 },
                new { username = "6202", password = "life-sip-pass-p2", registrar = "127.0.0.1:5060" },
            },
        });
        Assert.True(response.StatusCode == HttpStatusCode.Created, answer?.ToJsonString());

        await using var device = await Device.ConnectAsync(id, secret, Gateway.Broker.Port, Gateway.Log);
        await device.SubscribeAsync(MqttTopics.Config);
        var config = await device.WaitForAsync(m => m.Topic == MqttTopics.For(id, MqttTopics.Config), "the config");
        var document = Ata.Core.Provisioning.ProvisioningDocument.Parse(config.PayloadText, out var refused);
        Assert.True(document is not null, refused);
        Assert.Equal((10, 0), (document.Line(1).RegistrarProbeSeconds, document.Line(1).NoAnswerSeconds));
        Assert.Equal((LineDefaults.RegistrarProbeSeconds, LineDefaults.NoAnswerSeconds), (document.Line(2).RegistrarProbeSeconds, document.Line(2).NoAnswerSeconds));
        Assert.Null(JsonNode.Parse(config.PayloadText)![Fields.Lines]![1]![Fields.RegistrarProbeSeconds]);

        var view = await Gateway.GetAdapterAsync(id);
        Assert.Equal((10, 0), (view!["lines"]![0]!["registrarProbeSeconds"]!.GetValue<int>(), view["lines"]![0]!["noAnswerSeconds"]!.GetValue<int>()));
        Assert.Null(view["lines"]![1]!["registrarProbeSeconds"]);
        Assert.Null(view["lines"]![1]!["noAnswerSeconds"]);

        var (bad, problem) = await Gateway.PutAdapterAsync(id, new
        {
            secret,
            lines = new[] { new { username = "6201", password = "life-sip-pass-p1", registrar = "127.0.0.1:5060", registrarProbeSeconds = 5 } },
        });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("'registrarProbeSeconds' must be 0 (off) or from 10 to 3600 seconds.",
            problem!["errors"]!["lines[0].registrarProbeSeconds"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Config_versions_show_pending_then_applied_or_refused_as_the_device_answers()
    {
        const string id = "life-versions";
        const string secret = "life-secret-b1";
        var port = await Gateway.ProvisionAsync(id, secret);
        await using var device = await Device.ConnectAsync(id, secret, port, Gateway.Log);
        Assert.Equal("pending", (await Gateway.GetAdapterAsync(id))!["configStatus"]!.GetValue<string>());

        await device.ReportAsync(MqttTopics.ConfigAck, $$"""{"{{Fields.Version}}":1,"{{Fields.Applied}}":true}""");
        await Gateway.AdapterWhenAsync(id, a => a["configStatus"]!.GetValue<string>() == "applied", "v1 applied");

        await Gateway.PutAdapterAsync(id, RunningGateway.Adapter(secret, ("2001", "other-pass", "127.0.0.1:5060")));
        Assert.Equal("pending", (await Gateway.GetAdapterAsync(id))!["configStatus"]!.GetValue<string>());
        await device.ReportAsync(MqttTopics.ConfigAck, $$"""{"{{Fields.Version}}":2,"{{Fields.Applied}}":false,"{{Fields.Reason}}":"lines[0].tonePlan: unknown"}""");
        var refused = await Gateway.AdapterWhenAsync(id, a => a["configStatus"]!.GetValue<string>() == "refused", "v2 refused");
        Assert.Equal("lines[0].tonePlan: unknown", refused["configRefusedReason"]!.GetValue<string>());

        var history = (await Gateway.Http.GetFromJsonAsync<JsonArray>($"/api/adapters/{id}/configs"))!;
        Assert.Equal(["refused", "applied"], history.Select(v => v!["status"]!.GetValue<string>()));
        Assert.Equal("admin", history[0]!["actor"]!.GetValue<string>());
    }

    [Fact]
    public async Task Deleting_an_adapter_locks_it_out_of_the_broker()
    {
        const string id = "life-deleted";
        const string secret = "life-secret-c1";
        var port = await Gateway.ProvisionAsync(id, secret);
        await using (var before = await Device.ConnectAsync(id, secret, port, Gateway.Log))
        {
            await before.ReportAsync(MqttTopics.Hello, Reports.Hello(id, "1.0.0"));
            await Gateway.AdapterWhenAsync(id, a => a["firmware"]?.GetValue<string>() == "1.0.0", "its hello");
        }

        Assert.Equal(HttpStatusCode.NoContent, (await Gateway.Http.DeleteAsync($"/api/adapters/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Gateway.Http.DeleteAsync($"/api/adapters/{id}")).StatusCode);
        Assert.Null(await Gateway.GetAdapterAsync(id));

        await using var after = Device.Create(id, secret, port, Gateway.Log);
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await after.Client.TryConnectAsync());
        Assert.False(after.Client.IsConnected);
        Assert.DoesNotContain(File.ReadAllText(Gateway.Broker.Directory.AclFile).Split('\n'), l => l.Contains(id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_rotated_credential_reaches_the_device_and_replaces_the_old_one_once_applied()
    {
        const string id = "life-rotated";
        const string oldSecret = "life-secret-d1";
        var port = await Gateway.ProvisionAsync(id, oldSecret);
        await using var device = await Device.ConnectAsync(id, oldSecret, port, Gateway.Log);
        await device.SubscribeAsync(MqttTopics.Config);

        var rotation = await Gateway.Http.PostAsync($"/api/adapters/{id}/rotate-credential", null);
        Assert.Equal(HttpStatusCode.Accepted, rotation.StatusCode);
        var body = await rotation.Content.ReadAsStringAsync();
        var version = JsonNode.Parse(body)!["configVersion"]!.GetValue<int>();
        var config = await device.WaitForAsync(m => JsonNode.Parse(m.PayloadText)?[Fields.DeviceSecret] is not null, "the new credential");
        var newSecret = JsonNode.Parse(config.PayloadText)![Fields.DeviceSecret]!.GetValue<string>();
        Assert.True((await Gateway.GetAdapterAsync(id))!["credentialRotationPending"]!.GetValue<bool>());
        Assert.DoesNotContain(newSecret, body, StringComparison.Ordinal);

        await device.ReportAsync(MqttTopics.ConfigAck, $$"""{"{{Fields.Version}}":{{version}},"{{Fields.Applied}}":true}""");
        await Gateway.AdapterWhenAsync(id, a => !a["credentialRotationPending"]!.GetValue<bool>(), "the rotation completed");

        // The broker reloads its password file just after the gateway records the ack.
        await using var renewed = Device.Create(id, newSecret, port, Gateway.Log);
        await Eventually.ValueAsync(renewed.Client.TryConnectAsync, code => code == MqttClientConnectResultCode.Success, "a connection with the new credential", Gateway.Log);
        await using var stale = Device.Create(id, oldSecret, port, Gateway.Log);
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await stale.Client.TryConnectAsync());
        Assert.False(stale.Client.IsConnected);
        Assert.DoesNotContain(newSecret, Gateway.Log.Text, StringComparison.Ordinal);
        lock (Gateway.ResponseBodies)
        {
            Assert.All(Gateway.ResponseBodies, b => Assert.DoesNotContain(newSecret, b, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Support_actions_reach_the_device_on_its_command_topic()
    {
        const string id = "life-actions";
        const string secret = "life-secret-e1";
        var port = await Gateway.ProvisionAsync(id, secret);
        await using var device = await Device.ConnectAsync(id, secret, port, Gateway.Log);
        await device.SubscribeAsync(MqttTopics.Command);
        await device.ReportAsync(MqttTopics.Status, MqttTopics.Online, retain: true);
        await Gateway.AdapterWhenAsync(id, a => a["online"]!.GetValue<bool>(), "online");

        var response = await Gateway.Http.PostAsync($"/api/adapters/{id}/actions/reregister", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var commandId = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["commandId"]!.GetValue<string>();

        var command = await device.WaitForAsync(m => m.Topic == MqttTopics.For(id, MqttTopics.Command), "the command");
        var document = JsonNode.Parse(command.PayloadText)!;
        Assert.Equal(commandId, document[Fields.Id]!.GetValue<string>());
        Assert.Equal("reregister", document[Fields.Command]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.Accepted, (await Gateway.Http.PostAsync($"/api/adapters/{id}/actions/reboot", null)).StatusCode);
        await device.WaitForAsync(m => m.PayloadText.Contains("\"reboot\"", StringComparison.Ordinal), "the reboot command");
        Assert.Equal(HttpStatusCode.NotFound, (await Gateway.Http.PostAsync("/api/adapters/nobody/actions/reboot", null)).StatusCode);
    }

    [Fact]
    public async Task Oversized_reports_are_counted_and_dropped_unread()
    {
        const string id = "life-oversized";
        const string secret = "life-secret-f1";
        var port = await Gateway.ProvisionAsync(id, secret);
        await using var device = await Device.ConnectAsync(id, secret, port, Gateway.Log);
        var before = Gateway.Metrics.DroppedOversized;

        var huge = Reports.Hello(id, "9.9.9").Replace("\"sim\"", "\"" + new string('x', FleetChannel.MaxPayloadBytes) + "\"", StringComparison.Ordinal);
        await device.Client.PublishAsync(MqttTopics.For(id, MqttTopics.Hello), Encoding.UTF8.GetBytes(huge), MqttTopics.ReliableQos, false);

        await Eventually.TrueAsync(() => Gateway.Metrics.DroppedOversized > before, "the oversized hello dropped", Gateway.Log);
        Assert.Null((await Gateway.GetAdapterAsync(id))!["firmware"]);
    }
}
