using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Ata.Gateway.Tests.Access;
using Ata.Gateway.Tests.Support;

namespace Ata.Gateway.Tests.Instances;

/// <summary>
/// Two gateways on one store (a PostgreSQL database of the run's throwaway cluster) with one Data
/// Protection key ring (the second's <c>keys/</c> is the first's, as on a volume both mount), each
/// with its own data directory otherwise, and a browser a load balancer sends now to one, now to the other: the
/// dashboard session signed in at one works at the other, and signing out at either ends it at both.
/// </summary>
public sealed class DashboardOnEveryInstanceTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [OwnDatabaseFact]
    public async Task A_session_signed_in_at_one_instance_works_and_ends_at_another()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Store:Provider"] = "PostgreSql",
            ["Store:ConnectionString"] = await TestStores.NewDatabaseAsync("dashboard_every_instance"),
        };
        var aDirectory = Path.Combine(_directory.Path, "a");
        var bDirectory = Path.Combine(_directory.Path, "b");
        await using var a = await RunningGateway.StartAsync(aDirectory, settings: settings);

        // Signed in at A, as a person does: the login page's token, then the dashboard page's.
        using var atA = new DashboardBrowser(a.Http.BaseAddress!);
        await atA.SignInToDashboardAsync(RunningGateway.AdminKey);
        Assert.Equal(HttpStatusCode.OK, (await atA.Http.GetAsync("/api/adapters")).StatusCode);

        ShareKeyRing(Path.Combine(aDirectory, "keys"), Path.Combine(bDirectory, "keys"));
        await using var b = await RunningGateway.StartAsync(bDirectory, settings: settings);

        // The load balancer sends the same browser (its cookies, its page's token) to B.
        using var atB = new DashboardBrowser(b.Http.BaseAddress!) { RequestToken = atA.RequestToken };
        foreach (Cookie cookie in atA.Cookies.GetAllCookies())
        {
            atB.Cookies.Add(new Cookie(cookie.Name, cookie.Value, cookie.Path, b.Http.BaseAddress!.Host));
        }

        using var me = await atB.Http.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal("admin", (await me.Content.ReadFromJsonAsync<JsonNode>())!["role"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await atB.Http.GetAsync("/api/adapters")).StatusCode);
        using var made = await atB.SendAsync(HttpMethod.Post, "/api/keys", JsonContent.Create(new { name = "made-at-b", role = "support" }));
        Assert.Equal(HttpStatusCode.Created, made.StatusCode);
        Assert.Contains("made-at-b", await a.Http.GetStringAsync("/api/keys"), StringComparison.Ordinal);

        using var signOut = await atB.SendAsync(HttpMethod.Post, "/logout");
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);

        // A refuses the cookie it issued: the session ended in the store, not in B's memory.
        Assert.Equal(HttpStatusCode.Unauthorized, (await atA.Http.GetAsync("/api/adapters")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await atA.SendAsync(HttpMethod.Post, "/api/adapters/nobody/actions/push-config")).StatusCode);
    }

    public void Dispose() => _directory.Dispose();

    private static void ShareKeyRing(string from, string to)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        Directory.CreateSymbolicLink(to, from);
    }
}
