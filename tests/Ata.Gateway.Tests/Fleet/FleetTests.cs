using System.Text;
using System.Text.Json.Nodes;
using Ata.Core.Contract;
using Ata.Core.Faults;
using Ata.Core.Sip;
using Ata.Gateway.Broker;
using Ata.Gateway.Fleet;
using Ata.Gateway.Tests.Support;
using Ata.Tests.Mqtt;
using MQTTnet;

namespace Ata.Gateway.Tests.Fleet;

/// <summary>Adapters talking to the real gateway through its real embedded broker.</summary>
public sealed class FleetTests(GatewayFixture fixture) : IClassFixture<GatewayFixture>
{
    private RunningGateway Gateway => fixture.Gateway;

    [Fact]
    public async Task A_device_receives_its_config_with_its_credentials_when_it_says_it_is_online_and_never_retained()
    {
        const string secret = "device-secret-a1";
        var port = await Gateway.ProvisionAsync("fleet-config", secret, "4001", "sip-secret-a1");

        await using var device = await Device.ConnectAsync("fleet-config", secret, port, Gateway.Log);
        var config = await device.ReceiveConfigAsync();

        Assert.False(config.Retain);
        var document = JsonNode.Parse(config.PayloadText)!;
        Assert.Equal(1, document[Fields.Version]!.GetValue<int>());
        var line = document[Fields.Lines]![0]!;
        Assert.Equal(1, line[Fields.Line]!.GetValue<int>());
        Assert.Equal("4001", line[Fields.Username]!.GetValue<string>());
        Assert.Equal("sip-secret-a1", line[Fields.Password]!.GetValue<string>());
        Assert.Equal("127.0.0.1:5060", line[Fields.Registrar]!.GetValue<string>());

        var (_, updated) = await Gateway.PutAdapterAsync("fleet-config", RunningGateway.Adapter(secret, ("4001", "sip-secret-a2", "127.0.0.1:5062")));
        Assert.Equal(2, updated!["configVersion"]!.GetValue<int>());
        var second = await device.WaitForAsync(m => JsonNode.Parse(m.PayloadText)![Fields.Version]!.GetValue<int>() == 2, "config v2");
        Assert.Equal("sip-secret-a2", JsonNode.Parse(second.PayloadText)![Fields.Lines]![0]![Fields.Password]!.GetValue<string>());

        Assert.DoesNotContain("sip-secret-a1", Gateway.Log.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("sip-secret-a2", Gateway.Log.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, Gateway.Log.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task What_a_device_reports_is_what_support_sees()
    {
        const string id = "fleet-report";
        const string secret = "device-secret-b1";
        var port = await Gateway.ProvisionAsync(id, secret);
        await using var device = await Device.ConnectAsync(id, secret, port, Gateway.Log);

        await device.ReportAsync(MqttTopics.Status, MqttTopics.Online, retain: true);
        await device.ReportAsync(MqttTopics.Hello, Reports.Hello(id, "0.1.0"));
        var seen = await Gateway.AdapterWhenAsync(id, a => a["online"]!.GetValue<bool>() && a["firmware"]?.GetValue<string>() == "0.1.0", "online with firmware");
        Assert.NotNull(seen["lastSeen"]);

        await device.ReportAsync(MqttTopics.Health,
            Reports.Health(id, "solid", "solid", "code-3", "off", RegistrationState.Failed, 403), MqttTopics.HealthQos);
        var health = await Gateway.AdapterWhenAsync(id, a => a["lastHealthAt"] is not null, "a health report");
        Assert.Equal("""{"pwr":"solid","wan":"solid","tel1":"code-3","tel2":"off"}""", health["leds"]!.ToJsonString());
        Assert.Equal(RegistrationState.Failed, health["lines"]![0]!["registration"]!.GetValue<string>());
        Assert.Equal(403, health["lines"]![0]!["sipCode"]!.GetValue<int>());

        await device.ReportAsync(MqttTopics.Fault, Reports.Fault(4, FaultCode.WrongCredentials, raised: true, line: 1, sipCode: 403, detail: "403 Forbidden"));
        await device.ReportAsync(MqttTopics.Fault, Reports.Fault(5, FaultCode.NetworkDown, raised: true));
        var faulty = await Gateway.AdapterWhenAsync(id, a => a["faults"]!.AsArray().Count == 2, "two faults");
        var credentials = faulty["faults"]!.AsArray().Single(f => f!["code"]!.GetValue<string>() == FaultCode.WrongCredentials)!;
        Assert.Equal(1, credentials["line"]!.GetValue<int>());
        Assert.Equal(403, credentials["sipCode"]!.GetValue<int>());
        Assert.Equal("403 Forbidden", credentials["detail"]!.GetValue<string>());
        Assert.NotNull(credentials["since"]);
        Assert.Equal(FaultDescriptions.Describe(FaultCode.WrongCredentials), credentials["description"]!.GetValue<string>());
        Assert.Null(faulty["faults"]!.AsArray().Single(f => f!["code"]!.GetValue<string>() == FaultCode.NetworkDown)!["line"]);

        await device.ReportAsync(MqttTopics.Fault, Reports.Fault(6, FaultCode.WrongCredentials, raised: false, line: 1));
        await device.ReportAsync(MqttTopics.Health,
            Reports.Health(id, "solid", "solid", "solid", "off", RegistrationState.Registered, 200), MqttTopics.HealthQos);
        var cleared = await Gateway.AdapterWhenAsync(id,
            a => a["faults"]!.AsArray().Count == 1 && a["lines"]![0]!["registration"]!.GetValue<string>() == RegistrationState.Registered,
            "the credentials fault cleared and the line registered");
        Assert.Equal(FaultCode.NetworkDown, cleared["faults"]![0]!["code"]!.GetValue<string>());
        Assert.Equal(200, cleared["lines"]![0]!["sipCode"]!.GetValue<int>());
        Assert.Equal("solid", cleared["leds"]!["tel1"]!.GetValue<string>());

        await device.ReportAsync(MqttTopics.ConfigAck, Reports.ConfigAck(1, applied: true));
        await Gateway.AdapterWhenAsync(id, a => a["appliedConfigVersion"]?.GetValue<int>() == 1, "config v1 applied");

        await Gateway.PutAdapterAsync(id, RunningGateway.Adapter(secret, ("2001", "other-password", "127.0.0.1:5060")));
        await device.ReportAsync(MqttTopics.ConfigAck, Reports.ConfigAck(2, applied: false, reason: "registrar unreachable"));
        var refused = await Gateway.AdapterWhenAsync(id, a => a["configRefusedReason"] is not null, "config v2 refused");
        Assert.Equal("registrar unreachable", refused["configRefusedReason"]!.GetValue<string>());
        Assert.Equal(1, refused["appliedConfigVersion"]!.GetValue<int>());
        Assert.Equal(2, refused["configVersion"]!.GetValue<int>());

        await device.ReportAsync(MqttTopics.Status, MqttTopics.Offline, retain: true);
        await Gateway.AdapterWhenAsync(id, a => !a["online"]!.GetValue<bool>(), "offline");
    }

    [Fact]
    public async Task A_device_cannot_read_or_write_another_devices_topics()
    {
        const string victimSecret = "victim-secret-c1";
        const string intruderSecret = "intruder-secret-c1";
        var port = await Gateway.ProvisionAsync("fleet-victim", victimSecret, "5001", "victim-sip-pass");
        await Gateway.ProvisionAsync("fleet-intruder", intruderSecret, "5002", "intruder-sip-pass");
        await using var victim = await Device.ConnectAsync("fleet-victim", victimSecret, port, Gateway.Log);
        await using var intruder = await Device.ConnectAsync("fleet-intruder", intruderSecret, port, Gateway.Log);

        var victimConfig = MqttTopics.For("fleet-victim", MqttTopics.Config);
        var granted = await intruder.Client.SubscribeAsync(victimConfig, MqttTopics.ReliableQos);
        await intruder.SubscribeAsync(MqttTopics.Config);
        await victim.SubscribeAsync(MqttTopics.Config);

        // Mosquitto 2.0's acl_file does not check SUBSCRIBE (it grants it: 0 or 1) but never delivers
        // what the ACL does not let the client read; a broker that checks SUBSCRIBE answers 128.
        Assert.Single(granted);
        Assert.True(granted[0] is 0 or 1 or 128, $"SUBACK {granted[0]}");

        await Gateway.PutAdapterAsync("fleet-victim", RunningGateway.Adapter(victimSecret, ("5001", "victim-sip-pass-2", "127.0.0.1:5060")));
        await victim.WaitForAsync(m => m.PayloadText.Contains("victim-sip-pass-2", StringComparison.Ordinal), "the victim's new config");

        // The intruder's own config goes out after the victim's on the same broker: once the intruder
        // has it, anything of the victim's it could have received would already be here.
        await Gateway.PutAdapterAsync("fleet-intruder", RunningGateway.Adapter(intruderSecret, ("5002", "intruder-sip-pass-2", "127.0.0.1:5060")));
        await intruder.WaitForAsync(m => m.PayloadText.Contains("intruder-sip-pass-2", StringComparison.Ordinal), "the intruder's own new config");
        Assert.DoesNotContain(intruder.Messages, m => m.Topic == victimConfig);
        Assert.DoesNotContain(intruder.Messages, m => m.PayloadText.Contains("victim-sip-pass", StringComparison.Ordinal));

        var recordedBefore = Gateway.Metrics.Recorded;
        await intruder.ReportAsync(MqttTopics.Hello, Reports.Hello("fleet-victim", "6.6.6"));
        await intruder.Client.PublishAsync(MqttTopics.For("fleet-victim", MqttTopics.Hello),
            Encoding.UTF8.GetBytes(Reports.Hello("fleet-victim", "6.6.6")), MqttTopics.ReliableQos, retain: false);
        await intruder.ReportAsync(MqttTopics.Hello, Reports.Hello("fleet-intruder", "1.2.3"));
        await Gateway.AdapterWhenAsync("fleet-intruder", a => a["firmware"]?.GetValue<string>() == "1.2.3", "the intruder's own hello");
        Assert.Null((await Gateway.GetAdapterAsync("fleet-victim"))!["firmware"]);
        Assert.True(Gateway.Metrics.Recorded > recordedBefore);
    }

    [Fact]
    public async Task A_wrong_secret_or_an_unknown_device_is_refused_by_the_broker()
    {
        var port = await Gateway.ProvisionAsync("fleet-locked", "right-secret-d1");

        await using var wrong = Device.Create("fleet-locked", "wrong-secret-d1", port, Gateway.Log);
        await using var stranger = Device.Create("fleet-stranger", "any-secret-d1", port, Gateway.Log);

        // Mosquitto 2 answers CONNACK 5 (not authorised) to a wrong password and an unknown user alike.
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await wrong.Client.TryConnectAsync());
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await stranger.Client.TryConnectAsync());
        Assert.False(wrong.Client.IsConnected);
        Assert.False(stranger.Client.IsConnected);
    }

    [Fact]
    public async Task Malformed_reports_are_dropped_without_touching_any_adapters_state()
    {
        var port = await Gateway.ProvisionAsync("fleet-good", "good-secret-e1");
        await Gateway.ProvisionAsync("fleet-bad", "bad-secret-e1");
        await using var good = await Device.ConnectAsync("fleet-good", "good-secret-e1", port, Gateway.Log);
        await using var bad = await Device.ConnectAsync("fleet-bad", "bad-secret-e1", port, Gateway.Log);

        await good.ReportAsync(MqttTopics.Health, Reports.Health("fleet-good", "solid", "solid", "solid", "off", RegistrationState.Registered, 200));
        await bad.ReportAsync(MqttTopics.Health, Reports.Health("fleet-bad", "solid", "slow-blink", "fast-blink", "off", RegistrationState.Registering, 401));
        var goodBefore = (await Gateway.AdapterWhenAsync("fleet-good", a => a["lastHealthAt"] is not null, "good health")).ToJsonString();
        var badBefore = (await Gateway.AdapterWhenAsync("fleet-bad", a => a["lastHealthAt"] is not null, "bad health")).ToJsonString();

        var malformedBefore = Gateway.Metrics.DroppedMalformed;
        string[] garbage =
        [
            "{\"leds\": {\"pwr\": ",
            "[1,2,3]",
            """{"leds":"solid"}""",
            """{"lines":[{"line":"one"}]}""",
        ];
        foreach (var payload in garbage)
        {
            await bad.ReportAsync(MqttTopics.Health, payload);
        }

        await bad.ReportAsync(MqttTopics.Fault, """{"code":"sip.credentials","state":"maybe"}""");
        await bad.ReportAsync(MqttTopics.ConfigAck, """{"version":"1","applied":true}""");
        await bad.ReportAsync(MqttTopics.Status, "perhaps");
        await Eventually.TrueAsync(() => Gateway.Metrics.DroppedMalformed >= malformedBefore + garbage.Length + 3, "malformed reports dropped", Gateway.Log);

        Assert.Equal(goodBefore, (await Gateway.GetAdapterAsync("fleet-good"))!.ToJsonString());
        Assert.Equal(badBefore, (await Gateway.GetAdapterAsync("fleet-bad"))!.ToJsonString());
    }

    [Fact]
    public async Task Reports_from_unknown_adapters_are_counted_and_dropped()
    {
        await using var client = await Gateway.ConnectAsGatewayAsync("test-as-gateway");
        var before = Gateway.Metrics.DroppedUnknownDevice;

        await client.PublishAsync(MqttTopics.For("fleet-ghost", MqttTopics.Hello), Encoding.UTF8.GetBytes(Reports.Hello("fleet-ghost")), 1, false);

        await Eventually.TrueAsync(() => Gateway.Metrics.DroppedUnknownDevice > before, "the ghost's hello dropped", Gateway.Log);
        Assert.Null(await Gateway.GetAdapterAsync("fleet-ghost"));
    }
}
