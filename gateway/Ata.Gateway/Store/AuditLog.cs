using System.Security.Claims;
using System.Data.Common;

namespace Ata.Gateway.Store;

/// <summary>One entry of the audit log.</summary>
/// <param name="Sequence">Its number, ascending.</param>
/// <param name="At">When.</param>
/// <param name="Actor">Who (an API key's holder).</param>
/// <param name="Role">Their role then.</param>
/// <param name="Action">What, e.g. <c>adapter.update</c>.</param>
/// <param name="Target">On what, e.g. a device id.</param>
/// <param name="Detail">Which fields changed, never their values when they are secret.</param>
public sealed record AuditEntry(long Sequence, DateTimeOffset At, string Actor, string Role, string Action, string? Target, string? Detail);

/// <summary>Who changed what and when, kept in the store.</summary>
public sealed class AuditLog(AdapterStore store)
{
    /// <summary>Records an action by <paramref name="user"/>.</summary>
    /// <param name="user">The authenticated caller.</param>
    /// <param name="action">What.</param>
    /// <param name="target">On what.</param>
    /// <param name="detail">Which fields, or other non-secret words.</param>
    public void Record(ClaimsPrincipal user, string action, string? target, string? detail = null)
    {
        ArgumentNullException.ThrowIfNull(user);
        using var connection = store.Open();
        Append(connection, store.Now(), ActorOf(user), user.FindFirstValue(ClaimTypes.Role) ?? "none", action, target, detail);
    }

    /// <summary>Writes one entry on <paramref name="connection"/> (inside the caller's transaction, if any).</summary>
    /// <param name="connection">An open store connection.</param>
    /// <param name="at">When, as the store writes times.</param>
    /// <param name="actor">Who.</param>
    /// <param name="role">Their role.</param>
    /// <param name="action">What.</param>
    /// <param name="target">On what.</param>
    /// <param name="detail">Non-secret words.</param>
    internal static void Append(DbConnection connection, string at, string actor, string role, string action, string? target, string? detail) =>
        StoreDatabase.Execute(connection,
            "INSERT INTO audit_log (at, actor, role, action, target, detail) VALUES (@at, @actor, @role, @action, @target, @detail)",
            ("@at", at), ("@actor", actor), ("@role", role), ("@action", action), ("@target", target), ("@detail", detail));

    /// <summary>
    /// Keeps the last <paramref name="keep"/> entries of what adapter <paramref name="deviceId"/> did
    /// itself (actor the adapter, role device), so that no adapter can grow the log without bound;
    /// what people did is never trimmed.
    /// </summary>
    /// <param name="connection">An open store connection (inside the caller's transaction).</param>
    /// <param name="deviceId">The adapter.</param>
    /// <param name="keep">How many of its entries to keep.</param>
    internal static void TrimDeviceEntries(DbConnection connection, string deviceId, int keep) =>
        StoreDatabase.Execute(connection,
            $"""
            DELETE FROM audit_log WHERE actor = @id AND role = '{AdapterStore.DeviceRole}' AND seq <= (
                SELECT seq FROM audit_log WHERE actor = @id AND role = '{AdapterStore.DeviceRole}' ORDER BY seq DESC LIMIT 1 OFFSET {keep})
            """,
            ("@id", deviceId));

    /// <summary>The newest entries first, optionally for one target.</summary>
    /// <param name="target">Only entries about this, when given.</param>
    /// <param name="limit">At most this many.</param>
    public IReadOnlyList<AuditEntry> List(string? target, int limit)
    {
        using var connection = store.Open();
        using var command = StoreDatabase.Command(connection,
            $"SELECT seq, at, actor, role, action, target, detail FROM audit_log {(target is null ? string.Empty : "WHERE target = @target")} ORDER BY seq DESC LIMIT @limit",
            ("@target", target), ("@limit", Math.Clamp(limit, 1, 1000)));
        using var reader = command.ExecuteReader();
        var entries = new List<AuditEntry>();
        while (reader.Read())
        {
            entries.Add(new AuditEntry(reader.GetInt64(0), AdapterStore.ParseTime(reader.GetString(1)), reader.GetString(2), reader.GetString(3),
                reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6)));
        }

        return entries;
    }

    /// <summary>The name an action is recorded under.</summary>
    /// <param name="user">The caller.</param>
    public static string ActorOf(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.Identity?.Name ?? "anonymous";
    }
}
