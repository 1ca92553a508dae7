using System.Diagnostics;
using System.Text.Json.Nodes;
using Ata.Core.Contract;
using Ata.Core.Sip;
using Ata.Gateway.Broker;
using Ata.Gateway.Tests.Support;
using Microsoft.AspNetCore.Builder;

namespace Ata.Gateway.Tests.Broker;

/// <summary>The embedded broker's life: restarts of the gateway, crashes of Mosquitto, a missing binary.</summary>
public sealed class EmbeddedBrokerTests
{
    [Fact]
    public async Task A_restarted_gateway_keeps_its_adapters_its_port_and_their_credentials()
    {
        using var directory = new TempDirectory();
        const string secret = "restart-secret-1";
        var log = new CapturedLog();
        int port;
        await using (var first = await RunningGateway.StartAsync(directory.Path, log))
        {
            port = await first.ProvisionAsync("restart-1", secret, "6001", "restart-sip-1");
            await first.ProvisionAsync("restart-2", "restart-secret-2", "6002", "restart-sip-2");
            await using var device = await Device.ConnectAsync("restart-1", secret, port, log);
            await device.ReportAsync(MqttTopics.Health, Reports.Health("restart-1", "solid", "solid", "solid", "off", RegistrationState.Registered, 200));
            await Eventually.ValueAsync(() => first.GetAdapterAsync("restart-1"), a => a?["lastHealthAt"] is not null, "health recorded", log);
            Assert.Equal(port, first.Broker.Port);
        }

        var secondLog = new CapturedLog();
        await using var second = await RunningGateway.StartAsync(directory.Path, secondLog);
        Assert.Equal(port, second.Broker.Port);

        var adapters = await second.ListAdaptersAsync();
        Assert.Equal(["restart-1", "restart-2"], adapters.Select(a => a!["deviceId"]!.GetValue<string>()));
        var kept = adapters[0]!;
        Assert.Equal(1, kept["configVersion"]!.GetValue<int>());
        Assert.Equal("registered", kept["lines"]![0]!["registration"]!.GetValue<string>());
        Assert.Equal("solid", kept["leds"]!["pwr"]!.GetValue<string>());

        await using var again = await Device.ConnectAsync("restart-1", secret, port, secondLog);
        var config = await again.ReceiveConfigAsync();
        Assert.False(config.Retain);
        Assert.Equal("restart-sip-1", JsonNode.Parse(config.PayloadText)![Fields.Lines]![0]![Fields.Password]!.GetValue<string>());
        var (_, updated) = await second.PutAdapterAsync("restart-2", RunningGateway.Adapter("restart-secret-2", ("6002", "restart-sip-3", "127.0.0.1:5060")));
        Assert.Equal(2, updated!["configVersion"]!.GetValue<int>());

        var everything = log.Text + secondLog.Text;
        foreach (var secretText in new[] { secret, "restart-secret-2", "restart-sip-1", "restart-sip-2", "restart-sip-3" })
        {
            Assert.DoesNotContain(secretText, everything, StringComparison.Ordinal);
        }

        var gatewaySecret = File.ReadAllText(second.Broker.Directory.GatewaySecretFile).Trim();
        Assert.DoesNotContain(gatewaySecret, everything, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(second.Broker.Directory.GatewaySecretFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(second.Broker.Directory.PasswordFile));
        if (!TestStores.PostgreSql)
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(directory.Path, "gateway.db")));
        }
    }

    [Fact]
    public async Task A_crashed_broker_is_restarted_and_adapters_get_their_config_again()
    {
        using var directory = new TempDirectory();
        await using var gateway = await RunningGateway.StartAsync(directory.Path);
        var port = await gateway.ProvisionAsync("crash-1", "crash-secret-1", "7001", "crash-sip-1");
        var firstPid = gateway.Broker.ProcessId!.Value;

        using (var broker = Process.GetProcessById(firstPid))
        {
            broker.Kill();
        }

        // The adapter reconnects to the new broker and says it is online: the gateway, back too, sends its config.
        await Eventually.TrueAsync(() => gateway.Broker.ProcessId is { } pid && pid != firstPid, "a new broker process", gateway.Log);
        await using var device = await Device.ConnectAsync("crash-1", "crash-secret-1", port, gateway.Log);
        await Eventually.TrueAsync(() => gateway.Channel.IsConnected, "the gateway reconnected", gateway.Log);
        var config = await device.ReceiveConfigAsync();
        Assert.Equal(1, JsonNode.Parse(config.PayloadText)![Fields.Version]!.GetValue<int>());
        Assert.Contains(gateway.Log.Lines, l => l.Contains("exited unexpectedly", StringComparison.Ordinal));

        // The gateway's session (and its subscriptions) came back with it: reports are recorded again.
        await device.ReportAsync(MqttTopics.Hello, Reports.Hello("crash-1", "7.7.7"));
        await gateway.AdapterWhenAsync("crash-1", a => a["firmware"]?.GetValue<string>() == "7.7.7", "a hello after the crash");
    }

    [Fact]
    public async Task A_missing_mosquitto_ends_the_gateway_with_one_line_and_exit_code_1()
    {
        using var directory = new TempDirectory();
        var log = new CapturedLog();
        var app = RunningGateway.Build(directory.Path, log, new Dictionary<string, string?>
        {
            ["Broker:MosquittoPath"] = Path.Combine(directory.Path, "no-such", "mosquitto"),
        });

        var exitCode = await app.RunGatewayAsync();

        Assert.Equal(1, exitCode);
        var line = Assert.Single(log.Lines, l => l.StartsWith("Critical", StringComparison.Ordinal));
        Assert.EndsWith(MosquittoInstallation.NotInstalledMessage, line, StringComparison.Ordinal);
        Assert.Equal("mosquitto is not installed: sudo apt-get install -y mosquitto", MosquittoInstallation.NotInstalledMessage);
        Assert.DoesNotContain(log.Lines, l => l.Contains("   at ", StringComparison.Ordinal) || l.StartsWith("Error", StringComparison.Ordinal));
        await app.DisposeAsync();
    }
}
