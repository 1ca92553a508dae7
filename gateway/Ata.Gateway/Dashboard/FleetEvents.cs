using Ata.Gateway.Store;
using System.Data.Common;

namespace Ata.Gateway.Dashboard;

/// <summary>
/// Watches the store's change feed (<c>fleet_changes</c>, written by <see cref="FleetIndex"/>'s
/// triggers, so every gateway instance sharing the database sees every change) and its counts once a
/// <see cref="PollInterval"/>, and tells each watcher (an open <c>GET /api/events</c>) which adapters
/// changed and whether the counts did. Nothing changed, nothing is told.
/// </summary>
/// <remarks>
/// Changes are numbered by the database as they are written, not as they are committed: on PostgreSQL,
/// with several instances writing, change 7 may become visible after change 8 was read. A number
/// skipped in a read is therefore looked for again for <see cref="GapWait"/> (a rolled-back change
/// never comes), so a dashboard on any instance sees every instance's changes.
/// </remarks>
public sealed partial class FleetEvents(AdapterStore store, ILogger<FleetEvents> logger) : BackgroundService
{
    /// <summary>How often the feed is read.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>Changes read at once; a watcher further behind reloads its page instead.</summary>
    public const int MaxChangesPerRead = 10_000;

    /// <summary>How long a change number skipped in a read is looked for (its transaction commits late, or never).</summary>
    public static readonly TimeSpan GapWait = TimeSpan.FromSeconds(10);

    /// <summary>Skipped numbers looked for at most; a larger hole tells the watchers to reload.</summary>
    public const int MaxGaps = 1000;

    private readonly Dictionary<long, long> _gaps = [];
    private readonly Lock _lock = new();
    private readonly List<FleetWatcher> _watchers = [];
    private long _seq = -1;
    private IReadOnlyDictionary<string, long>? _counts;
    private int _reads;

    /// <summary>Starts telling <paramref name="watcher"/> of changes until it is disposed.</summary>
    /// <param name="watcher">A watcher.</param>
    internal IDisposable Watch(FleetWatcher watcher)
    {
        lock (_lock)
        {
            _watchers.Add(watcher);
        }

        return new Unwatch(this, watcher);
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(PollInterval);
        do
        {
            try
            {
                Read();
            }
            catch (DbException exception)
            {
                LogReadFailed(exception.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>Reads what changed since the last read and tells the watchers.</summary>
    internal void Read()
    {
        using var connection = store.Open();
        if (_seq < 0)
        {
            using var last = StoreDatabase.Command(connection, "SELECT coalesce(max(seq), 0) FROM fleet_changes");
            _seq = (long)last.ExecuteScalar()!;
            _counts = FleetCounts.Read(connection).Values;
            return;
        }

        var changed = new HashSet<string>(StringComparer.Ordinal);
        ReadGaps(connection, changed);
        var overflow = false;
        var rows = 0;
        using (var command = StoreDatabase.Command(connection, "SELECT seq, device_id FROM fleet_changes WHERE seq > @seq ORDER BY seq LIMIT @limit",
            ("@seq", _seq), ("@limit", MaxChangesPerRead + 1)))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                rows++;
                var seq = reader.GetInt64(0);
                overflow |= NoteGaps(seq);
                _seq = seq;
                changed.Add(reader.GetString(1));
            }
        }

        overflow |= rows > MaxChangesPerRead;
        var counts = FleetCounts.Read(connection).Values;
        var countsChanged = _counts is null || counts.Count != _counts.Count || counts.Any(p => _counts.GetValueOrDefault(p.Key, -1) != p.Value);
        _counts = counts;
        if (++_reads % 60 == 0)
        {
            StoreDatabase.Execute(connection, "DELETE FROM fleet_changes WHERE seq <= @seq", ("@seq", _seq - FleetIndex.ChangesKept));
        }

        if (changed.Count == 0 && !countsChanged)
        {
            return;
        }

        FleetWatcher[] watchers;
        lock (_lock)
        {
            watchers = [.. _watchers];
        }

        foreach (var watcher in watchers)
        {
            watcher.Tell(changed, countsChanged, overflow);
        }
    }

    /// <summary>Looks for the changes skipped before (committed late); forgets those looked for long enough.</summary>
    private void ReadGaps(DbConnection connection, HashSet<string> changed)
    {
        if (_gaps.Count == 0)
        {
            return;
        }

        // Numbers the database gave, not input: written into the statement as they are.
        var list = string.Join(',', _gaps.Keys.Select(seq => seq.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        using (var command = StoreDatabase.Command(connection, $"SELECT seq, device_id FROM fleet_changes WHERE seq IN ({list})"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                _gaps.Remove(reader.GetInt64(0));
                changed.Add(reader.GetString(1));
            }
        }

        var expired = Environment.TickCount64 - (long)GapWait.TotalMilliseconds;
        foreach (var (seq, since) in _gaps.ToList())
        {
            if (since < expired)
            {
                _gaps.Remove(seq);
            }
        }
    }

    /// <summary>Notes the numbers between the last change read and <paramref name="seq"/> as skipped.</summary>
    /// <returns>Whether too many were skipped to look for (the watchers reload).</returns>
    private bool NoteGaps(long seq)
    {
        if (seq - _seq - 1 > MaxGaps - _gaps.Count)
        {
            return true;
        }

        for (var missing = _seq + 1; missing < seq; missing++)
        {
            _gaps[missing] = Environment.TickCount64;
        }

        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The fleet's change feed could not be read: {Reason}; dashboards update on the next read")]
    private partial void LogReadFailed(string reason);

    private sealed class Unwatch(FleetEvents events, FleetWatcher watcher) : IDisposable
    {
        public void Dispose()
        {
            lock (events._lock)
            {
                events._watchers.Remove(watcher);
            }
        }
    }
}

/// <summary>What one open event stream has been told and not sent yet: changes merge until it takes them.</summary>
internal sealed class FleetWatcher
{
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _signal = new(0, 1);
    private HashSet<string> _changed = new(StringComparer.Ordinal);
    private bool _countsChanged;
    private bool _overflow;

    /// <summary>Adds what changed.</summary>
    public void Tell(IReadOnlySet<string> changed, bool countsChanged, bool overflow)
    {
        lock (_lock)
        {
            _countsChanged |= countsChanged;
            _overflow |= overflow || _changed.Count + changed.Count > FleetEvents.MaxChangesPerRead;
            if (!_overflow)
            {
                _changed.UnionWith(changed);
            }
        }

        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
            }
        }
    }

    /// <summary>Waits until something changed (true) or <paramref name="timeout"/> passed (false).</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);

    /// <summary>Takes what changed since the last take.</summary>
    public (IReadOnlySet<string> Changed, bool CountsChanged, bool Overflow) Take()
    {
        lock (_lock)
        {
            var taken = (_changed, _countsChanged, _overflow);
            _changed = new HashSet<string>(StringComparer.Ordinal);
            _countsChanged = false;
            _overflow = false;
            return taken;
        }
    }
}
