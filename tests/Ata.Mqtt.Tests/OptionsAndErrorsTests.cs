using Ata.Mqtt.Interop;
using Ata.Mqtt.Tests.Fixtures;

namespace Ata.Mqtt.Tests;

public sealed class OptionsAndErrorsTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(70000)]
    public void A_port_out_of_range_is_refused_with_a_readable_message(int port)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new MosquittoClient(new MqttClientOptions { Host = "127.0.0.1", Port = port, ClientId = "x" }));

        Assert.Contains("port must be 1 to 65535", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_keep_alive_libmosquitto_refuses_is_refused_up_front()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new MosquittoClient(new MqttClientOptions { Host = "127.0.0.1", Port = 1883, ClientId = "x", KeepAliveSeconds = 2 }));

        Assert.Contains("5 to 65535", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_host_is_named_in_the_timeout()
    {
        await using var client = new MosquittoClient(new MqttClientOptions { Host = "no-such-broker.invalid", Port = 1883, ClientId = "x" });
        client.Start();

        var error = await Assert.ThrowsAsync<TimeoutException>(() => client.WaitUntilConnectedAsync(TimeSpan.FromSeconds(3)));

        Assert.Contains("no-such-broker.invalid:1883", error.Message, StringComparison.Ordinal);
        Assert.Contains("could not be resolved", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Waiting_without_Start_says_so()
    {
        await using var client = new MosquittoClient(new MqttClientOptions { Host = "127.0.0.1", Port = 1883, ClientId = "x" });

        var error = await Assert.ThrowsAsync<TimeoutException>(() => client.WaitUntilConnectedAsync(TimeSpan.Zero));

        Assert.Contains("Start() has not been called", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_topics_and_QoS_are_argument_errors()
    {
        await using var client = new MosquittoClient(new MqttClientOptions { Host = "127.0.0.1", Port = 1883, ClientId = "x" });

        Assert.Throws<ArgumentException>(() => client.Publish("ata/+/status", "x", 0, retain: false));
        Assert.Throws<ArgumentOutOfRangeException>(() => client.Publish("ata/1/status", "x", 3, retain: false));
        await Assert.ThrowsAsync<ArgumentException>(() => client.SubscribeAsync("ata/#/status", 0));
        Assert.Throws<ArgumentException>(() => new MosquittoClient(new MqttClientOptions
        {
            Host = "127.0.0.1",
            Port = 1883,
            ClientId = "y",
            Will = new MqttWill("ata/#", [], 1, Retain: true),
        }));
    }

    [Fact]
    public void A_missing_libmosquitto_says_how_to_install_it()
    {
        var error = Assert.Throws<DllNotFoundException>(() => MosquittoLibrary.Load(["libmosquitto-missing.so.9"]));

        Assert.Contains("sudo apt-get install libmosquitto1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_installed_libmosquitto_is_version_2()
    {
        Assert.Equal(2, MosquittoClient.LibraryVersion.Major);
    }

    [Theory]
    [InlineData(0, 1, 30, 1)]
    [InlineData(1, 1, 30, 4)]
    [InlineData(2, 1, 30, 9)]
    [InlineData(5, 1, 30, 30)]
    [InlineData(1000000, 1, 30, 30)]
    [InlineData(3, 5, 5, 5)]
    public void The_back_off_grows_with_the_square_of_the_attempt_up_to_the_maximum(int attempt, int delay, int max, int expected)
    {
        Assert.Equal(
            TimeSpan.FromSeconds(expected),
            ReconnectBackoff.Delay(attempt, TimeSpan.FromSeconds(delay), TimeSpan.FromSeconds(max)));
    }

    [Theory]
    [InlineData(200, 1u)]
    [InlineData(1000, 1u)]
    [InlineData(1500, 2u)]
    [InlineData(30000, 30u)]
    public void Delays_reach_libmosquitto_in_whole_seconds_rounded_up(int milliseconds, uint seconds)
    {
        Assert.Equal(seconds, ReconnectBackoff.WholeSeconds(TimeSpan.FromMilliseconds(milliseconds)));
    }

    [Theory]
    [InlineData(0, "connection accepted")]
    [InlineData(4, "bad user name or password")]
    [InlineData(5, "not authorised")]
    [InlineData(-1, "no answer from the broker yet")]
    public void CONNACK_codes_read_as_words(int code, string words)
    {
        Assert.StartsWith(words, MosquittoClient.DescribeConnectResult(code), StringComparison.Ordinal);
    }
}
