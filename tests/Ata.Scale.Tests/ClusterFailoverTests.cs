using Ata.Core.Contract;
using Ata.Core.Faults;
using Ata.Gateway.Broker.Cluster;
using Ata.Gateway.Store;
using Ata.Gateway.Tests.Support;
using Ata.Scale.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Ata.Scale.Tests;

/// <summary>Stopping one node of the cluster: nothing acknowledged is lost, and everyone carries on.</summary>
public sealed class ClusterFailoverTests(SlowGatewayClusterFleet fleet) : IClassFixture<SlowGatewayClusterFleet>
{
    private const int ReportsPerAdapter = 60;

    [Fact]
    public async Task Stopping_a_node_loses_no_acknowledged_report_and_adapters_and_gateway_carry_on_at_the_others()
    {
        var gateway = fleet.Gateway;
        var cluster = fleet.Cluster;
        var adapters = new List<StandInAdapter>();
        for (var node = 0; node < cluster.Nodes.Count; node++)
        {
            var id = $"failover-{node}";
            await gateway.ProvisionAsync(id, $"secret-{id}-123456");
            var adapter = new StandInAdapter(cluster, id, $"secret-{id}-123456");
            await adapter.ConnectAsync(node);
            adapters.Add(adapter);
        }

        // The gateway set the mirroring policy the MQTT plugin's subscription queues need (a node's adapters subscribe again elsewhere).
        await Eventually.TrueAsync(() => fleet.Log.Lines.Any(l => l.Contains($"Set the broker cluster's policy {RabbitMqBroker.SubscriptionPolicy}", StringComparison.Ordinal)),
            "the gateway setting the subscription queues' policy", fleet.Log, TimeSpan.FromSeconds(60));
        var queues = await cluster.Nodes[0].CtlAsync("list_queues", "name", "type", "--quiet");
        Assert.Contains(queues.Split('\n'), l => l.Split('\t') is [var name, "quorum"] && name == "ata-gateway.reports");

        // The node the gateway consumes through (its queues' leader was declared there) is the one stopped.
        var victim = fleet.GatewayNode();
        Assert.InRange(victim, 0, cluster.Nodes.Count - 1);
        var acknowledged = adapters.ToDictionary(a => a.DeviceId, _ => new List<int>());
        using var halfway = new CountdownEvent(adapters.Count);
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var publishing = adapters.Select(adapter => Task.Run(() => PublishAllAsync(adapter, acknowledged[adapter.DeviceId], halfway, stopped.Task, victim))).ToList();

        // Half of each adapter's reports are acknowledged: stop the node, as a crash would (SIGKILL).
        Assert.True(halfway.Wait(TimeSpan.FromSeconds(120)), "adapters acknowledged half their reports\n" + fleet.Log.Tail());
        var store = gateway.App.Services.GetRequiredService<AdapterStore>();
        var inStoreBefore = adapters.Sum(a => store.ListFaultEvents(a.DeviceId).Count);
        cluster.Nodes[victim].Kill();
        stopped.SetResult();

        // The stop caught acknowledged reports not yet recorded: most were only in the cluster's quorum queue, replicated on the nodes.
        Assert.True(inStoreBefore < adapters.Count * ReportsPerAdapter / 2, $"{inStoreBefore} of {adapters.Count * ReportsPerAdapter / 2} acknowledged reports were recorded before the stop");
        await Task.WhenAll(publishing).WaitAsync(TimeSpan.FromSeconds(180));

        // Every acknowledged report is in the store once (a redelivered one is recognised by its boot and sequence).
        foreach (var adapter in adapters)
        {
            var sent = acknowledged[adapter.DeviceId];
            Assert.Equal(ReportsPerAdapter, sent.Count);
            var recorded = await Eventually.ValueAsync(
                () => Task.FromResult(store.ListFaultEvents(adapter.DeviceId).Select(e => e.Detail).ToList()),
                details => sent.All(n => details.Contains($"report {n}")),
                $"{adapter.DeviceId}'s {sent.Count} acknowledged reports in the store",
                fleet.Log,
                TimeSpan.FromSeconds(60));
            foreach (var n in sent)
            {
                Assert.Single(recorded, d => d == $"report {n}");
            }

            Assert.NotEqual(victim, adapter.Node);
        }

        // The gateway is on another node, and a config and a command still reach an adapter that moved.
        await Eventually.TrueAsync(() => gateway.Channel.IsConnected && fleet.GatewayNode() != victim, "the gateway on another node", fleet.Log, TimeSpan.FromSeconds(60));
        var moved = adapters[victim];
        await moved.ConnectAsync(moved.Node);
        await moved.ConfigAsync(_ => true, $"{moved.DeviceId}'s config after the failover");
        var command = await gateway.Http.PostAsync($"/api/adapters/{moved.DeviceId}/actions/reregister", null);
        Assert.True(command.IsSuccessStatusCode, await command.Content.ReadAsStringAsync());
        await moved.Client!.WaitForAsync(m => m.Topic == MqttTopics.For(moved.DeviceId, MqttTopics.Command), "a command after the failover");

        foreach (var adapter in adapters)
        {
            await adapter.DisposeAsync();
        }
    }

    /// <summary>
    /// Publishes the adapter's fault reports one after the other, QoS 1, each counted once its PUBACK
    /// came; when the connection goes (its node stopped), connects to the next node still running
    /// and sends the unacknowledged one again, as the firmware's outbox does.
    /// </summary>
    private async Task PublishAllAsync(StandInAdapter adapter, List<int> acknowledged, CountdownEvent halfway, Task stopped, int victim)
    {
        var boot = $"boot-{adapter.DeviceId}";
        var n = 1;
        var giveUpAt = DateTime.UtcNow.AddSeconds(120);
        var problems = new List<string>();
        while (n <= ReportsPerAdapter)
        {
            var report = Reports.Fault(n, FaultCode.NetworkDown, raised: n % 2 == 1, detail: $"report {n}", boot: boot);
            try
            {
                var client = adapter.Client ?? throw new InvalidOperationException("not connected");
                await client.PublishAsync(MqttTopics.For(adapter.DeviceId, MqttTopics.Fault), report, MqttTopics.ReliableQos, retain: false);
                acknowledged.Add(n);
                if (n == ReportsPerAdapter / 2)
                {
                    halfway.Signal();
                    await stopped;
                }

                n++;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                problems.Add($"report {n}: {exception.GetType().Name} {exception.Message}");
                Assert.True(DateTime.UtcNow < giveUpAt, $"{adapter.DeviceId} could not carry on: {string.Join(Environment.NewLine, problems.TakeLast(10))}");
                var next = adapter.Node;
                do
                {
                    next = (next + 1) % fleet.Cluster.Nodes.Count;
                }
                while (next == victim && fleet.Cluster.Nodes.Count > 1);
                try
                {
                    await adapter.ConnectAsync(next);
                }
                catch (Exception reconnect) when (reconnect is not OperationCanceledException)
                {
                    // The cluster is still settling; try again with the next report attempt.
                    problems.Add($"connecting to node {next}: {reconnect.GetType().Name} {reconnect.Message}");
                    await Task.Delay(250);
                }
            }
        }
    }
}
