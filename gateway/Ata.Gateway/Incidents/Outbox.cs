using System.Data.Common;
using System.Globalization;
using Ata.Gateway.Store;

namespace Ata.Gateway.Incidents;

/// <summary>
/// The outbox: messages for support written in the transaction that records what they tell
/// (<see cref="IncidentBook"/> enqueues), one delivery per channel, taken by the relay
/// (<see cref="FaultRelay"/>) when due and marked delivered or retried. The one owner of the
/// <c>outbox</c> and <c>outbox_deliveries</c> tables' SQL.
/// </summary>
public static class Outbox
{
    /// <summary>How many due deliveries <see cref="Due"/> reads at once.</summary>
    public const int DueBatch = 50;

    /// <summary>Creates the outbox tables.</summary>
    /// <param name="connection">A connection inside the schema transaction.</param>
    public static void CreateSchema(DbConnection connection) =>
        StoreDatabase.Execute(connection, StoreSql.Tables(StoreDatabase.DialectOf(connection),
            """
            CREATE TABLE IF NOT EXISTS outbox (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                idempotency_key TEXT NOT NULL UNIQUE,
                incident_id INTEGER NOT NULL,
                event TEXT NOT NULL,
                subject TEXT NOT NULL,
                payload TEXT NOT NULL,
                created_at TEXT NOT NULL,
                not_before TEXT NOT NULL,
                cancelled INTEGER NOT NULL DEFAULT 0
            ) STRICT;
            CREATE TABLE IF NOT EXISTS outbox_deliveries (
                outbox_id INTEGER NOT NULL REFERENCES outbox (id),
                channel TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at TEXT NOT NULL,
                delivered_at TEXT,
                last_error TEXT,
                PRIMARY KEY (outbox_id, channel)
            ) STRICT;
            """));

    /// <summary>Adds a message (once per idempotency key) with a delivery on each channel.</summary>
    /// <param name="connection">A connection inside the transaction that records what the message tells.</param>
    /// <param name="message">The message.</param>
    /// <param name="channels">The channels to deliver it on.</param>
    /// <returns>False when a message with its key was already there (nothing added).</returns>
    public static bool Enqueue(DbConnection connection, OutgoingMessage message, IEnumerable<string> channels)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(channels);
        var notBefore = Text(message.NotBefore);
        using var insert = StoreDatabase.Command(connection,
            """
            INSERT INTO outbox (idempotency_key, incident_id, event, subject, payload, created_at, not_before)
            VALUES (@key, @incident, @event, @subject, @payload, @now, @notBefore) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id
            """,
            ("@key", message.IdempotencyKey), ("@incident", message.Incident), ("@event", message.Event), ("@subject", message.Subject),
            ("@payload", message.Payload), ("@now", Text(message.CreatedAt)), ("@notBefore", notBefore));
        if (insert.ExecuteScalar() is not long outboxId)
        {
            return false;
        }

        foreach (var channel in channels)
        {
            StoreDatabase.Execute(connection,
                "INSERT INTO outbox_deliveries (outbox_id, channel, next_attempt_at) VALUES (@outbox, @channel, @notBefore)",
                ("@outbox", outboxId), ("@channel", channel), ("@notBefore", notBefore));
        }

        return true;
    }

    /// <summary>Whether a message about the incident has been due already (support was told of it).</summary>
    /// <param name="connection">A connection.</param>
    /// <param name="incident">The incident.</param>
    /// <param name="now">Now.</param>
    public static bool WasAnnounced(DbConnection connection, long incident, DateTimeOffset now)
    {
        using var command = StoreDatabase.Command(connection,
            "SELECT count(*) FROM outbox WHERE incident_id = @incident AND cancelled = 0 AND not_before <= @now",
            ("@incident", incident), ("@now", Text(now)));
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
    }

    /// <summary>Cancels the incident's messages that are not due yet.</summary>
    /// <param name="connection">A connection in a transaction.</param>
    /// <param name="incident">The incident.</param>
    /// <param name="now">Now.</param>
    public static void CancelNotDue(DbConnection connection, long incident, DateTimeOffset now) =>
        StoreDatabase.Execute(connection, "UPDATE outbox SET cancelled = 1 WHERE incident_id = @incident AND not_before > @now",
            ("@incident", incident), ("@now", Text(now)));

    /// <summary>Cancels every undelivered message about an adapter's incidents (it was deleted).</summary>
    /// <param name="connection">A connection in a transaction.</param>
    /// <param name="deviceId">The adapter.</param>
    public static void CancelForAdapter(DbConnection connection, string deviceId) =>
        StoreDatabase.Execute(connection,
            "UPDATE outbox SET cancelled = 1 WHERE incident_id IN (SELECT id FROM incidents WHERE device_id = @id) AND id IN (SELECT outbox_id FROM outbox_deliveries WHERE delivered_at IS NULL)",
            ("@id", deviceId));

    /// <summary>Drops messages of ended incidents older than <paramref name="old"/> that are delivered or cancelled.</summary>
    /// <param name="connection">A connection in a transaction.</param>
    /// <param name="old">The oldest time kept.</param>
    public static void Prune(DbConnection connection, DateTimeOffset old) =>
        StoreDatabase.Execute(connection,
            """
            DELETE FROM outbox_deliveries WHERE outbox_id IN (SELECT o.id FROM outbox o WHERE o.created_at < @old
                AND o.incident_id IN (SELECT id FROM incidents WHERE ended_at IS NOT NULL) AND (o.cancelled = 1
                OR NOT EXISTS (SELECT 1 FROM outbox_deliveries d WHERE d.outbox_id = o.id AND d.delivered_at IS NULL)));
            DELETE FROM outbox WHERE created_at < @old AND incident_id IN (SELECT id FROM incidents WHERE ended_at IS NOT NULL)
                AND NOT EXISTS (SELECT 1 FROM outbox_deliveries d WHERE d.outbox_id = outbox.id);
            """,
            ("@old", Text(old)));

    /// <summary>
    /// The deliveries due now, oldest first (at most <see cref="DueBatch"/>): a message waits for the
    /// earlier ones about the same incident on its channel, so a resolution never overtakes its opening.
    /// </summary>
    /// <param name="connection">A connection.</param>
    /// <param name="now">Now.</param>
    public static List<OutboxMessage> Due(DbConnection connection, DateTimeOffset now)
    {
        using var command = StoreDatabase.Command(connection,
            $"""
            SELECT o.id, d.channel, o.idempotency_key, o.event, o.subject, o.payload, d.attempts
            FROM outbox_deliveries d JOIN outbox o ON o.id = d.outbox_id
            WHERE d.delivered_at IS NULL AND o.cancelled = 0 AND o.not_before <= @now AND d.next_attempt_at <= @now
            AND NOT EXISTS (
                SELECT 1 FROM outbox e JOIN outbox_deliveries ed ON ed.outbox_id = e.id
                WHERE e.incident_id = o.incident_id AND e.id < o.id AND ed.channel = d.channel AND ed.delivered_at IS NULL AND e.cancelled = 0)
            ORDER BY o.id LIMIT {DueBatch}
            """,
            ("@now", Text(now)));
        using var reader = command.ExecuteReader();
        var due = new List<OutboxMessage>();
        while (reader.Read())
        {
            due.Add(new OutboxMessage(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetString(4), reader.GetString(5), reader.GetInt32(6)));
        }

        return due;
    }

    /// <summary>
    /// Whether a delivery <see cref="Due"/> gave is still undelivered and due: read again once an
    /// instance claimed it, since another may have made it (or put it off) in between.
    /// </summary>
    /// <param name="connection">A connection.</param>
    /// <param name="message">The delivery.</param>
    /// <param name="now">Now.</param>
    public static bool IsStillDue(DbConnection connection, OutboxMessage message, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var command = StoreDatabase.Command(connection,
            "SELECT count(*) FROM outbox_deliveries WHERE outbox_id = @id AND channel = @channel AND delivered_at IS NULL AND next_attempt_at <= @now",
            ("@id", message.OutboxId), ("@channel", message.Channel), ("@now", Text(now)));
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 1;
    }

    /// <summary>Marks a delivery made.</summary>
    /// <param name="connection">A connection.</param>
    /// <param name="message">The delivery.</param>
    /// <param name="now">Now.</param>
    public static void Delivered(DbConnection connection, OutboxMessage message, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(message);
        StoreDatabase.Execute(connection, "UPDATE outbox_deliveries SET delivered_at = @now, attempts = attempts + 1 WHERE outbox_id = @id AND channel = @channel",
            ("@id", message.OutboxId), ("@channel", message.Channel), ("@now", Text(now)));
    }

    /// <summary>Marks a delivery failed, to be tried again at <paramref name="next"/>.</summary>
    /// <param name="connection">A connection.</param>
    /// <param name="message">The delivery.</param>
    /// <param name="next">When to try again.</param>
    /// <param name="error">What went wrong.</param>
    public static void Failed(DbConnection connection, OutboxMessage message, DateTimeOffset next, string error)
    {
        ArgumentNullException.ThrowIfNull(message);
        StoreDatabase.Execute(connection,
            "UPDATE outbox_deliveries SET attempts = attempts + 1, next_attempt_at = @next, last_error = @error WHERE outbox_id = @id AND channel = @channel",
            ("@id", message.OutboxId), ("@channel", message.Channel), ("@next", Text(next)), ("@error", error));
    }

    /// <summary>Deliveries not made yet, per channel.</summary>
    /// <param name="connection">A connection.</param>
    public static Dictionary<string, long> Pending(DbConnection connection)
    {
        using var command = StoreDatabase.Command(connection,
            "SELECT d.channel, count(*) FROM outbox_deliveries d JOIN outbox o ON o.id = d.outbox_id WHERE d.delivered_at IS NULL AND o.cancelled = 0 GROUP BY d.channel");
        using var reader = command.ExecuteReader();
        var pending = new Dictionary<string, long>(StringComparer.Ordinal);
        while (reader.Read())
        {
            pending[reader.GetString(0)] = reader.GetInt64(1);
        }

        return pending;
    }

    private static string Text(DateTimeOffset time) => IncidentBook.Text(time);
}

/// <summary>A message for support, to be put in the outbox.</summary>
/// <param name="IdempotencyKey">Its key: the same message is enqueued and delivered once.</param>
/// <param name="Incident">The incident it is about.</param>
/// <param name="Event">What happened (opened, resolved, …).</param>
/// <param name="Subject">Its subject line.</param>
/// <param name="Payload">Its JSON.</param>
/// <param name="CreatedAt">When it was made.</param>
/// <param name="NotBefore">When it may be delivered.</param>
public sealed record OutgoingMessage(
    string IdempotencyKey, long Incident, string Event, string Subject, string Payload, DateTimeOffset CreatedAt, DateTimeOffset NotBefore);
