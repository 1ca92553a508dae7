using System.Globalization;
using System.Text.Json;
using Ata.Core.Contract;
using Ata.Gateway.Store;
using System.Data.Common;

namespace Ata.Gateway.Commands;

/// <summary>Where a command is: <c>queued</c> → <c>pending</c> → <c>done</c>, <c>failed</c> or <c>expired</c>.</summary>
public static class CommandStatus
{
    /// <summary>Waiting for its offline adapter to connect (<c>whenOffline: queue</c>).</summary>
    public const string Queued = "queued";

    /// <summary>Sent; the adapter has not answered yet.</summary>
    public const string Pending = "pending";

    /// <summary>The adapter carried it out (or accepted it: see the detail).</summary>
    public const string Done = "done";

    /// <summary>The adapter refused it; the detail says why.</summary>
    public const string Failed = "failed";

    /// <summary>No answer by the gateway's deadline (or, queued, the adapter did not connect in time).</summary>
    public const string Expired = "expired";
}

/// <summary>An adapter's answer on <c>cmd/result</c>: <c>{"id":"…","ok":true,"detail":"…"}</c>.</summary>
/// <param name="Id">The command's id.</param>
/// <param name="Ok">Whether it was carried out.</param>
/// <param name="Detail">The adapter's words.</param>
public sealed record CommandResult(string Id, bool Ok, string? Detail)
{
    /// <summary>Reads a <see cref="MqttTopics.CommandResult"/> payload; false when it is not one.</summary>
    /// <param name="payload">UTF-8 JSON.</param>
    /// <param name="result">The result.</param>
    public static bool TryRead(ReadOnlyMemory<byte> payload, out CommandResult result)
    {
        result = null!;
        try
        {
            using var document = JsonDocument.Parse(payload);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty(Fields.Id, out var id) || id.ValueKind != JsonValueKind.String || id.GetString() is not { Length: > 0 and <= 64 } text
                || !root.TryGetProperty(Fields.Ok, out var ok) || ok.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return false;
            }

            var detail = root.TryGetProperty(Fields.Detail, out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
            result = new CommandResult(text, ok.GetBoolean(), detail is { Length: > 200 } ? detail[..200] : detail);
            return true;
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException or ArgumentException)
        {
            return false;
        }
    }
}

/// <summary>One command as the API and dashboard show it.</summary>
/// <param name="Id">Its id (the adapter answers with it).</param>
/// <param name="DeviceId">The adapter.</param>
/// <param name="Command">What, e.g. <c>reboot</c>.</param>
/// <param name="Force">Whether it was sent forced (a reboot even mid-call).</param>
/// <param name="Line">The line it is for (a test ring), or null.</param>
/// <param name="Status">A <see cref="CommandStatus"/>.</param>
/// <param name="Detail">The adapter's words, or why it expired.</param>
/// <param name="Actor">Who sent it.</param>
/// <param name="CreatedAt">When it was asked for.</param>
/// <param name="SentAt">When it went to the broker (null while queued).</param>
/// <param name="Deadline">When it expires without an answer.</param>
/// <param name="AnsweredAt">When the adapter's answer was recorded.</param>
public sealed record CommandView(
    string Id, string DeviceId, string Command, bool Force, int? Line, string Status, string? Detail, string Actor,
    DateTimeOffset CreatedAt, DateTimeOffset? SentAt, DateTimeOffset Deadline, DateTimeOffset? AnsweredAt);

/// <summary>
/// Every command sent to an adapter and what became of it (table <c>commands</c>): recorded before it
/// is sent, answered from the adapter's <c>cmd/result</c> in the same batch as its other reports
/// (<see cref="RecordResult"/>), and expired by the gateway's own deadline when no answer comes.
/// </summary>
public sealed class CommandBook(AdapterStore store, TimeProvider time)
{
    /// <summary>Commands kept per adapter; older ones are forgotten.</summary>
    public const int HistoryLength = 50;

    /// <summary>Creates the table (called from the store's schema set-up).</summary>
    /// <param name="connection">An open connection inside the schema transaction.</param>
    public static void CreateSchema(DbConnection connection) =>
        StoreDatabase.Execute(connection, StoreSql.Tables(StoreDatabase.DialectOf(connection),
            """
            CREATE TABLE IF NOT EXISTS commands (
                id TEXT PRIMARY KEY NOT NULL,
                device_id TEXT NOT NULL REFERENCES adapters (device_id) ON DELETE CASCADE,
                command TEXT NOT NULL,
                force INTEGER NOT NULL DEFAULT 0,
                line INTEGER,
                status TEXT NOT NULL,
                detail TEXT,
                actor TEXT NOT NULL,
                created_at TEXT NOT NULL,
                sent_at TEXT,
                deadline TEXT NOT NULL,
                answered_at TEXT
            ) STRICT;
            CREATE INDEX IF NOT EXISTS commands_device ON commands (device_id, created_at);
            CREATE INDEX IF NOT EXISTS commands_open ON commands (status) WHERE status IN ('queued', 'pending');
            """));

    /// <summary>Records a new command, queued or about to be sent (pending).</summary>
    /// <param name="id">Its id.</param>
    /// <param name="deviceId">The adapter.</param>
    /// <param name="command">The command.</param>
    /// <param name="force">Forced.</param>
    /// <param name="line">The line it is for, or null.</param>
    /// <param name="queued">Whether it waits for the adapter to connect.</param>
    /// <param name="deadline">When it expires without an answer (or, queued, without being sent).</param>
    /// <param name="actor">Who asked.</param>
    public void Add(string id, string deviceId, string command, bool force, int? line, bool queued, DateTimeOffset deadline, string actor) =>
        StoreDatabase.RunAgainOnConflict(() => AddOnce(id, deviceId, command, force, line, queued, deadline, actor));

    private void AddOnce(string id, string deviceId, string command, bool force, int? line, bool queued, DateTimeOffset deadline, string actor)
    {
        using var connection = store.Open();
        using var transaction = connection.BeginTransaction();
        var now = store.Now();
        StoreDatabase.Execute(connection,
            """
            INSERT INTO commands (id, device_id, command, force, line, status, actor, created_at, sent_at, deadline)
            VALUES (@id, @device, @command, @force, @line, @status, @actor, @now, @sent, @deadline)
            """,
            ("@id", id), ("@device", deviceId), ("@command", command), ("@force", force), ("@line", line), ("@status", queued ? CommandStatus.Queued : CommandStatus.Pending),
            ("@actor", actor), ("@now", now), ("@sent", queued ? null : now), ("@deadline", Time(deadline)));
        StoreDatabase.Execute(connection,
            $"DELETE FROM commands WHERE device_id = @device AND id NOT IN (SELECT id FROM commands WHERE device_id = @device ORDER BY created_at DESC, id LIMIT {HistoryLength})",
            ("@device", deviceId));
        transaction.Commit();
    }

    /// <summary>A queued command was sent: it is pending now, until <paramref name="deadline"/>.</summary>
    /// <param name="id">The command.</param>
    /// <param name="deadline">Its answer deadline.</param>
    public void MarkSent(string id, DateTimeOffset deadline)
    {
        using var connection = store.Open();
        StoreDatabase.Execute(connection, "UPDATE commands SET status = @pending, sent_at = @now, deadline = @deadline WHERE id = @id AND status = @queued",
            ("@id", id), ("@pending", CommandStatus.Pending), ("@queued", CommandStatus.Queued), ("@now", store.Now()), ("@deadline", Time(deadline)));
    }

    /// <summary>A command could not be sent (the broker refused or did not answer); it stays as it was and says why.</summary>
    /// <param name="id">The command.</param>
    /// <param name="reason">Why.</param>
    public void MarkNotSent(string id, string reason)
    {
        using var connection = store.Open();
        StoreDatabase.Execute(connection, "UPDATE commands SET status = @failed, detail = @reason WHERE id = @id",
            ("@id", id), ("@failed", CommandStatus.Failed), ("@reason", reason));
    }

    /// <summary>
    /// Records an adapter's answer (inside an ingest batch): the command becomes done or failed, even
    /// after its deadline (the answer is the truth); an answer about no command of this adapter is ignored.
    /// </summary>
    /// <param name="connection">The batch's connection.</param>
    /// <param name="deviceId">The adapter that answered.</param>
    /// <param name="result">Its answer.</param>
    /// <param name="now">When, as the store writes times.</param>
    /// <returns>Whether a command of this adapter was answered.</returns>
    public static bool RecordResult(DbConnection connection, string deviceId, CommandResult result, string now)
    {
        ArgumentNullException.ThrowIfNull(result);
        var answered = StoreDatabase.Execute(connection,
            "UPDATE commands SET status = @status, detail = @detail, answered_at = @now WHERE id = @id AND device_id = @device AND answered_at IS NULL",
            ("@id", result.Id), ("@device", deviceId), ("@status", result.Ok ? CommandStatus.Done : CommandStatus.Failed),
            ("@detail", result.Detail), ("@now", now)) > 0;
        if (answered && result.Ok)
        {
            using var what = StoreDatabase.Command(connection, "SELECT command FROM commands WHERE id = @id", ("@id", result.Id));
            if (what.ExecuteScalar() is Ata.Core.Gateway.GatewayCommand.FactoryReset)
            {
                Provisioning.OnboardingCodes.MarkNeeded(connection, deviceId, "factory reset", now);
            }
        }

        return answered;
    }

    /// <summary>An adapter's commands, newest first, each with its status now.</summary>
    /// <param name="deviceId">The adapter.</param>
    public IReadOnlyList<CommandView> List(string deviceId) => Query("device_id = @key ORDER BY created_at DESC, id", deviceId);

    /// <summary>One command, or null.</summary>
    /// <param name="id">Its id.</param>
    public CommandView? Find(string id) => Query("id = @key", id).SingleOrDefault();

    /// <summary>Queued commands whose adapter is online now, oldest first, with their deadline not yet passed.</summary>
    public IReadOnlyList<CommandView> ListDeliverable() =>
        Query($"status = '{CommandStatus.Queued}' AND device_id IN (SELECT device_id FROM adapter_state WHERE online = 1) ORDER BY created_at, id", null)
            .Where(c => c.Status == CommandStatus.Queued).ToList();

    private List<CommandView> Query(string where, string? key)
    {
        using var connection = store.Open();
        using var command = StoreDatabase.Command(connection,
            $"SELECT id, device_id, command, force, status, detail, actor, created_at, sent_at, deadline, answered_at, line FROM commands WHERE {where}", ("@key", key));
        using var reader = command.ExecuteReader();
        var now = time.GetUtcNow();
        var views = new List<CommandView>();
        while (reader.Read())
        {
            var status = reader.GetString(4);
            var detail = reader.IsDBNull(5) ? null : reader.GetString(5);
            var deadline = AdapterStore.ParseTime(reader.GetString(9));
            if (status is CommandStatus.Queued or CommandStatus.Pending && now > deadline)
            {
                detail = status == CommandStatus.Queued
                    ? "The adapter did not connect before the deadline; the command was never sent."
                    : "No answer from the adapter by the deadline.";
                status = CommandStatus.Expired;
            }

            views.Add(new CommandView(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFlag(3), reader.IsDBNull(11) ? null : reader.GetInt32(11),
                status, detail, reader.GetString(6),
                AdapterStore.ParseTime(reader.GetString(7)), reader.IsDBNull(8) ? null : AdapterStore.ParseTime(reader.GetString(8)), deadline,
                reader.IsDBNull(10) ? null : AdapterStore.ParseTime(reader.GetString(10))));
        }

        return views;
    }

    private static string Time(DateTimeOffset at) => at.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
}
