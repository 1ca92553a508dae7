using System.Text.Json;
using Ata.Gateway.Provisioning;
using Ata.Gateway.Store;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ata.Gateway.Apis;

/// <summary>The support API: provision adapters and see what they report.</summary>
public static class AdaptersApi
{
    /// <summary>Largest request body accepted by <c>PUT /api/adapters/{deviceId}</c>.</summary>
    public const long MaxBodyBytes = 64 * 1024;

    /// <summary>
    /// Maps <c>GET /api/adapters</c>, <c>GET /api/adapters/{deviceId}</c> and
    /// <c>PUT /api/adapters/{deviceId}</c>.
    /// </summary>
    /// <param name="app">The route builder.</param>
    public static IEndpointRouteBuilder MapAdaptersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/adapters").WithTags("Adapters");
        api.MapGet("/", ListAdapters);
        api.MapGet("/{deviceId}", GetAdapter);
        api.MapPut("/{deviceId}", PutAdapter);
        return app;
    }

    /// <summary>Every adapter, by id.</summary>
    /// <param name="store">The store.</param>
    public static Ok<IReadOnlyList<AdapterView>> ListAdapters(AdapterStore store) =>
        TypedResults.Ok(store.List());

    /// <summary>One adapter, or 404.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="store">The store.</param>
    public static Results<Ok<AdapterView>, NotFound> GetAdapter(string deviceId, AdapterStore store) =>
        store.Find(deviceId) is { } adapter ? TypedResults.Ok(adapter) : TypedResults.NotFound();

    /// <summary>
    /// Creates (201) or updates (200) an adapter from
    /// <c>{"secret":"…","lines":[{"username":"…","password":"…","registrar":"host[:port]"}]}</c>;
    /// 400 with the fields at fault otherwise.
    /// </summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="request">The HTTP request, whose body is read here so every problem names its field.</param>
    /// <param name="provisioning">Provisioning.</param>
    /// <param name="cancellationToken">The request's cancellation.</param>
    public static async Task<Results<Created<ProvisionedAdapter>, Ok<ProvisionedAdapter>, ValidationProblem, ProblemHttpResult>> PutAdapter(
        string deviceId, HttpRequest request, AdapterProvisioning provisioning, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(provisioning);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        AdapterRequest.ValidateDeviceId(deviceId, errors);

        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }

        AdapterSpecification? specification = null;
        try
        {
            using var body = await JsonDocument.ParseAsync(request.Body, default, cancellationToken).ConfigureAwait(false);
            specification = AdapterRequest.Read(body.RootElement, errors);
        }
        catch (JsonException exception)
        {
            errors[AdapterRequest.BodyKey] = [$"The body is not valid JSON: {FirstSentence(exception.Message)}"];
        }
        catch (BadHttpRequestException exception)
        {
            return TypedResults.Problem(statusCode: exception.StatusCode, title: "The request body could not be read.");
        }

        if (errors.Count > 0 || specification is null)
        {
            return TypedResults.ValidationProblem(errors, title: "The adapter was not saved.");
        }

        var result = await provisioning.ProvisionAsync(deviceId, specification, cancellationToken).ConfigureAwait(false);
        var response = new ProvisionedAdapter(result.DeviceId, result.ConfigVersion, result.Broker);
        return result.Created
            ? TypedResults.Created($"/api/adapters/{Uri.EscapeDataString(deviceId)}", response)
            : TypedResults.Ok(response);
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }
}

/// <summary>The answer to a PUT: the adapter's config version and the broker it must connect to.</summary>
/// <param name="DeviceId">The adapter's id.</param>
/// <param name="ConfigVersion">Its config version now.</param>
/// <param name="Broker">The <c>host:port</c> it connects to, as its device id with its secret.</param>
public sealed record ProvisionedAdapter(string DeviceId, int ConfigVersion, string Broker);
