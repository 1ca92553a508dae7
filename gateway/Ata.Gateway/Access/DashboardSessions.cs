using System.Buffers.Text;
using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Ata.Gateway.Incidents;
using Ata.Gateway.Store;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Ata.Gateway.Access;

/// <summary>
/// The dashboard's sessions, kept by the gateway in the store (<c>dashboard_sessions</c>): the session
/// cookie holds only a random session key (<see cref="ITicketStore"/>), so signing out removes the
/// session itself, revoking a key or removing a person removes every session signed in as them, and a
/// copy of an ended session's cookie opens nothing. Kept in the store, a session works on every gateway
/// instance sharing it (behind a load balancer) and outlives a restart. The store holds the key only as
/// its SHA-256 (the key is a bearer secret, the row is not), the serialized ticket
/// (<see cref="TicketSerializer"/>: the holder's name, role and the cookie's times), its holder and its expiry.
/// </summary>
/// <param name="store">The store the sessions are kept in.</param>
/// <param name="time">The clock sessions expire by.</param>
/// <param name="logger">Where ended sessions are counted (never a session key).</param>
public sealed partial class DashboardSessions(AdapterStore store, TimeProvider time, ILogger<DashboardSessions> logger) : ITicketStore
{
    /// <summary>Most sessions one key holder has at once; signing in again ends their oldest.</summary>
    public const int MaxPerHolder = 100;

    /// <summary>The table (SQLite's text; <see cref="StoreSql.Tables"/> makes PostgreSQL's).</summary>
    public const string Schema =
        """
        CREATE TABLE IF NOT EXISTS dashboard_sessions (
            key_hash TEXT PRIMARY KEY NOT NULL,
            holder TEXT NOT NULL,
            issued_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            ticket TEXT NOT NULL
        ) STRICT;
        CREATE INDEX IF NOT EXISTS dashboard_sessions_by_holder ON dashboard_sessions (holder, issued_at);
        CREATE INDEX IF NOT EXISTS dashboard_sessions_by_expiry ON dashboard_sessions (expires_at);
        """;

    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    private readonly Lock _sweepGate = new();
    private DateTimeOffset _nextSweep = DateTimeOffset.MinValue;

    /// <summary>Creates the table (with the store's schema: a new table, made on start if missing).</summary>
    /// <param name="connection">An open connection (in the schema transaction).</param>
    public static void CreateSchema(DbConnection connection) =>
        StoreDatabase.Execute(connection, StoreSql.Tables(StoreDatabase.DialectOf(connection), Schema));

    /// <summary>Sessions open now (some may have expired since the last sweep).</summary>
    public int Count
    {
        get
        {
            using var connection = store.Open();
            using var command = StoreDatabase.Command(connection, "SELECT COUNT(*) FROM dashboard_sessions");
            return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <inheritdoc />
    public Task<string> StoreAsync(AuthenticationTicket ticket)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        Sweep();
        var holder = HolderOf(ticket);
        var key = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var hash = Hash(key);
        using var connection = store.Open();
        using var transaction = connection.BeginTransaction();
        StoreDatabase.Execute(connection,
            "INSERT INTO dashboard_sessions (key_hash, holder, issued_at, expires_at, ticket) VALUES (@hash, @holder, @issued, @expires, @ticket)",
            ("@hash", hash), ("@holder", holder), ("@issued", IncidentBook.Text(ticket.Properties.IssuedUtc ?? time.GetUtcNow())),
            ("@expires", ExpiryOf(ticket)), ("@ticket", Serialize(ticket)));

        // The holder's oldest sessions beyond the most they may have end (the new one is kept).
        StoreDatabase.Execute(connection,
            """
            DELETE FROM dashboard_sessions WHERE holder = @holder AND key_hash <> @hash AND key_hash NOT IN (
                SELECT key_hash FROM dashboard_sessions WHERE holder = @holder AND key_hash <> @hash ORDER BY issued_at DESC, key_hash LIMIT @keep)
            """,
            ("@holder", holder), ("@hash", hash), ("@keep", (long)(MaxPerHolder - 1)));
        transaction.Commit();
        return Task.FromResult(key);
    }

    /// <inheritdoc />
    public Task RenewAsync(string key, AuthenticationTicket ticket)
    {
        ArgumentNullException.ThrowIfNull(ticket);

        // Only a session that is still open is renewed: one ended meanwhile (on any instance) stays ended.
        using var connection = store.Open();
        StoreDatabase.Execute(connection,
            "UPDATE dashboard_sessions SET expires_at = @expires, ticket = @ticket WHERE key_hash = @hash",
            ("@hash", Hash(key)), ("@expires", ExpiryOf(ticket)), ("@ticket", Serialize(ticket)));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<AuthenticationTicket?> RetrieveAsync(string key)
    {
        var hash = Hash(key);
        using var connection = store.Open();
        string serialized;
        string expires;
        using (var command = StoreDatabase.Command(connection, "SELECT ticket, expires_at FROM dashboard_sessions WHERE key_hash = @hash", ("@hash", hash)))
        using (var reader = command.ExecuteReader())
        {
            if (!reader.Read())
            {
                return Task.FromResult<AuthenticationTicket?>(null);
            }

            serialized = reader.GetString(0);
            expires = reader.GetString(1);
        }

        var ticket = string.CompareOrdinal(expires, IncidentBook.Text(time.GetUtcNow())) > 0 ? Deserialize(serialized) : null;
        if (ticket is null)
        {
            // Expired (or unreadable): it ends here, so the next look does not find it either.
            StoreDatabase.Execute(connection, "DELETE FROM dashboard_sessions WHERE key_hash = @hash AND expires_at = @expires", ("@hash", hash), ("@expires", expires));
        }

        return Task.FromResult(ticket);
    }

    /// <inheritdoc />
    public Task RemoveAsync(string key)
    {
        using var connection = store.Open();
        StoreDatabase.Execute(connection, "DELETE FROM dashboard_sessions WHERE key_hash = @hash", ("@hash", Hash(key)));
        return Task.CompletedTask;
    }

    /// <summary>Ends every session signed in by <paramref name="holder"/> (their key was revoked, or they were removed or changed), on every instance.</summary>
    /// <param name="holder">The key holder's name.</param>
    /// <returns>How many sessions were ended.</returns>
    public int EndSessionsOf(string holder)
    {
        ArgumentNullException.ThrowIfNull(holder);
        using var connection = store.Open();
        var ended = StoreDatabase.Execute(connection, "DELETE FROM dashboard_sessions WHERE holder = @holder", ("@holder", holder));
        if (ended > 0)
        {
            LogEnded(ended, holder);
        }

        return ended;
    }

    /// <summary>The SHA-256 of a session key, as the store keeps it.</summary>
    private static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static string HolderOf(AuthenticationTicket ticket) => ticket.Principal.Identity?.Name ?? string.Empty;

    // A ticket without an expiry never expired in memory either.
    private static string ExpiryOf(AuthenticationTicket ticket) => IncidentBook.Text(ticket.Properties.ExpiresUtc ?? DateTimeOffset.MaxValue);

    private static string Serialize(AuthenticationTicket ticket) => Convert.ToBase64String(TicketSerializer.Default.Serialize(ticket));

    private static AuthenticationTicket? Deserialize(string serialized)
    {
        try
        {
            return TicketSerializer.Default.Deserialize(Convert.FromBase64String(serialized));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private void Sweep()
    {
        var now = time.GetUtcNow();
        lock (_sweepGate)
        {
            if (now < _nextSweep)
            {
                return;
            }

            _nextSweep = now + SweepInterval;
        }

        using var connection = store.Open();
        StoreDatabase.Execute(connection, "DELETE FROM dashboard_sessions WHERE expires_at <= @now", ("@now", IncidentBook.Text(now)));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ended {Count} dashboard session(s) of {Holder}: their key was revoked")]
    private partial void LogEnded(int count, string holder);
}

/// <summary>Points the dashboard's cookie at <see cref="DashboardSessions"/> and checks on every request that its key is still held.</summary>
internal static class DashboardSessionCookie
{
    /// <summary>
    /// Rejects a session whose key holder no longer holds that role's key (revoked, or a configured
    /// key removed), and ends it, so the cookie stops working on the very next request.
    /// </summary>
    /// <param name="context">The cookie's principal and request.</param>
    public static async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        var services = context.HttpContext.RequestServices;
        if (context.Principal?.Identity?.Name is { } holder
            && context.Principal.FindFirst(System.Security.Claims.ClaimTypes.Role)?.Value is { } role
            && (People.PersonPrincipal.IsPerson(context.Principal)
                ? services.GetRequiredService<People.PeopleDirectory>().IsActive(holder, role)
                : services.GetRequiredService<ApiKeys>().IsHeld(holder, role)))
        {
            return;
        }

        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme).ConfigureAwait(false);
    }
}
