using System.Security.Claims;
using Ata.Gateway.Access;
using Ata.Gateway.Store;
using Ata.Gateway.Tests.Support;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ata.Gateway.Tests.Access;

/// <summary>The dashboard's sessions in the store (SQLite, or PostgreSQL with <c>ATA_TEST_STORE=postgresql</c>).</summary>
public sealed class DashboardSessionStoreTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _directory = new();
    private readonly ManualTime _time = new(Start);
    private readonly AdapterStore _store;

    public DashboardSessionStoreTests()
    {
        _store = TestStores.Open(_directory.Path, _time,
            new SecretBox(DataProtectionProvider.Create(new DirectoryInfo(Path.Combine(_directory.Path, "keys")), b => b.SetApplicationName("Ata.Gateway"))));
    }

    [Fact]
    public async Task Another_instance_on_the_store_finds_the_session_and_the_store_keeps_only_the_keys_hash()
    {
        var here = Sessions();
        var key = await here.StoreAsync(Ticket("dora", Start, TimeSpan.FromHours(12)));

        var there = await Sessions().RetrieveAsync(key);

        Assert.Equal("dora", there?.Principal.Identity?.Name);
        Assert.Equal("support", there?.Principal.FindFirst(ClaimTypes.Role)?.Value);
        Assert.DoesNotContain(key, TestStores.StoredText(_store), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_holders_oldest_session_ends_when_they_sign_in_once_more_than_the_most_they_may_have()
    {
        var sessions = Sessions();
        var keys = new List<string>();
        for (var n = 0; n <= DashboardSessions.MaxPerHolder; n++)
        {
            keys.Add(await sessions.StoreAsync(Ticket("erin", Start.AddSeconds(n), TimeSpan.FromHours(12))));
        }

        var other = await sessions.StoreAsync(Ticket("frank", Start, TimeSpan.FromHours(12)));

        Assert.Null(await sessions.RetrieveAsync(keys[0]));
        Assert.NotNull(await sessions.RetrieveAsync(keys[1]));
        Assert.NotNull(await sessions.RetrieveAsync(keys[^1]));
        Assert.NotNull(await sessions.RetrieveAsync(other));
        Assert.Equal(DashboardSessions.MaxPerHolder + 1, sessions.Count);
    }

    [Fact]
    public async Task An_expired_session_opens_nothing_and_is_swept_and_a_renewal_does_not_bring_an_ended_one_back()
    {
        var sessions = Sessions();
        var expiring = await sessions.StoreAsync(Ticket("gil", Start, TimeSpan.FromMinutes(30)));
        var ended = await sessions.StoreAsync(Ticket("gil", Start, TimeSpan.FromHours(12)));
        var renewed = await sessions.StoreAsync(Ticket("gil", Start, TimeSpan.FromMinutes(30)));

        await sessions.RemoveAsync(ended);
        await sessions.RenewAsync(ended, Ticket("gil", Start, TimeSpan.FromHours(12)));
        _time.Advance(TimeSpan.FromMinutes(20));
        await sessions.RenewAsync(renewed, Ticket("gil", _time.GetUtcNow(), TimeSpan.FromMinutes(30)));
        _time.Advance(TimeSpan.FromMinutes(20));

        Assert.Null(await sessions.RetrieveAsync(ended));
        Assert.Null(await sessions.RetrieveAsync(expiring));
        Assert.NotNull(await sessions.RetrieveAsync(renewed));
        _time.Advance(TimeSpan.FromMinutes(20));
        await sessions.StoreAsync(Ticket("hal", _time.GetUtcNow(), TimeSpan.FromHours(12)));
        Assert.Equal(1, sessions.Count);
    }

    [Fact]
    public async Task Ending_a_holders_sessions_ends_them_for_every_instance()
    {
        var one = Sessions();
        var keys = new[] { await one.StoreAsync(Ticket("ivy", Start, TimeSpan.FromHours(12))), await one.StoreAsync(Ticket("ivy", Start, TimeSpan.FromHours(12))) };
        var kept = await one.StoreAsync(Ticket("jo", Start, TimeSpan.FromHours(12)));

        Assert.Equal(2, Sessions().EndSessionsOf("ivy"));

        Assert.All(keys, key => Assert.Null(one.RetrieveAsync(key).Result));
        Assert.NotNull(await one.RetrieveAsync(kept));
    }

    public void Dispose()
    {
        _store.Dispose();
        _directory.Dispose();
    }

    private DashboardSessions Sessions() => new(_store, _time, NullLogger<DashboardSessions>.Instance);

    private static AuthenticationTicket Ticket(string holder, DateTimeOffset issued, TimeSpan lifetime) =>
        new(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, holder), new Claim(ClaimTypes.Role, "support")], CookieAuthenticationDefaults.AuthenticationScheme)),
            new AuthenticationProperties { IssuedUtc = issued, ExpiresUtc = issued + lifetime },
            CookieAuthenticationDefaults.AuthenticationScheme);
}
