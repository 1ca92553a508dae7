using Ata.Gateway.Access;
using Ata.Gateway.Store;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Incidents;

/// <summary>Registers incidents and the fault relay.</summary>
public static class IncidentRegistration
{
    /// <summary>Adds <see cref="IncidentBook"/>, its options, and the <see cref="FaultRelay"/>.</summary>
    /// <param name="builder">The host builder.</param>
    public static IHostApplicationBuilder AddIncidents(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<IncidentOptions>()
            .BindConfiguration(IncidentOptions.SectionName)
            .Validate(o => o.QuietSeconds is >= 0 and <= 86400, "Incidents:QuietSeconds must be from 0 to 86400.")
            .Validate(o => o.FlapThreshold is >= 1 and <= 1000, "Incidents:FlapThreshold must be from 1 to 1000.")
            .Validate(o => o.FoldWindowSeconds is >= 0 and <= 3600, "Incidents:FoldWindowSeconds must be from 0 to 3600.")
            .Validate(o => o.FoldThreshold is >= 2 and <= 100000, "Incidents:FoldThreshold must be from 2 to 100000.")
            .Validate(o => o.MaxPerAdapterPerHour is >= 1 and <= 10000, "Incidents:MaxPerAdapterPerHour must be from 1 to 10000.")
            .ValidateOnStart();
        builder.Services.AddOptions<RelayOptions>()
            .BindConfiguration(RelayOptions.SectionName)
            .Validate(o => o.WebhookUrl is null or "" || Uri.TryCreate(o.WebhookUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https",
                "Relay:WebhookUrl must be an absolute http(s) URL.")
            .Validate(o => o.SmtpPort is >= 1 and <= 65535, "Relay:SmtpPort must be from 1 to 65535.")
            .ValidateOnStart();
        builder.Services.AddSingleton<IncidentBook>();
        builder.Services.AddSingleton<FaultRelay>();
        builder.Services.AddHostedService(services => services.GetRequiredService<FaultRelay>());
        return builder;
    }

    /// <summary>Maps <c>GET /api/incidents</c> (support): incidents newest first; <c>?open=true</c> for the open ones.</summary>
    /// <param name="app">The route builder.</param>
    public static IEndpointRouteBuilder MapIncidentsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/incidents", (AdapterStore store, bool? open) =>
            {
                using var connection = store.Open();
                return TypedResults.Ok(IncidentBook.List(connection, open ?? false));
            })
            .WithTags("Incidents")
            .RequireAuthorization(Roles.SupportPolicy);
        return app;
    }
}
