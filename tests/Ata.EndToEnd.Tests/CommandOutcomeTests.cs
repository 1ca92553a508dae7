using System.Net.Http.Json;
using System.Text.Json;
using Ata.Lab;

namespace Ata.EndToEnd.Tests;

/// <summary>
/// Commands with outcomes end to end: the simulated adapter answers on <c>cmd/result</c> through the
/// real broker, and the gateway shows the answer; a reboot support sends while the handset is off
/// hook waits for the line to be idle (the adapter defers it), unless forced.
/// </summary>
[Collection(FirstLightCollection.Name)]
public sealed class CommandOutcomeTests(FirstLightFixture lab)
{
    [Fact]
    public async Task A_reboot_sent_mid_call_waits_for_the_handset_and_the_gateway_shows_what_the_adapter_said()
    {
        var (id, sim) = await StartRegisteredAsync("e2e-cmd");
        await using var _ = sim;

        await sim.Process.WriteLineAsync("offhook");
        await sim.WaitForEventAsync("tone", e => e.GetProperty("tone").GetString() == "dial");
        var reboot = await SendAsync(id, new { command = "reboot" });
        var deferred = await OutcomeAsync(id, reboot, "done");
        Assert.Equal("rebooting once every line is idle", deferred.GetProperty("detail").GetString());

        // Still the same boot while the handset is up: a command sent after the reboot is answered too.
        var reregister = await SendAsync(id, new { command = "reregister" });
        Assert.Equal("registering again", (await OutcomeAsync(id, reregister, "done")).GetProperty("detail").GetString());
        Assert.DoesNotContain(sim.Process.StandardOutputLines, l => l.Contains("\"rebooting\"", StringComparison.Ordinal));

        // Hung up: the reboot happens, and the adapter comes back.
        await sim.Process.WriteLineAsync("onhook");
        var rebooting = await sim.WaitForEventAsync("rebooting", _ => true, TimeSpan.FromSeconds(30));
        await sim.WaitForEventAsync("mqtt-connected", e => e.GetProperty("t").GetInt64() >= rebooting.GetProperty("t").GetInt64(), TimeSpan.FromSeconds(30));

        // Forced, it does not wait for the handset.
        await sim.WaitForEventAsync("registration", e => e.GetProperty("t").GetInt64() >= rebooting.GetProperty("t").GetInt64()
            && e.GetProperty("state").GetString() == "registered", TimeSpan.FromSeconds(30));
        await Eventually.Until(async () => (await lab.GetAdapterAsync(id)).GetProperty("online").GetBoolean(), TimeSpan.FromSeconds(20), () => "never online again");
        await sim.Process.WriteLineAsync("offhook");
        await sim.WaitForEventAsync("tone", e => e.GetProperty("t").GetInt64() >= rebooting.GetProperty("t").GetInt64() && e.GetProperty("tone").GetString() == "dial");
        var forced = await SendAsync(id, new { command = "reboot", force = true });
        Assert.Equal("rebooting", (await OutcomeAsync(id, forced, "done")).GetProperty("detail").GetString());
        await sim.WaitForEventAsync("rebooting", e => e.GetProperty("t").GetInt64() > rebooting.GetProperty("t").GetInt64(), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_test_ring_rings_the_handset_with_the_national_cadence_and_stops_by_itself_and_health_comes_at_once()
    {
        var (id, sim) = await StartRegisteredAsync("e2e-ring");
        await using var _ = sim;

        var ring = await SendAsync(id, new { command = "ring", line = 1 });
        Assert.Equal("ringing line 1 for 10 s", (await OutcomeAsync(id, ring, "done")).GetProperty("detail").GetString());
        var on = await sim.WaitForEventAsync("ringer", e => e.GetProperty("line").GetInt32() == 1 && e.GetProperty("on").GetBoolean());
        var off = await sim.WaitForEventAsync("ringer", e => e.GetProperty("t").GetInt64() > on.GetProperty("t").GetInt64() && !e.GetProperty("on").GetBoolean());
        var again = await sim.WaitForEventAsync("ringer", e => e.GetProperty("t").GetInt64() > off.GetProperty("t").GetInt64() && e.GetProperty("on").GetBoolean());
        long firstOn = off.GetProperty("t").GetInt64() - on.GetProperty("t").GetInt64();
        long period = again.GetProperty("t").GetInt64() - on.GetProperty("t").GetInt64();
        Assert.InRange(firstOn, 500, 2500);
        Assert.InRange(period, 2000, 7000);

        // After ten seconds the ringing stops by itself, and the line is idle again.
        var ringing = await sim.WaitForEventAsync("line", e => e.GetProperty("line").GetInt32() == 1 && e.GetProperty("state").GetString() == "ringing");
        var idle = await sim.WaitForEventAsync("line", e => e.GetProperty("t").GetInt64() > ringing.GetProperty("t").GetInt64()
            && e.GetProperty("state").GetString() == "idle", TimeSpan.FromSeconds(30));
        Assert.InRange(idle.GetProperty("t").GetInt64() - ringing.GetProperty("t").GetInt64(), 9_500, 12_000);

        var health = await SendAsync(id, new { command = "health" });
        Assert.Equal("health report follows", (await OutcomeAsync(id, health, "done")).GetProperty("detail").GetString());
    }

    /// <summary>A new adapter, provisioned, registered and online as the gateway sees it.</summary>
    private async Task<(string Id, SimAdapter Sim)> StartRegisteredAsync(string prefix)
    {
        string id = $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";
        string secret = "dev-" + Guid.NewGuid().ToString("N");
        string broker = await lab.ProvisionAsync(id, secret, FirstLightFixture.GoodUser, FirstLightFixture.GoodPassword, lab.Registrar.Address);
        var sim = lab.StartSim(id, secret, broker);
        try
        {
            await sim.WaitForEventAsync("registration", e => e.GetProperty("state").GetString() == "registered");
            await Eventually.Until(async () => (await lab.GetAdapterAsync(id)).GetProperty("online").GetBoolean(), TimeSpan.FromSeconds(20), () => "never online");
            return (id, sim);
        }
        catch
        {
            await sim.DisposeAsync();
            throw;
        }
    }

    private async Task<string> SendAsync(string id, object command)
    {
        var response = await lab.Api.PostAsJsonAsync($"/api/adapters/{id}/commands", command);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    private async Task<JsonElement> OutcomeAsync(string id, string commandId, string status)
    {
        JsonElement command = default;
        await Eventually.Until(async () =>
        {
            command = JsonDocument.Parse(await lab.Api.GetStringAsync($"/api/adapters/{id}/commands/{commandId}")).RootElement.Clone();
            return command.GetProperty("status").GetString() == status;
        }, TimeSpan.FromSeconds(20), () => $"command {commandId} never {status}: {command}");
        return command;
    }
}
