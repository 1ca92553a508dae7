using System.Net.Http.Json;
using System.Text.Json;
using Ata.EndToEnd.Tests.Calls;
using Ata.Lab;
using static Ata.EndToEnd.Tests.Calls.CallLab;

namespace Ata.EndToEnd.Tests.MessageWaiting;

/// <summary>
/// Message waiting switched off per line through the gateway: the adapter, provisioned by the real gateway and
/// registered at Kamailio, subscribes through it to the voicemail system (sipp) and shows the light; support
/// switches the line's message waiting off with a PATCH, and the adapter ends the subscription with a SUBSCRIBE
/// Expires: 0 in its dialog, which Kamailio relays to the voicemail system, and puts the light out; the gateway
/// shows the line's voicemail light off from its health.
/// </summary>
[Collection(FirstLightCollection.Name)]
public sealed class MessageWaitingSwitchTests(FirstLightFixture gateway)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Switched_off_through_the_gateway_the_adapter_unsubscribes_at_the_voicemail_system_and_the_light_goes_out()
    {
        int voicemailPort = FreePort.Udp();
        await using var lab = await CallLab.StartAsync(new KamailioRegistrarOptions { VoicemailServer = $"127.0.0.1:{voicemailPort}" });
        await using var voicemail = SippScenario.Start("voicemail-unsubscribe.xml", new SippOptions { Port = voicemailPort, Timeout = TimeSpan.FromSeconds(90), Name = "voicemail-off" });
        await voicemail.WaitUntilListeningAsync(TimeSpan.FromSeconds(5));
        string user = lab.NewUser();
        string id = "e2e-mwi-" + Guid.NewGuid().ToString("N")[..6];
        string secret = "dev-" + Guid.NewGuid().ToString("N");
        string broker = await gateway.ProvisionAsync(id, secret, user, PasswordOf(user), lab.Registrar.Address);
        await using var sim = gateway.StartSim(id, secret, broker);

        var lit = await sim.WaitForEventAsync("led", e => Is(e, "led", "tel1") && Is(e, "pattern", "message-waiting"), Timeout);
        await Eventually.Until(async () => Voicemail(await gateway.GetAdapterAsync(id)) == "waiting", Timeout, () => "the gateway never showed messages waiting");

        var patch = new HttpRequestMessage(HttpMethod.Patch, $"/api/adapters/{id}")
        {
            Content = JsonContent.Create(new { lines = new Dictionary<string, object> { ["0"] = new { messageWaiting = false } }, reason = "no voicemail service" }),
        };
        patch.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/merge-patch+json");
        var patched = await gateway.Api.SendAsync(patch);
        Assert.True(patched.IsSuccessStatusCode, await patched.Content.ReadAsStringAsync());

        var result = await voicemail.EnsureSucceededAsync(TimeSpan.FromSeconds(60));
        var subscribes = result.Messages.Where(m => m.Received && m.Method == "SUBSCRIBE").ToList();
        Assert.Equal(2, subscribes.Count);
        Assert.Equal("0", subscribes[1].Header("Expires")?.Trim());
        Assert.Equal(subscribes[0].Header("Call-ID"), subscribes[1].Header("Call-ID"));

        long litAt = lit.GetProperty("t").GetInt64();
        await sim.WaitForEventAsync("led", e => Is(e, "led", "tel1") && Is(e, "pattern", "solid") && e.GetProperty("t").GetInt64() > litAt, Timeout);
        await Eventually.Until(async () => Voicemail(await gateway.GetAdapterAsync(id)) == "off", Timeout, () => "the gateway never showed message waiting off");
    }

    private static string? Voicemail(JsonElement adapter) =>
        adapter.GetProperty("lines")[0].TryGetProperty("voicemail", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
