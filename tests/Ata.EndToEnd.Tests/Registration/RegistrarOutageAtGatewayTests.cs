using System.Net.Http.Json;
using System.Text.Json;
using Ata.Lab;

namespace Ata.EndToEnd.Tests.Registration;

/// <summary>
/// The gateway half of <see cref="RegistrarOutageTests"/>: a registrar that hangs (a real Kamailio of
/// the test's own, paused with SIGSTOP) is seen by support on the adapter's line within a minute, and
/// the fault is gone within seconds of the registrar running again. The simulator runs in gateway
/// mode, provisioned through the API with a registrar probe every 10 s (the adapter's default is 30 s,
/// within a minute as well; 10 s keeps the test short and shows the setting reaching the adapter).
/// </summary>
[Collection(FirstLightCollection.Name)]
public sealed class RegistrarOutageAtGatewayTests(FirstLightFixture lab)
{
    private const string User = "4101";
    private const string Password = "pw-4101";
    private const string Unreachable = "sip.unreachable";

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static bool UnreachableOnLine1(JsonElement adapter) =>
        adapter.GetProperty("faults").EnumerateArray().Any(f => f.GetProperty("code").GetString() == Unreachable
            && f.GetProperty("line").ValueKind == JsonValueKind.Number && f.GetProperty("line").GetInt32() == 1);

    private static bool Registered(JsonElement adapter) =>
        adapter.GetProperty("lines")[0].GetProperty("registration").GetString() == "registered";

    [Fact]
    public async Task A_paused_registrar_shows_at_the_gateway_within_a_minute_and_clears_within_seconds_of_its_resuming()
    {
        await using var registrar = await KamailioRegistrar.StartAsync(new Dictionary<string, string> { [User] = Password });
        string id = $"e2e-hung-{Guid.NewGuid().ToString("N")[..6]}";
        string secret = "dev-" + Guid.NewGuid().ToString("N");
        var response = await lab.Api.PutAsJsonAsync($"/api/adapters/{id}", new
        {
            secret,
            lines = new[] { new { username = User, password = Password, registrar = registrar.Address, registrarProbeSeconds = 10 } },
        });
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        await using var sim = lab.StartSim(id, secret, JsonDocument.Parse(body).RootElement.GetProperty("brokerTls").GetString()!);
        await sim.WaitForEventAsync("registration", e => e.GetProperty("state").GetString() == "registered");
        await WaitForAdapterAsync(id, Registered, "the line registered at the gateway", TimeSpan.FromSeconds(20));

        long pausedAt = Now();
        registrar.Pause();
        await WaitForAdapterAsync(id, UnreachableOnLine1, "the registrar-unreachable fault at the gateway", TimeSpan.FromSeconds(70));
        long seenAfter = Now() - pausedAt;
        Assert.True(seenAfter < 60_000, $"the gateway showed the fault {seenAfter} ms after the pause");
        await WaitForAdapterAsync(id, a => a.GetProperty("leds").GetProperty("tel1").GetString() == "code-4",
            "TEL1's unreachable code in the next health report", TimeSpan.FromSeconds(10));

        registrar.Resume();
        long resumedAt = Now();
        await WaitForAdapterAsync(id, a => !UnreachableOnLine1(a), "the fault cleared at the gateway", TimeSpan.FromSeconds(10));
        long clearedAfter = Now() - resumedAt;
        Assert.True(clearedAfter < 5_000, $"the gateway cleared the fault {clearedAfter} ms after the registrar resumed");
        var events = await lab.GetFaultEventsAsync(id);
        Assert.Equal([true, false], events.Where(e => e.GetProperty("code").GetString() == Unreachable).Reverse().Select(e => e.GetProperty("raised").GetBoolean()));
    }

    private async Task<JsonElement> WaitForAdapterAsync(string id, Func<JsonElement, bool> condition, string what, TimeSpan timeout)
    {
        JsonElement adapter = default;
        await Eventually.Until(async () => condition(adapter = await lab.GetAdapterAsync(id)), timeout, () => $"{what} never came: {adapter}");
        return adapter;
    }
}
