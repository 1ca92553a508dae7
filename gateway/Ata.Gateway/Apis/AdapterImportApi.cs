using System.Text;
using System.Text.Json;
using Ata.Gateway.Access;
using Ata.Gateway.Provisioning;
using Ata.Gateway.Store;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ata.Gateway.Apis;

/// <summary>Bulk import of adapters from CSV (admin), answered as a stream of progress and per-row errors.</summary>
public static class AdapterImportApi
{
    /// <summary>The CSV media type the file is sent as.</summary>
    public const string MediaType = "text/csv";

    /// <summary>The report's media type: one JSON object per line.</summary>
    public const string ReportMediaType = "application/x-ndjson";

    /// <summary>Largest file one import takes (about 200,000 rows).</summary>
    public const long MaxBodyBytes = 64L * 1024 * 1024;

    private static readonly byte[] NewLine = "\n"u8.ToArray();

    /// <summary>Maps <c>POST /api/adapters/import</c>.</summary>
    /// <param name="app">The route builder.</param>
    public static IEndpointRouteBuilder MapAdapterImportApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/adapters/import", ImportAsync).WithTags("Adapters").RequireAuthorization(Roles.AdminPolicy);
        return app;
    }

    /// <summary>
    /// Provisions the adapters of a CSV file (<see cref="AdapterImport"/>: one row per new adapter),
    /// read as it arrives. Answers 200 with <c>application/x-ndjson</c>: a <c>progress</c> line every
    /// 100 rows, an <c>error</c> line for each row not imported (its row number, device id and MAC
    /// when known, and why; never a secret), then <c>done</c> (or <c>stopped</c>, when the store or
    /// the broker's logins cannot be written) with the counts. 400 when the header lacks a required
    /// column, 413 beyond 64 MiB, 415 unless the file is sent as <c>text/csv</c>.
    /// </summary>
    /// <param name="context">The request.</param>
    /// <param name="import">The import.</param>
    /// <param name="audit">The audit log.</param>
    public static async Task<IResult> ImportAsync(HttpContext context, AdapterImport import, AuditLog audit)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(import);
        ArgumentNullException.ThrowIfNull(audit);
        var request = context.Request;
        if (!(request.ContentType?.Split(';')[0].Trim().Equals(MediaType, StringComparison.OrdinalIgnoreCase) ?? false))
        {
            return RequestBody.LeaveUnread(request, TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "The file must be CSV.", detail: $"Send it with Content-Type: {MediaType}."));
        }

        if (RequestBody.Limit(request, MaxBodyBytes) is { } tooLarge)
        {
            return tooLarge;
        }

        using var text = new StreamReader(request.Body, Encoding.UTF8);
        string? problem = null;
        var reader = await AdapterImport.OpenAsync(text, p => problem = p).ConfigureAwait(false);
        if (reader is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["file"] = [problem ?? "The file cannot be read."] }, title: "Nothing was imported.");
        }

        await using (reader.ConfigureAwait(false))
        {
            var response = context.Response;
            response.ContentType = ReportMediaType + "; charset=utf-8";
            response.Headers.CacheControl = "no-store";
            ImportEvent? last = null;
            try
            {
                await foreach (var report in import.RunAsync(reader, AuditLog.ActorOf(context.User), context.RequestAborted).ConfigureAwait(false))
                {
                    await JsonSerializer.SerializeAsync(response.Body, report, JsonSerializerOptions.Web, context.RequestAborted).ConfigureAwait(false);
                    await response.Body.WriteAsync(NewLine, context.RequestAborted).ConfigureAwait(false);
                    if (report.Type != "error" || last?.Type != "error")
                    {
                        await response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
                    }

                    last = report;
                }
            }
            catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                var stopped = new ImportEvent("stopped", null) { Reason = $"The file is larger than {MaxBodyBytes / 1024 / 1024} MiB; the rest was not read." };
                await JsonSerializer.SerializeAsync(response.Body, stopped, JsonSerializerOptions.Web, CancellationToken.None).ConfigureAwait(false);
                await response.Body.WriteAsync(NewLine, CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                audit.Record(context.User, "adapter.import", null,
                    last is null ? "no rows" : $"rows {last.Rows}; created {last.Created}; not imported {last.Failed}{(last.Type == "stopped" ? "; stopped" : string.Empty)}");
            }
        }

        return Results.Empty;
    }
}
