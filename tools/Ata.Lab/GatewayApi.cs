using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Ata.Lab;

/// <summary>The few calls the lab makes to the fleet gateway's support API.</summary>
internal sealed class GatewayApi(Uri baseAddress) : IDisposable
{
    private static readonly TimeSpan HealthPollInterval = TimeSpan.FromMilliseconds(250);
    private readonly HttpClient http = new() { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>Sends <paramref name="apiKey"/> (an admin key) with every later call; the API refuses calls without one.</summary>
    public void UseKey(string apiKey) =>
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);

    /// <summary>Polls <c>GET /healthz</c> until it answers 200; fails early when the gateway exits.</summary>
    public async Task WaitUntilHealthyAsync(ManagedProcess gateway, string logPath, TimeSpan timeout, CancellationToken stopping)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(timeout);
        try
        {
            while (true)
            {
                if (gateway.HasExited)
                {
                    throw new LabException($"the gateway exited with code {await gateway.Completion.ConfigureAwait(false)} before it was healthy; see {logPath}");
                }

                var poll = Task.Delay(HealthPollInterval, deadline.Token);
                if (await IsHealthyAsync(deadline.Token).ConfigureAwait(false))
                {
                    return;
                }

                await poll.ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            throw new LabException($"the gateway did not answer GET /healthz with 200 within {timeout.TotalSeconds:0} s; see {logPath}");
        }
    }

    /// <summary>
    /// Provisions an adapter: <c>PUT /api/adapters/{deviceId}</c>; returns the broker's TLS address
    /// (<c>host:port</c>) the device must use.
    /// </summary>
    public async Task<string> ProvisionAsync(LabAdapter adapter, string registrar, CancellationToken stopping)
    {
        var document = new AdapterDocument(adapter.Secret, [new LineDocument(adapter.Line, adapter.LinePassword, registrar, Lab.DialPlan)]);
        var path = $"api/adapters/{Uri.EscapeDataString(adapter.DeviceId)}";
        using var response = await http.PutAsJsonAsync(path, document, JsonSerializerOptions.Web, stopping).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(stopping).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new LabException($"PUT /{path} answered {(int)response.StatusCode} {response.ReasonPhrase}: {OneLine(body)}");
        }

        try
        {
            using var json = JsonDocument.Parse(body);
            foreach (var property in json.RootElement.EnumerateObject())
            {
                if (property.NameEquals("brokerTls") && property.Value.ValueKind == JsonValueKind.String && property.Value.GetString() is { Length: > 0 } broker)
                {
                    return broker;
                }
            }
        }
        catch (JsonException error)
        {
            throw new LabException($"PUT /{path} answered with something other than JSON: {OneLine(body)}", error);
        }

        throw new LabException($"PUT /{path} answered without a \"brokerTls\" address: {OneLine(body)}");
    }

    /// <summary>The broker's CA (PEM) and its SHA-256: <c>GET /api/broker/ca</c>.</summary>
    public async Task<(string Pem, string Sha256)> GetBrokerCaAsync(CancellationToken stopping)
    {
        using var response = await http.GetAsync("api/broker/ca", stopping).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(stopping).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new LabException($"GET /api/broker/ca answered {(int)response.StatusCode} {response.ReasonPhrase}: {OneLine(body)}");
        }

        try
        {
            using var json = JsonDocument.Parse(body);
            return (json.RootElement.GetProperty("pem").GetString()!, json.RootElement.GetProperty("sha256").GetString()!);
        }
        catch (Exception error) when (error is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new LabException($"GET /api/broker/ca answered something unexpected: {OneLine(body)}", error);
        }
    }

    public void Dispose() => http.Dispose();

    private static string OneLine(string text)
    {
        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length <= 200 ? line : line[..200] + "…";
    }

    private async Task<bool> IsHealthyAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync("healthz", cancellationToken).ConfigureAwait(false);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private sealed record AdapterDocument(string Secret, IReadOnlyList<LineDocument> Lines);

    private sealed record LineDocument(string Username, string Password, string Registrar, string DialPlan);
}
