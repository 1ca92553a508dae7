using Ata.Gateway.Access;
using Ata.Gateway.Provisioning;
using Ata.Gateway.Store;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ata.Gateway.Apis;

/// <summary>Where an adapter is with onboarding: <c>GET /api/adapters/{deviceId}/onboarding</c> (support).</summary>
public static class OnboardingApi
{
    /// <summary>Maps the endpoint.</summary>
    /// <param name="app">The route builder.</param>
    public static IEndpointRouteBuilder MapOnboardingApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/api/adapters/{deviceId}/onboarding", GetState).WithTags("Adapters").RequireAuthorization(Roles.SupportPolicy);
        return app;
    }

    /// <summary>
    /// 200 <c>{"needed","since","reason","codeExpiresAt"}</c>: whether the adapter needs onboarding (it
    /// confirmed a factory reset and has not logged in with a new code since) and whether a code waits; 404 when unknown.
    /// </summary>
    /// <param name="deviceId">The adapter.</param>
    /// <param name="store">The adapters.</param>
    /// <param name="codes">The onboarding codes.</param>
    public static Results<Ok<OnboardingState>, NotFound> GetState(string deviceId, AdapterStore store, OnboardingCodes codes)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(codes);
        return store.Find(deviceId) is null ? TypedResults.NotFound() : TypedResults.Ok(codes.State(deviceId));
    }
}
