using Ata.Gateway.Access;
using Ata.Gateway.Broker;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ata.Gateway.Apis;

/// <summary>The CA adapters check the broker against, for onboarding them.</summary>
/// <param name="Pem">The CA certificate file (PEM).</param>
/// <param name="Sha256">SHA-256 of the CA certificate (DER), lowercase hex: what an adapter compares the CA it is given with.</param>
/// <param name="BrokerTls">The broker's TLS <c>host:port</c> for adapters.</param>
public sealed record BrokerCa(string Pem, string Sha256, string? BrokerTls);

/// <summary>The broker API: what a technician needs to connect an adapter over TLS.</summary>
public static class BrokerApi
{
    /// <summary>Maps <c>GET /api/broker/ca</c> (support).</summary>
    /// <param name="app">The route builder.</param>
    public static IEndpointRouteBuilder MapBrokerApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/api/broker/ca", GetCa).WithTags("Broker").RequireAuthorization(Roles.SupportPolicy);
        return app;
    }

    /// <summary>The broker's CA certificate and its fingerprint (200), or 404 when the gateway knows of none (an external broker).</summary>
    /// <param name="broker">The broker.</param>
    public static Results<Ok<BrokerCa>, ProblemHttpResult> GetCa(IBroker broker)
    {
        ArgumentNullException.ThrowIfNull(broker);
        return broker.DeviceTls is { } tls
            ? TypedResults.Ok(new BrokerCa(tls.CaPem, tls.CaFingerprint, broker.DeviceTlsAddress))
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound,
                title: "The gateway does not know the broker's CA: it is an external broker (Broker:Url); ask its operator.");
    }
}
