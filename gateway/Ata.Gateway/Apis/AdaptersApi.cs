using Ata.Gateway.Access;
using Ata.Gateway.Fleet;
using Ata.Gateway.Provisioning;
using Ata.Gateway.Store;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Ata.Gateway.Apis;

/// <summary>The support API: provision adapters and see what they report.</summary>
public static class AdaptersApi
{
    /// <summary>Largest request body accepted by <c>PUT /api/adapters/{deviceId}</c>.</summary>
    public const long MaxBodyBytes = 64 * 1024;

    /// <summary>The commands support may send to an adapter, by action name.</summary>
    public static readonly IReadOnlyDictionary<string, string> Commands = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["reregister"] = "reregister",
        ["reboot"] = "reboot",
    };

    /// <summary>
    /// Maps the adapters API: list and search, read, provision (admin), delete (admin), rotate the
    /// broker credential (admin), config history, health history, fault timeline, service requests
    /// (codes such as <c>#21#</c> dialled on the adapter) and support actions.
    /// </summary>
    /// <param name="app">The route builder.</param>
    public static IEndpointRouteBuilder MapAdaptersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/adapters").WithTags("Adapters").RequireAuthorization(Roles.SupportPolicy);
        api.MapGet("/", ListAdapters);
        app.MapGet("/api/overview", (AdapterStore store) => TypedResults.Ok(store.Counts().Overview()))
            .WithTags("Adapters").RequireAuthorization(Roles.SupportPolicy);
        api.MapGet("/{deviceId}", GetAdapter);
        api.MapGet("/{deviceId}/configs", (string deviceId, AdapterStore store) =>
            store.Find(deviceId) is null ? (Results<Ok<IReadOnlyList<ConfigVersionView>>, NotFound>)TypedResults.NotFound() : TypedResults.Ok(store.ListConfigVersions(deviceId)));
        api.MapGet("/{deviceId}/health", (string deviceId, AdapterStore store) =>
            store.Find(deviceId) is null ? (Results<Ok<IReadOnlyList<HealthSample>>, NotFound>)TypedResults.NotFound() : TypedResults.Ok(store.ListHealthHistory(deviceId)));
        api.MapGet("/{deviceId}/faults", (string deviceId, AdapterStore store) =>
            store.Find(deviceId) is null ? (Results<Ok<IReadOnlyList<FaultEvent>>, NotFound>)TypedResults.NotFound() : TypedResults.Ok(store.ListFaultEvents(deviceId)));
        api.MapGet("/{deviceId}/refused-logins", (string deviceId, Broker.RefusedLogins refused) =>
            refused.Find(deviceId) is { } view ? Results.Ok(view) : Results.NoContent());
        api.MapGet("/{deviceId}/services", (string deviceId, AdapterStore store) =>
            store.Find(deviceId) is null ? (Results<Ok<IReadOnlyList<ServiceRequestView>>, NotFound>)TypedResults.NotFound() : TypedResults.Ok(store.ListServiceRequests(deviceId)));
        api.MapPost("/{deviceId}/actions/{action}", ActAsync);
        api.MapPut("/{deviceId}", PutAdapter).RequireAuthorization(Roles.AdminPolicy);
        api.MapDelete("/{deviceId}", DeleteAdapterAsync).RequireAuthorization(Roles.AdminPolicy);
        api.MapPost("/{deviceId}/rotate-credential", RotateCredentialAsync).RequireAuthorization(Roles.AdminPolicy);
        api.MapPost("/{deviceId}/revoke-credential", RevokeCredentialAsync).RequireAuthorization(Roles.AdminPolicy);
        api.MapPost("/{deviceId}/onboarding-code", IssueOnboardingCodeAsync).RequireAuthorization(Roles.AdminPolicy);
        return app;
    }

    /// <summary>
    /// The fleet. With any of <c>limit</c>, <c>after</c>, <c>sort</c>, <c>state</c>, <c>fault</c>,
    /// <c>registrar</c>, <c>firmware</c> or <c>customer</c>: one page
    /// (<c>{"items":[…],"next":"cursor"|null,"total":n|null}</c>), filtered, sorted and keyset-paged
    /// from the store's indexes (<see cref="FleetQuery"/>); 400 naming the parameter it cannot take.
    /// Without them, every adapter by id (unpaged, as before), or with <c>q</c> alone those a search
    /// finds (<see cref="Fleet.FleetSearch"/>: device id, SIP user or customer reference containing it,
    /// the MAC in any notation, a line's number in any common format), from the search index.
    /// </summary>
    /// <param name="store">The store.</param>
    /// <param name="q">Search text (case-insensitive), optional.</param>
    /// <param name="state">online, offline, silent, never, registered or faulted.</param>
    /// <param name="fault">An active fault's code.</param>
    /// <param name="registrar">A line's registrar (host, or host:port).</param>
    /// <param name="firmware">The firmware version.</param>
    /// <param name="customer">The customer reference.</param>
    /// <param name="sort">deviceId (default), lastSeen, firmware, state or customer; - in front for descending.</param>
    /// <param name="after">The <c>next</c> of the page before.</param>
    /// <param name="limit">Adapters per page (1 to 200, default 50).</param>
    public static Results<Ok<IReadOnlyList<AdapterView>>, Ok<FleetPage>, ValidationProblem> ListAdapters(
        AdapterStore store, string? q = null, string? state = null, string? fault = null, string? registrar = null, string? firmware = null,
        string? customer = null, string? sort = null, string? after = null, string? limit = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        var query = string.IsNullOrWhiteSpace(q) ? null : q.Trim();
        if (state is null && fault is null && registrar is null && firmware is null && customer is null && sort is null && after is null && limit is null)
        {
            return TypedResults.Ok(query is null ? store.List() : store.Search(query));
        }

        try
        {
            return TypedResults.Ok(store.Page(ReadFilter(query, state, fault, registrar, firmware, customer, sort, after, limit)));
        }
        catch (FleetFilterException problem)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [problem.Parameter] = [problem.Message] }, title: "The fleet cannot be listed so.");
        }
    }

    /// <summary>A fleet filter from query parameters (empty ones ignored).</summary>
    /// <exception cref="FleetFilterException">A limit that is not a number.</exception>
    internal static FleetFilter ReadFilter(
        string? query, string? state, string? fault, string? registrar, string? firmware, string? customer, string? sort, string? after, string? limit)
    {
        static string? Given(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        var size = FleetFilter.DefaultLimit;
        if (Given(limit) is { } text && !int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out size))
        {
            throw new FleetFilterException("limit", $"limit must be a number, 1 to {FleetFilter.MaxLimit}.");
        }

        var order = Given(sort) ?? FleetQuery.DeviceIdSort;
        return new FleetFilter
        {
            Query = Given(query),
            State = Given(state),
            Fault = Given(fault),
            Registrar = Given(registrar),
            Firmware = Given(firmware),
            Customer = Given(customer),
            Sort = order.TrimStart('-'),
            Descending = order.StartsWith('-'),
            After = Given(after),
            Limit = size,
        };
    }

    /// <summary>Deletes an adapter (204), locking it out of the broker; 404 when unknown; 503 when nothing could be written.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="provisioning">Provisioning.</param>
    /// <param name="audit">The audit log.</param>
    /// <param name="context">The request.</param>
    public static async Task<Results<NoContent, NotFound, ProblemHttpResult>> DeleteAdapterAsync(
        string deviceId, AdapterProvisioning provisioning, AuditLog audit, HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(provisioning);
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            if (!await provisioning.DeleteAsync(deviceId, context.RequestAborted).ConfigureAwait(false))
            {
                return TypedResults.NotFound();
            }
        }
        catch (Exception exception) when (NotWritable(exception) is { } reason)
        {
            return NotSaved("The adapter was not deleted.", reason);
        }

        audit.Record(context.User, "adapter.delete", deviceId);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// Revokes an adapter's device secret after a suspected leak (admin): the old secret stops working
    /// at the broker at once and its live sessions are dropped; the new secret is in this answer only
    /// (200 <c>{"deviceId","secret","configVersion","broker","brokerTls"}</c>), for onboarding the adapter again,
    /// and is never sent over MQTT. 404 when unknown; 503 when nothing could be written.
    /// </summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="provisioning">Provisioning.</param>
    /// <param name="audit">The audit log.</param>
    /// <param name="context">The request.</param>
    public static async Task<Results<Ok<RevokedCredential>, NotFound, ProblemHttpResult>> RevokeCredentialAsync(
        string deviceId, AdapterProvisioning provisioning, AuditLog audit, HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(provisioning);
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(context);
        RevokedCredential? revoked;
        try
        {
            revoked = await provisioning.RevokeSecretAsync(deviceId, AuditLog.ActorOf(context.User), context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception exception) when (NotWritable(exception) is { } reason)
        {
            return NotSaved("The device secret was not revoked.", reason);
        }

        if (revoked is null)
        {
            return TypedResults.NotFound();
        }

        audit.Record(context.User, "adapter.revoke-credential", deviceId, $"config v{revoked.ConfigVersion}; to be onboarded again");
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(revoked);
    }

    /// <summary>
    /// Issues a one-time onboarding code for an adapter (admin): its device secret is replaced at once
    /// (the old one stops logging in) by the one the code carries, with the broker's address for
    /// adapters (200 <c>{"deviceId","code","broker","expiresAt","caFingerprint"}</c>, shown once, never
    /// stored in clear). The code works until an adapter first logs in with it or it expires.
    /// 404 when unknown; 409 when the broker's address cannot be written into a code; 503 when nothing could be written.
    /// </summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="codes">Onboarding codes.</param>
    /// <param name="audit">The audit log.</param>
    /// <param name="context">The request.</param>
    public static async Task<Results<Ok<IssuedOnboardingCode>, NotFound, ProblemHttpResult>> IssueOnboardingCodeAsync(
        string deviceId, OnboardingCodes codes, AuditLog audit, HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(codes);
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(context);
        IssuedOnboardingCode? issued;
        try
        {
            issued = await codes.IssueAsync(deviceId, AuditLog.ActorOf(context.User), context.RequestAborted).ConfigureAwait(false);
        }
        catch (OnboardingCodeException exception)
        {
            return TypedResults.Problem(exception.Message, statusCode: StatusCodes.Status409Conflict, title: "No onboarding code can be made.");
        }
        catch (Exception exception) when (NotWritable(exception) is { } reason)
        {
            return NotSaved("No onboarding code was issued.", reason);
        }

        if (issued is null)
        {
            return TypedResults.NotFound();
        }

        audit.Record(context.User, "adapter.onboarding-code", deviceId, $"valid until {issued.ExpiresAt:O} or first login");
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(issued);
    }

    /// <summary>Starts rotating an adapter's broker credential (202 with the config version carrying it).</summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="provisioning">Provisioning.</param>
    /// <param name="audit">The audit log.</param>
    /// <param name="context">The request.</param>
    public static async Task<Results<Accepted<RotationStarted>, NotFound>> RotateCredentialAsync(
        string deviceId, AdapterProvisioning provisioning, AuditLog audit, HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(provisioning);
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(context);
        if (await provisioning.RotateSecretAsync(deviceId, AuditLog.ActorOf(context.User), context.RequestAborted).ConfigureAwait(false) is not { } version)
        {
            return TypedResults.NotFound();
        }

        audit.Record(context.User, "adapter.rotate-credential", deviceId, $"config v{version}");
        return TypedResults.Accepted($"/api/adapters/{Uri.EscapeDataString(deviceId)}", new RotationStarted(deviceId, version));
    }

    /// <summary>
    /// A support action: <c>push-config</c> publishes the current config again; <c>reregister</c> and
    /// <c>reboot</c> (non-forced) send that command on the adapter's <c>cmd</c> topic through the
    /// command book, whose outcome <c>GET …/commands/{id}</c> shows. 202 with the command id;
    /// 404 for an unknown adapter or action; 409 when the adapter is offline or never connected;
    /// 503 when the broker cannot be reached.
    /// </summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="action">The action.</param>
    /// <param name="store">The store.</param>
    /// <param name="channel">The fleet channel.</param>
    /// <param name="audit">The audit log.</param>
    /// <param name="context">The request.</param>
    public static async Task<Results<Accepted<ActionStarted>, NotFound<ProblemDetails>, ProblemHttpResult>> ActAsync(
        string deviceId, string action, AdapterStore store, FleetChannel channel, AuditLog audit, HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(context);
        if (store.Find(deviceId) is null)
        {
            return TypedResults.NotFound(new ProblemDetails { Title = $"No adapter '{deviceId}'.", Status = 404 });
        }

        string? id;
        if (action == "push-config")
        {
            id = await channel.PublishConfigAsync(deviceId, context.RequestAborted).ConfigureAwait(false) ? "config" : null;
        }
        else if (Commands.TryGetValue(action, out var command))
        {
            var sender = context.RequestServices.GetRequiredService<Ata.Gateway.Commands.CommandSender>();
            var (outcome, sent, adapter) = await sender.SendAsync(deviceId, command, force: false, line: null, Ata.Gateway.Commands.WhenOffline.Refuse,
                AuditLog.ActorOf(context.User), context.RequestAborted).ConfigureAwait(false);
            if (outcome == Ata.Gateway.Commands.SendOutcome.Offline)
            {
                return Ata.Gateway.Commands.CommandsApi.Offline(adapter!, command);
            }

            id = sent?.Id;
        }
        else
        {
            return TypedResults.NotFound(new ProblemDetails
            {
                Title = $"No action '{action}'.",
                Detail = "Actions are push-config, reregister and reboot.",
                Status = 404,
            });
        }

        if (id is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "The broker cannot be reached now; try again.");
        }

        audit.Record(context.User, "adapter." + action, deviceId);
        return TypedResults.Accepted((string?)null, new ActionStarted(deviceId, action, id));
    }

    /// <summary>One adapter, or 404.</summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="store">The store.</param>
    public static Results<Ok<AdapterView>, NotFound> GetAdapter(string deviceId, AdapterStore store) =>
        store.Find(deviceId) is { } adapter ? TypedResults.Ok(adapter) : TypedResults.NotFound();

    /// <summary>
    /// Creates (201) or updates (200) an adapter from
    /// <c>{"secret":"…","customerReference":"…","lines":[{"username":"…","password":"…","registrar":"host[:port]",…}]}</c>;
    /// 400 with the fields at fault otherwise. Every change is in the audit log.
    /// </summary>
    /// <param name="deviceId">The adapter's id.</param>
    /// <param name="request">The HTTP request, whose body is read here so every problem names its field.</param>
    /// <param name="provisioning">Provisioning.</param>
    /// <param name="cancellationToken">The request's cancellation.</param>
    /// <param name="audit">The audit log.</param>
    public static async Task<Results<Created<ProvisionedAdapter>, Ok<ProvisionedAdapter>, ValidationProblem, ProblemHttpResult>> PutAdapter(
        string deviceId, HttpRequest request, AdapterProvisioning provisioning, AuditLog audit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(provisioning);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        AdapterRequest.ValidateDeviceId(deviceId, errors);
        if (provisioning.IsReserved(deviceId))
        {
            errors[AdapterRequest.DeviceIdKey] = [provisioning.ReservedIdMessage];
        }

        var (body, refusal) = await RequestBody.ReadJsonAsync(request, MaxBodyBytes, errors).ConfigureAwait(false);
        if (refusal is not null)
        {
            return refusal;
        }

        AdapterSpecification? specification = null;
        using (body)
        {
            if (body is not null)
            {
                specification = AdapterRequest.Read(body.RootElement, errors);
            }
        }

        if (errors.Count > 0 || specification is null)
        {
            return TypedResults.ValidationProblem(errors, title: "The adapter was not saved.");
        }

        ProvisioningResult result;
        try
        {
            result = await provisioning.ProvisionAsync(deviceId, specification, cancellationToken, AuditLog.ActorOf(request.HttpContext.User)).ConfigureAwait(false);
        }
        catch (Exception exception) when (NotWritable(exception) is { } reason)
        {
            return NotSaved("The adapter was not saved.", reason);
        }

        if (result.ChangedParts.Count > 0)
        {
            audit.Record(request.HttpContext.User, result.Created ? "adapter.create" : "adapter.update", deviceId,
                $"config v{result.ConfigVersion}; changed: {string.Join(", ", result.ChangedParts)}");
        }

        var response = new ProvisionedAdapter(result.DeviceId, result.ConfigVersion, result.Broker, result.BrokerTls);
        return result.Created
            ? TypedResults.Created($"/api/adapters/{Uri.EscapeDataString(deviceId)}", response)
            : TypedResults.Ok(response);
    }

    /// <summary>Why a change could not be written (the broker's accounts or the database), or null for any other failure.</summary>
    internal static string? NotWritable(Exception exception) => exception switch
    {
        Broker.BrokerAccountsException accounts => accounts.Message,
        _ when ReportIngest.IsStoreUnwritable(exception) => $"the database cannot be written: {exception.Message}",
        _ => null,
    };

    internal static ProblemHttpResult NotSaved(string title, string reason) =>
        TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: title, detail: $"{reason}. Nothing was changed; try again once it can be written.");

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }
}

/// <summary>A credential rotation under way.</summary>
/// <param name="DeviceId">The adapter.</param>
/// <param name="ConfigVersion">The config version that carries the new credential.</param>
public sealed record RotationStarted(string DeviceId, int ConfigVersion);

/// <summary>A support action sent.</summary>
/// <param name="DeviceId">The adapter.</param>
/// <param name="Action">The action.</param>
/// <param name="CommandId">The command id the adapter answers on <c>cmd/result</c> (<c>config</c> for push-config).</param>
public sealed record ActionStarted(string DeviceId, string Action, string CommandId);

/// <summary>The answer to a PUT: the adapter's config version and the broker it must connect to.</summary>
/// <param name="DeviceId">The adapter's id.</param>
/// <param name="ConfigVersion">Its config version now.</param>
/// <param name="Broker">The <c>host:port</c> it connects to in plaintext, as its device id with its secret; null when plaintext is off.</param>
/// <param name="BrokerTls">The <c>host:port</c> it connects to over TLS (checking the broker against <c>GET /api/broker/ca</c>); null when there is none.</param>
public sealed record ProvisionedAdapter(string DeviceId, int ConfigVersion, string? Broker, string? BrokerTls);
