using Ata.Gateway.Tests.Support;
using Ata.Lab;
using MQTTnet.Server;

namespace Ata.Gateway.Tests.Instances;

/// <summary>A gateway that cannot be one of several instances says why in one line and exits with code 1.</summary>
public sealed class InstanceStartTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task An_instance_name_without_an_external_broker_is_refused_at_start()
    {
        using var data = new TempDirectory();
        await using var gateway = Start(data.Path, "--Gateway:Instance=gw1");

        var line = await SingleErrorAsync(gateway);
        Assert.Contains("Gateway:Instance needs Broker:Url", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broker_without_shared_subscriptions_stops_an_instance_with_one_line()
    {
        // MQTTnet's own broker speaks MQTT 5 but has no shared subscriptions (it refuses $share/ filters);
        // every Debian broker here has them.
        var port = FreePort.Tcp();
        using var server = new MqttServerFactory().CreateMqttServer(new MqttServerOptionsBuilder().WithDefaultEndpoint().WithDefaultEndpointPort(port).Build());
        await server.StartAsync();
        try
        {
            using var data = new TempDirectory();
            await using var gateway = Start(data.Path, "--Gateway:Instance=gw1", $"--Broker:Url=mqtt://127.0.0.1:{port}");

            var line = await SingleErrorAsync(gateway);
            Assert.Contains($"The broker at 127.0.0.1:{port}", line, StringComparison.Ordinal);
            Assert.Contains("does not support MQTT 5 shared subscriptions", line, StringComparison.Ordinal);
        }
        finally
        {
            await server.StopAsync();
        }
    }

    private static ManagedProcess Start(string dataDirectory, params string[] settings) =>
        ManagedProcess.Start(ManagedProcess.DotnetHost,
            [GatewayProcess.Assembly, "--urls", $"http://127.0.0.1:{FreePort.Tcp()}", $"--Gateway:DataDirectory={dataDirectory}", .. settings],
            new ManagedProcessOptions { Name = "gateway", Environment = new Dictionary<string, string?> { ["Auth__AdminKey"] = RunningGateway.AdminKey } });

    private static async Task<string> SingleErrorAsync(ManagedProcess gateway)
    {
        var exitCode = await gateway.Completion.WaitAsync(ExitTimeout);
        var output = string.Join(Environment.NewLine, gateway.Lines.Select(l => l.Text));
        Assert.True(exitCode == 1, $"exit code {exitCode}:{Environment.NewLine}{output}");
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        return Assert.Single(gateway.StandardErrorLines, l => l.Trim().Length > 0);
    }
}
