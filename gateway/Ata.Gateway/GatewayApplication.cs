using System.Text.Json;
using Ata.Gateway.Access;
using Ata.Gateway.Apis;
using Ata.Gateway.Broker;
using Ata.Gateway.Dashboard;
using Ata.Gateway.Fleet;
using Ata.Gateway.Incidents;
using Ata.Gateway.Provisioning;
using Ata.Gateway.Store;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Options;

namespace Ata.Gateway;

/// <summary>The gateway's features, registered and mapped in one place for Program.cs and for tests.</summary>
public static partial class GatewayApplication
{
    /// <summary>
    /// Adds the store, the broker (embedded or external), the fleet channel, provisioning,
    /// authentication with roles, OpenAPI, problem details and single-line console logs.
    /// </summary>
    /// <param name="builder">The web application builder.</param>
    public static WebApplicationBuilder AddGateway(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = DefaultSettings });
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss ";
        });
        builder.AddAdapterStore();
        builder.AddBroker();
        builder.AddFleetChannel();
        builder.AddProvisioning();
        builder.AddAccess();
        builder.AddIncidents();
        builder.Services.AddOpenApi();
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase);
        return builder;
    }

    /// <summary>
    /// Settings that apply unless configuration (appsettings, environment, command line) says otherwise:
    /// quiet per-request logs.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> DefaultSettings { get; } = new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
    };

    /// <summary>
    /// Maps sign-in, the support API, <c>/metrics</c>, the dashboard, the OpenAPI description
    /// (<c>/openapi/v1.json</c>) and the anonymous <c>/healthz</c> (ready or not, and why); announces the addresses once started.
    /// </summary>
    /// <param name="app">The web application.</param>
    public static WebApplication MapGateway(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapAccess();
        app.MapAdaptersApi();
        app.MapMetrics();
        app.MapIncidentsApi();
        app.MapDashboard();
        app.MapOpenApi().RequireAuthorization(Roles.SupportPolicy);
        app.MapHealth();
        app.Lifetime.ApplicationStarted.Register(() => Announce(app));
        return app;
    }

    /// <summary>
    /// Runs the gateway until shut down. A missing Mosquitto binary or invalid settings end it at
    /// once with one log line and exit code 1, not a stack trace.
    /// </summary>
    /// <param name="app">The web application.</param>
    /// <returns>The process exit code.</returns>
    public static async Task<int> RunGatewayAsync(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GatewayApplication).Namespace!);
        try
        {
            _ = app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value;
            _ = app.Services.GetRequiredService<IOptions<BrokerOptions>>().Value;
            app.Services.GetService<IStartupValidator>()?.Validate();
            if (app.Services.GetService<EmbeddedBroker>() is { IsInstalled: false })
            {
                throw new MosquittoNotInstalledException();
            }

            await app.RunAsync().ConfigureAwait(false);
            return 0;
        }
        catch (Exception exception) when (exception is MosquittoNotInstalledException or OptionsValidationException)
        {
            LogCannotStart(logger, exception.Message);
            return 1;
        }
        catch (AggregateException exceptions) when (exceptions.InnerExceptions.All(e => e is OptionsValidationException))
        {
            foreach (var exception in exceptions.InnerExceptions)
            {
                LogCannotStart(logger, exception.Message);
            }

            return 1;
        }
    }

    private static void Announce(WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GatewayApplication).Namespace!);
        var broker = app.Services.GetRequiredService<IBroker>();
        var kind = broker.IsEmbedded ? "embedded" : "external";
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (var address in addresses)
        {
            var dashboard = DashboardUrl(address);
            LogDashboard(logger, dashboard);
            Console.Out.WriteLine($"Dashboard: {dashboard}");
        }

        LogBroker(logger, broker.DeviceAddress, kind);
        Console.Out.WriteLine($"Broker: {broker.DeviceAddress} ({kind})");
    }

    /// <summary>The dashboard's URL for a server address, with a wildcard host shown as localhost.</summary>
    /// <param name="serverAddress">An address the server listens on, e.g. <c>http://[::]:5000</c>.</param>
    public static string DashboardUrl(string serverAddress)
    {
        ArgumentNullException.ThrowIfNull(serverAddress);
        var url = serverAddress;
        foreach (var wildcard in new[] { "://[::]", "://0.0.0.0", "://+", "://*" })
        {
            url = url.Replace(wildcard, "://localhost", StringComparison.Ordinal);
        }

        return url.TrimEnd('/') + "/";
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Reason}")]
    private static partial void LogCannotStart(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dashboard: {Url}")]
    private static partial void LogDashboard(ILogger logger, string url);

    [LoggerMessage(Level = LogLevel.Information, Message = "Broker for adapters: {Address} ({Kind})")]
    private static partial void LogBroker(ILogger logger, string address, string kind);
}
