using System.Security.Cryptography;
using Ata.Core.Console;
using Ata.Core.Onboarding;
using Ata.Core.Settings;
using Ata.Core.Tests.Onboarding;

namespace Ata.Core.Tests.Console;

/// <summary>
/// <c>onboard CODE</c> with a code that pins the broker's CA: the console waits for the CA certificate
/// to be pasted, keeps it (record <see cref="BrokerCa.Record"/>) only when its SHA-256 is the code's,
/// and then sets everything and reboots.
/// </summary>
public sealed class OnboardingConsoleTests
{
    private static readonly byte[] Random = [.. Enumerable.Range(0, OnboardingCode.SecretBytes).Select(i => (byte)(i * 5 + 1))];
    private readonly MemoryConfigStore _store = new();
    private readonly TechnicianConsole _console;

    public OnboardingConsoleTests()
    {
        _console = new TechnicianConsole(null!, new FakeDevice(), new DeviceSettings(), _store, new RecentLog(8), 0);
    }

    private static string CodeFor(System.Security.Cryptography.X509Certificates.X509Certificate2 ca) =>
        OnboardingCode.Encode("gw.example.net", 8883, "ata-77", Random, SHA256.HashData(ca.RawData));

    /// <summary>Pastes the PEM as a serial terminal sends it: line by line, CR-terminated.</summary>
    private string Paste(string pem) => _console.Receive(pem.TrimEnd().Replace("\r\n", "\n").Replace("\n", "\r") + "\r", 10);

    [Fact]
    public void The_code_asks_for_the_ca_and_the_matching_ca_is_kept_then_everything_is_saved_and_it_reboots()
    {
        using var ca = TestCa.Create();
        string step1 = _console.Receive("onboard " + CodeFor(ca) + "\r", 0);

        Assert.Contains("step 1 of 2: code read: device ata-77, gateway gw.example.net:8883 over TLS\r\n", step1);
        Assert.Contains("the gateway's CA certificate must have SHA-256 " + TestCa.Fingerprint(ca), step1);
        Assert.Contains("step 2 of 2: paste the CA certificate", step1);
        Assert.Equal(ConsoleAction.None, _console.RequestedAction);
        Assert.Empty(_store.Records);

        string step2 = Paste(TestCa.Pem(ca));

        Assert.Contains("CA certificate checked: its SHA-256 matches the onboarding code\r\n", step2);
        Assert.Contains("onboarded: device ata-77, gateway gw.example.net:8883 over TLS, device secret set\r\n", step2);
        Assert.Equal(1, step2.Split(TechnicianConsole.Prompt).Length - 1);
        Assert.Equal(ConsoleAction.Reboot, _console.TakeAction());
        Assert.Equal(TestCa.Fingerprint(ca), BrokerCa.FingerprintOfPem(_store.Read(BrokerCa.Record)));
        var saved = DeviceSettings.Load(_store, out _);
        Assert.Equal(("ata-77", "gw.example.net", 8883, OnboardingCode.SecretOf(Random)), (saved.DeviceId, saved.GatewayHost, saved.GatewayPort, saved.DeviceSecret));
        Assert.Contains("gateway CA = SHA-256 " + TestCa.Fingerprint(ca) + " (TLS)", _console.Execute("show gateway", 20));
    }

    [Fact]
    public void A_wrong_ca_is_refused_with_both_fingerprints_nothing_is_saved_and_the_right_one_still_works()
    {
        using var ca = TestCa.Create("Gateway CA");
        using var other = TestCa.Create("Someone else's CA");
        _console.Receive("onboard " + CodeFor(ca) + "\r", 0);

        string refused = Paste(TestCa.Pem(other));

        Assert.Contains("error: wrong CA certificate: its SHA-256 is " + TestCa.Fingerprint(other), refused);
        Assert.Contains("but the onboarding code expects " + TestCa.Fingerprint(ca), refused);
        Assert.Contains("nothing saved", refused);
        Assert.Empty(_store.Records);
        Assert.Equal(ConsoleAction.None, _console.RequestedAction);

        Assert.Contains("onboarded: device ata-77", Paste(TestCa.Pem(ca)));
        Assert.Equal(TestCa.Fingerprint(ca), BrokerCa.FingerprintOfPem(_store.Read(BrokerCa.Record)));
    }

    [Fact]
    public void A_ca_pasted_without_a_code_or_damaged_is_refused()
    {
        using var ca = TestCa.Create();
        Assert.Contains("error: a CA certificate is taken only after 'onboard CODE'", Paste(TestCa.Pem(ca)));

        _console.Receive("onboard " + CodeFor(ca) + "\r", 0);
        string[] lines = TestCa.Pem(ca).Split('\n');
        Assert.Contains("error: the pasted certificate is damaged", Paste(string.Join('\n', lines.Where((_, i) => i != 1))));
        Assert.Empty(_store.Records);
    }

    [Fact]
    public void Onboarding_again_for_the_ca_already_kept_needs_no_paste_and_a_plaintext_code_drops_the_ca()
    {
        using var ca = TestCa.Create();
        _console.Receive("onboard " + CodeFor(ca) + "\r", 0);
        Paste(TestCa.Pem(ca));
        _console.TakeAction();

        string again = _console.Execute("onboard " + CodeFor(ca), 30);
        Assert.Contains("the gateway's CA is already kept", again);
        Assert.Contains("over TLS, device secret set", again);

        string plaintext = _console.Execute("onboard " + OnboardingCode.Encode("gw.example.net", 1883, "ata-77", Random), 40);
        Assert.Contains("(plaintext MQTT: the code carries no CA)", plaintext);
        Assert.Equal(string.Empty, _store.Read(BrokerCa.Record));
        Assert.Contains("gateway CA = none (plaintext MQTT)", _console.Execute("show gateway", 50));
    }

    [Fact]
    public void When_the_settings_cannot_be_saved_the_previous_ca_is_put_back()
    {
        using var first = TestCa.Create("First");
        using var second = TestCa.Create("Second");
        _console.Receive("onboard " + CodeFor(first) + "\r", 0);
        Paste(TestCa.Pem(first));
        _console.TakeAction();

        _console.Receive("onboard " + CodeFor(second) + "\r", 0);
        var failing = new FailingSettingsStore(_store);
        var console = new TechnicianConsole(null!, new FakeDevice(), DeviceSettings.Load(_store, out _), failing, new RecentLog(8), 0);
        console.Receive("onboard " + CodeFor(second) + "\r", 0);
        string answer = console.Receive(TestCa.Pem(second).TrimEnd().Replace("\n", "\r") + "\r", 10);

        Assert.Contains("error: the settings could not be saved", answer);
        Assert.Equal(TestCa.Fingerprint(first), BrokerCa.FingerprintOfPem(_store.Read(BrokerCa.Record)));
    }

    /// <summary>Takes the CA record but refuses the settings, like a flash that fills up half-way.</summary>
    private sealed class FailingSettingsStore(MemoryConfigStore inner) : Ata.Core.Hardware.IConfigStore
    {
        public string? Read(string name) => inner.Read(name);

        public bool Write(string name, string content) => name == BrokerCa.Record && inner.Write(name, content);

        public void EraseAll() => inner.EraseAll();
    }
}
