using System.Text;
using Ata.Core.Contract;
using Ata.Core.Faults;
using Ata.Core.Provisioning;
using Ata.Core.Sip;
using Ata.Gateway.Fleet;
using Ata.Gateway.Provisioning;
using Ata.Gateway.Tests.Support;

namespace Ata.Gateway.Tests.Fleet;

public sealed class DeviceReportsTests
{
    [Fact]
    public void Health_is_read_with_leds_and_lines()
    {
        var payload = Encoding.UTF8.GetBytes(Reports.Health("ata-1", "solid", "slow-blink", "code-4", "off", RegistrationState.Failed, 404, 3));

        Assert.True(DeviceReports.TryReadHealth(payload, out var health));

        Assert.Equal(new LedStates("solid", "slow-blink", "code-4", "off"), health.Leds);
        Assert.Equal(new LineHealth(1, RegistrationState.Failed, 404, "idle"), Assert.Single(health.Lines));
        Assert.Equal(3, health.ConfigVersion);
        Assert.Equal(12345, health.UptimeMs);
    }

    [Fact]
    public void A_lines_voicemail_light_is_read_from_health()
    {
        byte[] payload = Encoding.UTF8.GetBytes($$"""
            {"deviceId":"ata-1","uptimeMs":1,"lines":[
              {"line":1,"registration":"registered","sipCode":200,"lineState":"idle","{{Fields.Voicemail}}":"{{Ata.Core.Voicemail.VoicemailState.Waiting}}","calls":[]},
              {"line":2,"registration":"unprovisioned","sipCode":0,"lineState":"idle","{{Fields.Voicemail}}":"{{Ata.Core.Voicemail.VoicemailState.Off}}","calls":[]}]}
            """);

        Assert.True(DeviceReports.TryReadHealth(payload, out var health));

        Assert.Equal(["waiting", "off"], health.Lines.Select(l => l.Voicemail));
    }

    [Theory]
    [InlineData("""{"rssi":-67}""", -67)]
    [InlineData("""{"rssi":0}""", null)] // a wired adapter's "0 dBm" (older firmware) is no signal at all
    [InlineData("""{}""", null)]
    public void Signal_is_a_radios_reading_or_nothing(string json, int? expected)
    {
        Assert.True(DeviceReports.TryReadHealth(Encoding.UTF8.GetBytes(json), out var health));
        Assert.Equal(expected, health.Rssi);
    }

    [Fact]
    public void Unknown_values_are_shown_as_unknown_and_missing_leds_as_off()
    {
        var payload = Encoding.UTF8.GetBytes("""{"leds":{"pwr":"<b>solid</b>","wan":"code-0"},"lines":[{"line":2,"registration":"dancing","sipCode":0}]}""");

        Assert.True(DeviceReports.TryReadHealth(payload, out var health));

        Assert.Equal(new LedStates(DeviceReports.Unknown, DeviceReports.Unknown, LedStates.Off, LedStates.Off), health.Leds);
        Assert.Equal(new LineHealth(2, DeviceReports.Unknown, null, null), Assert.Single(health.Lines));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{"leds":[]}""")]
    [InlineData("""{"lines":{}}""")]
    [InlineData("""{"lines":[{"line":0}]}""")]
    [InlineData("""{"lines":[{"registration":"registered"}]}""")]
    public void Malformed_health_is_refused(string payload) =>
        Assert.False(DeviceReports.TryReadHealth(Encoding.UTF8.GetBytes(payload), out _));

    [Fact]
    public void Faults_need_a_code_and_a_state()
    {
        Assert.True(DeviceReports.TryReadFault(Encoding.UTF8.GetBytes(Reports.Fault(4, FaultCode.WrongCredentials, true, 1, 403, "x")), out var raised));
        Assert.Equal(new ReportedFault(4, FaultCode.WrongCredentials, true, 1, 403, "x"), raised);
        Assert.True(DeviceReports.TryReadFault(Encoding.UTF8.GetBytes(Reports.Fault(5, FaultCode.NetworkDown, false)), out var cleared));
        Assert.Equal(new ReportedFault(5, FaultCode.NetworkDown, false, null, null, null), cleared);

        Assert.False(DeviceReports.TryReadFault("""{"state":"raised"}"""u8.ToArray(), out _));
        Assert.False(DeviceReports.TryReadFault("""{"code":"sip.credentials","state":"on"}"""u8.ToArray(), out _));
        Assert.False(DeviceReports.TryReadFault("""{"code":"a b","state":"raised"}"""u8.ToArray(), out _));
    }

    [Fact]
    public void A_fault_change_carries_its_boot_and_age_and_a_snapshot_its_open_faults()
    {
        Assert.True(DeviceReports.TryReadFaultTopic(Encoding.UTF8.GetBytes(Reports.Fault(7, FaultCode.NetworkDown, true, boot: "a1b2c3d4", ageMs: 12_000)), out var change));
        Assert.Equal(new ReportedFault(7, FaultCode.NetworkDown, true, null, null, null) { Boot = "a1b2c3d4", AgeMs = 12_000 }, change);

        var payload = Reports.Snapshot("a1b2c3d4", 9, 2, (FaultCode.RegistrarUnreachable, 1, 30_000), (FaultCode.NetworkDown, 0, 5));
        Assert.True(DeviceReports.TryReadFaultTopic(Encoding.UTF8.GetBytes(payload), out var read));
        var snapshot = Assert.IsType<FaultSnapshot>(read);
        Assert.Equal(("a1b2c3d4", (long?)9, 2L), (snapshot.Boot, snapshot.Sequence, snapshot.ReportsDropped));
        Assert.Equal([new ActiveFault(FaultCode.RegistrarUnreachable, 1, null, null, 30_000), new ActiveFault(FaultCode.NetworkDown, null, null, null, 5)], snapshot.Active);

        // A snapshot is not a change: the change reader refuses it.
        Assert.False(DeviceReports.TryReadFault(Encoding.UTF8.GetBytes(payload), out _));
        Assert.True(DeviceReports.TryReadFaultTopic("""{"state":"snapshot","active":[]}"""u8.ToArray(), out var empty));
        Assert.Empty(Assert.IsType<FaultSnapshot>(empty).Active);
        Assert.True(DeviceReports.TryReadFaultTopic("""{"code":"wan.down","state":"raised","ageMs":99999999999999999}"""u8.ToArray(), out var old));
        Assert.Equal(DeviceReports.MaxAgeMs, ((ReportedFault)old).AgeMs);
    }

    [Theory]
    [InlineData("""{"state":"snapshot"}""")]
    [InlineData("""{"state":"snapshot","active":{}}""")]
    [InlineData("""{"state":"snapshot","active":[{"line":1}]}""")]
    [InlineData("""{"state":"snapshot","active":[{"code":"a b"}]}""")]
    [InlineData("""{"state":"snapshot","active":["wan.down"]}""")]
    [InlineData("""{"state":"snapshot","boot":"<b>","active":[]}""")]
    [InlineData("""{"code":"wan.down","state":"raised","boot":"a b"}""")]
    public void Malformed_snapshots_and_boots_are_refused(string payload) =>
        Assert.False(DeviceReports.TryReadFaultTopic(Encoding.UTF8.GetBytes(payload), out _));

    [Fact]
    public void Config_acks_need_a_version_and_applied()
    {
        Assert.True(DeviceReports.TryReadConfigAck(Encoding.UTF8.GetBytes(Reports.ConfigAck(3, true)), out var applied));
        Assert.Equal(new ConfigAck(3, true, null), applied);
        Assert.True(DeviceReports.TryReadConfigAck(Encoding.UTF8.GetBytes(Reports.ConfigAck(4, false, "bad registrar")), out var refused));
        Assert.Equal(new ConfigAck(4, false, "bad registrar"), refused);

        Assert.False(DeviceReports.TryReadConfigAck("""{"applied":true}"""u8.ToArray(), out _));
        Assert.False(DeviceReports.TryReadConfigAck("""{"version":3,"applied":"yes"}"""u8.ToArray(), out _));
    }

    [Fact]
    public void Status_is_online_offline_or_nothing()
    {
        Assert.True(DeviceReports.ReadStatus(Encoding.UTF8.GetBytes(MqttTopics.Online)));
        Assert.False(DeviceReports.ReadStatus(Encoding.UTF8.GetBytes(MqttTopics.Offline)));
        Assert.Null(DeviceReports.ReadStatus("Online"u8));
        Assert.Null(DeviceReports.ReadStatus([]));
    }

    [Theory]
    [InlineData("off", true)]
    [InlineData("solid", true)]
    [InlineData("slow-blink", true)]
    [InlineData("fast-blink", true)]
    [InlineData("code-1", true)]
    [InlineData("code-12", true)]
    [InlineData("code-0", false)]
    [InlineData("code-01", false)]
    [InlineData("code-", false)]
    [InlineData("blink", false)]
    public void Led_patterns_follow_the_contract(string pattern, bool valid) =>
        Assert.Equal(valid, DeviceReports.IsLedPattern(pattern));

    [Fact]
    public void The_config_document_is_what_the_adapters_parser_reads()
    {
        var config = new AdapterConfig("ata-1", 3, [new SipAccount("2001", "pw", "127.0.0.1"), new SipAccount("2002", "pw2", "[::1]:5070")]);

        var json = Encoding.UTF8.GetString(ConfigDocument.Render(config));
        var parsed = ProvisioningDocument.Parse(json, out var error);

        Assert.Null(error);
        Assert.Equal(3, parsed.Version);
        var first = parsed.Line(1);
        Assert.Equal(("2001", "pw", "127.0.0.1", 5060), (first.Username, first.Password, first.RegistrarHost, first.RegistrarPort));
        var second = parsed.Line(2);
        Assert.Equal(("2002", "pw2", "::1", 5070), (second.Username, second.Password, second.RegistrarHost, second.RegistrarPort));
        Assert.StartsWith($$"""{"{{Fields.Version}}":3,"{{Fields.Lines}}":[{"{{Fields.Line}}":1,"{{Fields.Username}}":"2001",""", json, StringComparison.Ordinal);
    }

    [Fact]
    public void The_config_document_carries_every_line_setting_and_ha1_instead_of_the_password_when_asked()
    {
        var line = new SipAccount("2001", "pw-not-sent", "sip.example.net")
        {
            Realm = "example.net",
            SecondaryRegistrar = "sip2.example.net:5070",
            OutboundProxy = "proxy.example.net",
            Transport = "tcp",
            TonePlan = "DE",
            DialPlan = "0x.|112",
            Barring = "international,mobile",
            KeepAliveSeconds = 20,
            RetryBaseSeconds = 10,
            RetryMaxSeconds = 600,
            Expires = 900,
        };

        var json = Encoding.UTF8.GetString(ConfigDocument.Render(new AdapterConfig("ata-1", 4, [line]) { SendHa1 = true }));
        var root = System.Text.Json.Nodes.JsonNode.Parse(json)!;
        var first = root[Fields.Lines]![0]!;

        Assert.DoesNotContain("pw-not-sent", json, StringComparison.Ordinal);
        Assert.Null(first[Fields.Password]);
        Assert.Equal(Ata.Core.Sip.Auth.Md5.HexOf("2001:example.net:pw-not-sent"), first[Fields.Ha1]!.GetValue<string>());
        Assert.Equal("sip2.example.net:5070", first[Fields.SecondaryRegistrar]!.GetValue<string>());
        Assert.Equal("proxy.example.net", first[Fields.OutboundProxy]!.GetValue<string>());
        Assert.Equal("tcp", first[Fields.Transport]!.GetValue<string>());
        Assert.Equal("example.net", first[Fields.Realm]!.GetValue<string>());
        Assert.Equal("DE", first[Fields.TonePlan]!.GetValue<string>());
        Assert.Equal("0x.|112", first[Fields.DialPlan]!.GetValue<string>());
        Assert.Equal(["international", "mobile"], first[Fields.Barring]!.AsArray().Select(b => b!.GetValue<string>()));
        Assert.Equal((20, 10, 600, 900), (first[Fields.KeepAliveSeconds]!.GetValue<int>(), first[Fields.RetryBaseSeconds]!.GetValue<int>(),
            first[Fields.RetryMaxSeconds]!.GetValue<int>(), first[Fields.Expires]!.GetValue<int>()));
        Assert.Null(root[Fields.DeviceSecret]);

        var withPassword = ProvisioningDocument.Parse(Encoding.UTF8.GetString(ConfigDocument.Render(new AdapterConfig("ata-1", 5, [line]))), out var error);
        Assert.Null(error);
        Assert.Equal(("pw-not-sent", 900), (withPassword.Line(1).Password, withPassword.Line(1).Expires));
    }

    [Fact]
    public void Every_fault_code_has_words_for_support()
    {
        foreach (var code in typeof(FaultCode).GetFields().Where(f => f.IsLiteral && f.Name is not ("Raised" or "Cleared" or "Snapshot")).Select(f => (string)f.GetRawConstantValue()!))
        {
            Assert.DoesNotContain(code, FaultDescriptions.Describe(code), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_config_document_carries_flash_tones_and_timers_and_the_core_takes_them()
    {
        var line = new SipAccount("2001", "pw", "sip.example.net")
        {
            Country = "SE",
            FlashMs = 700,
            ShortTimerMs = 2000,
            LongTimerMs = 15000,
            Tones = new NamedTexts { ["busy"] = "425:250 0:250", ["dial"] = "425:1000 0:100" },
        };

        var json = Encoding.UTF8.GetString(ConfigDocument.Render(new AdapterConfig("ata-1", 6, [line])));
        var first = System.Text.Json.Nodes.JsonNode.Parse(json)![Fields.Lines]![0]!;

        Assert.Equal((700, 2000, 15000), (first[Fields.FlashMs]!.GetValue<int>(), first[Fields.ShortTimerMs]!.GetValue<int>(), first[Fields.LongTimerMs]!.GetValue<int>()));
        Assert.Equal("425:250 0:250", first[Fields.Tones]![Ata.Core.Tones.ToneName.Busy]!.GetValue<string>());
        var parsed = ProvisioningDocument.Parse(json, out var error);
        Assert.True(error is null, error);
        var profile = parsed.Line(1).Profile;
        Assert.Equal((700, 2000L, 15000L), (profile.FlashMaxMs, profile.DigitMap.ShortTimerMs, profile.DigitMap.LongTimerMs));
        Assert.Equal("425:1000 0:100", profile.Tones.Get(Ata.Core.Tones.ToneName.Dial)!.Spec);

        var plain = Encoding.UTF8.GetString(ConfigDocument.Render(new AdapterConfig("ata-1", 7, [new SipAccount("2001", "pw", "h")])));
        Assert.DoesNotContain(Fields.FlashMs, plain, StringComparison.Ordinal);
        Assert.DoesNotContain(Fields.Tones, plain, StringComparison.Ordinal);
        Assert.DoesNotContain("TimerMs", plain, StringComparison.Ordinal);
    }

    [Fact]
    public void The_config_document_carries_the_registrar_probe_and_no_answer_limit_only_when_provisioned()
    {
        var lines = new[]
        {
            new SipAccount("2001", "pw", "sip.example.net") { RegistrarProbeSeconds = 0, NoAnswerSeconds = 45 },
            new SipAccount("2002", "pw", "sip.example.net"),
        };

        var json = Encoding.UTF8.GetString(ConfigDocument.Render(new AdapterConfig("ata-1", 8, lines)));
        var parsed = ProvisioningDocument.Parse(json, out var error);

        Assert.True(error is null, error);
        Assert.Equal((0, 45), (parsed.Line(1).RegistrarProbeSeconds, parsed.Line(1).NoAnswerSeconds));
        Assert.Equal((LineDefaults.RegistrarProbeSeconds, LineDefaults.NoAnswerSeconds), (parsed.Line(2).RegistrarProbeSeconds, parsed.Line(2).NoAnswerSeconds));
        var second = System.Text.Json.Nodes.JsonNode.Parse(json)![Fields.Lines]![1]!.AsObject();
        Assert.False(second.ContainsKey(Fields.RegistrarProbeSeconds));
        Assert.False(second.ContainsKey(Fields.NoAnswerSeconds));
    }

    [Fact]
    public void A_service_report_is_read_with_its_line_code_and_action()
    {
        var payload = Encoding.UTF8.GetBytes($$"""{"{{Fields.Line}}":2,"{{Fields.ServiceCode}}":"#21#","{{Fields.Action}}":"{{ServiceActions.CancelCallForwarding}}","{{Fields.UptimeMs}}":5000}""");

        Assert.True(DeviceReports.TryReadService(payload, out var report));

        Assert.Equal(new ServiceReport(2, "#21#", ServiceActions.CancelCallForwarding, 5000), report);
        Assert.Equal("Cancel call forwarding", ServiceRequests.Describe(report.Action));
        Assert.Contains("no call forwarding", ServiceRequests.OutcomeOf(report.Action), StringComparison.Ordinal);
        Assert.Equal(ServiceRequests.OtherAction, ServiceRequests.MetricLabel("order-pizza"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("#21#")]
    [InlineData("[1]")]
    [InlineData("""{"action":"cancel-call-forwarding"}""")]
    [InlineData("""{"serviceCode":"#21#"}""")]
    [InlineData("""{"serviceCode":"","action":"cancel-call-forwarding"}""")]
    [InlineData("""{"serviceCode":"#21#<script>","action":"cancel-call-forwarding"}""")]
    [InlineData("""{"serviceCode":21,"action":"cancel-call-forwarding"}""")]
    [InlineData("""{"serviceCode":"#21#","action":"cancel call forwarding"}""")]
    [InlineData("""{"serviceCode":"#21#","action":"cancel-call-forwarding","line":9}""")]
    [InlineData("""{"serviceCode":"#21#","action":"cancel-call-forwarding","line":"1"}""")]
    public void A_service_report_that_is_not_what_the_contract_says_is_refused(string payload)
    {
        Assert.False(DeviceReports.TryReadService(Encoding.UTF8.GetBytes(payload), out _));
    }
}
