using System.Net.Http.Json;
using System.Text.Json;
using Ata.Lab;
using Ata.Tests.Mqtt;
using MQTTnet;

namespace Ata.EndToEnd.Tests;

/// <summary>
/// The first-light path end to end: the gateway provisions an adapter over MQTT, the adapter
/// registers to a real Kamailio with digest auth, and the API and LEDs show it.
/// </summary>
[Collection(FirstLightCollection.Name)]
public sealed class FirstLightTests(FirstLightFixture lab)
{
    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";

    private static string NewSecret() => "dev-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Provisioned_adapter_registers_with_digest_auth_and_shows_TEL1_solid()
    {
        string id = NewId("e2e-ok");
        string secret = NewSecret();
        string broker = await lab.ProvisionAsync(id, secret, FirstLightFixture.GoodUser, FirstLightFixture.GoodPassword, lab.Registrar.Address);
        await using var sim = lab.StartSim(id, secret, broker);

        // The config arrived over MQTT: the adapter has no other way to learn its account.
        var config = await sim.WaitForEventAsync("config", e => e.GetProperty("applied").GetBoolean());
        Assert.True(config.GetProperty("version").GetInt64() >= 1);

        // Kamailio challenged, then accepted, the REGISTER.
        await lab.Registrar.WaitForDecisionAsync(d => d.User == FirstLightFixture.GoodUser && d.Kind == RegistrarDecisionKind.Challenged, TimeSpan.FromSeconds(20));
        var accepted = await lab.Registrar.WaitForDecisionAsync(d => d.User == FirstLightFixture.GoodUser && d.Kind == RegistrarDecisionKind.Accepted, TimeSpan.FromSeconds(20));
        Assert.True(accepted.Expires > 0);
        await sim.WaitForEventAsync("registration", e => e.GetProperty("state").GetString() == "registering" && e.GetProperty("sipCode").GetInt32() == 401);
        await sim.WaitForEventAsync("registration", e => e.GetProperty("state").GetString() == "registered" && e.GetProperty("sipCode").GetInt32() == 200);
        await sim.WaitForEventAsync("led", e => e.GetProperty("led").GetString() == "tel1" && e.GetProperty("pattern").GetString() == "solid");

        // Support sees it through the API.
        JsonElement adapter = default;
        await Eventually.Until(async () =>
        {
            adapter = await lab.GetAdapterAsync(id);
            return adapter.GetProperty("online").GetBoolean()
                && adapter.GetProperty("lines")[0].GetProperty("registration").GetString() == "registered"
                && adapter.GetProperty("leds").GetProperty("tel1").GetString() == "solid";
        }, TimeSpan.FromSeconds(20), () => "API never showed the line registered: " + adapter);
        Assert.Equal(200, adapter.GetProperty("lines")[0].GetProperty("sipCode").GetInt32());
        Assert.Equal("solid", adapter.GetProperty("leds").GetProperty("pwr").GetString());
        Assert.Equal("solid", adapter.GetProperty("leds").GetProperty("wan").GetString());
        Assert.False(adapter.GetProperty("lastHealthAt").ValueKind == JsonValueKind.Null);

        string all = await lab.Api.GetStringAsync("/api/adapters");
        Assert.Contains(id, all);
        Assert.DoesNotContain(FirstLightFixture.GoodPassword, adapter.GetRawText() + all);
        Assert.DoesNotContain(secret, adapter.GetRawText() + all);
    }

    [Fact]
    public async Task An_adapter_sent_only_the_HA1_registers_and_the_password_never_reaches_the_broker()
    {
        string id = NewId("e2e-ha1");
        string secret = NewSecret();
        var response = await lab.Api.PutAsJsonAsync($"/api/adapters/{id}", new
        {
            secret,
            sendHa1 = true,
            lines = new[] { new { username = FirstLightFixture.GoodUser, password = FirstLightFixture.GoodPassword, registrar = lab.Registrar.Address, realm = lab.Registrar.Realm } },
        });
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        string broker = JsonDocument.Parse(body).RootElement.GetProperty("brokerTls").GetString()!;

        string config = await ConfigAsync(broker, id, secret);
        Assert.DoesNotContain(FirstLightFixture.GoodPassword, config);
        Assert.Contains("\"ha1\"", config);

        await using var sim = lab.StartSim(id, secret, broker);
        await sim.WaitForEventAsync("registration", e => e.GetProperty("state").GetString() == "registered" && e.GetProperty("sipCode").GetInt32() == 200);
    }

    [Fact]
    public async Task A_rotated_device_secret_takes_over_and_a_reboot_comes_back_registered()
    {
        string id = NewId("e2e-rotate");
        string secret = NewSecret();
        string broker = await lab.ProvisionAsync(id, secret, FirstLightFixture.GoodUser, FirstLightFixture.GoodPassword, lab.Registrar.Address);
        await using var sim = lab.StartSim(id, secret, broker);
        await sim.WaitForEventAsync("registration", e => e.GetProperty("state").GetString() == "registered");

        var rotation = await lab.Api.PostAsync($"/api/adapters/{id}/rotate-credential", null);
        string rotationBody = await rotation.Content.ReadAsStringAsync();
        Assert.True(rotation.IsSuccessStatusCode, rotationBody);
        Assert.DoesNotContain(secret, rotationBody);
        long version = JsonDocument.Parse(rotationBody).RootElement.GetProperty("configVersion").GetInt64();

        var rotatedAt = await sim.WaitForEventAsync("device-secret-rotated", _ => true);
        await sim.WaitForEventAsync("config", e => e.GetProperty("version").GetInt64() == version && e.GetProperty("applied").GetBoolean());
        await sim.WaitForEventAsync("mqtt-connected", e => e.GetProperty("t").GetInt64() >= rotatedAt.GetProperty("t").GetInt64(), TimeSpan.FromSeconds(30));

        // The broker now refuses the old secret.
        await using (var old = lab.Broker.Client(broker, id + "-old", id, secret))
        {
            Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await old.TryConnectAsync());
        }

        // Support reboots it once the gateway shows it back online (a command to an offline adapter is
        // refused): it says goodbye, comes back, gets its config again and registers again.
        JsonElement shown = default;
        await Eventually.Until(async () =>
        {
            shown = await lab.GetAdapterAsync(id);
            return shown.GetProperty("online").GetBoolean();
        }, TimeSpan.FromSeconds(20), () => "API never showed the adapter online after its rotation: " + shown);
        var reboot = await lab.Api.PostAsync($"/api/adapters/{id}/actions/reboot", null);
        Assert.True(reboot.IsSuccessStatusCode, await reboot.Content.ReadAsStringAsync());
        var rebooting = await sim.WaitForEventAsync("rebooting", _ => true);
        long since = rebooting.GetProperty("t").GetInt64();
        await sim.WaitForEventAsync("mqtt-connected", e => e.GetProperty("t").GetInt64() >= since, TimeSpan.FromSeconds(30));
        await sim.WaitForEventAsync("config", e => e.GetProperty("t").GetInt64() >= since && e.GetProperty("applied").GetBoolean());
        await sim.WaitForEventAsync("led", e => e.GetProperty("t").GetInt64() >= since && e.GetProperty("led").GetString() == "tel1"
            && e.GetProperty("pattern").GetString() == "solid", TimeSpan.FromSeconds(30));
        JsonElement adapter = default;
        await Eventually.Until(async () =>
        {
            adapter = await lab.GetAdapterAsync(id);
            return adapter.GetProperty("online").GetBoolean() && adapter.GetProperty("appliedConfigVersion").GetInt64() == version;
        }, TimeSpan.FromSeconds(20), () => "API never showed the adapter back online with the rotated config: " + adapter);
    }

    [Fact]
    public async Task Deleting_an_adapter_locks_out_its_live_session_too()
    {
        string id = NewId("e2e-delete");
        string secret = NewSecret();
        string broker = await lab.ProvisionAsync(id, secret, FirstLightFixture.GoodUser, FirstLightFixture.GoodPassword, lab.Registrar.Address);
        await using var device = lab.Broker.Client(broker, id, id, secret);
        var dropped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        device.Disconnected += _ => dropped.TrySetResult();
        await device.ConnectAsync();

        var deleted = await lab.Api.DeleteAsync($"/api/adapters/{id}");
        Assert.True(deleted.IsSuccessStatusCode, await deleted.Content.ReadAsStringAsync());

        // The broker reloads its credentials, drops the session, and refuses the reconnect.
        await dropped.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, await device.TryConnectAsync());
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await lab.Api.GetAsync($"/api/adapters/{id}")).StatusCode);
    }

    [Fact]
    public async Task Wrong_password_shows_the_credentials_fault_and_never_registered()
    {
        string id = NewId("e2e-badpw");
        string secret = NewSecret();
        string broker = await lab.ProvisionAsync(id, secret, FirstLightFixture.SecondUser, "not-the-password", lab.Registrar.Address);
        await using var sim = lab.StartSim(id, secret, broker);

        var fault = await sim.WaitForEventAsync("fault", e => e.GetProperty("code").GetString() == "sip.credentials" && e.GetProperty("state").GetString() == "raised");
        Assert.Equal(1, fault.GetProperty("line").GetInt32());
        Assert.Contains(fault.GetProperty("sipCode").GetInt32(), new[] { 401, 403, 407 });
        await sim.WaitForEventAsync("led", e => e.GetProperty("led").GetString() == "tel1" && e.GetProperty("pattern").GetString() == "code-2");
        await lab.Registrar.WaitForDecisionAsync(d => d.User == FirstLightFixture.SecondUser && d.Kind == RegistrarDecisionKind.Rejected, TimeSpan.FromSeconds(10));

        JsonElement adapter = default;
        await Eventually.Until(async () =>
        {
            adapter = await lab.GetAdapterAsync(id);
            return adapter.GetProperty("leds").GetProperty("tel1").GetString() == "code-2"
                && adapter.GetProperty("faults").EnumerateArray().Any(f => f.GetProperty("code").GetString() == "sip.credentials");
        }, TimeSpan.FromSeconds(20), () => "API never showed the credentials fault: " + adapter);
        Assert.Equal("failed", adapter.GetProperty("lines")[0].GetProperty("registration").GetString());

        Assert.DoesNotContain(sim.Events, e => e.GetProperty("event").GetString() == "registration" && e.GetProperty("state").GetString() == "registered");
        Assert.DoesNotContain(sim.Events, e => e.GetProperty("event").GetString() == "led" && e.GetProperty("led").GetString() == "tel1" && e.GetProperty("pattern").GetString() == "solid");
    }

    [Fact]
    public async Task Registrar_host_that_does_not_resolve_shows_the_DNS_fault()
    {
        string id = NewId("e2e-dns");
        string secret = NewSecret();
        string broker = await lab.ProvisionAsync(id, secret, FirstLightFixture.GoodUser, FirstLightFixture.GoodPassword, "registrar.invalid:5060");
        await using var sim = lab.StartSim(id, secret, broker);

        await sim.WaitForEventAsync("fault", e => e.GetProperty("code").GetString() == "sip.dns" && e.GetProperty("state").GetString() == "raised");
        await sim.WaitForEventAsync("led", e => e.GetProperty("led").GetString() == "tel1" && e.GetProperty("pattern").GetString() == "code-5");
        JsonElement adapter = default;
        await Eventually.Until(async () =>
        {
            adapter = await lab.GetAdapterAsync(id);
            return adapter.GetProperty("leds").GetProperty("tel1").GetString() == "code-5"
                && adapter.GetProperty("faults").EnumerateArray().Any(f => f.GetProperty("code").GetString() == "sip.dns");
        }, TimeSpan.FromSeconds(20), () => "API never showed the DNS fault: " + adapter);
    }

    [Fact]
    public async Task A_device_cannot_subscribe_to_another_devices_config()
    {
        string victim = NewId("e2e-victim");
        string intruder = NewId("e2e-intruder");
        string intruderSecret = NewSecret();
        string victimSecret = NewSecret();
        await lab.ProvisionAsync(victim, victimSecret, FirstLightFixture.SecondUser, "victim-line-password", lab.Registrar.Address);
        string broker = await lab.ProvisionAsync(intruder, intruderSecret, FirstLightFixture.GoodUser, FirstLightFixture.GoodPassword, lab.Registrar.Address);

        await using var client = await lab.Broker.ConnectAsync(broker, intruder, intruder, intruderSecret);

        // Mosquitto's ACL file (2.0) acknowledges a subscription outside the device's subtree but
        // never delivers a message on it; a broker that refuses it outright (SUBACK 128) is as good.
        int[] other = await client.SubscribeAsync($"ata/{victim}/config", 1);
        int[] wildcard = await client.SubscribeAsync("ata/+/config", 1);
        int[] own = await client.SubscribeAsync($"ata/{intruder}/config", 1);
        Assert.True(other[0] is 0 or 1 or 128);
        Assert.True(wildcard[0] is 0 or 1 or 128);
        Assert.True(own[0] is 0 or 1);

        // Its own config arrives once it says it is online (configs are never retained); nothing of the victim's ever does.
        await client.PublishAsync($"ata/{intruder}/status", "online"u8.ToArray(), 1, true);
        await Eventually.Until(() => Task.FromResult(client.Messages.Any(m => m.Topic == $"ata/{intruder}/config")), TimeSpan.FromSeconds(10),
            () => "the intruder's own config never arrived");
        // The victim's config really goes out: the victim itself gets it.
        Assert.Contains("victim-line-password", await ConfigAsync(broker, victim, victimSecret));

        // A message published after the subscriptions reaches the victim's topic but not the intruder.
        await lab.ProvisionAsync(victim, victimSecret, FirstLightFixture.SecondUser, "victim-line-password-2", lab.Registrar.Address);
        await lab.ProvisionAsync(intruder, intruderSecret, FirstLightFixture.GoodUser, FirstLightFixture.GoodPassword + "-2", lab.Registrar.Address);
        await Eventually.Until(() => Task.FromResult(client.Messages.Count(m => m.Topic == $"ata/{intruder}/config") >= 2), TimeSpan.FromSeconds(10),
            () => "the intruder's second config never arrived");
        Assert.DoesNotContain(client.Messages, m => m.Topic.Contains(victim, StringComparison.Ordinal));
        Assert.DoesNotContain(client.Messages, m => m.PayloadText.Contains("victim-line-password", StringComparison.Ordinal));

        // Publishing into another device's subtree is dropped by the broker: the first config the
        // victim gets afterwards (a retained one would come first) is still the gateway's.
        await client.PublishAsync($"ata/{victim}/config", "{\"version\":99,\"lines\":[],\"planted\":\"by-the-intruder\"}"u8.ToArray(), 1, true);
        string after = await ConfigAsync(broker, victim, victimSecret);
        Assert.Contains("victim-line-password-2", after);
        Assert.DoesNotContain("by-the-intruder", after);
    }

    [Fact]
    public async Task Provisioned_telephony_settings_are_applied_by_the_adapter_and_a_dialled_hash_21_reaches_support()
    {
        string id = NewId("e2e-tel");
        string secret = NewSecret();
        var response = await lab.Api.PutAsJsonAsync($"/api/adapters/{id}", new
        {
            secret,
            lines = new[]
            {
                new
                {
                    username = FirstLightFixture.GoodUser, password = FirstLightFixture.GoodPassword, registrar = lab.Registrar.Address,
                    flashMs = 700, shortTimerMs = 1500, longTimerMs = 6000,
                    tones = new Dictionary<string, string> { ["confirmation"] = "425:150 0:100 425:150 0:100 425:150 |" },
                },
            },
        });
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var answer = JsonDocument.Parse(body);
        string broker = answer.RootElement.GetProperty("brokerTls").GetString()!;
        long version = answer.RootElement.GetProperty("configVersion").GetInt64();

        await using var sim = lab.StartSim(id, secret, broker);
        await sim.WaitForEventAsync("config", e => e.GetProperty("version").GetInt64() == version && e.GetProperty("applied").GetBoolean());
        JsonElement adapter = default;
        await Eventually.Until(async () =>
        {
            adapter = await lab.GetAdapterAsync(id);
            return adapter.GetProperty("appliedConfigVersion").ValueKind == JsonValueKind.Number
                && adapter.GetProperty("appliedConfigVersion").GetInt64() == version;
        }, TimeSpan.FromSeconds(20), () => "API never showed the config applied: " + adapter);
        var line = adapter.GetProperty("lines")[0];
        Assert.Equal((700, 1500, 6000), (line.GetProperty("flashMs").GetInt32(), line.GetProperty("shortTimerMs").GetInt32(), line.GetProperty("longTimerMs").GetInt32()));

        // The household cancels call forwarding: confirmation, and support sees it with nothing further to do.
        await sim.WaitForEventAsync("registration", e => e.GetProperty("state").GetString() == "registered");
        await sim.Process.WriteLineAsync("offhook");
        await sim.WaitForEventAsync("tone", e => e.GetProperty("tone").GetString() == "dial");
        await sim.Process.WriteLineAsync("dial #21#");
        await sim.WaitForEventAsync("tone", e => e.GetProperty("tone").GetString() == "confirmation");
        await Eventually.Until(async () =>
        {
            adapter = await lab.GetAdapterAsync(id);
            return adapter.GetProperty("recentServiceRequests").GetArrayLength() == 1;
        }, TimeSpan.FromSeconds(20), () => "API never showed the service request: " + adapter);
        var request = adapter.GetProperty("recentServiceRequests")[0];
        Assert.Equal("#21#", request.GetProperty("serviceCode").GetString());
        Assert.Equal("cancel-call-forwarding", request.GetProperty("action").GetString());
        Assert.Equal(1, request.GetProperty("line").GetInt32());
        Assert.StartsWith("Nothing further needed", request.GetProperty("outcome").GetString());
        await sim.Process.WriteLineAsync("onhook");
    }

    /// <summary>The first config a device gets when it connects, subscribes and says it is online, as the adapter does.</summary>
    private async Task<string> ConfigAsync(string broker, string deviceId, string secret)
    {
        await using var device = await lab.Broker.ConnectAsync(broker, deviceId, deviceId, secret);
        await device.SubscribeAsync($"ata/{deviceId}/config", 1);
        await device.PublishAsync($"ata/{deviceId}/status", "online"u8.ToArray(), 1, true);
        return (await device.WaitForAsync(_ => true, "the config", TimeSpan.FromSeconds(10))).PayloadText;
    }
}
