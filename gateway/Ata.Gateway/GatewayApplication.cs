using System.Text.Json;
using Ata.Gateway.Access;
using Ata.Gateway.Apis;
using Ata.Gateway.Broker;
using Ata.Gateway.Calls;
using Ata.Gateway.Dashboard;
using Ata.Gateway.Fleet;
using Ata.Gateway.Incidents;
using Ata.Gateway.Localization;
using Ata.Gateway.Provisioning;
using Ata.Gateway.Store;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using System.Security.Cryptography;
using System.Data.Common;
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
        AddConsoleLog(builder.Logging);
        builder.AddAdapterStore();
        builder.AddBroker();
        Instances.InstanceRegistration.AddGatewayInstance(builder);
        builder.AddFleetChannel();
        builder.AddProvisioning();
        builder.AddAccess();
        Commands.CommandsApi.AddCommands(builder);
        builder.AddIncidents();
        builder.AddCallRecords();
        builder.AddGatewayLocalization();
        builder.Services.AddOpenApi();
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase);
        return builder;
    }

    /// <summary>
    /// Checks that the data directory can be made and written, then adds the gateway
    /// (<see cref="AddGateway"/>); false when it cannot, after saying why in one critical log line.
    /// </summary>
    /// <param name="builder">The web application builder.</param>
    public static bool TryAddGateway(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configured = builder.Configuration[$"{GatewayOptions.SectionName}:{nameof(GatewayOptions.DataDirectory)}"];
        var directory = Path.GetFullPath(string.IsNullOrWhiteSpace(configured) ? new GatewayOptions().DataDirectory : configured);
        if (DataDirectoryProblem(directory) is { } problem)
        {
            using var logs = LoggerFactory.Create(AddConsoleLog);
            LogCannotStart(logs.CreateLogger(typeof(GatewayApplication).Namespace!), problem);
            return false;
        }

        builder.AddGateway();
        return true;
    }

    /// <summary>One line per entry, with the time; errors and worse on stderr.</summary>
    private static void AddConsoleLog(ILoggingBuilder logging)
    {
        logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss ";
        });
        logging.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Error);
    }

    /// <summary>
    /// Settings that apply unless configuration (appsettings, environment, command line) says otherwise:
    /// quiet per-request logs, and no second report (with a stack trace) of a failed start, which
    /// <see cref="RunGatewayAsync"/> reports in one line.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> DefaultSettings { get; } = new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:Microsoft.Extensions.Hosting.Internal.Host"] = "Critical",
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
        app.MapAdapterChangesApi();
        app.MapAdapterImportApi();
        app.MapBrokerApi();
        Broker.Cluster.BrokerAuthEndpoints.MapBrokerAuth(app);
        app.MapOnboardingApi();
        Commands.CommandsApi.MapCommandsApi(app);
        app.MapMetrics();
        app.MapIncidentsApi();
        app.MapCallsApi();
        app.MapDashboard();
        app.MapStringsApi();
        app.MapOpenApi().RequireAuthorization(Roles.SupportPolicy);
        app.MapHealth();
        app.Lifetime.ApplicationStarted.Register(() => Announce(app));
        return app;
    }

    /// <summary>
    /// Runs the gateway until shut down. Anything that stops it from starting (a missing Mosquitto
    /// binary, invalid settings, a database it cannot open, a port in use, an HTTPS certificate it
    /// cannot use, …) ends it at once with one critical log line per reason (on stderr, with no stack
    /// trace) and exit code 1.
    /// </summary>
    /// <param name="app">The web application.</param>
    /// <returns>The process exit code.</returns>
    public static async Task<int> RunGatewayAsync(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GatewayApplication).Namespace!);
        try
        {
            try
            {
                _ = app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value;
                _ = app.Services.GetRequiredService<IOptions<BrokerOptions>>().Value;
                app.Services.GetService<IStartupValidator>()?.Validate();
                if (app.Services.GetService<EmbeddedBroker>() is { IsInstalled: false })
                {
                    throw new MosquittoNotInstalledException();
                }

                await app.StartAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                foreach (var reason in Reasons(exception, app))
                {
                    LogCannotStart(logger, reason);
                }

                await StopAfterFailedStartAsync(app).ConfigureAwait(false);
                return 1;
            }
            catch (OperationCanceledException) when (Environment.ExitCode != 0)
            {
                // A feature stopped the gateway while it started, having said why (a broker without shared subscriptions).
                await StopAfterFailedStartAsync(app).ConfigureAwait(false);
                return Environment.ExitCode;
            }

            await app.WaitForShutdownAsync().ConfigureAwait(false);

            // Non-zero when a feature stopped the gateway because it cannot run (a broker without shared subscriptions).
            return Environment.ExitCode;
        }
        finally
        {
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Where Kestrel takes the certificate of its HTTPS addresses from (<c>Path</c>, <c>KeyPath</c>, <c>Password</c>).</summary>
    public const string HttpsCertificateSetting = "Kestrel:Certificates:Default";

    /// <summary>Why the data directory cannot hold the gateway's state (it cannot be made or written), or null when it can.</summary>
    private static string? DataDirectoryProblem(string directory)
    {
        try
        {
            PrivateFile.EnsureDirectory(directory);
            var probe = Path.Combine(directory, $".write-check-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return null;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return $"{GatewayOptions.SectionName}:{nameof(GatewayOptions.DataDirectory)}: {directory} cannot be written ({OneLine(exception.Message)})";
        }
    }

    /// <summary>What an exception on start says, one line per reason (several for failed validations).</summary>
    private static IEnumerable<string> Reasons(Exception exception, WebApplication app)
    {
        if (exception is AggregateException aggregate)
        {
            return aggregate.Flatten().InnerExceptions.SelectMany(inner => Reasons(inner, app));
        }

        if (exception is StoreUnusableException)
        {
            return [OneLine(exception.Message)];
        }

        if (exception is DbException)
        {
            var database = app.Services.GetRequiredService<StoreDatabase>().Description;
            var reason = exception.InnerException is { } inner ? $"{exception.Message} ({inner.Message})" : exception.Message;
            return [$"The database {database} cannot be used: {OneLine(reason)}"];
        }

        var https = app.Configuration.GetSection(HttpsCertificateSetting);
        if (https["Path"] is { Length: > 0 } certificate
            && (exception is CryptographicException
                || (exception is FileNotFoundException { FileName: { } missing }
                    && new[] { certificate, https["KeyPath"] }.Any(f => f is not null && Path.GetFullPath(f) == Path.GetFullPath(missing)))))
        {
            return [$"{HttpsCertificateSetting} (the HTTPS certificate) cannot be used: {OneLine(exception.Message)}"];
        }

        if (exception is InvalidOperationException && https["Path"] is not { Length: > 0 } && exception.Message.Contains("HTTPS", StringComparison.Ordinal))
        {
            return [$"An https:// address needs a certificate: set {HttpsCertificateSetting}:Path (and :Password, or :KeyPath for a PEM key)."];
        }

        return [OneLine(exception.Message)];
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>Stops what did start (the embedded broker, say) before the failure; its own failures are not the reason to report.</summary>
    private static async Task StopAfterFailedStartAsync(WebApplication app)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // Reported already: the reason it did not start.
        }
    }

    private static void Announce(WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GatewayApplication).Namespace!);
        var broker = app.Services.GetRequiredService<IBroker>();
        var kind = broker.IsEmbedded ? "embedded" : broker.Link is null ? "external" : "RabbitMQ cluster";
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (var address in addresses)
        {
            var dashboard = DashboardUrl(address);
            LogDashboard(logger, dashboard);
            Console.Out.WriteLine($"Dashboard: {dashboard}");
        }

        var plaintext = broker.DeviceAddress ?? "plaintext off";
        LogBroker(logger, plaintext, kind);
        Console.Out.WriteLine($"Broker: {plaintext} ({kind})");
        if (broker.DeviceTlsAddress is { } tls)
        {
            LogBrokerTls(logger, tls, broker.DeviceTls?.CaFingerprint ?? "?");
            Console.Out.WriteLine($"Broker TLS: {tls} (CA SHA-256 {broker.DeviceTls?.CaFingerprint})");
        }
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Adapters connect over TLS at {Address}; the broker's CA has SHA-256 {Fingerprint}")]
    private static partial void LogBrokerTls(ILogger logger, string address, string fingerprint);
}
