using System.Text.Json;
using Ata.Gateway.Access;
using Ata.Gateway.Apis;
using Ata.Gateway.Store;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Ata.Gateway.Commands;

/// <summary>
/// Commands with outcomes: <c>POST /api/adapters/{deviceId}/commands</c>
/// (<c>{"command":"reboot","force":false,"whenOffline":"refuse","reason":"…"}</c>; <c>ring</c>, a test
/// ring, takes <c>"line":n</c>; <c>health</c> asks for a health report now; <c>factory-reset</c>, admins
/// only, erases the adapter, which then needs onboarding again) sends one and
/// answers 202 with it (pending, or queued); 409 when the adapter is offline or never connected and
/// the command says <c>refuse</c> (the default). <c>GET …/commands</c> lists them, newest first, each
/// <c>queued</c>, <c>pending</c>, <c>done</c>, <c>failed</c> or <c>expired</c>.
/// </summary>
public static class CommandsApi
{
    /// <summary>Largest body of a command.</summary>
    public const long MaxBodyBytes = 4 * 1024;

    /// <summary>Adds the command book and sender.</summary>
    /// <param name="builder">The host builder.</param>
    public static IHostApplicationBuilder AddCommands(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<CommandOptions>().BindConfiguration(CommandOptions.SectionName)
            .Validate(o => o.DeadlineSeconds >= 1 && o.QueueSeconds >= 1 && o.DeliveryIntervalMilliseconds >= 1,
                "Commands:DeadlineSeconds, Commands:QueueSeconds and Commands:DeliveryIntervalMilliseconds must be at least 1.")
            .ValidateOnStart();
        builder.Services.AddSingleton<CommandBook>();
        builder.Services.AddSingleton<CommandSender>();
        builder.Services.AddHostedService(services => services.GetRequiredService<CommandSender>());
        return builder;
    }

    /// <summary>Maps the commands API (support and admin).</summary>
    /// <param name="app">The route builder.</param>
    public static IEndpointRouteBuilder MapCommandsApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var commands = app.MapGroup("/api/adapters/{deviceId}/commands").WithTags("Commands").RequireAuthorization(Roles.SupportPolicy);
        commands.MapGet("/", (string deviceId, AdapterStore store, CommandBook book) =>
            store.Find(deviceId) is null ? (Results<Ok<IReadOnlyList<CommandView>>, NotFound>)TypedResults.NotFound() : TypedResults.Ok(book.List(deviceId)));
        commands.MapGet("/{id}", (string deviceId, string id, CommandBook book) =>
            book.Find(id) is { } command && command.DeviceId == deviceId ? (Results<Ok<CommandView>, NotFound>)TypedResults.Ok(command) : TypedResults.NotFound());
        commands.MapPost("/", SendAsync);
        return app;
    }

    /// <summary>The 409 for a command to an adapter that is not connected, saying since when and what to do.</summary>
    /// <param name="adapter">The adapter.</param>
    /// <param name="command">The command.</param>
    public static ProblemHttpResult Offline(AdapterView adapter, string command)
    {
        ArgumentNullException.ThrowIfNull(adapter);
        var state = adapter.LastSeen is { } seen
            ? $"is offline (last heard from {seen:yyyy-MM-dd HH:mm:ss} UTC)"
            : "has never connected to the gateway";
        return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: $"Adapter '{adapter.DeviceId}' {state}; '{command}' was not sent.",
            detail: $"Send it with \"whenOffline\":\"{WhenOffline.Queue}\" to have it carried out when the adapter next connects.");
    }

    private static async Task<Results<Accepted<CommandView>, ValidationProblem, NotFound<ProblemDetails>, ProblemHttpResult>> SendAsync(
        string deviceId, HttpRequest request, CommandSender sender, AuditLog audit)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var (body, refusal) = await RequestBody.ReadJsonAsync(request, MaxBodyBytes, errors).ConfigureAwait(false);
        if (refusal is not null)
        {
            return refusal;
        }

        string? command = null;
        var force = false;
        int? line = null;
        var whenOffline = WhenOffline.Refuse;
        string? reason = null;
        using (body)
        {
            if (body?.RootElement is { ValueKind: JsonValueKind.Object } root)
            {
                command = root.TryGetProperty("command", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
                if (command is null || !CommandSender.Known.Contains(command))
                {
                    errors["command"] = [$"The command is one of {string.Join(", ", CommandSender.Known)}."];
                }

                if (root.TryGetProperty(Ata.Core.Contract.Fields.Force, out var f) && f.ValueKind != JsonValueKind.Null)
                {
                    if (f.ValueKind is JsonValueKind.True or JsonValueKind.False)
                    {
                        force = f.GetBoolean();
                    }
                    else
                    {
                        errors[Ata.Core.Contract.Fields.Force] = ["'force' is true or false."];
                    }
                }

                if (root.TryGetProperty(Ata.Core.Contract.Fields.Line, out var l) && l.ValueKind != JsonValueKind.Null)
                {
                    if (command != Ata.Core.Gateway.GatewayCommand.Ring)
                    {
                        errors[Ata.Core.Contract.Fields.Line] = ["Only a test ring ('ring') is for one line."];
                    }
                    else if (l.ValueKind == JsonValueKind.Number && l.TryGetInt32(out var number) && number is >= 1 and <= Provisioning.AdapterRequest.MaxLines)
                    {
                        line = number;
                    }
                    else
                    {
                        errors[Ata.Core.Contract.Fields.Line] = [$"'line' is a line number, 1 to {Provisioning.AdapterRequest.MaxLines}."];
                    }
                }

                if (root.TryGetProperty("whenOffline", out var w) && w.ValueKind != JsonValueKind.Null)
                {
                    whenOffline = w.ValueKind == JsonValueKind.String ? w.GetString()! : string.Empty;
                    if (!WhenOffline.IsValid(whenOffline))
                    {
                        errors["whenOffline"] = [$"'whenOffline' is '{WhenOffline.Refuse}' (the default) or '{WhenOffline.Queue}'."];
                    }
                }

                if (root.TryGetProperty(Provisioning.AdapterPatch.ReasonKey, out var r) && r.ValueKind != JsonValueKind.Null)
                {
                    reason = r.ValueKind == JsonValueKind.String && r.GetString() is { Length: <= Provisioning.AdapterPatch.MaxReasonLength } text && !text.Any(char.IsControl)
                        ? text.Trim()
                        : null;
                    if (reason is null)
                    {
                        errors[Provisioning.AdapterPatch.ReasonKey] = [$"A reason is text of up to {Provisioning.AdapterPatch.MaxReasonLength} characters."];
                    }
                }
            }
            else if (body is not null)
            {
                errors[RequestBody.BodyKey] = ["The body is a JSON object with 'command' and, optionally, 'force', 'whenOffline' and 'reason'."];
            }
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The command was not sent.");
        }

        var user = request.HttpContext.User;
        if (CommandSender.AdminOnly.Contains(command!) && !user.IsInRole(Roles.Admin))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: $"Only an admin may send '{command}'.");
        }

        var (outcome, sent, adapter) = await sender.SendAsync(deviceId, command!, force, line, whenOffline, AuditLog.ActorOf(user), request.HttpContext.RequestAborted)
            .ConfigureAwait(false);
        switch (outcome)
        {
            case SendOutcome.UnknownAdapter:
                return TypedResults.NotFound(new ProblemDetails { Title = $"No adapter '{deviceId}'.", Status = StatusCodes.Status404NotFound });
            case SendOutcome.Offline:
                return Offline(adapter!, command!);
            case SendOutcome.BrokerUnreachable:
                return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "The broker cannot be reached now; the command was not sent. Try again.");
        }

        audit.Record(user, "adapter." + command, deviceId,
            $"command {sent!.Id}{(force ? ", forced" : string.Empty)}, {sent.Status}{(reason is { Length: > 0 } ? "; reason: " + reason : string.Empty)}");
        return TypedResults.Accepted($"/api/adapters/{Uri.EscapeDataString(deviceId)}/commands/{sent.Id}", sent);
    }
}
