using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Ata.Gateway.Fleet;
using System.Data.Common;

namespace Ata.Gateway.Store;

/// <summary>What support asks of the fleet: filters, a sort, and where a page starts.</summary>
public sealed record FleetFilter
{
    /// <summary>Largest page.</summary>
    public const int MaxLimit = 200;

    /// <summary>Page size when none is asked for.</summary>
    public const int DefaultLimit = 50;

    /// <summary>One of <see cref="FleetQuery.States"/>, or null for any.</summary>
    public string? State { get; init; }

    /// <summary>An active fault's code, or null.</summary>
    public string? Fault { get; init; }

    /// <summary>A line's registrar, <c>host</c> (any port) or <c>host:port</c> (case-insensitive), or null.</summary>
    public string? Registrar { get; init; }

    /// <summary>The firmware version from the adapter's last hello, or null.</summary>
    public string? Firmware { get; init; }

    /// <summary>The customer reference (whole, case-insensitive), or null.</summary>
    public string? Customer { get; init; }

    /// <summary>Search text (<see cref="FleetSearch"/>), or null.</summary>
    public string? Query { get; init; }

    /// <summary>One of <see cref="FleetQuery.Sorts"/>.</summary>
    public string Sort { get; init; } = FleetQuery.DeviceIdSort;

    /// <summary>Newest, highest or last first.</summary>
    public bool Descending { get; init; }

    /// <summary>The cursor of the page before (its <see cref="FleetPage.Next"/>), or null for the first page.</summary>
    public string? After { get; init; }

    /// <summary>Adapters per page, 1 to <see cref="MaxLimit"/>.</summary>
    public int Limit { get; init; } = DefaultLimit;

    /// <summary>Whether anything narrows the fleet beyond a state.</summary>
    internal bool NarrowsBeyondState => Fault is not null || Registrar is not null || Firmware is not null || Customer is not null || Query is not null;
}

/// <summary>A page of the fleet (<c>GET /api/adapters?limit=…</c>).</summary>
/// <param name="Items">The adapters on it, in the order asked for.</param>
/// <param name="Next">The cursor of the next page (<c>after=</c>), or null on the last one.</param>
/// <param name="Total">How many adapters match, or null when more than <see cref="FleetQuery.CountLimit"/> match a search or filter (not counted further).</param>
public sealed record FleetPage(IReadOnlyList<AdapterView> Items, string? Next, long? Total);

/// <summary>A filter, sort or cursor the store cannot take, with the parameter at fault.</summary>
/// <param name="parameter">The query parameter.</param>
/// <param name="message">What is wrong with it.</param>
public sealed class FleetFilterException(string parameter, string message) : Exception(message)
{
    /// <summary>The query parameter at fault.</summary>
    public string Parameter { get; } = parameter;
}

/// <summary>
/// The fleet's filtered, sorted pages, answered from the indexes <see cref="FleetIndex"/> keeps:
/// keyset paging (the cursor carries the last row's sort key and device id), so page 2,000 costs
/// what page 1 does.
/// </summary>
public static class FleetQuery
{
    /// <summary>Sorted by device id.</summary>
    public const string DeviceIdSort = "deviceId";

    /// <summary>Matches beyond this are not counted for <see cref="FleetPage.Total"/> of a search or filter.</summary>
    public const int CountLimit = 10_000;

    /// <summary>The states a page can be filtered by: the presences, and registered and faulted.</summary>
    public static readonly IReadOnlyList<string> States = [.. FleetCounts.Presences, "registered", "faulted"];

    /// <summary>The sorts, by name: the SQL of the sort key and of the device id it is paired with (each pair indexed).</summary>
    private static readonly Dictionary<string, (string Key, string Id)> SortKeys = new(StringComparer.Ordinal)
    {
        [DeviceIdSort] = ("s.device_id", "s.device_id"),
        ["lastSeen"] = ("coalesce(s.last_seen, '')", "s.device_id"),
        ["firmware"] = ("coalesce(s.firmware, '')", "s.device_id"),
        ["state"] = ("s.presence", "s.device_id"),
        ["customer"] = (CustomerKey, "a.device_id"),
    };

    /// <summary>Stands for the customer sort's key, which each dialect spells its own way (<see cref="Key"/>).</summary>
    private const string CustomerKey = "{customer}";

    /// <summary>A sort's key in the connection's dialect.</summary>
    private static string Key(StoreDialect dialect, string key) =>
        key == CustomerKey ? StoreSql.CaseFolded(dialect, "coalesce(a.customer_ref, '')") : key;

    /// <summary>The sorts a page can have (<c>sort=</c>, with <c>-</c> in front for descending).</summary>
    public static IReadOnlyCollection<string> Sorts => SortKeys.Keys;

    /// <summary>One page of the fleet.</summary>
    /// <param name="connection">An open connection, in a read transaction so the page and its views agree.</param>
    /// <param name="filter">What is asked.</param>
    /// <exception cref="FleetFilterException">A state, sort, limit or cursor the store cannot take.</exception>
    internal static (IReadOnlyList<string> Ids, string? Next) PageIds(DbConnection connection, FleetFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.Limit is < 1 or > FleetFilter.MaxLimit)
        {
            throw new FleetFilterException("limit", $"limit must be 1 to {FleetFilter.MaxLimit}.");
        }

        if (!SortKeys.TryGetValue(filter.Sort, out var sort))
        {
            throw new FleetFilterException("sort", $"sort must be one of {string.Join(", ", Sorts)} (with - in front for descending).");
        }

        var dialect = StoreDatabase.DialectOf(connection);
        sort = (Key(dialect, sort.Key), sort.Id);
        var (where, parameters) = Where(dialect, filter);
        var order = filter.Descending ? "DESC" : "ASC";
        if (filter.After is not null)
        {
            var (key, id) = ReadCursor(filter.After, filter);
            where.Add(sort.Key == sort.Id
                ? $"{sort.Id} {(filter.Descending ? "<" : ">")} @afterId"
                : $"({sort.Key}, {sort.Id}) {(filter.Descending ? "<" : ">")} (@afterKey, @afterId)");
            parameters.Add(("@afterKey", key));
            parameters.Add(("@afterId", id));
        }

        parameters.Add(("@limit", filter.Limit + 1));
        using var command = StoreDatabase.Command(connection,
            $"""
            SELECT {sort.Key}, {sort.Id} FROM adapter_state s JOIN adapters a ON a.device_id = s.device_id
            {(where.Count == 0 ? string.Empty : "WHERE " + string.Join(" AND ", where))}
            ORDER BY {(sort.Key == sort.Id ? string.Empty : $"{sort.Key} {order}, ")}{sort.Id} {order} LIMIT @limit
            """, [.. parameters]);
        using var reader = command.ExecuteReader();
        var rows = new List<(string Key, string Id)>();
        while (reader.Read())
        {
            rows.Add((reader.GetString(0), reader.GetString(1)));
        }

        string? next = null;
        if (rows.Count > filter.Limit)
        {
            rows.RemoveAt(rows.Count - 1);
            next = WriteCursor(filter, rows[^1].Key, rows[^1].Id);
        }

        return ([.. rows.Select(r => r.Id)], next);
    }

    /// <summary>How many adapters match: from the counts without a filter or with a state alone, else counted up to <see cref="CountLimit"/> (null beyond).</summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="filter">What is asked.</param>
    internal static long? Total(DbConnection connection, FleetFilter filter)
    {
        if (!filter.NarrowsBeyondState)
        {
            var counts = FleetCounts.Read(connection);
            return filter.State switch
            {
                null => counts[FleetCounts.Adapters],
                "registered" => counts[FleetCounts.Registered],
                "faulted" => counts[FleetCounts.Faulted],
                var presence => counts[FleetCounts.PresencePrefix + presence],
            };
        }

        var (where, parameters) = Where(StoreDatabase.DialectOf(connection), filter);
        parameters.Add(("@cap", CountLimit + 1));
        using var command = StoreDatabase.Command(connection,
            $"""
            SELECT count(*) FROM (SELECT 1 FROM adapter_state s JOIN adapters a ON a.device_id = s.device_id
            WHERE {string.Join(" AND ", where)} LIMIT @cap) AS matches
            """, [.. parameters]);
        var total = (long)command.ExecuteScalar()!;
        return total > CountLimit ? null : total;
    }

    /// <summary>Which of <paramref name="deviceIds"/> match the filter (its state, fault, registrar, firmware, customer and search; not its cursor).</summary>
    /// <param name="connection">An open connection.</param>
    /// <param name="filter">What is asked.</param>
    /// <param name="deviceIds">Adapters to check; null for all.</param>
    internal static IReadOnlySet<string> Matching(DbConnection connection, FleetFilter filter, IReadOnlyCollection<string>? deviceIds)
    {
        var dialect = StoreDatabase.DialectOf(connection);
        var (where, parameters) = Where(dialect, filter);
        if (deviceIds is not null)
        {
            where.Add($"s.device_id IN ({StoreSql.JsonTexts(dialect, "@ids")})");
            parameters.Add(("@ids", JsonSerializer.Serialize(deviceIds)));
        }

        using var command = StoreDatabase.Command(connection,
            $"SELECT s.device_id FROM adapter_state s JOIN adapters a ON a.device_id = s.device_id {(where.Count == 0 ? string.Empty : "WHERE " + string.Join(" AND ", where))}",
            [.. parameters]);
        using var reader = command.ExecuteReader();
        var matching = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read())
        {
            matching.Add(reader.GetString(0));
        }

        return matching;
    }

    /// <summary>The SQL conditions (on <c>s</c>, <c>adapter_state</c>, and <c>a</c>, <c>adapters</c>) of a filter, with their parameters.</summary>
    private static (List<string> Where, List<(string Name, object? Value)> Parameters) Where(StoreDialect dialect, FleetFilter filter)
    {
        var where = new List<string>();
        var parameters = new List<(string, object?)>();
        switch (filter.State)
        {
            case null:
                break;
            case "registered":
                where.Add("s.registered = 1");
                break;
            case "faulted":
                where.Add("s.fault_count > 0");
                break;
            case var presence when FleetCounts.Presences.Contains(presence):
                where.Add("s.presence = @state");
                parameters.Add(("@state", presence));
                break;
            default:
                throw new FleetFilterException("state", $"state must be one of {string.Join(", ", States)}.");
        }

        if (filter.Fault is not null)
        {
            where.Add("s.device_id IN (SELECT device_id FROM active_faults WHERE code = @fault)");
            parameters.Add(("@fault", filter.Fault));
        }

        if (filter.Registrar is not null)
        {
            // host alone takes every port: host:5060, host:5080 sort between "host:" and "host;".
            var registrar = StoreSql.CaseFolded(dialect, "registrar");
            where.Add(
                $"""
                s.device_id IN (SELECT device_id FROM adapter_lines WHERE {registrar} = {StoreSql.CaseFolded(dialect, "@registrar")}
                    OR ({registrar} > {StoreSql.CaseFolded(dialect, "@registrar || ':'")} AND {registrar} < {StoreSql.CaseFolded(dialect, "@registrar || ';'")}))
                """);
            parameters.Add(("@registrar", filter.Registrar));
        }

        if (filter.Firmware is not null)
        {
            where.Add("coalesce(s.firmware, '') = @firmware");
            parameters.Add(("@firmware", filter.Firmware));
        }

        if (filter.Customer is not null)
        {
            where.Add($"{StoreSql.CaseFolded(dialect, "coalesce(a.customer_ref, '')")} = {StoreSql.CaseFolded(dialect, "@customer")}");
            parameters.Add(("@customer", filter.Customer));
        }

        if (filter.Query is not null)
        {
            where.Add($"s.device_id IN ({SearchSql(dialect, FleetSearch.TermsOf(filter.Query), parameters)})");
        }

        return (where, parameters);
    }

    /// <summary>
    /// The device ids a search finds, in SQL: through the trigram index for a part of three characters
    /// or more, by prefix for a shorter one, and by whole number for a query with a country code in front.
    /// </summary>
    private static string SearchSql(StoreDialect dialect, SearchTerms terms, List<(string Name, object? Value)> parameters)
    {
        var parts = new List<string>();
        if (terms.Text.Length >= 3)
        {
            parts.Add(Containing(dialect, "IN ('id', 'customer', 'user')", "@text", terms.Text, parameters));
        }
        else
        {
            var highest = dialect == StoreDialect.Sqlite ? "char(1114111)" : "chr(1114111)";
            parts.Add($"SELECT device_id FROM search_terms WHERE kind IN ('id', 'customer', 'user') AND term >= @prefix AND term < @prefix || {highest}");
            parameters.Add(("@prefix", terms.Text));
        }

        if (terms.MacDigits is not null)
        {
            parts.Add(Containing(dialect, "= 'mac'", "@mac", terms.MacDigits, parameters));
        }

        for (var i = 0; i < terms.NumberForms.Count; i++)
        {
            parts.Add(Containing(dialect, "= 'number'", $"@number{i}", terms.NumberForms[i], parameters));
        }

        if (terms.NumberSuffixes.Count > 0)
        {
            parts.Add($"SELECT device_id FROM search_terms WHERE kind = 'number' AND term IN ({StoreSql.JsonTexts(dialect, "@suffixes")})");
            parameters.Add(("@suffixes", JsonSerializer.Serialize(terms.NumberSuffixes)));
        }

        return string.Join(" UNION ", parts);
    }

    /// <summary>
    /// The search terms of a kind that contain <paramref name="text"/> in any case, through the trigram
    /// index: SQLite's FTS5 trigram table matches a phrase wherever a term contains it (and a phrase
    /// under three characters nowhere); PostgreSQL's pg_trgm index serves <c>LIKE '%text%'</c> on the
    /// lower-cased term, kept to three characters or more to answer as SQLite does.
    /// </summary>
    private static string Containing(StoreDialect dialect, string kind, string name, string text, List<(string Name, object? Value)> parameters)
    {
        if (dialect == StoreDialect.Sqlite)
        {
            parameters.Add((name, Phrase(text)));
            return $"SELECT device_id FROM search_terms WHERE +kind {kind} AND id IN (SELECT rowid FROM search_trigrams WHERE search_trigrams MATCH {name})";
        }

        parameters.Add((name, "%" + LikeEscaped(text) + "%"));
        return text.Length < 3
            ? "SELECT device_id FROM search_terms WHERE false"
            : $"SELECT device_id FROM search_terms WHERE kind {kind} AND lower(term) LIKE lower({name})";
    }

    /// <summary>An FTS5 phrase: with the trigram tokenizer, it matches wherever the text contains it.</summary>
    private static string Phrase(string text) => "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>Text matched literally by PostgreSQL's LIKE (whose escape character is the backslash).</summary>
    private static string LikeEscaped(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);

    private static string WriteCursor(FleetFilter filter, string key, string id) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new[] { filter.Sort + (filter.Descending ? "-" : "+"), key, id })));

    private static (string Key, string Id) ReadCursor(string cursor, FleetFilter filter)
    {
        try
        {
            var parts = JsonSerializer.Deserialize<string[]>(Base64Url.DecodeFromChars(cursor));
            if (parts is [var sort, var key, var id] && sort == filter.Sort + (filter.Descending ? "-" : "+"))
            {
                return (key, id);
            }
        }
        catch (Exception exception) when (exception is FormatException or JsonException)
        {
        }

        throw new FleetFilterException("after", string.Create(CultureInfo.InvariantCulture,
            $"after must be the 'next' of a page with the same sort ({filter.Sort}); start again without it."));
    }
}
