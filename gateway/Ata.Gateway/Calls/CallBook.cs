using System.Globalization;
using Ata.Gateway.Fleet;
using Ata.Gateway.Incidents;
using Ata.Gateway.Store;
using System.Data.Common;
using Microsoft.Extensions.Options;

namespace Ata.Gateway.Calls;

/// <summary>
/// The gateway's record of every adapter's finished calls (<c>call_records</c>), kept for
/// <see cref="CallRecordOptions.RetentionDays"/> (at most <see cref="CallRecordOptions.MaxPerAdapter"/> per adapter): each record is dated when the call ended (received
/// minus its <c>ageMs</c>), a record sent again (same boot and number) is taken once, and after each one
/// the line's last <see cref="CallRecordOptions.QualityWindowCalls"/> calls with media are judged: a median
/// MOS below <see cref="CallRecordOptions.PoorMosBelow"/> opens a "poor call quality" incident for the line,
/// one at or above it clears it. Runs inside the store's transaction that records the report.
/// </summary>
public sealed class CallBook(IOptions<CallRecordOptions> options, IncidentBook incidents, CallMetrics metrics)
{
    /// <summary>The incident code of a line whose recent calls sound poor (a code of the gateway's own, never on the adapter's fault board).</summary>
    public const string PoorQuality = "gateway.poor-call-quality";

    // What support reads about it and its next step (as the operators' FAQs answer "my calls are choppy")
    // are Fault.gateway.poor-call-quality and NextStep.gateway.poor-call-quality in Localization/SupportText*.resx.

    /// <summary>Most records one adapter's list returns.</summary>
    public const int MaxListed = 1000;

    private CallRecordOptions Options => options.Value;

    /// <summary>Counts recorded calls' MOS and jitter for <c>/metrics</c>.</summary>
    public CallMetrics Metrics => metrics;

    /// <summary>Creates the call records table.</summary>
    /// <param name="connection">An open connection (in the schema transaction).</param>
    public static void CreateSchema(DbConnection connection) =>
        StoreDatabase.Execute(connection, StoreSql.Tables(StoreDatabase.DialectOf(connection),
            """
            CREATE TABLE IF NOT EXISTS call_records (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                device_id TEXT NOT NULL REFERENCES adapters (device_id) ON DELETE CASCADE,
                boot TEXT NOT NULL,
                seq INTEGER NOT NULL,
                line INTEGER NOT NULL,
                direction TEXT NOT NULL,
                far_end TEXT,
                emergency INTEGER NOT NULL DEFAULT 0,
                outcome TEXT NOT NULL,
                sip_code INTEGER,
                reason TEXT,
                ended_by TEXT NOT NULL,
                started_at TEXT NOT NULL,
                answered_at TEXT,
                ended_at TEXT NOT NULL,
                duration_ms INTEGER NOT NULL,
                codec TEXT,
                packets_sent INTEGER,
                packets_received INTEGER,
                packets_lost INTEGER,
                late_packets INTEGER,
                loss_percent REAL,
                jitter_ms REAL,
                round_trip_ms INTEGER,
                jitter_buffer_ms INTEGER,
                concealed_ms INTEGER,
                mos REAL,
                UNIQUE (device_id, boot, seq)
            ) STRICT;
            CREATE INDEX IF NOT EXISTS call_records_by_line ON call_records (device_id, line, ended_at);
            CREATE INDEX IF NOT EXISTS call_records_by_end ON call_records (ended_at);
            """));

    /// <summary>
    /// Records a finished call received at <paramref name="receivedAt"/>, drops the adapter's records past
    /// retention, and judges the line's recent quality.
    /// </summary>
    /// <param name="connection">The store's connection, inside the transaction recording the report.</param>
    /// <param name="deviceId">The adapter.</param>
    /// <param name="call">The record.</param>
    /// <param name="receivedAt">When the gateway's session received it.</param>
    /// <param name="now">The time now.</param>
    public FaultReportOutcome Record(DbConnection connection, string deviceId, ReportedCall call, DateTimeOffset receivedAt, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(call);
        using (var known = StoreDatabase.Command(connection, "SELECT 1 FROM adapters WHERE device_id = @id", ("@id", deviceId)))
        {
            if (known.ExecuteScalar() is null)
            {
                return FaultReportOutcome.UnknownAdapter;
            }
        }

        var ended = receivedAt - TimeSpan.FromMilliseconds(call.AgeMs);
        var started = ended - TimeSpan.FromMilliseconds(call.TotalMs);
        var q = call.Quality;
        var added = StoreDatabase.Execute(connection,
            """
            INSERT INTO call_records (device_id, boot, seq, line, direction, far_end, emergency, outcome, sip_code, reason, ended_by,
                started_at, answered_at, ended_at, duration_ms, codec, packets_sent, packets_received, packets_lost, late_packets,
                loss_percent, jitter_ms, round_trip_ms, jitter_buffer_ms, concealed_ms, mos)
            VALUES (@id, @boot, @seq, @line, @direction, @farEnd, @emergency, @outcome, @sip, @reason, @endedBy,
                @started, @answered, @ended, @duration, @codec, @sent, @received, @lost, @late,
                @loss, @jitter, @rtt, @buffer, @concealed, @mos)
            ON CONFLICT (device_id, boot, seq) DO NOTHING
            """,
            ("@id", deviceId), ("@boot", call.Boot), ("@seq", call.Sequence), ("@line", call.Line), ("@direction", call.Direction),
            ("@farEnd", call.FarEnd), ("@emergency", call.Emergency ? 1 : 0), ("@outcome", call.Outcome), ("@sip", call.SipCode),
            ("@reason", call.Reason), ("@endedBy", call.EndedBy), ("@started", IncidentBook.Text(started)),
            ("@answered", call.AnsweredAfterMs is { } after ? IncidentBook.Text(started + TimeSpan.FromMilliseconds(after)) : null),
            ("@ended", IncidentBook.Text(ended)), ("@duration", call.DurationMs), ("@codec", call.Codec),
            ("@sent", q?.PacketsSent), ("@received", q?.PacketsReceived), ("@lost", q?.PacketsLost), ("@late", q?.LatePackets),
            ("@loss", q?.LossPercent), ("@jitter", q?.JitterMs), ("@rtt", q?.RoundTripMs), ("@buffer", q?.JitterBufferMs),
            ("@concealed", q?.ConcealedMs), ("@mos", q?.Mos));
        if (added == 0)
        {
            return FaultReportOutcome.Repeated;
        }

        StoreDatabase.Execute(connection, "DELETE FROM call_records WHERE device_id = @id AND ended_at < @old",
            ("@id", deviceId), ("@old", IncidentBook.Text(now - Options.Retention)));
        StoreDatabase.Execute(connection,
            $"DELETE FROM call_records WHERE device_id = @id AND id <= (SELECT id FROM call_records WHERE device_id = @id ORDER BY id DESC LIMIT 1 OFFSET {Options.MaxPerAdapter})",
            ("@id", deviceId));
        if (q is not null)
        {
            Judge(connection, deviceId, call.Line, now);
        }

        return FaultReportOutcome.Recorded;
    }

    /// <summary>Deletes every record past retention; returns how many.</summary>
    /// <param name="connection">A connection.</param>
    /// <param name="now">The time now.</param>
    public int Prune(DbConnection connection, DateTimeOffset now) =>
        StoreDatabase.Execute(connection, "DELETE FROM call_records WHERE ended_at < @old", ("@old", IncidentBook.Text(now - Options.Retention)));

    /// <summary>The median MOS of a line's last calls with media, and how many were judged (up to the window).</summary>
    /// <param name="connection">A connection.</param>
    /// <param name="deviceId">The adapter.</param>
    /// <param name="line">The line.</param>
    public (double? Median, int Calls) RecentMedian(DbConnection connection, string deviceId, int line)
    {
        var scores = new List<double>(Options.QualityWindowCalls);
        using (var command = StoreDatabase.Command(connection,
            "SELECT mos FROM call_records WHERE device_id = @id AND line = @line AND mos IS NOT NULL ORDER BY ended_at DESC, id DESC LIMIT @window",
            ("@id", deviceId), ("@line", line), ("@window", Options.QualityWindowCalls)))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                scores.Add(reader.GetDouble(0));
            }
        }

        return (Median(scores), scores.Count);
    }

    /// <summary>The median of <paramref name="values"/>, or null when there are none.</summary>
    /// <param name="values">Numbers (reordered).</param>
    public static double? Median(List<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return null;
        }

        values.Sort();
        var middle = values.Count / 2;
        return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }

    /// <summary>An adapter's call records, newest first.</summary>
    /// <param name="connection">A connection.</param>
    /// <param name="deviceId">The adapter.</param>
    public static IReadOnlyList<CallView> List(DbConnection connection, string deviceId)
    {
        using var command = StoreDatabase.Command(connection,
            $"""
            SELECT line, direction, far_end, emergency, outcome, sip_code, reason, ended_by, started_at, answered_at, ended_at, duration_ms, codec,
                packets_sent, packets_received, packets_lost, late_packets, loss_percent, jitter_ms, round_trip_ms, jitter_buffer_ms, concealed_ms, mos
            FROM call_records WHERE device_id = @id ORDER BY ended_at DESC, id DESC LIMIT {MaxListed}
            """,
            ("@id", deviceId));
        using var reader = command.ExecuteReader();
        var calls = new List<CallView>();
        while (reader.Read())
        {
            calls.Add(new CallView(
                reader.GetInt32(0), reader.GetString(1), NullableText(reader, 2), reader.GetFlag(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetInt32(5), NullableText(reader, 6), reader.GetString(7),
                AdapterStore.ParseTime(reader.GetString(8)), reader.IsDBNull(9) ? null : AdapterStore.ParseTime(reader.GetString(9)),
                AdapterStore.ParseTime(reader.GetString(10)), reader.GetInt64(11), NullableText(reader, 12),
                reader.IsDBNull(22) ? null : new CallQuality(
                    reader.GetInt64(13), reader.GetInt64(14), reader.GetInt64(15), reader.GetInt64(16), reader.GetDouble(17), reader.GetDouble(18),
                    reader.IsDBNull(19) ? null : reader.GetInt32(19), reader.GetInt32(20), reader.GetInt64(21), reader.GetDouble(22))));
        }

        return calls;
    }

    /// <summary>
    /// An adapter's call quality: per UTC day, the calls with media and their median and lowest MOS, mean
    /// jitter and loss; per line, the median MOS of its last calls and whether it counts as poor.
    /// </summary>
    /// <param name="connection">A connection.</param>
    /// <param name="deviceId">The adapter.</param>
    public CallQualityView Quality(DbConnection connection, string deviceId)
    {
        var byDay = new SortedDictionary<string, List<(double Mos, double Jitter, double Loss)>>(StringComparer.Ordinal);
        var lines = new SortedSet<int>();
        using (var command = StoreDatabase.Command(connection,
            "SELECT substr(ended_at, 1, 10), mos, jitter_ms, loss_percent, line FROM call_records WHERE device_id = @id AND mos IS NOT NULL",
            ("@id", deviceId)))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var day = reader.GetString(0);
                if (!byDay.TryGetValue(day, out var calls))
                {
                    byDay[day] = calls = [];
                }

                calls.Add((reader.GetDouble(1), reader.GetDouble(2), reader.GetDouble(3)));
                lines.Add(reader.GetInt32(4));
            }
        }

        var days = byDay.Select(d => new DayQuality(
            d.Key, d.Value.Count, Median([.. d.Value.Select(c => c.Mos)])!.Value, d.Value.Min(c => c.Mos),
            d.Value.Average(c => c.Jitter), d.Value.Average(c => c.Loss))).ToList();
        var lineQuality = lines.Select(line =>
        {
            var (median, count) = RecentMedian(connection, deviceId, line);
            return new LineQuality(line, count, median, IsPoor(median, count));
        }).ToList();
        return new CallQualityView(Options.PoorMosBelow, Options.QualityWindowCalls, days, lineQuality);
    }

    private bool IsPoor(double? median, int count) => count >= Options.QualityWindowCalls && median < Options.PoorMosBelow;

    private void Judge(DbConnection connection, string deviceId, int line, DateTimeOffset now)
    {
        var (median, count) = RecentMedian(connection, deviceId, line);
        if (count < Options.QualityWindowCalls)
        {
            return;
        }

        if (IsPoor(median, count))
        {
            incidents.Raised(connection, deviceId, PoorQuality, line, now);
        }
        else
        {
            IncidentBook.Cleared(connection, deviceId, PoorQuality, line, now);
        }
    }

    private static string? NullableText(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}

/// <summary>A finished call as support sees it.</summary>
/// <param name="Line">The line.</param>
/// <param name="Direction"><c>outgoing</c> or <c>incoming</c>.</param>
/// <param name="FarEnd">The far end masked to its last 3 digits, or null when withheld.</param>
/// <param name="Emergency">True for an emergency call.</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="SipCode">The final SIP status.</param>
/// <param name="Reason">Its reason phrase.</param>
/// <param name="EndedBy">Who ended it.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="AnsweredAt">When it was answered, if it was.</param>
/// <param name="EndedAt">When it ended.</param>
/// <param name="DurationMs">Talk time in ms.</param>
/// <param name="Codec">The codec, if it had media.</param>
/// <param name="Quality">The media quality, if it had media.</param>
public sealed record CallView(
    int Line, string Direction, string? FarEnd, bool Emergency, string Outcome, int? SipCode, string? Reason, string EndedBy,
    DateTimeOffset StartedAt, DateTimeOffset? AnsweredAt, DateTimeOffset EndedAt, long DurationMs, string? Codec, CallQuality? Quality);

/// <summary>One UTC day's call quality.</summary>
/// <param name="Day">The day, <c>yyyy-MM-dd</c>.</param>
/// <param name="Calls">Calls with media that ended that day.</param>
/// <param name="MedianMos">Their median MOS.</param>
/// <param name="LowestMos">Their lowest MOS.</param>
/// <param name="MeanJitterMs">Their mean jitter.</param>
/// <param name="MeanLossPercent">Their mean loss.</param>
public sealed record DayQuality(string Day, int Calls, double MedianMos, double LowestMos, double MeanJitterMs, double MeanLossPercent);

/// <summary>One line's recent call quality.</summary>
/// <param name="Line">The line.</param>
/// <param name="Calls">Its last calls with media judged (up to the window).</param>
/// <param name="MedianMos">Their median MOS.</param>
/// <param name="Poor">True when a full window's median is below the threshold.</param>
public sealed record LineQuality(int Line, int Calls, double? MedianMos, bool Poor);

/// <summary>An adapter's call quality over days and per line.</summary>
/// <param name="PoorMosBelow">The threshold.</param>
/// <param name="WindowCalls">How many of a line's last calls are judged.</param>
/// <param name="Days">Per UTC day, oldest first.</param>
/// <param name="Lines">Per line.</param>
public sealed record CallQualityView(double PoorMosBelow, int WindowCalls, IReadOnlyList<DayQuality> Days, IReadOnlyList<LineQuality> Lines);
