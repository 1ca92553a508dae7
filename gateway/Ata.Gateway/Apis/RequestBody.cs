using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ata.Gateway.Apis;

/// <summary>
/// Request bodies as the client's problem, never the gateway's: each endpoint takes at most its own
/// limit (413 beyond it), and a JSON body, whose problems are reported by field, is read in one place.
/// Only <c>application/json</c> is taken (415 otherwise: a cross-site form can send JSON as
/// <c>text/plain</c>, but not as JSON); JSON that does not parse is a problem under <c>body</c>; and
/// every string and field name must be valid Unicode text, else the problem names the field: a lone
/// UTF-16 surrogate (<c>"\ud800"</c>) or bytes that are not UTF-8 parse as JSON but cannot be read as
/// a string later.
/// </summary>
public static class RequestBody
{
    /// <summary>The key problems with the body as a whole are reported under.</summary>
    public const string BodyKey = "body";

    /// <summary>The media type a JSON body must be sent as.</summary>
    public const string MediaType = "application/json";

    /// <summary>
    /// Reads the body: the parsed document (the caller disposes it) when it is JSON of valid text; or
    /// null, with the problems added to <paramref name="errors"/> (answer 400 with them), or with a
    /// refusal to answer as it is (415, 413).
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="maxBytes">The largest body the endpoint takes.</param>
    /// <param name="errors">Where problems are added, by field.</param>
    public static async Task<(JsonDocument? Document, ProblemHttpResult? Refusal)> ReadJsonAsync(
        HttpRequest request, long maxBytes, IDictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(errors);
        if (!request.HasJsonContentType())
        {
            return (null, LeaveUnread(request, TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "The body must be JSON.", detail: $"Send it with Content-Type: {MediaType}.")));
        }

        if (Limit(request, maxBytes) is { } tooLarge)
        {
            return (null, tooLarge);
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, default, request.HttpContext.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException exception)
        {
            errors[BodyKey] = [$"The body is not valid JSON: {FirstSentence(exception.Message)}"];
            LeaveUnread(request, problem: null);
            return (null, null);
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, LeaveUnread(request, TooLarge(maxBytes)));
        }
        catch (Exception exception) when (exception is BadHttpRequestException or IOException)
        {
            return (null, LeaveUnread(request, TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The request body could not be read.")));
        }

        var before = errors.Count;
        FindInvalidText(document.RootElement, string.Empty, errors);
        if (errors.Count > before)
        {
            document.Dispose();
            return (null, null);
        }

        return (document, null);
    }

    /// <summary>
    /// Limits the body to <paramref name="maxBytes"/> (reading more fails with a 413
    /// <see cref="BadHttpRequestException"/>); the refusal (413) when it says it is larger already.
    /// </summary>
    /// <param name="request">The request.</param>
    /// <param name="maxBytes">The largest body the endpoint takes.</param>
    public static ProblemHttpResult? Limit(HttpRequest request, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes;
        }

        return request.ContentLength > maxBytes ? LeaveUnread(request, TooLarge(maxBytes)) : null;
    }

    /// <summary>413 with the limit, in KiB.</summary>
    /// <param name="maxBytes">The limit.</param>
    public static ProblemHttpResult TooLarge(long maxBytes) =>
        TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "The body is too large.",
            detail: $"This endpoint takes at most {maxBytes / 1024} KiB.");

    /// <summary>
    /// Answers without reading the rest of the body: the connection is closed after the answer
    /// (<c>Connection: close</c>), as the server would otherwise have to read and discard what may be
    /// far beyond the limit, and a client must not send its next request on it.
    /// </summary>
    /// <param name="request">The request whose body is left unread.</param>
    /// <param name="problem">The answer.</param>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(problem))]
    public static ProblemHttpResult? LeaveUnread(HttpRequest request, ProblemHttpResult? problem)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.HttpContext.Response.Headers.Connection = "close";
        return problem;
    }

    private static void FindInvalidText(JsonElement element, string path, IDictionary<string, string[]> errors)
    {
        const string Why = "is not valid text: it holds a lone UTF-16 surrogate or bytes that are not UTF-8.";
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                if (!IsText(() => element.GetString()))
                {
                    errors[path.Length == 0 ? BodyKey : path] = ["This " + Why];
                }

                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    var name = string.Empty;
                    if (!IsText(() => name = property.Name))
                    {
                        errors[path.Length == 0 ? BodyKey : path] = ["A field name " + Why];
                        continue;
                    }

                    FindInvalidText(property.Value, path.Length == 0 ? name : $"{path}.{name}", errors);
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    FindInvalidText(item, $"{path}[{index++}]", errors);
                }

                break;
        }
    }

    private static bool IsText(Func<string?> read)
    {
        try
        {
            _ = read();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }
}
