using System.Text.Json;
using Ata.Gateway.Access;
using Ata.Gateway.Broker;
using Ata.Gateway.Commands;
using Ata.Gateway.Provisioning;
using Ata.Gateway.Store;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Dashboard;

/// <summary>
/// <c>GET /api/adapters/{deviceId}/events</c>: server-sent events for the dashboard's adapter page. At
/// once, and then only when it changed: <c>adapter</c> (the adapter as <c>GET /api/adapters/{deviceId}</c>
/// gives it), <c>commands</c> (its commands and their outcomes), <c>refused-logins</c> (the broker refusing
/// its login, or <c>null</c>) and <c>onboarding</c> (its onboarding state); and <c>changed</c>
/// (<c>{"parts":["faults","health","configs","services","calls"]}</c>, all of them at once) naming the
/// histories that grew, which the page then fetches alone. The adapter's view is read again when the
/// store's change feed (<see cref="FleetEvents"/>) names it or it reported; the histories are told by one
/// small query a <see cref="FleetEvents.PollInterval"/>. A comment line every
/// <see cref="FleetEventStream.KeepAlive"/> otherwise; the stream ends after
/// <see cref="FleetEventStream.Lifetime"/> (the browser reconnects and its session is checked again), or
/// with <c>removed</c> when the adapter is deleted. 404 for an adapter that is not provisioned.
/// </summary>
public static class AdapterEventStream
{
    /// <summary>The histories a <c>changed</c> event may name.</summary>
    public static readonly IReadOnlyList<string> Histories = ["faults", "health", "configs", "services", "calls"];

    /// <summary>Maps <c>/api/adapters/{deviceId}/events</c> (support).</summary>
    /// <param name="app">The route builder.</param>
    public static IEndpointRouteBuilder MapAdapterEvents(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/adapters/{deviceId}/events", StreamAsync).WithTags("Adapters").RequireAuthorization(Roles.SupportPolicy)
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream").Produces(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>Streams the adapter page's changes until the client goes, the adapter is deleted or the stream's lifetime passes.</summary>
    /// <param name="context">The request.</param>
    /// <param name="deviceId">The adapter.</param>
    /// <param name="store">The store.</param>
    /// <param name="events">The change feed.</param>
    /// <param name="commands">The commands.</param>
    /// <param name="refused">The refused logins.</param>
    /// <param name="onboarding">The onboarding codes.</param>
    /// <param name="json">The API's JSON settings.</param>
    public static async Task StreamAsync(
        HttpContext context, string deviceId, AdapterStore store, FleetEvents events, CommandBook commands, RefusedLogins refused,
        OnboardingCodes onboarding, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(commands);
        ArgumentNullException.ThrowIfNull(refused);
        ArgumentNullException.ThrowIfNull(onboarding);
        ArgumentNullException.ThrowIfNull(json);
        var watcher = new FleetWatcher();
        using var watching = events.Watch(watcher);
        var stamps = AdapterPageStamps.Read(store, deviceId);
        var view = store.Find(deviceId);
        if (view is null || stamps is null)
        {
            await TypedResults.NotFound().ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        var response = context.Response;
        var aborted = context.RequestAborted;
        var options = json.Value.SerializerOptions;
        var sent = new Dictionary<string, string>(StringComparer.Ordinal);
        var quiet = DateTime.UtcNow;
        var end = quiet + FleetEventStream.Lifetime;

        async Task WriteAsync(string text)
        {
            quiet = DateTime.UtcNow;
            await FleetEventStream.WriteAsync(response, text, aborted).ConfigureAwait(false);
        }

        async Task SendIfChangedAsync<T>(string name, T data)
        {
            var text = JsonSerializer.Serialize(data, options);
            if (!sent.TryGetValue(name, out var before) || before != text)
            {
                sent[name] = text;
                await WriteAsync($"event: {name}\ndata: {text}\n\n").ConfigureAwait(false);
            }
        }

        try
        {
            await FleetEventStream.StartAsync(response, aborted).ConfigureAwait(false);
            await SendIfChangedAsync("adapter", view).ConfigureAwait(false);
            await WriteAsync($"event: changed\ndata: {JsonSerializer.Serialize(new { parts = Histories }, options)}\n\n").ConfigureAwait(false);
            while (true)
            {
                // Commands expire, and codes run out, by the clock: these are read again each time, and sent when they differ.
                await SendIfChangedAsync("commands", commands.List(deviceId)).ConfigureAwait(false);
                await SendIfChangedAsync("refused-logins", refused.Find(deviceId)).ConfigureAwait(false);
                await SendIfChangedAsync("onboarding", onboarding.State(deviceId)).ConfigureAwait(false);
                if (DateTime.UtcNow >= end)
                {
                    break;
                }

                if (DateTime.UtcNow - quiet >= FleetEventStream.KeepAlive)
                {
                    await WriteAsync(": keep-alive\n\n").ConfigureAwait(false);
                }

                var told = await watcher.WaitAsync(FleetEvents.PollInterval, aborted).ConfigureAwait(false);
                var (changed, _, overflow) = watcher.Take();
                var now = AdapterPageStamps.Read(store, deviceId);
                if (now is null)
                {
                    await WriteAsync("event: removed\ndata: {}\n\n").ConfigureAwait(false);
                    break;
                }

                if ((told && (overflow || changed.Contains(deviceId))) || now.View != stamps.View)
                {
                    if (store.Find(deviceId) is { } again)
                    {
                        await SendIfChangedAsync("adapter", again).ConfigureAwait(false);
                    }
                }

                var grown = now.Grown(stamps);
                stamps = now;
                if (grown.Count > 0)
                {
                    await WriteAsync($"event: changed\ndata: {JsonSerializer.Serialize(new { parts = grown }, options)}\n\n").ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
        }
    }
}
