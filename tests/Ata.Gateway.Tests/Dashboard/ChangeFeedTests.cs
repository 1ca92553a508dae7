using System.Text.Json.Nodes;
using Ata.Gateway.Store;
using Ata.Gateway.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Ata.Gateway.Tests.Dashboard;

/// <summary>The dashboard's event stream reads the store's change feed, which several instances write.</summary>
public sealed class ChangeFeedTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private RunningGateway? _gateway;

    public async Task InitializeAsync() => _gateway = await RunningGateway.StartAsync(_directory.Path);

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        _directory.Dispose();
    }

    [Fact]
    public async Task A_change_numbered_before_one_already_read_but_committed_after_it_still_reaches_the_stream()
    {
        var gateway = _gateway!;
        foreach (var id in new[] { "late-a", "late-b" })
        {
            (await gateway.PutAdapterAsync(id, RunningGateway.Adapter("secret-" + id, ("6001", "pw", "127.0.0.1:5060")))).Response.EnsureSuccessStatusCode();
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/events?q=late-");
        using var response = await gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var events = new EventReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("page", (await events.NextAsync()).Name);

        // As on PostgreSQL with two instances writing: change n+2 commits (and is read) before change n+1.
        var store = gateway.App.Services.GetRequiredService<AdapterStore>();
        long last;
        using (var connection = store.Open())
        using (var max = StoreDatabase.Command(connection, "SELECT coalesce(max(seq), 0) FROM fleet_changes"))
        {
            last = Convert.ToInt64(max.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }

        // What provisioning changed is told first: read until the stream is quiet.
        try
        {
            while (true)
            {
                await events.NextAsync(FleetEventsPoll * 2);
            }
        }
        catch (TimeoutException)
        {
        }

        Insert(store, last + 2, "late-b");
        await TellsAsync(events, "late-b");
        Insert(store, last + 1, "late-a");
        await TellsAsync(events, "late-a");
    }

    private static TimeSpan FleetEventsPoll => Ata.Gateway.Dashboard.FleetEvents.PollInterval;

    private static void Insert(AdapterStore store, long seq, string deviceId)
    {
        using var connection = store.Open();
        StoreDatabase.Execute(connection, "INSERT INTO fleet_changes (seq, device_id) VALUES (@seq, @id)", ("@seq", seq), ("@id", deviceId));
    }

    private static async Task TellsAsync(EventReader events, string deviceId)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(8);
        while (true)
        {
            var (name, data) = await events.NextAsync(until - DateTime.UtcNow);
            if (name == "adapters" && JsonNode.Parse(data)!.AsArray().Any(a => a!["deviceId"]!.GetValue<string>() == deviceId))
            {
                return;
            }
        }
    }
}
