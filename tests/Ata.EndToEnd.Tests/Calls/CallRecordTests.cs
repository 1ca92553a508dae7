using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ata.Core.Media;
using Ata.Lab;
using static Ata.EndToEnd.Tests.Calls.CallLab;

namespace Ata.EndToEnd.Tests.Calls;

/// <summary>The call lab's Kamailio with the real gateway (and its mosquitto) beside it: call records travel adapter → broker → gateway.</summary>
public sealed class CallRecordLab : IAsyncLifetime
{
    private const string AdminKey = "call-records-admin-key-7e57";
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "ata-e2e-calls-" + Guid.NewGuid().ToString("N")[..8]);

    public CallLab Lab { get; private set; } = null!;

    public ManagedProcess Gateway { get; private set; } = null!;

    public HttpClient Api { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Lab = await CallLab.StartAsync();
        string url = $"http://127.0.0.1:{FreePort.Tcp()}";
        Gateway = ManagedProcess.StartDotnet(RepoLayout.Find().GatewayAssembly, ["--urls", url, "--Gateway:DataDirectory=" + _dataDirectory],
            new ManagedProcessOptions { Name = "gateway", Environment = new Dictionary<string, string?> { ["Auth__AdminKey"] = AdminKey } });
        Api = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(10) };
        Api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminKey);
        await Eventually.Until(async () =>
        {
            try
            {
                return !Gateway.HasExited && (await Api.GetAsync("/healthz")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), () => "the gateway did not become healthy:\n" + Gateway.Tail());
        Broker = await DeviceBroker.FetchAsync(Api, Path.Combine(_dataDirectory, "test"));
    }

    /// <summary>The broker's TLS listener and its CA.</summary>
    public DeviceBroker Broker { get; private set; } = null!;

    /// <summary>
    /// Provisions <paramref name="deviceId"/> with <paramref name="user"/>'s line at the lab registrar (through
    /// <paramref name="outboundProxy"/> when given) and starts its simulator in gateway mode, registered.
    /// </summary>
    public async Task<SimAdapter> StartGatewayAdapterAsync(string deviceId, string user, string? outboundProxy = null)
    {
        const string secret = "call-record-device-secret";
        var response = await Api.PutAsJsonAsync($"/api/adapters/{deviceId}", new
        {
            secret,
            lines = new[] { new { username = user, password = PasswordOf(user), registrar = Lab.Registrar.Address, outboundProxy, dialPlan = CallLab.DialPlan, keepAliveSeconds = 0 } },
        });
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"PUT failed: {(int)response.StatusCode} {body}");
        string broker = JsonDocument.Parse(body).RootElement.GetProperty("brokerTls").GetString()!;
        var sim = new SimAdapter(ManagedProcess.StartDotnet(RepoLayout.Find().SimAssembly,
            ["--device-id", deviceId, .. Broker.SimArguments(broker), "--events", "json", "--local-address", "127.0.0.1", "--tones-wav", Lab.Recordings(user)],
            new ManagedProcessOptions { Name = "sim-" + deviceId, Environment = new Dictionary<string, string?> { ["ATA_SIM_SECRET"] = secret } }));
        await sim.WaitForEventAsync("registration", e => e.GetProperty("state").GetString() == "registered", TimeSpan.FromSeconds(30));
        return sim;
    }

    /// <summary>The adapter's call records at the gateway once there are <paramref name="count"/>, newest first.</summary>
    public async Task<List<JsonElement>> CallRecordsAsync(string deviceId, int count)
    {
        List<JsonElement> records = [];
        await Eventually.Until(async () =>
        {
            records = [.. JsonDocument.Parse(await Api.GetStringAsync($"/api/adapters/{deviceId}/calls")).RootElement.Clone().EnumerateArray()];
            return records.Count >= count;
        }, TimeSpan.FromSeconds(20), () => $"{deviceId} has {records.Count} call records at the gateway, not {count}:\n" + Gateway.Tail());
        return records;
    }

    public async Task DisposeAsync()
    {
        Api?.Dispose();
        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }

        if (Lab is not null)
        {
            await Lab.DisposeAsync();
        }

        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>
/// Each call's record, as the adapter sends it and the gateway stores it, says what happened: through a
/// relay that drops and delays packets, its loss, jitter and MOS agree with what the relay did; refused
/// by a far end (sipp), its status and reason phrase.
/// </summary>
public sealed class CallRecordTests(CallRecordLab shared, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<CallRecordLab>
{
    private static readonly TimeSpan Talk = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Through_a_lossy_jittery_relay_the_records_loss_jitter_and_MOS_match_what_the_relay_did()
    {
        var lab = shared.Lab;
        using var relay = new LossyMediaRelay(loss: 0.05, delayMs: 80, jitterMs: 80, seed: 3550);
        using var proxy = new MediaAnchoringProxy(IPEndPoint.Parse(lab.Registrar.Address), relay);
        string userA = lab.NewUser(), userB = lab.NewUser();
        await using var a = await shared.StartGatewayAdapterAsync("record-lossy", userA, proxy.Address);
        await using var b = await lab.StartAdapterAsync(userB);
        await a.Process.WriteLineAsync("mic tone 1000 1");
        await b.Process.WriteLineAsync("mic tone 440 1");
        await DialAsync(a, userB);
        await CallState(b, "ringing");
        await b.Process.WriteLineAsync("offhook 1");
        await CallState(a, "connected");
        await Task.Delay(Talk);
        await a.Process.WriteLineAsync("onhook 1");
        await CallState(a, "ended");
        await b.Process.WriteLineAsync("onhook 1");

        var record = Assert.Single(await shared.CallRecordsAsync("record-lossy", 1));
        Assert.Equal(("completed", 200, "household", "outgoing"),
            (record.GetProperty("outcome").GetString(), record.GetProperty("sipCode").GetInt32(), record.GetProperty("endedBy").GetString(), record.GetProperty("direction").GetString()));
        Assert.Equal(new string('*', userB.Length - 3) + userB[^3..], record.GetProperty("farEnd").GetString());
        Assert.InRange(record.GetProperty("durationMs").GetInt64(), (long)Talk.TotalMilliseconds, (long)Talk.TotalMilliseconds + 3000);
        var quality = record.GetProperty("quality");

        // Loss: B's stream to A, as the relay dropped it (the last few packets still held at the hang-up aside).
        var stream = relay.BToA;
        double relayLoss = stream.Dropped * 100.0 / (stream.Dropped + stream.Forwarded);
        double loss = quality.GetProperty("lossPercent").GetDouble();
        Assert.True(Math.Abs(loss - relayLoss) <= 1, $"the record says {loss:F2} % lost; the relay dropped {relayLoss:F2} % ({stream.Dropped} of {stream.Dropped + stream.Forwarded})");
        Assert.InRange(relayLoss, 2, 9);

        // Jitter: RFC 3550's estimate at A against the same estimate over the packets as they left the relay
        // (80 ± 80 ms of delay: J near 53 ms, well above the few ms a loaded test host adds to the simulator's arrival times).
        double jitter = quality.GetProperty("jitterMs").GetDouble();
        Assert.True(Math.Abs(jitter - stream.JitterMs) <= 0.2 * stream.JitterMs, $"the record says {jitter:F2} ms jitter; the relay's departures give {stream.JitterMs:F2} ms");
        Assert.InRange(stream.JitterMs, 30, 80);

        // MOS: the E-model (G.711 with concealment) at the relay's loss and the call's delay, as the record gives it.
        // RTCP passes the relay at once: the round trip is loopback's, or unknown when no report came back in time.
        int roundTrip = quality.GetProperty("roundTripMs") is { ValueKind: JsonValueKind.Number } rtt ? rtt.GetInt32() : 0;
        int oneWay = (roundTrip / 2) + quality.GetProperty("jitterBufferMs").GetInt32() + 20;
        double mos = quality.GetProperty("mos").GetDouble();
        output.WriteLine($"loss {loss:F2} % (relay {relayLoss:F2} %), jitter {jitter:F2} ms (relay {stream.JitterMs:F2} ms), MOS {mos:F2} (E-model at the relay's loss {MediaQuality.MosFor(relayLoss, oneWay):F2}), one-way {oneWay} ms");
        Assert.Equal(MediaQuality.MosFor(loss, oneWay), mos, 2);
        Assert.True(Math.Abs(mos - MediaQuality.MosFor(relayLoss, oneWay)) <= 0.15, $"MOS {mos:F2}; at the relay's loss the E-model gives {MediaQuality.MosFor(relayLoss, oneWay):F2}");
        Assert.True(quality.GetProperty("packetsSent").GetInt64() > 400, quality.ToString());
    }

    [Theory]
    [InlineData(404, "Not Found", "not-reachable")]
    [InlineData(402, "Payment Required", "network-failure")]
    [InlineData(403, "Call Barred", "refused")]
    public async Task A_call_the_far_end_refuses_is_recorded_with_its_status_and_reason_phrase(int code, string reason, string outcome)
    {
        var lab = shared.Lab;
        string number = lab.NewUser();
        await using var sipp = SippScenario.Start($"refuse-{code}.xml", new SippOptions { Timeout = TimeSpan.FromSeconds(60) });
        await sipp.WaitUntilListeningAsync(TimeSpan.FromSeconds(5));
        await SippScenario.RegisterContactAsync(lab.Registrar.Address, number, PasswordOf(number), sipp.Address);
        string deviceId = $"record-refused-{code}";
        await using var adapter = await shared.StartGatewayAdapterAsync(deviceId, lab.NewUser());

        await DialAsync(adapter, number);
        await CallState(adapter, "ended");
        await sipp.EnsureSucceededAsync(TimeSpan.FromSeconds(30));
        await adapter.Process.WriteLineAsync("onhook 1");

        var record = Assert.Single(await shared.CallRecordsAsync(deviceId, 1));
        Assert.Equal((code, reason, outcome, "network"),
            (record.GetProperty("sipCode").GetInt32(), record.GetProperty("reason").GetString(), record.GetProperty("outcome").GetString(), record.GetProperty("endedBy").GetString()));
        Assert.Equal(JsonValueKind.Null, record.GetProperty("quality").ValueKind);
        Assert.Equal(JsonValueKind.Null, record.GetProperty("answeredAt").ValueKind);
    }
}
