using System.Text.Json;
using Ata.Gateway.Access;
using Ata.Gateway.Provisioning;
using Ata.Gateway.Store;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ata.Gateway.Apis;

/// <summary>
/// Partial changes of an adapter: <c>PATCH /api/adapters/{deviceId}</c> with a JSON merge patch
/// (<see cref="AdapterPatch"/>). Support may change a line's password, barring, dial plan (and its
/// inter-digit timers) and tones; everything else is an admin's. Every change is audited with who,
/// what (a secret as "changed", never its value) and the patch's optional <c>reason</c>.
/// </summary>
public static class AdapterChangesApi
{
    /// <summary>Maps <c>PATCH /api/adapters/{deviceId}</c> (support and admin).</summary>
    /// <param name="app">The route builder.</param>
    public static IEndpointRouteBuilder MapAdapterChangesApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPatch("/api/adapters/{deviceId}", PatchAdapterAsync).WithTags("Adapters").RequireAuthorization(Roles.SupportPolicy)
            .Accepts<JsonElement>(AdapterPatch.MediaType, RequestBody.MediaType);
        return app;
    }

    /// <summary>
    /// Applies a merge patch: 200 <c>{"deviceId","configVersion","changed":[…]}</c>; 400 with the
    /// fields at fault; 403 naming the fields only an admin may change; 404 for an unknown adapter;
    /// 415 unless the body is JSON (<c>application/merge-patch+json</c> or <c>application/json</c>).
    /// </summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="request">The request, whose body is read here so that every problem names its field.</param>
    /// <param name="provisioning">Provisioning.</param>
    /// <param name="audit">The audit log.</param>
    public static async Task<Results<Ok<PatchedAdapter>, ValidationProblem, NotFound<Microsoft.AspNetCore.Mvc.ProblemDetails>, ProblemHttpResult>> PatchAdapterAsync(
        string deviceId, HttpRequest request, AdapterProvisioning provisioning, AuditLog audit)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(provisioning);
        ArgumentNullException.ThrowIfNull(audit);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var (body, refusal) = await RequestBody.ReadJsonAsync(request, AdaptersApi.MaxBodyBytes, errors).ConfigureAwait(false);
        if (refusal is not null)
        {
            return refusal;
        }

        if (body is null)
        {
            return TypedResults.ValidationProblem(errors, title: "The adapter was not changed.");
        }

        var user = request.HttpContext.User;
        var isAdmin = user.IsInRole(Roles.Admin);
        var found = false;
        PatchOutcome? outcome = null;
        string? reason = null;
        IReadOnlyList<string> adminOnly = [];
        ProvisioningResult? result;
        using (body)
        {
            var patch = body.RootElement;
            try
            {
                result = await provisioning.ChangePartAsync(deviceId, (config, customer) =>
                {
                    found = true;
                    outcome = AdapterPatch.Apply(AdapterPatch.Render(config, customer), patch, errors, out reason);
                    if (outcome is null || (!isAdmin && !AdapterPatch.SupportMay(outcome.Changed, out adminOnly)) || outcome.Changed.Count == 0)
                    {
                        return null;
                    }

                    return outcome.Specification;
                }, AuditLog.ActorOf(user), request.HttpContext.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception exception) when (AdaptersApi.NotWritable(exception) is { } why)
            {
                return AdaptersApi.NotSaved("The adapter was not changed.", why);
            }
        }

        if (!found)
        {
            return TypedResults.NotFound(new Microsoft.AspNetCore.Mvc.ProblemDetails { Title = $"No adapter '{deviceId}'.", Status = StatusCodes.Status404NotFound });
        }

        if (errors.Count > 0 || outcome is null)
        {
            return TypedResults.ValidationProblem(errors, title: "The adapter was not changed.");
        }

        if (adminOnly.Count > 0)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Only an admin may make this change.",
                detail: $"Support may change a line's {string.Join(", ", AdapterPatch.SupportLineFields)}; this patch also changes {string.Join(", ", adminOnly)}.");
        }

        if (result is null)
        {
            return TypedResults.Ok(new PatchedAdapter(deviceId, provisioning.ConfigVersionOf(deviceId), []));
        }

        if (result.ChangedParts.Count > 0)
        {
            audit.Record(user, "adapter.update", deviceId, $"config v{result.ConfigVersion}; changed: {outcome.Described}{(reason is null ? string.Empty : "; reason: " + reason)}");
        }

        return TypedResults.Ok(new PatchedAdapter(deviceId, result.ConfigVersion, outcome.Changed));
    }
}

/// <summary>The answer to a PATCH.</summary>
/// <param name="DeviceId">The adapter's id.</param>
/// <param name="ConfigVersion">Its config version now (a new one when anything the adapter uses changed).</param>
/// <param name="Changed">What changed, by field, e.g. <c>lines[0].password</c>; empty when the patch changed nothing.</param>
public sealed record PatchedAdapter(string DeviceId, int ConfigVersion, IReadOnlyList<string> Changed);
