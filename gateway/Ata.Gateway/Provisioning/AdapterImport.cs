using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Ata.Core.Contract;
using Ata.Gateway.Store;
using Sylvan.Data.Csv;

namespace Ata.Gateway.Provisioning;

/// <summary>
/// Bulk import of new adapters from CSV, one row per adapter, each provisioned through
/// <see cref="AdapterProvisioning"/> exactly as <c>PUT /api/adapters/{id}</c> does it (store, broker
/// login, config), read as a stream so a file of any length takes the same memory. A row that
/// cannot be provisioned is reported with its row number (the header is row 1) and the reason, and
/// the import goes on; nothing of a row's secrets is ever repeated back.
/// </summary>
/// <remarks>
/// Columns (header names, any order, case-insensitive): <c>mac</c> (required: the adapter's MAC
/// in any common notation), <c>device_id</c> (optional: default <c>ata-</c> and the MAC's 12 hex
/// digits), <c>secret</c>, <c>customer_reference</c>, and per line n = 1 or 2
/// <c>line{n}_username</c>, <c>line{n}_password</c>, <c>line{n}_registrar</c> (line 1 required).
/// </remarks>
public sealed class AdapterImport(AdapterProvisioning provisioning, AdapterStore store)
{
    /// <summary>Most rows one import takes.</summary>
    public const int MaxRows = 200_000;

    /// <summary>A progress line is sent every this many rows.</summary>
    public const int ProgressEvery = 100;

    /// <summary>The columns every file must have.</summary>
    public static readonly IReadOnlyList<string> RequiredColumns = ["mac", "secret", "line1_username", "line1_password", "line1_registrar"];

    private static readonly string[] LineFields = [Fields.Username, Fields.Password, Fields.Registrar];

    /// <summary>Reads the header of <paramref name="csv"/>; null with the problem when it lacks a required column.</summary>
    /// <param name="csv">The file.</param>
    /// <param name="problem">What is wrong with the header.</param>
    public static async Task<ImportFile?> OpenAsync(TextReader csv, Action<string> problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        CsvDataReader reader;
        try
        {
            reader = await CsvDataReader.CreateAsync(csv, new CsvDataReaderOptions { HeaderComparer = StringComparer.OrdinalIgnoreCase }).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is CsvFormatException or InvalidDataException)
        {
            problem($"The first row cannot be read as CSV: {exception.Message}");
            return null;
        }

        var columns = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < reader.FieldCount; i++)
        {
            columns.TryAdd(reader.GetName(i).Trim().ToLowerInvariant(), i);
        }

        var missing = RequiredColumns.Where(c => !columns.ContainsKey(c)).ToList();
        if (missing.Count > 0)
        {
            problem(columns.Count == 0
                ? $"The file is empty: its first row must name the columns ({string.Join(", ", RequiredColumns)})."
                : $"The first row must name the columns {string.Join(", ", RequiredColumns)}; missing: {string.Join(", ", missing)}.");
            await reader.DisposeAsync().ConfigureAwait(false);
            return null;
        }

        return new ImportFile(reader, columns);
    }

    /// <summary>Provisions every row of <paramref name="reader"/> (past its header), telling how it goes.</summary>
    /// <param name="reader">The file, its header read by <see cref="OpenAsync"/>.</param>
    /// <param name="actor">Who imports.</param>
    /// <param name="cancellationToken">Stops the import after the row under way.</param>
    public async IAsyncEnumerable<ImportEvent> RunAsync(ImportFile reader, string actor, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var seenMacs = new Dictionary<string, int>(StringComparer.Ordinal);
        var seenIds = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        int rows = 0, created = 0, failed = 0;
        while (true)
        {
            var (more, unreadable) = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (unreadable is not null)
            {
                yield return ImportEvent.Stopped(reader.Row, $"The row cannot be read as CSV ({unreadable}); it and the rest were not imported.", rows, created, failed);
                yield break;
            }

            if (!more)
            {
                break;
            }

            var row = reader.Row;
            rows++;
            if (rows > MaxRows)
            {
                yield return ImportEvent.Stopped(row, $"An import takes at most {MaxRows:N0} rows; the rest of the file was not read.", rows - 1, created, failed);
                yield break;
            }

            if (IsBlank(reader))
            {
                rows--;
                continue;
            }

            var (deviceId, mac, specification, reason) = ReadRow(reader, row, seenMacs, seenIds);
            if (reason is null && specification is not null)
            {
                if (await ProvisionAsync(deviceId!, specification, actor, cancellationToken).ConfigureAwait(false) is { } notWritable)
                {
                    yield return ImportEvent.Stopped(row, $"{notWritable}. This row and the rest were not imported; import them again once it can be written.", rows - 1, created, failed);
                    yield break;
                }

                created++;
            }
            else
            {
                failed++;
                yield return ImportEvent.Error(row, deviceId, mac, reason ?? "not provisioned");
            }

            if (rows % ProgressEvery == 0)
            {
                yield return ImportEvent.Progress(row, rows, created, failed);
            }
        }

        yield return ImportEvent.Done(rows, created, failed);
    }

    /// <summary>Provisions one adapter; why nothing could be written, or null when it was.</summary>
    private async Task<string?> ProvisionAsync(string deviceId, AdapterSpecification specification, string actor, CancellationToken cancellationToken)
    {
        try
        {
            await provisioning.ProvisionAsync(deviceId, specification, cancellationToken, actor).ConfigureAwait(false);
            return null;
        }
        catch (Exception exception) when (Apis.AdaptersApi.NotWritable(exception) is { } notWritable)
        {
            return notWritable;
        }
    }

    private (string? DeviceId, string? Mac, AdapterSpecification? Specification, string? Reason) ReadRow(
        ImportFile reader, int row, Dictionary<string, int> seenMacs, Dictionary<string, int> seenIds)
    {
        var macText = Field(reader, "mac");
        if (string.IsNullOrEmpty(macText))
        {
            return (Field(reader, "device_id"), null, null, "The MAC is missing (column mac).");
        }

        if (NormalizeMac(macText) is not { } mac)
        {
            return (Field(reader, "device_id"), null, null, "The MAC is not six two-digit hex octets (aa:bb:cc:dd:ee:ff, aa-bb-…, aabb.ccdd.eeff or aabbccddeeff).");
        }

        var deviceId = Field(reader, "device_id") is { Length: > 0 } given ? given : "ata-" + mac.Replace(":", string.Empty, StringComparison.Ordinal);
        if (!MqttTopics.IsValidDeviceId(deviceId))
        {
            return (null, mac, null, "The device id is not 1 to 64 letters, digits, '-', '_' or '.' (column device_id).");
        }

        if (provisioning.IsReserved(deviceId))
        {
            return (deviceId, mac, null, provisioning.ReservedIdMessage);
        }

        if (seenMacs.TryGetValue(mac, out var macRow))
        {
            return (deviceId, mac, null, $"Duplicate: the MAC {mac} is already on row {macRow}.");
        }

        if (seenIds.TryGetValue(deviceId, out var idRow))
        {
            return (deviceId, mac, null, $"Duplicate: the device id {deviceId} is already on row {idRow}.");
        }

        seenMacs[mac] = row;
        seenIds[deviceId] = row;
        if (store.Find(deviceId) is not null)
        {
            return (deviceId, mac, null, $"Duplicate: the adapter {deviceId} already exists (change it with PUT /api/adapters/{deviceId}).");
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        AdapterSpecification? specification;
        using (var body = JsonDocument.Parse(Body(reader).ToJsonString()))
        {
            specification = AdapterRequest.Read(body.RootElement, errors);
        }

        return errors.Count > 0 || specification is null
            ? (deviceId, mac, null, string.Join(" ", errors.Select(e => $"{Column(e.Key)}: {string.Join(" ", e.Value)}")))
            : (deviceId, mac, specification, null);
    }

    /// <summary>The row as the body <c>PUT /api/adapters/{id}</c> takes, so it is checked by the same rules.</summary>
    private static JsonObject Body(ImportFile reader)
    {
        var lines = new JsonArray();
        for (var n = 1; n <= 2; n++)
        {
            var values = LineFields.Select(f => Field(reader, $"line{n}_{f}")).ToArray();
            if (n > 1 && values.All(string.IsNullOrEmpty))
            {
                continue;
            }

            var line = new JsonObject();
            for (var i = 0; i < LineFields.Length; i++)
            {
                if (!string.IsNullOrEmpty(values[i]))
                {
                    line[LineFields[i]] = values[i];
                }
            }

            lines.Add(line);
        }

        var body = new JsonObject { [AdapterRequest.SecretKey] = Field(reader, "secret") ?? string.Empty, [Fields.Lines] = lines };
        if (Field(reader, "customer_reference") is { Length: > 0 } customer)
        {
            body[AdapterRequest.CustomerReferenceKey] = customer;
        }

        return body;
    }

    /// <summary>The CSV column a validation key of the JSON body came from: <c>lines[0].registrar</c> is <c>line1_registrar</c>.</summary>
    private static string Column(string key)
    {
        if (key.StartsWith(Fields.Lines + "[", StringComparison.Ordinal) && key.IndexOf(']', StringComparison.Ordinal) is > 0 and var close
            && int.TryParse(key.AsSpan(Fields.Lines.Length + 1, close - Fields.Lines.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            var rest = key[(close + 1)..].TrimStart('.');
            return rest.Length > 0 ? $"line{index + 1}_{rest}" : $"line{index + 1}";
        }

        return key switch
        {
            AdapterRequest.CustomerReferenceKey => "customer_reference",
            _ => key,
        };
    }

    private static string? Field(ImportFile reader, string column) => reader.Field(column);

    private static bool IsBlank(ImportFile reader) => reader.IsBlank;

    /// <summary>A MAC in any common notation as <c>aa:bb:cc:dd:ee:ff</c>, or null.</summary>
    /// <param name="text">The MAC as written.</param>
    public static string? NormalizeMac(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var hex = new char[12];
        var count = 0;
        foreach (var c in text.Trim())
        {
            if (Uri.IsHexDigit(c))
            {
                if (count == 12)
                {
                    return null;
                }

                hex[count++] = char.ToLowerInvariant(c);
            }
            else if (c is not (':' or '-' or '.'))
            {
                return null;
            }
        }

        return count == 12
            ? string.Join(':', Enumerable.Range(0, 6).Select(i => new string(hex, i * 2, 2)))
            : null;
    }
}

/// <summary>A CSV file being imported: its reader, its columns by name and the row it is at (the header is row 1).</summary>
public sealed class ImportFile : IAsyncDisposable
{
    private readonly CsvDataReader _reader;
    private readonly Dictionary<string, int> _columns;

    internal ImportFile(CsvDataReader reader, Dictionary<string, int> columns)
    {
        _reader = reader;
        _columns = columns;
    }

    /// <summary>The row read last; the header is row 1.</summary>
    public int Row { get; private set; } = 1;

    /// <summary>Whether the row read last has no value at all.</summary>
    public bool IsBlank
    {
        get
        {
            for (var i = 0; i < _reader.RowFieldCount; i++)
            {
                if (!string.IsNullOrWhiteSpace(_reader.GetString(i)))
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>Reads the next row: whether there was one, or why it cannot be read.</summary>
    /// <param name="cancellationToken">Abandons the read.</param>
    public async Task<(bool More, string? Unreadable)> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            var more = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (more)
            {
                Row++;
            }

            return (more, null);
        }
        catch (Exception exception) when (exception is CsvFormatException or InvalidDataException)
        {
            Row++;
            return (false, exception.Message);
        }
    }

    /// <summary>The trimmed value of <paramref name="column"/> in the row read last, or null when the file or the row has no such column.</summary>
    /// <param name="column">The column's name, lower case.</param>
    public string? Field(string column) =>
        _columns.TryGetValue(column, out var ordinal) && ordinal < _reader.RowFieldCount ? _reader.GetString(ordinal).Trim() : null;

    /// <summary>Closes the reader.</summary>
    public ValueTask DisposeAsync() => _reader.DisposeAsync();
}

/// <summary>One line of an import's report (<c>application/x-ndjson</c>).</summary>
/// <param name="Type"><c>progress</c>, <c>error</c> (a row not imported), <c>stopped</c> (the import ended early) or <c>done</c>.</param>
/// <param name="Row">The row of the file (the header is row 1), for progress, error and stopped.</param>
public sealed record ImportEvent(string Type, int? Row)
{
    /// <summary>The device id of a row not imported, when it has one.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? DeviceId { get; init; }

    /// <summary>The MAC of a row not imported, when it has a valid one.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Mac { get; init; }

    /// <summary>Why a row was not imported, or why the import stopped.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Reason { get; init; }

    /// <summary>Data rows read so far.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Rows { get; init; }

    /// <summary>Adapters created so far.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Created { get; init; }

    /// <summary>Rows not imported so far.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Failed { get; init; }

    /// <summary>Progress after <paramref name="rows"/> data rows.</summary>
    internal static ImportEvent Progress(int row, int rows, int created, int failed) =>
        new("progress", row) { Rows = rows, Created = created, Failed = failed };

    /// <summary>A row not imported.</summary>
    internal static ImportEvent Error(int row, string? deviceId, string? mac, string reason) =>
        new("error", row) { DeviceId = deviceId, Mac = mac, Reason = reason };

    /// <summary>The import ended early at <paramref name="row"/>.</summary>
    internal static ImportEvent Stopped(int row, string reason, int rows, int created, int failed) =>
        new("stopped", row) { Reason = reason, Rows = rows, Created = created, Failed = failed };

    /// <summary>The whole file was read.</summary>
    internal static ImportEvent Done(int rows, int created, int failed) =>
        new("done", null) { Rows = rows, Created = created, Failed = failed };
}
