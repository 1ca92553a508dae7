using Ata.Gateway.Fleet;

namespace Ata.Gateway.Apis;

/// <summary>
/// <c>GET /healthz</c> (anonymous): 200 <c>ok</c> when the gateway is ready (its broker session is
/// connected and the database can be written), otherwise 503 <c>not ready: …</c> with each reason.
/// </summary>
public static class HealthEndpoint
{
    /// <summary>Maps <c>/healthz</c>.</summary>
    /// <param name="app">The route builder.</param>
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", (FleetChannel channel, ReportIngest ingest) => NotReadyBecause(channel, ingest) is { } reasons
                ? Results.Text($"not ready: {reasons}", "text/plain; charset=utf-8", statusCode: StatusCodes.Status503ServiceUnavailable)
                : Results.Text("ok", "text/plain; charset=utf-8"))
            .AllowAnonymous()
            .ExcludeFromDescription();
        return app;
    }

    /// <summary>Why the gateway is not ready, or null when it is.</summary>
    /// <param name="channel">The broker session.</param>
    /// <param name="ingest">The report ingest (whether the database can be written).</param>
    public static string? NotReadyBecause(FleetChannel channel, ReportIngest ingest)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(ingest);
        var reasons = new List<string>();
        if (!channel.IsConnected)
        {
            reasons.Add($"no broker session ({channel.State})");
        }

        if (ingest.StoreProblem is { } problem)
        {
            reasons.Add(problem);
        }

        return reasons.Count == 0 ? null : string.Join("; ", reasons);
    }
}
