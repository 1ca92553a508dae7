using System.Text;
using System.Text.Json;
using Ata.Gateway.Access;
using Ata.Gateway.Apis;
using Ata.Gateway.Store;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Dashboard;

/// <summary>
/// <c>GET /api/events</c>: server-sent events for the dashboard's fleet page. Given the page's
/// query (the parameters of <c>GET /api/adapters</c> that page it), it sends at once
/// <c>page</c> (<see cref="FleetPage"/>) and <c>counts</c> (<see cref="FleetOverview"/>), then only
/// what changes: <c>adapters</c> (the adapters on the page that changed), <c>page</c> again when
/// which adapters are on it changed, <c>counts</c> when the counts did; a comment line every
/// <see cref="KeepAlive"/> otherwise. The stream ends after <see cref="Lifetime"/> (the browser
/// reconnects, and its session is checked again).
/// </summary>
public static class FleetEventStream
{
    /// <summary>A comment is sent after this long without an event, so proxies keep the stream open.</summary>
    public static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(25);

    /// <summary>How long one stream lasts before the browser is asked to open it again.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    /// <summary>Maps <c>/api/events</c> (support).</summary>
    /// <param name="app">The route builder.</param>
    public static IEndpointRouteBuilder MapFleetEvents(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/events", StreamAsync).WithTags("Adapters").RequireAuthorization(Roles.SupportPolicy)
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
        return app;
    }

    /// <summary>Streams the fleet page's changes until the client goes or <see cref="Lifetime"/> passes.</summary>
    /// <param name="context">The request.</param>
    /// <param name="store">The store.</param>
    /// <param name="events">The change feed.</param>
    /// <param name="json">The API's JSON settings.</param>
    /// <param name="q">Search text.</param>
    /// <param name="state">State filter.</param>
    /// <param name="fault">Fault code filter.</param>
    /// <param name="registrar">Registrar filter.</param>
    /// <param name="firmware">Firmware filter.</param>
    /// <param name="customer">Customer reference filter.</param>
    /// <param name="sort">Sort.</param>
    /// <param name="after">Where the page starts.</param>
    /// <param name="limit">Page size.</param>
    public static async Task StreamAsync(
        HttpContext context, AdapterStore store, FleetEvents events, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
        string? q = null, string? state = null, string? fault = null, string? registrar = null, string? firmware = null,
        string? customer = null, string? sort = null, string? after = null, string? limit = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(json);
        var watcher = new FleetWatcher();
        using var watching = events.Watch(watcher);
        FleetFilter filter;
        FleetPage page;
        try
        {
            filter = AdaptersApi.ReadFilter(q, state, fault, registrar, firmware, customer, sort, after, limit);
            page = store.Page(filter);
        }
        catch (FleetFilterException problem)
        {
            await TypedResults.ValidationProblem(new Dictionary<string, string[]> { [problem.Parameter] = [problem.Message] }, title: "The fleet cannot be listed so.")
                .ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        var response = context.Response;
        var options = json.Value.SerializerOptions;
        var aborted = context.RequestAborted;
        await StartAsync(response, aborted).ConfigureAwait(false);
        await SendAsync(response, "page", page, options, aborted).ConfigureAwait(false);
        await SendAsync(response, "counts", store.Counts().Overview(), options, aborted).ConfigureAwait(false);
        var shown = page.Items.Select(a => a.DeviceId).ToList();
        var end = DateTime.UtcNow + Lifetime;
        try
        {
            while (DateTime.UtcNow < end)
            {
                if (!await watcher.WaitAsync(KeepAlive, aborted).ConfigureAwait(false))
                {
                    await WriteAsync(response, ": keep-alive\n\n", aborted).ConfigureAwait(false);
                    continue;
                }

                var (changed, countsChanged, overflow) = watcher.Take();
                if (countsChanged)
                {
                    await SendAsync(response, "counts", store.Counts().Overview(), options, aborted).ConfigureAwait(false);
                }

                if (changed.Count == 0 && !overflow)
                {
                    continue;
                }

                var now = store.PageIds(filter);
                if (!now.SequenceEqual(shown, StringComparer.Ordinal))
                {
                    page = store.Page(filter);
                    shown = [.. page.Items.Select(a => a.DeviceId)];
                    await SendAsync(response, "page", page, options, aborted).ConfigureAwait(false);
                    continue;
                }

                var mine = overflow ? shown : [.. shown.Where(changed.Contains)];
                if (mine.Count > 0)
                {
                    await SendAsync(response, "adapters", store.FindMany(mine), options, aborted).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
        }
        catch (FleetFilterException)
        {
            // The page's cursor stopped making sense (cannot happen with one sort); the browser opens the stream again.
        }
    }

    /// <summary>Starts an event stream: its headers (never cached, never buffered by a proxy) and the browser's reconnection delay.</summary>
    /// <param name="response">The response.</param>
    /// <param name="cancellationToken">The request's cancellation.</param>
    internal static Task StartAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-store";
        response.Headers["X-Accel-Buffering"] = "no";
        return WriteAsync(response, "retry: 2000\n\n", cancellationToken);
    }

    private static Task SendAsync<T>(HttpResponse response, string name, T data, JsonSerializerOptions options, CancellationToken cancellationToken) =>
        WriteAsync(response, $"event: {name}\ndata: {JsonSerializer.Serialize(data, options)}\n\n", cancellationToken);

    /// <summary>Writes <paramref name="text"/> to the stream and sends it at once.</summary>
    /// <param name="response">The response.</param>
    /// <param name="text">One or more whole events or comments.</param>
    /// <param name="cancellationToken">The request's cancellation.</param>
    internal static async Task WriteAsync(HttpResponse response, string text, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
