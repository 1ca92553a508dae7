using Ata.Mqtt.Tests.Fixtures;

namespace Ata.Mqtt.Tests;

/// <summary>A broker with a <c>password_file</c> and an <c>acl_file</c>, as the gateway's embedded broker has.</summary>
public sealed class AuthenticationBrokerFixture : IAsyncLifetime
{
    internal MosquittoBroker Broker { get; private set; } = null!;

    public async Task InitializeAsync() => Broker = await MosquittoBroker.StartNewAsync(new BrokerSecurity
    {
        Users = new Dictionary<string, string> { ["alice"] = "s3cret-alice", ["gateway"] = "s3cret-gateway" },
        Acl = "user alice\ntopic readwrite ata/alice/#\n\nuser gateway\ntopic readwrite ata/#\n",
    });

    public async Task DisposeAsync() => await Broker.DisposeAsync();
}

public sealed class AuthenticationTests(AuthenticationBrokerFixture fixture) : IClassFixture<AuthenticationBrokerFixture>
{
    private MosquittoBroker Broker => fixture.Broker;

    [Fact]
    public async Task The_right_user_name_and_password_are_accepted()
    {
        await using var client = await TestClient.ConnectAsync(Credentials("alice", "alice", "s3cret-alice"));

        Assert.True(client.IsConnected);
        Assert.Equal(0, client.LastConnectResult);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_with_CONNACK_5_and_a_readable_timeout_that_never_shows_the_password()
    {
        var logger = new ListLogger<MosquittoClient>();
        await using var client = new MosquittoClient(Credentials("alice", "alice", "wrong-password-42"), logger);
        var refused = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ConnectRefused += code => refused.TrySetResult(code);

        client.Start();

        Assert.Equal(5, await refused.Task.WaitAsync(TestClient.Timeout));
        Assert.Equal(5, client.LastConnectResult);
        Assert.False(client.IsConnected);
        var error = await Assert.ThrowsAsync<TimeoutException>(() => client.WaitUntilConnectedAsync(TimeSpan.Zero));
        Assert.Contains($"127.0.0.1:{Broker.Port}", error.Message, StringComparison.Ordinal);
        Assert.Contains("not authorised", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password-42", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password-42", logger.Text, StringComparison.Ordinal);
        Assert.Contains(logger.Entries, entry => entry.Message.Contains("CONNACK 5", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_acl_file_grants_every_subscription_and_withholds_the_messages_instead()
    {
        // Mosquitto 2.0's acl_file does not check subscriptions ("FIXME - implement ACL subscription
        // strings"): the SUBACK grants the QoS, and the broker filters at delivery.
        await using var alice = await TestClient.ConnectAsync(Credentials("alice", "alice", "s3cret-alice"));
        var inbox = new Inbox(alice);
        Assert.Equal(new[] { 1 }, await alice.SubscribeAsync("ata/bob/status", 1));
        Assert.Equal(new[] { 1 }, await alice.SubscribeAsync("ata/alice/config", 1));
        await using var gateway = await TestClient.ConnectAsync(Credentials("gateway", "gateway", "s3cret-gateway"));

        await gateway.PublishAsync("ata/bob/status", "not for alice"u8.ToArray(), 1, retain: false);
        await gateway.PublishAsync("ata/alice/config", "for alice"u8.ToArray(), 1, retain: false);

        Assert.Equal("for alice", (await inbox.NextAsync()).PayloadText);
    }

    private MqttClientOptions Credentials(string clientIdPrefix, string user, string password) => new()
    {
        Host = Broker.Host,
        Port = Broker.Port,
        ClientId = TestClient.UniqueId(clientIdPrefix),
        Username = user,
        Password = password,
    };
}
