using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Ata.Gateway.Access;
using Ata.Gateway.Apis;
using Ata.Gateway.Localization;
using Ata.Gateway.Store;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ata.Gateway.People;

/// <summary>
/// People and their tokens. Admins: <c>/api/people</c> (list, add, remove, set a password, turn a
/// second factor off, list and revoke anyone's tokens). Every person: <c>/api/me</c> (who am I, set
/// up a second factor, make, list and revoke their own API tokens). Every change is audited; no
/// password, secret or token is ever in the log or shown twice.
/// </summary>
public static class PeopleApi
{
    /// <summary>Largest body of these endpoints.</summary>
    public const long MaxBodyBytes = 4 * 1024;

    /// <summary>Maps the people API.</summary>
    /// <param name="app">The route builder.</param>
    public static IEndpointRouteBuilder MapPeopleApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var people = app.MapGroup("/api/people").WithTags("People").RequireAuthorization(Roles.AdminPolicy);
        people.MapGet("/", (PeopleDirectory directory) => TypedResults.Ok(directory.List()));
        people.MapPost("/", AddAsync);
        people.MapDelete("/{name}", (string name, PeopleDirectory directory, AuditLog audit, HttpContext context) =>
            Done(directory.Delete(name), () => audit.Record(context.User, "person.delete", name)));
        people.MapPost("/{name}/password", SetPasswordAsync);
        people.MapDelete("/{name}/totp", (string name, PeopleDirectory directory, AuditLog audit, HttpContext context) =>
            Done(directory.RemoveTotp(name), () => audit.Record(context.User, "person.totp-remove", name)));
        people.MapGet("/{name}/tokens", (string name, PeopleDirectory directory) =>
            directory.Find(name) is null ? (Results<Ok<IReadOnlyList<PersonTokenView>>, NotFound>)TypedResults.NotFound() : TypedResults.Ok(directory.ListTokens(name)));
        people.MapDelete("/{name}/tokens/{id}", (string name, string id, PeopleDirectory directory, AuditLog audit, HttpContext context) =>
            Done(directory.RevokeToken(name, id), () => audit.Record(context.User, "token.revoke", name, $"token {id}")));

        var me = app.MapGroup("/api/me").WithTags("People").RequireAuthorization(Roles.SupportPolicy);
        me.MapGet("/", (HttpContext context, PeopleDirectory directory) =>
        {
            var person = PersonPrincipal.IsPerson(context.User);
            var name = AuditLog.ActorOf(context.User);
            return TypedResults.Ok(new Me(
                name, context.User.FindFirstValue(ClaimTypes.Role) ?? string.Empty, person,
                person && (directory.Find(name)?.TotpEnabled ?? false))
            {
                Language = person ? directory.Language(name) : null,
                ShownIn = Languages.Normalize(CultureInfo.CurrentUICulture.Name) ?? Languages.Fallback,
            });
        });
        me.MapPut("/language", SetLanguageAsync);
        me.MapPost("/totp", (HttpContext context, PeopleDirectory directory) =>
        {
            if (Person(context) is { } refused)
            {
                return (Results<Ok<TotpEnrolment>, ProblemHttpResult>)refused;
            }

            context.Response.Headers.CacheControl = "no-store";
            return TypedResults.Ok(directory.StartTotp(AuditLog.ActorOf(context.User))!);
        });
        me.MapPost("/totp/confirm", ConfirmTotpAsync);
        me.MapGet("/tokens", (HttpContext context, PeopleDirectory directory) =>
            Person(context) is { } refused
                ? (Results<Ok<IReadOnlyList<PersonTokenView>>, ProblemHttpResult>)refused
                : TypedResults.Ok(directory.ListTokens(AuditLog.ActorOf(context.User))));
        me.MapPost("/tokens", CreateTokenAsync);
        me.MapDelete("/tokens/{id}", (string id, HttpContext context, PeopleDirectory directory, AuditLog audit) =>
            Person(context) is { } refused
                ? (Results<NoContent, NotFound, ProblemHttpResult>)refused
                : directory.RevokeToken(AuditLog.ActorOf(context.User), id)
                    ? Recorded(() => audit.Record(context.User, "token.revoke", AuditLog.ActorOf(context.User), $"token {id}"))
                    : TypedResults.NotFound());
        return app;
    }

    private static async Task<Results<Created<PersonView>, ValidationProblem, Conflict<Microsoft.AspNetCore.Mvc.ProblemDetails>, ProblemHttpResult>> AddAsync(
        HttpRequest request, PeopleDirectory directory, ApiKeys keys, AuditLog audit)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var (fields, refusal) = await ReadAsync(request, errors, "name", "role", "password").ConfigureAwait(false);
        if (refusal is not null)
        {
            return refusal;
        }

        var (name, role, password) = (fields.GetValueOrDefault("name"), fields.GetValueOrDefault("role"), fields.GetValueOrDefault("password"));
        if (errors.Count == 0)
        {
            if (!PeopleDirectory.IsValidName(name))
            {
                errors["name"] = [SupportText.Get("Api.NameInvalid")];
            }
            else if (ApiKeys.IsConfiguredHolder(name!))
            {
                errors["name"] = [SupportText.Get("Api.NameReserved", ApiKeys.ConfiguredAdmin, ApiKeys.ConfiguredSupport)];
            }

            if (!Roles.IsRole(role))
            {
                errors["role"] = [SupportText.Get("Api.RoleInvalid", Roles.Admin, Roles.Support)];
            }

            if (PeopleDirectory.PasswordProblem(password) is { } problem)
            {
                errors["password"] = [problem];
            }
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: SupportText.Get("Api.PersonNotAdded"));
        }

        if (!directory.Create(name!, role!, password!, AuditLog.ActorOf(request.HttpContext.User)))
        {
            return TypedResults.Conflict(new Microsoft.AspNetCore.Mvc.ProblemDetails { Title = SupportText.Get("Api.PersonTaken", name!), Status = 409 });
        }

        audit.Record(request.HttpContext.User, "person.create", name, $"role {role}");
        return TypedResults.Created($"/api/people/{Uri.EscapeDataString(name!)}", directory.Find(name!)!);
    }

    private static async Task<Results<NoContent, NotFound, ValidationProblem, ProblemHttpResult>> SetPasswordAsync(
        string name, HttpRequest request, PeopleDirectory directory, AuditLog audit)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var (fields, refusal) = await ReadAsync(request, errors, "password").ConfigureAwait(false);
        if (refusal is not null)
        {
            return refusal;
        }

        if (errors.Count == 0 && PeopleDirectory.PasswordProblem(fields.GetValueOrDefault("password")) is { } problem)
        {
            errors["password"] = [problem];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: SupportText.Get("Api.PasswordNotSet"));
        }

        if (!directory.SetPassword(name, fields["password"]!))
        {
            return TypedResults.NotFound();
        }

        audit.Record(request.HttpContext.User, "person.password", name, "password: changed");
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ConfirmTotpAsync(HttpRequest request, PeopleDirectory directory, AuditLog audit)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var (fields, refusal) = await ReadOwnAsync(request, errors, "code").ConfigureAwait(false);
        if (refusal is not null)
        {
            return refusal;
        }

        var name = AuditLog.ActorOf(request.HttpContext.User);
        if (errors.Count == 0 && !directory.ConfirmTotp(name, fields.GetValueOrDefault("code") ?? string.Empty))
        {
            errors["code"] = [SupportText.Get("Api.TotpCodeWrong")];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: SupportText.Get("Api.TotpNotOn"));
        }

        audit.Record(request.HttpContext.User, "person.totp-enable", name);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// <c>PUT /api/me/language {"language":"nb"}</c>: the language the person reads the dashboard and
    /// the texts for support in (a tag such as <c>nb-NO</c> is stored as <c>nb</c>); null (or empty) for their browser's.
    /// </summary>
    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> SetLanguageAsync(HttpRequest request, PeopleDirectory directory, AuditLog audit)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var (fields, refusal) = await ReadOwnAsync(request, errors, "language").ConfigureAwait(false);
        if (refusal is not null)
        {
            return refusal;
        }

        var asked = fields.GetValueOrDefault("language");
        var language = Languages.Normalize(asked);
        if (errors.Count == 0 && !string.IsNullOrWhiteSpace(asked) && language is null)
        {
            errors["language"] = [SupportText.Get("Api.LanguageUnknown", string.Join(", ", Languages.Supported))];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: SupportText.Get("Api.LanguageNotSet"));
        }

        var name = AuditLog.ActorOf(request.HttpContext.User);
        directory.SetLanguage(name, language);
        audit.Record(request.HttpContext.User, "person.language", name, $"language {language ?? "browser"}");
        return TypedResults.NoContent();
    }

    private static async Task<Results<Created<CreatedToken>, ValidationProblem, ProblemHttpResult>> CreateTokenAsync(
        HttpRequest request, PeopleDirectory directory, AuditLog audit)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var (fields, refusal) = await ReadOwnAsync(request, errors, "label").ConfigureAwait(false);
        if (refusal is not null)
        {
            return refusal;
        }

        var label = fields.GetValueOrDefault("label")?.Trim();
        if (errors.Count == 0 && (label is not { Length: > 0 and <= 64 } || label.Any(char.IsControl)))
        {
            errors["label"] = [SupportText.Get("Api.TokenLabelInvalid")];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: SupportText.Get("Api.TokenNotMade"));
        }

        var name = AuditLog.ActorOf(request.HttpContext.User);
        var token = directory.CreateToken(name, label!)!;
        audit.Record(request.HttpContext.User, "token.create", name, $"token {token.Id} ({label})");
        request.HttpContext.Response.Headers.CacheControl = "no-store";
        return TypedResults.Created($"/api/me/tokens/{token.Id}", token);
    }

    /// <summary>Reads a person's request about themselves (<see cref="ReadAsync"/>); an API key's holder is refused, having no personal settings.</summary>
    private static async Task<(Dictionary<string, string?> Fields, ProblemHttpResult? Refusal)> ReadOwnAsync(
        HttpRequest request, Dictionary<string, string[]> errors, string name) =>
        Person(request.HttpContext) is { } refused
            ? (new Dictionary<string, string?>(StringComparer.Ordinal), refused)
            : await ReadAsync(request, errors, name).ConfigureAwait(false);

    /// <summary>Reads a JSON object of string fields; a field that is there but not a string is a problem under its name.</summary>
    private static async Task<(Dictionary<string, string?> Fields, ProblemHttpResult? Refusal)> ReadAsync(
        HttpRequest request, Dictionary<string, string[]> errors, params string[] names)
    {
        var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
        var (body, refusal) = await RequestBody.ReadJsonAsync(request, MaxBodyBytes, errors).ConfigureAwait(false);
        if (refusal is not null || body is null)
        {
            return (fields, refusal);
        }

        using (body)
        {
            if (body.RootElement.ValueKind != JsonValueKind.Object)
            {
                errors[RequestBody.BodyKey] = [SupportText.Get("Api.BodyObject", string.Join(", ", names.Select(n => $"'{n}'")))];
                return (fields, null);
            }

            foreach (var name in names)
            {
                if (!body.RootElement.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
                {
                    fields[name] = null;
                }
                else if (value.ValueKind == JsonValueKind.String)
                {
                    fields[name] = value.GetString();
                }
                else
                {
                    errors[name] = [SupportText.Get("Api.FieldIsText", name)];
                }
            }
        }

        return (fields, null);
    }

    /// <summary>Null for a person; otherwise the refusal for an API key's holder, who has no personal settings.</summary>
    private static ProblemHttpResult? Person(HttpContext context) =>
        PersonPrincipal.IsPerson(context.User)
            ? null
            : TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: SupportText.Get("Api.KeyHasNoSettings"),
                detail: SupportText.Get("Api.KeyHasNoSettingsDetail"));

    private static Results<NoContent, NotFound> Done(bool done, Action record)
    {
        if (!done)
        {
            return TypedResults.NotFound();
        }

        record();
        return TypedResults.NoContent();
    }

    private static NoContent Recorded(Action record)
    {
        record();
        return TypedResults.NoContent();
    }
}

/// <summary>Who the caller is.</summary>
/// <param name="Name">Their name (a person's, or an API key's holder).</param>
/// <param name="Role">Their role.</param>
/// <param name="Person">Whether they are a person (not an API key).</param>
/// <param name="TotpEnabled">Whether their sign-in asks for an authenticator code.</param>
public sealed record Me(string Name, string Role, bool Person, bool TotpEnabled)
{
    /// <summary>The language the person chose (<see cref="Languages.Supported"/>), or null: their browser's.</summary>
    public string? Language { get; init; }

    /// <summary>The language this answer, and the dashboard, is in now.</summary>
    public string ShownIn { get; init; } = Languages.Fallback;
}
