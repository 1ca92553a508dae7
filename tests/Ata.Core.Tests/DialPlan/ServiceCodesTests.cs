using System.Collections;
using Ata.Core.Calls;
using Ata.Core.DialPlan;
using Ata.Core.Hardware;
using Ata.Core.Json;
using Ata.Core.Provisioning;
using Ata.Core.Telephony;
using Ata.Core.Tests.Calls;
using Ata.Core.Tests.Telephony;

namespace Ata.Core.Tests.DialPlan;

/// <summary>
/// Anonymous calling and call return as the dial plan's service codes: national defaults, provisioned
/// overrides (an empty code turns a service off, a bad one refuses the document naming the field), the
/// prefix taken off the number, and what the adapter sends and reports.
/// </summary>
public class ServiceCodesTests
{
    private readonly LineLog _log = new();

    private PhoneLine Line(LineProfile profile)
    {
        var line = new PhoneLine(1, profile, _log);
        line.OffHook(true, 0);
        return line;
    }

    private static void Dial(PhoneLine line, string digits, long now = 100)
    {
        foreach (char d in digits)
        {
            line.Digit(d, PhoneLine.Dtmf, now);
        }
    }

    private static LineProfile Profile(string json)
    {
        var profile = LineProfile.Parse(JsonReader.ParseObject(json), "lines[0]", out string error);
        Assert.True(profile is not null, error);
        return profile!;
    }

    [Theory]
    [InlineData(Country.Norway, "#31#", null)]
    [InlineData(Country.Germany, "#31#", null)]
    [InlineData(Country.UnitedKingdom, "141", null)]
    [InlineData(Country.UnitedStates, "*67", "*69")]
    public void Each_country_has_its_default_codes(string country, string anonymous, string? callReturn)
    {
        var services = LineProfile.Default(country).Services;
        Assert.Equal(anonymous, services.AnonymousCall);
        Assert.Equal(callReturn, services.CallReturn);
    }

    [Theory]
    [InlineData(Country.Norway, "#31#22334455", "22334455")]
    [InlineData(Country.UnitedStates, "*672125551234", "2125551234")]
    public void The_anonymous_prefix_is_taken_off_and_the_number_is_called_anonymously(string country, string dialled, string number)
    {
        var line = Line(LineProfile.Default(country));
        Dial(line, dialled);
        line.Tick(true, 100 + 3000);
        Assert.Contains($"dialled call {number}", _log.Log);
        Assert.Equal(LineState.Calling, line.State);
    }

    [Fact]
    public void A_beginning_of_a_code_waits_for_more_digits_instead_of_reorder()
    {
        var line = Line(LineProfile.Default(Country.Norway));
        Dial(line, "#3");
        Assert.Equal(LineState.Dialing, line.State);
        Dial(line, "1#");
        Assert.Equal(LineState.Dialing, line.State);
    }

    [Fact]
    public void Call_return_calls_the_last_presented_caller_and_is_refused_when_there_is_none()
    {
        var line = Line(LineProfile.Default(Country.UnitedStates));
        Dial(line, "*69");
        Assert.Contains("dialled service-refused *69", _log.Log);

        line.OnHook(200);
        line.LastCaller = "2125550100";
        line.OffHook(true, 300);
        Dial(line, "*69", 400);
        Assert.Contains("dialled call 2125550100", _log.Log);
    }

    [Fact]
    public void Provisioned_codes_replace_the_defaults_an_empty_one_turns_the_service_off_and_only_they_are_written_back()
    {
        var profile = Profile("""{"country":"NO","serviceCodes":{"anonymousCall":"*31*","callReturn":""}}""");
        Assert.Equal("*31*", profile.Services.AnonymousCall);
        Assert.Null(profile.Services.CallReturn);
        var w = new JsonWriter().BeginObject();
        profile.WriteTo(w);
        Assert.Contains("\"serviceCodes\":{\"anonymousCall\":\"*31*\",\"callReturn\":\"\"}", w.EndObject().ToString());

        var plain = new JsonWriter().BeginObject();
        LineProfile.Default(Country.Norway).WriteTo(plain);
        Assert.DoesNotContain("serviceCodes", plain.EndObject().ToString());
    }

    [Theory]
    [InlineData("""{"serviceCodes":{"anonymousCall":"*6a"}}""", "lines[0].serviceCodes.anonymousCall: must be 2 to 8 keys of 0-9, * and # (or \"\" for none)")]
    [InlineData("""{"serviceCodes":{"redial":"*66"}}""", "lines[0].serviceCodes.redial: not a service (known: anonymousCall, callReturn)")]
    [InlineData("""{"serviceCodes":"*67"}""", "lines[0].serviceCodes: not an object of service name to code")]
    public void A_bad_code_is_refused_naming_the_field(string json, string expected)
    {
        Assert.Null(LineProfile.Parse(JsonReader.ParseObject(json), "lines[0]", out string error));
        Assert.Equal(expected, error);
    }
}

/// <summary>An anonymous call at the SIP level and its report on <c>ata/{id}/service</c>.</summary>
public class AnonymousCallTests
{
    private const string Config = "{\"version\":3,\"lines\":[{\"username\":\"2001\",\"password\":\"pw\",\"registrar\":\"127.0.0.1:5070\"," +
        "\"dialPlan\":\"(2xxx|[3-9]xxxxxxx)\",\"registrarProbeSeconds\":0}]}";

    private readonly FakeSocket _socket = new();
    private readonly Adapter _adapter;
    private readonly CallHarness _call;
    private readonly FakeMqtt _mqtt = new();

    public AnonymousCallTests()
    {
        _adapter = new Adapter("ata-1", new FakeDevice(), _socket, new FakeResolver(), new ILed[4], new RecordingEvents(), new Random(7), 0);
        _call = new CallHarness(_adapter);
        _adapter.UseMediaSockets(1, new FakeSocket(40000), new FakeSocket(40001));
        _adapter.Apply(ProvisioningDocument.Parse(Config, out _)!, 0);
        _call.Deliver(Registrar.Respond(_socket.Last, 200, "OK"));
        _adapter.OnMqttConnected(_mqtt, 0);
    }

    private string Dial(string digits)
    {
        _adapter.OnHook(1, true, _call.Now);
        _call.Advance(40);
        foreach (char key in digits)
        {
            _adapter.Port(1).Line.Digit(key, PhoneLine.Dtmf, _call.Now);
        }

        _call.Advance(20);
        return _socket.Sent.Select(s => s.Text).Last(t => t.StartsWith("INVITE ", StringComparison.Ordinal));
    }

    [Fact]
    public void The_INVITE_carries_the_anonymous_From_Privacy_id_and_the_preferred_identity_and_the_code_is_reported()
    {
        string invite = Dial("#31#2002");
        Assert.StartsWith("INVITE sip:2002@127.0.0.1:5070 SIP/2.0", invite);
        Assert.StartsWith("\"Anonymous\" <sip:anonymous@anonymous.invalid>;tag=", Registrar.Header(invite, "From"));
        Assert.Equal("id", Registrar.Header(invite, "Privacy"));
        Assert.Equal("<sip:2001@127.0.0.1>", Registrar.Header(invite, "P-Preferred-Identity"));
        Assert.DoesNotContain("2001", Registrar.Header(invite, "From"));

        var report = Assert.Single(_mqtt.Published, p => p.Topic == "ata/ata-1/service");
        Assert.Contains("\"serviceCode\":\"#31#\"", report.Payload);
        Assert.Contains("\"action\":\"anonymous-call\"", report.Payload);
        Assert.DoesNotContain("2002", report.Payload);
    }

    [Fact]
    public void A_call_without_the_prefix_keeps_the_lines_identity()
    {
        string invite = Dial("2002");
        Assert.StartsWith("<sip:2001@", Registrar.Header(invite, "From"));
        Assert.DoesNotContain("Privacy", invite);
        Assert.DoesNotContain(_mqtt.Published, p => p.Topic == "ata/ata-1/service");
    }
}
