using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ata.EndToEnd.Tests.Onboarding;

/// <summary>
/// Factory reset from the gateway (issue 16, item 3): only an admin may send it (support gets 403);
/// the adapter answers it (done) before it erases its settings, device secret, CA and provisioning,
/// comes back unprovisioned (PWR blink code 1, console "not set up"), the gateway marks it as needing
/// onboarding, and a new onboarding code brings it back.
/// </summary>
[Collection(FirstLightCollection.Name)]
public sealed class FactoryResetTests(FirstLightFixture lab) : IDisposable
{
    private readonly string _store = Path.Combine(Path.GetTempPath(), "ata-reset-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_store))
        {
            Directory.Delete(_store, recursive: true);
        }
    }

    [Fact]
    public async Task An_admins_factory_reset_is_answered_then_erases_the_board_which_needs_a_new_code()
    {
        string id = "e2e-reset-" + Guid.NewGuid().ToString("N")[..6];
        string broker = await lab.ProvisionAsync(id, "never-typed-" + Guid.NewGuid().ToString("N"), FirstLightFixture.GoodUser, FirstLightFixture.GoodPassword, lab.Registrar.Address);
        var (sim, console) = await BoardOnboarding.StartAsync(lab, _store, "sim-reset");
        await using var _ = sim;
        using var __ = console;
        await BoardOnboarding.OnboardAsync(console, await BoardOnboarding.IssueAsync(lab, id));
        await sim.WaitForEventAsync("registration", e => e.GetProperty("state").GetString() == "registered");

        // The code's first login swaps its secret for one of the board's own: reconnected with it, the board is settled.
        long rotatedAt = (await sim.WaitForEventAsync("device-secret-rotated", _ => true)).GetProperty("t").GetInt64();
        await sim.WaitForEventAsync("mqtt-connected", e => e.GetProperty("t").GetInt64() >= rotatedAt);
        await Eventually.Until(async () => (await lab.GetAdapterAsync(id)).GetProperty("online").GetBoolean(), TimeSpan.FromSeconds(20), () => "never online");

        // Support may not; an admin may.
        using (var support = await SupportClientAsync())
        {
            var refused = await support.PostAsJsonAsync($"/api/adapters/{id}/commands", new { command = "factory-reset" });
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        Assert.False((await OnboardingStateAsync(id))["needed"]!.GetValue<bool>());
        var sent = await lab.Api.PostAsJsonAsync($"/api/adapters/{id}/commands", new { command = "factory-reset" });
        string sentBody = await sent.Content.ReadAsStringAsync();
        Assert.True(sent.StatusCode == HttpStatusCode.Accepted, sentBody);
        string commandId = JsonNode.Parse(sentBody)!["id"]!.GetValue<string>();

        // The answer reaches the gateway (done), then the board erases itself and restarts unprovisioned.
        await sim.WaitForEventAsync("factory-reset", _ => true);
        JsonNode? command = null;
        await Eventually.Until(async () =>
        {
            command = JsonNode.Parse(await lab.Api.GetStringAsync($"/api/adapters/{id}/commands/{commandId}"));
            return command!["status"]!.GetValue<string>() == "done";
        }, TimeSpan.FromSeconds(20), () => "the factory reset was never answered: " + command);
        Assert.Contains("onboard it again", command!["detail"]!.GetValue<string>());
        var state = await OnboardingStateAsync(id);
        Assert.True(state["needed"]!.GetValue<bool>(), state.ToJsonString());
        Assert.Equal("factory reset", state["reason"]!.GetValue<string>());

        await sim.WaitForEventAsync("rebooting", e => e.GetProperty("detail").GetString() == "factory-reset");
        string status = await console.CommandAsync("status");
        Assert.Contains("gateway:    not set up", status);
        Assert.Contains("pwr: code-1", await console.CommandAsync("leds"));
        string settings = await console.CommandAsync("show settings");
        Assert.Contains("gateway CA = none", settings);
        Assert.DoesNotContain(id, settings);

        // A new code brings it back, and the gateway no longer says it needs onboarding.
        var (_, back) = await BoardOnboarding.OnboardAsync(console, await BoardOnboarding.IssueAsync(lab, id));
        Assert.Contains($"onboarded: device {id}, gateway {broker} over TLS", back);
        await sim.WaitForEventAsync("registration", e => e.GetProperty("state").GetString() == "registered", includeEarlier: false);
        await Eventually.Until(async () => !(await OnboardingStateAsync(id))["needed"]!.GetValue<bool>(), TimeSpan.FromSeconds(30),
            () => "still marked as needing onboarding");
    }

    private async Task<JsonNode> OnboardingStateAsync(string id) =>
        JsonNode.Parse(await lab.Api.GetStringAsync($"/api/adapters/{id}/onboarding"))!;

    private async Task<HttpClient> SupportClientAsync()
    {
        var key = await lab.Api.PostAsJsonAsync("/api/keys", new { name = "reset-agent-" + Guid.NewGuid().ToString("N")[..6], role = "support" });
        string body = await key.Content.ReadAsStringAsync();
        Assert.True(key.IsSuccessStatusCode, body);
        var client = new HttpClient { BaseAddress = lab.Api.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", JsonNode.Parse(body)!["key"]!.GetValue<string>());
        return client;
    }
}
