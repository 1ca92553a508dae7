using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Ata.Gateway.Access;

/// <summary>
/// The dashboard's sessions, kept by the gateway: the session cookie holds only a random session id
/// (<see cref="ITicketStore"/>), so signing out removes the session itself, revoking a key removes
/// every session signed in with it, and a copy of an ended session's cookie opens nothing. Sessions
/// live in memory: restarting the gateway signs everyone out.
/// </summary>
/// <param name="time">The clock sessions expire by.</param>
/// <param name="logger">Where ended sessions are counted (never a session id).</param>
public sealed partial class DashboardSessions(TimeProvider time, ILogger<DashboardSessions> logger) : ITicketStore
{
    /// <summary>Most sessions one key holder has at once; signing in again ends their oldest.</summary>
    public const int MaxPerHolder = 100;

    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, AuthenticationTicket> _sessions = new(StringComparer.Ordinal);
    private DateTimeOffset _nextSweep = DateTimeOffset.MinValue;

    /// <summary>Sessions open now (some may have expired since the last sweep).</summary>
    public int Count => _sessions.Count;

    /// <inheritdoc />
    public Task<string> StoreAsync(AuthenticationTicket ticket)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        Sweep();
        var holder = ticket.Principal.Identity?.Name;
        var theirs = _sessions.Where(s => s.Value.Principal.Identity?.Name == holder).ToList();
        foreach (var oldest in theirs.OrderBy(s => s.Value.Properties.IssuedUtc).Take(theirs.Count - MaxPerHolder + 1))
        {
            _sessions.TryRemove(oldest);
        }

        var id = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        _sessions[id] = ticket;
        return Task.FromResult(id);
    }

    /// <inheritdoc />
    public Task RenewAsync(string key, AuthenticationTicket ticket)
    {
        // Only a session that is still open is renewed: one ended meanwhile stays ended.
        while (_sessions.TryGetValue(key, out var current) && !_sessions.TryUpdate(key, ticket, current))
        {
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<AuthenticationTicket?> RetrieveAsync(string key)
    {
        if (!_sessions.TryGetValue(key, out var ticket))
        {
            return Task.FromResult<AuthenticationTicket?>(null);
        }

        if (ticket.Properties.ExpiresUtc <= time.GetUtcNow())
        {
            _sessions.TryRemove(KeyValuePair.Create(key, ticket));
            return Task.FromResult<AuthenticationTicket?>(null);
        }

        return Task.FromResult<AuthenticationTicket?>(ticket);
    }

    /// <inheritdoc />
    public Task RemoveAsync(string key)
    {
        _sessions.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    /// <summary>Ends every session signed in by <paramref name="holder"/> (their key was revoked).</summary>
    /// <param name="holder">The key holder's name.</param>
    /// <returns>How many sessions were ended.</returns>
    public int EndSessionsOf(string holder)
    {
        var ended = 0;
        foreach (var session in _sessions)
        {
            if (session.Value.Principal.Identity?.Name == holder && _sessions.TryRemove(session))
            {
                ended++;
            }
        }

        if (ended > 0)
        {
            LogEnded(ended, holder);
        }

        return ended;
    }

    private void Sweep()
    {
        var now = time.GetUtcNow();
        lock (_sessions)
        {
            if (now < _nextSweep)
            {
                return;
            }

            _nextSweep = now + SweepInterval;
        }

        foreach (var session in _sessions)
        {
            if (session.Value.Properties.ExpiresUtc <= now)
            {
                _sessions.TryRemove(session);
            }
        }
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
