using Ata.Gateway.Access;
using Ata.Gateway.Store;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ata.Gateway.Calls;

/// <summary>Registers call records and maps their API.</summary>
public static class CallsRegistration
{
    /// <summary>Adds <see cref="CallBook"/>, its options, <see cref="CallMetrics"/> and <see cref="CallRetention"/>.</summary>
    /// <param name="builder">The host builder.</param>
    public static IHostApplicationBuilder AddCallRecords(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<CallRecordOptions>()
            .BindConfiguration(CallRecordOptions.SectionName)
            .Validate(o => o.RetentionDays is >= 1 and <= 3660, "CallRecords:RetentionDays must be from 1 to 3660.")
            .Validate(o => o.MaxPerAdapter is >= 10 and <= 1_000_000, "CallRecords:MaxPerAdapter must be from 10 to 1000000.")
            .Validate(o => o.QualityWindowCalls is >= 1 and <= 1000, "CallRecords:QualityWindowCalls must be from 1 to 1000.")
            .Validate(o => o.PoorMosBelow is >= 1 and <= 4.5, "CallRecords:PoorMosBelow must be from 1 to 4.5.")
            .ValidateOnStart();
        builder.Services.AddSingleton<CallMetrics>();
        builder.Services.AddSingleton<CallBook>();
        builder.Services.AddSingleton<CallRetention>();
        builder.Services.AddHostedService(services => services.GetRequiredService<CallRetention>());
        return builder;
    }

    /// <summary>
    /// Maps <c>GET /api/adapters/{deviceId}/calls</c> (the adapter's call records, newest first) and
    /// <c>GET /api/adapters/{deviceId}/calls/quality</c> (per day and per line), support role.
    /// </summary>
    /// <param name="app">The route builder.</param>
    public static IEndpointRouteBuilder MapCallsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/adapters/{deviceId}/calls").WithTags("Calls").RequireAuthorization(Roles.SupportPolicy);
        api.MapGet("/", (string deviceId, AdapterStore store) =>
        {
            if (store.Find(deviceId) is null)
            {
                return (Results<Ok<IReadOnlyList<CallView>>, NotFound>)TypedResults.NotFound();
            }

            using var connection = store.Open();
            return TypedResults.Ok(CallBook.List(connection, deviceId));
        });
        api.MapGet("/quality", (string deviceId, AdapterStore store, CallBook calls) =>
        {
            if (store.Find(deviceId) is null)
            {
                return (Results<Ok<CallQualityView>, NotFound>)TypedResults.NotFound();
            }

            using var connection = store.Open();
            return TypedResults.Ok(calls.Quality(connection, deviceId));
        });
        return app;
    }
}
