using Ata.Core.Console;
using Ata.Core.Hardware;
using Ata.Core.Provisioning;
using Ata.Core.Settings;

namespace Ata.Core.Tests.Console;

public sealed class TechnicianConsoleTests
{
    private const string Config = """
        {"version":4,"lines":[{"line":1,"username":"1001","password":"sip-secret-1","registrar":"sip.example.net:5070"}]}
        """;

    private readonly MemoryConfigStore _store = new();
    private readonly RecentLog _log = new(8);
    private readonly Adapter _adapter;
    private readonly TechnicianConsole _console;

    public TechnicianConsoleTests()
    {
        _adapter = new Adapter("ata-1", new FakeDevice(), new FakeSocket(), new FakeResolver(), new ILed[4],
            new LoggingEvents(_log, new RecordingEvents()), new Random(1), 0);
        _console = new TechnicianConsole(_adapter, new FakeDevice(), new DeviceSettings(), _store, _log, 0);
    }

    [Fact]
    public void Typed_characters_are_echoed_and_a_line_is_answered_with_a_prompt()
    {
        string output = _console.Receive("leds\r\n", 100);
        Assert.StartsWith("leds\r\n", output);
        Assert.Contains("pwr: slow-blink", output);
        Assert.EndsWith(TechnicianConsole.Prompt, output);
    }

    [Fact]
    public void The_value_of_a_secret_is_echoed_as_stars()
    {
        string output = _console.Receive("set device.secret Hidden-99\r", 0);
        Assert.StartsWith("set device.secret *********\r\n", output);
        Assert.DoesNotContain("Hidden-99", output);
        Assert.Equal("Hidden-99", _console.Settings.DeviceSecret);
        Assert.StartsWith("set wan.ssid Cafe", _console.Receive("set wan.ssid Cafe\r", 0));
    }

    [Fact]
    public void Backspace_erases_and_ctrl_c_drops_the_line()
    {
        _console.Receive("leda\b", 0);
        string output = _console.Receive("s\r", 0);
        Assert.Contains("pwr:", output);
        _console.Receive("rebo\u0003", 0);
        Assert.Contains("error: unknown command 'ot'", _console.Receive("ot\r", 0));
    }

    [Fact]
    public void Set_saves_at_once_and_show_masks_secrets()
    {
        Assert.Contains("device.secret = ******** (saved; reboot to use it)", _console.Execute("set device.secret Top-Secret-42", 0));
        Assert.Contains("wan.ssid = Cafe Wifi", _console.Execute("set wan.ssid Cafe Wifi", 0));
        string shown = _console.Execute("show settings", 0);
        Assert.DoesNotContain("Top-Secret-42", shown);
        Assert.Contains("device.secret = ********", shown);
        Assert.Contains("Top-Secret-42", _store.Records[DeviceSettings.RecordName]);
        Assert.Contains("wan.mode = ethernet", _console.Execute("show wan", 0));
        Assert.DoesNotContain("device.id", _console.Execute("show wan", 0));
        Assert.DoesNotContain("Top-Secret-42", _console.Execute("log", 0));
    }

    [Fact]
    public void Bad_input_gets_a_clear_error()
    {
        Assert.Equal("error: gateway.port must be a number from 1 to 65535\r\n", _console.Execute("set gateway.port 99999", 0));
        Assert.StartsWith("error: usage: set KEY VALUE", _console.Execute("set gateway.port", 0));
        Assert.StartsWith("error: unknown command 'frobnicate'", _console.Execute("frobnicate", 0));
        Assert.StartsWith("error: show what?", _console.Execute("show everything", 0));
        Assert.StartsWith("error: usage: log [N]", _console.Execute("log many", 0));
    }

    [Fact]
    public void A_failing_flash_is_reported_and_nothing_claims_to_be_saved()
    {
        _store.RefuseWrites = true;
        Assert.Contains("could not be saved", _console.Execute("set gateway.host gw.example.net", 0));
    }

    [Fact]
    public void Show_provisioning_masks_the_sip_password()
    {
        _adapter.Apply(ProvisioningDocument.Parse(Config, out _), 10);
        string shown = _console.Execute("show provisioning", 20);
        Assert.Contains("version 4", shown);
        Assert.Contains("line 1: user 1001, password ********, registrar sip.example.net:5070", shown);
        Assert.Contains("line 2: no account", shown);
        Assert.DoesNotContain("sip-secret-1", shown);
    }

    [Fact]
    public void Status_shows_lines_wan_and_missing_setup()
    {
        _adapter.Apply(ProvisioningDocument.Parse(Config, out _), 10);
        string status = _console.Execute("status", 5000);
        Assert.Contains("uptime:     5 s", status);
        Assert.Contains("setup:      incomplete, missing device.id, device.secret, gateway.host", status);
        Assert.Contains("wan:        ethernet, online", status);
        Assert.Contains("config:     version 4", status);
        Assert.Contains("line 1:", status);
        Assert.Contains("line 2:     unprovisioned", status);
    }

    [Fact]
    public void Log_shows_recent_events_with_time()
    {
        _log.Add(1500, "line 1 off-hook");
        Assert.Contains("[1.500] line 1 off-hook", _console.Execute("log 3", 2000));
        Assert.Contains("[0.000] led pwr slow-blink", _console.Execute("log", 2000));
        Assert.DoesNotContain("led pwr slow-blink", _console.Execute("log 1", 2000));
    }

    [Fact]
    public void Factory_reset_needs_confirmation_then_erases_and_asks_for_a_reboot()
    {
        _console.Execute("set device.id ata-9", 0);
        Assert.Contains("type 'factory-reset confirm'", _console.Execute("factory-reset", 0));
        Assert.Equal(ConsoleAction.None, _console.RequestedAction);
        Assert.NotEmpty(_store.Records);

        _adapter.Apply(ProvisioningDocument.Parse(Config, out _)!, 0);
        _console.Execute("factory-reset confirm", 10);
        Assert.Empty(_store.Records);
        Assert.Equal(string.Empty, _console.Settings.DeviceId);
        Assert.Null(_adapter.Config);
        _adapter.Tick(20);
        Assert.Equal((Ata.Core.Host.HostRequestKind.Reboot, "factory-reset"), Next());
    }

    private (string, string) Next() => _adapter.NextHostRequest() is { } r ? (r.Kind, r.Reason) : ("none", "");

    [Fact]
    public void Onboard_sets_device_gateway_and_secret_from_the_code_masks_it_and_reboots_to_connect()
    {
        byte[] random = [.. Enumerable.Range(0, Ata.Core.Onboarding.OnboardingCode.SecretBytes).Select(i => (byte)(i * 7 + 3))];
        string code = Ata.Core.Onboarding.OnboardingCode.Encode("gw.example.net", 8883, "ata-77", random);
        var console = new TechnicianConsole(null!, new FakeDevice(), new DeviceSettings(), _store, _log, 0);

        string output = console.Receive("onboard " + code + "\r", 0);

        Assert.StartsWith("onboard " + new string('*', code.Length) + "\r\n", output);
        Assert.Contains("onboarded: device ata-77, gateway gw.example.net:8883 (plaintext MQTT: the code carries no CA), device secret set\r\n", output);
        Assert.Contains("rebooting to connect", output);
        string secret = Ata.Core.Onboarding.OnboardingCode.SecretOf(random);
        Assert.DoesNotContain(secret, output, StringComparison.Ordinal);
        Assert.DoesNotContain(code, output, StringComparison.Ordinal);
        Assert.Equal(ConsoleAction.Reboot, console.TakeAction());
        var saved = DeviceSettings.Load(_store, out _);
        Assert.Equal(("ata-77", "gw.example.net", 8883, secret), (saved.DeviceId, saved.GatewayHost, saved.GatewayPort, saved.DeviceSecret));
        Assert.DoesNotContain(secret, console.Execute("log", 0), StringComparison.Ordinal);
    }

    [Fact]
    public void Onboard_with_a_mistyped_code_says_so_and_changes_nothing()
    {
        _console.Execute("set gateway.host old.example.net", 0);
        string code = Ata.Core.Onboarding.OnboardingCode.Encode("gw.example.net", 8883, "ata-77", new byte[Ata.Core.Onboarding.OnboardingCode.SecretBytes]);
        char last = code[^1] == 'A' ? 'B' : 'A';

        string output = _console.Execute("onboard " + code[..^1] + last, 0);

        Assert.Equal("error: the onboarding code does not check out: a character is mistyped or missing; type it again exactly as shown\r\n", output);
        Assert.Equal("old.example.net", DeviceSettings.Load(_store, out _).GatewayHost);
        Assert.Equal("old.example.net", _console.Settings.GatewayHost);
        Assert.Equal(string.Empty, _console.Settings.DeviceSecret);
        Assert.Contains("error: usage: onboard CODE", _console.Execute("onboard", 0));
        _adapter.Tick(10);
        Assert.Equal(("none", ""), Next());
    }

    [Fact]
    public void Reboot_goes_through_the_adapter_which_asks_the_host()
    {
        Assert.Equal("rebooting...\r\n", _console.Execute("REBOOT", 0));
        _adapter.Tick(10);
        Assert.Equal((Ata.Core.Host.HostRequestKind.Reboot, "console"), Next());
    }

    [Fact]
    public void Reboot_before_the_board_is_set_up_is_left_to_the_host()
    {
        var console = new TechnicianConsole(null, new FakeDevice(), new DeviceSettings(), _store, _log, 0);
        Assert.Equal("rebooting...\r\n", console.Execute("reboot", 0));
        Assert.Equal(ConsoleAction.Reboot, console.TakeAction());
    }

    [Fact]
    public void Works_before_the_board_is_set_up()
    {
        var console = new TechnicianConsole(null!, new FakeDevice(), new DeviceSettings(), _store, _log, 0);
        Assert.Contains("adapter:    not running", console.Execute("status", 0));
        Assert.Contains("no provisioning received yet", console.Execute("show provisioning", 0));
        Assert.Contains("device (no device id yet)", console.Greeting());
    }
}
