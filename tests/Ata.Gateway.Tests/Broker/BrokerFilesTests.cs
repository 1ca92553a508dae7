using Ata.Core.Contract;
using Ata.Gateway.Broker;
using Ata.Gateway.Fleet;
using Microsoft.Extensions.Logging;

namespace Ata.Gateway.Tests.Broker;

public sealed class BrokerFilesTests
{
    [Theory]
    [InlineData(1, 250)]
    [InlineData(2, 500)]
    [InlineData(3, 1000)]
    [InlineData(7, 16000)]
    [InlineData(8, 30000)]
    [InlineData(50, 30000)]
    [InlineData(0, 250)]
    public void Restart_back_off_doubles_up_to_thirty_seconds(int failures, int milliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), RestartBackoff.Delay(failures));

    [Fact]
    public void The_gateway_may_read_the_brokers_count_of_dropped_messages_and_adapters_may_not()
    {
        var acl = MosquittoFiles.GatewayAcl();

        Assert.Contains($"user @gateway\ntopic readwrite ata/#\ntopic read {FleetChannel.BrokerDroppedTopic}\n", acl.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.DoesNotContain("$SYS", MosquittoFiles.DeviceAcl(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 250)]
    [InlineData(2, 500)]
    [InlineData(4, 2000)]
    [InlineData(5, 4000)]
    [InlineData(6, 5000)]
    [InlineData(100, 5000)]
    [InlineData(0, 250)]
    public void The_gateway_session_reconnects_after_250_ms_doubling_to_5_seconds(int failures, int milliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), SessionBackoff.Delay(failures));

    [Fact]
    public void The_config_keeps_the_broker_private_persistent_and_logging_to_stderr()
    {
        var directory = new BrokerDirectory("/var/lib/ata/broker");

        var config = MosquittoFiles.Config(directory, "127.0.0.1", 18831, "ata", new QueueLimits { Messages = 250_000, Megabytes = 64 }, 65536);

        Assert.Contains("per_listener_settings true\n", config, StringComparison.Ordinal);
        Assert.Contains("max_packet_size 65536\n", config, StringComparison.Ordinal);
        Assert.Contains(
            "listener 18831 127.0.0.1\nuse_username_as_clientid true\nallow_anonymous false\npassword_file /var/lib/ata/broker/passwd\nacl_file /var/lib/ata/broker/acl\n",
            config, StringComparison.Ordinal);
        Assert.Contains(
            "listener 0 /var/lib/ata/broker/gateway.sock\nallow_anonymous false\npassword_file /var/lib/ata/broker/gateway.passwd\nacl_file /var/lib/ata/broker/gateway.acl\n",
            config, StringComparison.Ordinal);
        Assert.Contains("persistence true\n", config, StringComparison.Ordinal);
        Assert.Contains("persistence_location /var/lib/ata/broker/db/\n", config, StringComparison.Ordinal);
        Assert.Contains("log_dest stderr\n", config, StringComparison.Ordinal);
        Assert.Contains("max_queued_messages 250000\n", config, StringComparison.Ordinal);
        Assert.Contains($"max_queued_bytes {64 * 1024 * 1024}\n", config, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => MosquittoFiles.Config(directory, "127.0.0.1\nlistener 1", 1, "ata", new QueueLimits(), 65536));
    }

    [Fact]
    public void The_device_acl_is_the_contract_each_device_publishes_its_reports_and_reads_its_config_and_commands_only()
    {
        var acl = MosquittoFiles.DeviceAcl().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith('#')).ToArray();

        string[] expected =
        [
            .. MqttTopics.DeviceToGateway.Select(leaf => $"pattern write ata/%u/{leaf}"),
            .. MqttTopics.GatewayToDevice.Select(leaf => $"pattern read ata/%u/{leaf}"),
        ];
        Assert.Equal(expected, acl);
        Assert.Contains("pattern write ata/%u/config/ack", acl);
        Assert.Contains("pattern write ata/%u/cmd/result", acl);
        Assert.Contains("pattern read ata/%u/config", acl);
        Assert.DoesNotContain(acl, l => l.Contains("readwrite", StringComparison.Ordinal) || l.Contains('#') || l.Contains('+'));
    }

    [Fact]
    public void The_password_file_refuses_names_that_would_break_it()
    {
        Assert.Equal("a:$7$h\nb:$7$i\n", MosquittoFiles.PasswordFile([new("a", "$7$h"), new("b", "$7$i")]));
        Assert.Throws<ArgumentException>(() => MosquittoFiles.PasswordFile([new("a:b", "$7$h")]));
        Assert.Throws<ArgumentException>(() => MosquittoFiles.PasswordFile([new("a\nb", "$7$h")]));
    }

    [Theory]
    [InlineData("Error: Address already in use", LogLevel.Error, "Address already in use")]
    [InlineData("Warning: Mosquitto should not be run as root/administrator.", LogLevel.Warning, "Mosquitto should not be run as root/administrator.")]
    [InlineData("New connection from 127.0.0.1:1 on port 2.", LogLevel.Information, "New connection from 127.0.0.1:1 on port 2.")]
    [InlineData("Outgoing messages are being dropped for client ata-gateway.", LogLevel.Warning, "Outgoing messages are being dropped for client ata-gateway.")]
    public void Mosquitto_log_lines_keep_their_level(string line, LogLevel level, string message) =>
        Assert.Equal((level, message), MosquittoLog.Classify(line));

    [Fact]
    public void Subscriptions_mosquitto_logs_are_read_and_logged_at_debug_level()
    {
        Assert.True(MosquittoLog.TryParseSubscription("dev-1 1 ata/dev-1/config", out var client, out var filter));
        Assert.Equal(("dev-1", "ata/dev-1/config"), (client, filter));
        Assert.Equal(LogLevel.Debug, MosquittoLog.Classify("dev-1 1 ata/dev-1/config").Level);
        Assert.False(MosquittoLog.TryParseSubscription("New connection from 127.0.0.1:1 on port 2.", out _, out _));
        Assert.False(MosquittoLog.TryParseSubscription("Client dev-1 disconnected.", out _, out _));
        Assert.Contains("log_type subscribe\n", MosquittoFiles.Config(new BrokerDirectory("/b"), "127.0.0.1", 1, "ata", new QueueLimits(), 65536), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("status", "online", true)]
    [InlineData("status", "offline", true)]
    [InlineData("status", "", true)]
    [InlineData("status", "junk", false)]
    [InlineData("hello", "{}", false)]
    [InlineData("fault", "", true)]
    [InlineData("call", "x", false)]
    public void Only_an_adapters_status_may_stay_retained(string leaf, string payload, bool may) =>
        Assert.Equal(may, FleetChannel.MayBeRetained(leaf, System.Text.Encoding.UTF8.GetBytes(payload)));

    [Fact]
    public void The_running_line_is_recognised() =>
        Assert.True(MosquittoLog.IsRunning("mosquitto version 2.0.11 running"));
}
