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
        var acl = MosquittoFiles.Acl(["dev-1"]);

        Assert.Contains($"user @gateway\ntopic readwrite ata/#\ntopic read {FleetChannel.BrokerDroppedTopic}\n", acl.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Equal(1, acl.Split(FleetChannel.BrokerDroppedTopic).Length - 1);
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

        var config = MosquittoFiles.Config(directory, "127.0.0.1", 18831, "ata", new QueueLimits { Messages = 250_000, Megabytes = 64 });

        Assert.Contains("listener 18831 127.0.0.1\n", config, StringComparison.Ordinal);
        Assert.Contains("allow_anonymous false\n", config, StringComparison.Ordinal);
        Assert.Contains("password_file /var/lib/ata/broker/passwd\n", config, StringComparison.Ordinal);
        Assert.Contains("acl_file /var/lib/ata/broker/acl\n", config, StringComparison.Ordinal);
        Assert.Contains("persistence true\n", config, StringComparison.Ordinal);
        Assert.Contains("persistence_location /var/lib/ata/broker/db/\n", config, StringComparison.Ordinal);
        Assert.Contains("log_dest stderr\n", config, StringComparison.Ordinal);
        Assert.Contains("max_queued_messages 250000\n", config, StringComparison.Ordinal);
        Assert.Contains($"max_queued_bytes {64 * 1024 * 1024}\n", config, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => MosquittoFiles.Config(directory, "127.0.0.1\nlistener 1", 1, "ata", new QueueLimits()));
    }

    [Fact]
    public void The_acl_lets_each_device_use_only_its_own_subtree_and_the_gateway_all()
    {
        var acl = MosquittoFiles.Acl(["dev-1", "dev-2"]).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        Assert.DoesNotContain(acl, line => line.StartsWith("pattern", StringComparison.Ordinal));
        var user = Array.IndexOf(acl, "user @gateway");
        Assert.True(user > 0);
        Assert.Equal("topic readwrite ata/#", acl[user + 1]);
        Assert.Equal("topic readwrite ata/dev-1/#", acl[Array.IndexOf(acl, "user dev-1") + 1]);
        Assert.Equal("topic readwrite ata/dev-2/#", acl[Array.IndexOf(acl, "user dev-2") + 1]);
        Assert.Throws<ArgumentException>(() => MosquittoFiles.Acl(["a\ntopic readwrite #"]));
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
    public void The_running_line_is_recognised() =>
        Assert.True(MosquittoLog.IsRunning("mosquitto version 2.0.11 running"));
}
