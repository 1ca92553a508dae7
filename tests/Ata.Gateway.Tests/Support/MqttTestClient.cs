using System.Buffers;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;

namespace Ata.Tests.Mqtt;

/// <summary>A message a <see cref="MqttTestClient"/> received.</summary>
/// <param name="Topic">The topic it was published on.</param>
/// <param name="Payload">Its body.</param>
/// <param name="Qos">The QoS it was delivered with.</param>
/// <param name="Retain">Whether it is a retained message replayed on subscription.</param>
internal sealed record ReceivedMessage(string Topic, byte[] Payload, int Qos, bool Retain)
{
    public string PayloadText => Encoding.UTF8.GetString(Payload);
}

/// <summary>
/// A plain MQTTnet client for tests (a stand-in adapter, an observer): connects once (no
/// reconnecting), keeps every message it receives, and waits for them with a deadline.
/// Shared by the gateway, dashboard and end-to-end tests (linked into each project).
/// </summary>
internal sealed class MqttTestClient : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private readonly List<ReceivedMessage> _messages = [];
    private readonly MqttClientOptions _options;

    private MqttTestClient(MqttClientOptions options)
    {
        _options = options;
        Client = new MqttClientFactory().CreateMqttClient();
        Client.ApplicationMessageReceivedAsync += e =>
        {
            var m = e.ApplicationMessage;
            var message = new ReceivedMessage(m.Topic, m.Payload.ToArray(), (int)m.QualityOfServiceLevel, m.Retain);
            lock (_messages)
            {
                _messages.Add(message);
            }

            MessageReceived?.Invoke(message);
            return Task.CompletedTask;
        };
        Client.DisconnectedAsync += e =>
        {
            if (e.ClientWasConnected)
            {
                Disconnected?.Invoke(e);
            }

            return Task.CompletedTask;
        };
    }

    public IMqttClient Client { get; }

    public bool IsConnected => Client.IsConnected;

    /// <summary>The broker's answer to the last connection attempt, if any.</summary>
    public MqttClientConnectResultCode? LastConnectResult { get; private set; }

    public event Action<ReceivedMessage>? MessageReceived;

    /// <summary>An accepted connection ended (cleanly or not).</summary>
    public event Action<MqttClientDisconnectedEventArgs>? Disconnected;

    public IReadOnlyList<ReceivedMessage> Messages
    {
        get
        {
            lock (_messages)
            {
                return [.. _messages];
            }
        }
    }

    /// <summary>A client not connected yet; <paramref name="configure"/> adds to the options (a will, MQTT 5, a keep-alive).</summary>
    public static MqttTestClient Create(
        string host, int port, string clientId, string? username = null, string? password = null, Action<MqttClientOptionsBuilder>? configure = null)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311)
            .WithTcpServer(host, port)
            .WithClientId(clientId)
            .WithTimeout(Timeout);
        if (username is not null)
        {
            builder.WithCredentials(username, password);
        }

        configure?.Invoke(builder);
        var options = builder.Build();
        if (options.ChannelOptions is MqttClientTcpOptions { RemoteEndpoint: System.Net.Sockets.UnixDomainSocketEndPoint } socket)
        {
            // A Unix socket (the embedded broker's gateway listener) has no TCP protocol.
            socket.ProtocolType = System.Net.Sockets.ProtocolType.IP;
            socket.AddressFamily = System.Net.Sockets.AddressFamily.Unix;
        }

        return new MqttTestClient(options);
    }

    /// <summary>
    /// TLS options trusting <paramref name="ca"/> alone (no system store), as Ata.Sim and the board do:
    /// the broker must present a certificate for the host dialled that chains to it.
    /// </summary>
    public static Action<MqttClientOptionsBuilder> TrustOnly(System.Security.Cryptography.X509Certificates.X509Certificate2 ca) => builder => builder.WithTlsOptions(tls => tls
        .UseTls()
        .WithSslProtocols(System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13)
        .WithCertificateValidationHandler(e =>
        {
            if (e.SslPolicyErrors.HasFlag(System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch) || e.Certificate is null)
            {
                return false;
            }

            using var chain = new System.Security.Cryptography.X509Certificates.X509Chain();
            chain.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
            using var presented = new System.Security.Cryptography.X509Certificates.X509Certificate2(e.Certificate);
            return chain.Build(presented);
        }));

    /// <summary>Connects, or throws saying what the broker answered.</summary>
    public static async Task<MqttTestClient> ConnectAsync(
        string host, int port, string clientId, string? username = null, string? password = null, Action<MqttClientOptionsBuilder>? configure = null)
    {
        var client = Create(host, port, clientId, username, password, configure);
        try
        {
            await client.ConnectAsync();
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>Tries to connect once and returns the broker's answer (a refusal does not throw; an unreachable broker does).</summary>
    public async Task<MqttClientConnectResultCode> TryConnectAsync()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var result = await Client.ConnectAsync(_options, timeout.Token);
        LastConnectResult = result.ResultCode;
        return result.ResultCode;
    }

    /// <summary>Connects, retrying for <see cref="Timeout"/> while the broker cannot be reached (not when it refuses).</summary>
    public async Task ConnectAsync()
    {
        var deadline = DateTime.UtcNow + Timeout;
        MqttClientConnectResultCode code;
        while (true)
        {
            try
            {
                code = await TryConnectAsync();
                break;
            }
            catch (MQTTnet.Exceptions.MqttCommunicationException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }

        if (code != MqttClientConnectResultCode.Success)
        {
            throw new InvalidOperationException($"The broker refused {_options.ClientId}: {code}");
        }
    }

    /// <summary>Subscribes and returns the SUBACK's codes (0-2 granted, 128 and up refused).</summary>
    public async Task<int[]> SubscribeAsync(string topicFilter, int qos)
    {
        var result = await Client.SubscribeAsync(
            new MqttClientSubscribeOptionsBuilder().WithTopicFilter(topicFilter, (MqttQualityOfServiceLevel)qos).Build());
        return [.. result.Items.Select(i => (int)i.ResultCode)];
    }

    /// <summary>Publishes; QoS 1 completes on the broker's PUBACK.</summary>
    public async Task PublishAsync(string topic, byte[] payload, int qos, bool retain)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel((MqttQualityOfServiceLevel)qos)
            .WithRetainFlag(retain)
            .Build();
        await Client.PublishAsync(message);
    }

    public Task PublishAsync(string topic, string payload, int qos, bool retain) =>
        PublishAsync(topic, Encoding.UTF8.GetBytes(payload), qos, retain);

    /// <summary>The first message (received so far or later) that matches, within <paramref name="timeout"/>.</summary>
    public async Task<ReceivedMessage> WaitForAsync(Func<ReceivedMessage, bool> match, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Timeout);
        while (true)
        {
            var found = Messages.FirstOrDefault(match);
            if (found is not null)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{_options.ClientId}: no {what} within {(timeout ?? Timeout).TotalSeconds} s; received: "
                    + string.Join(", ", Messages.Select(m => m.Topic)));
            }

            await Task.Delay(20);
        }
    }

    /// <summary>A clean DISCONNECT: the broker publishes no will.</summary>
    public async Task DisconnectAsync()
    {
        if (Client.IsConnected)
        {
            await Client.DisconnectAsync(new MqttClientDisconnectOptions { Reason = MqttClientDisconnectOptionsReason.NormalDisconnection });
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await DisconnectAsync();
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException)
        {
            // Already gone.
        }

        Client.Dispose();
    }
}
