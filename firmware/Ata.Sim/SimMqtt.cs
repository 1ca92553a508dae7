using System.Buffers;
using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Ata.Core.Contract;
using Ata.Core.Hardware;
using Ata.Core.Host;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Ata.Sim;

/// <summary>What the simulator's MQTT session reports; each call arrives on an MQTTnet thread.</summary>
internal interface ISimMqttEvents
{
    void Connected();
    void ConnectFailed(bool refused, string detail);
    void Lost(string detail);
    void Left();
    void Delivered(int token);
    void Message(string topic, string payload);
}

/// <summary>
/// The adapter's MQTT session on MQTTnet, as the board's M2Mqtt session is: MQTT 3.1.1, the device id
/// as client id and user, the Last Will <c>offline</c> (retained), QoS 1 deliveries reported back to
/// the core by token. It connects and says goodbye only when the core's supervisor asks, and never
/// reconnects by itself. Given a CA, it connects over TLS (1.2 or 1.3) and accepts the broker only
/// with a certificate for the host it dialled that chains to that CA: the system's store is not asked.
/// </summary>
internal sealed class SimMqtt(ISimMqttEvents events, Action<string> log, X509Certificate2? ca = null) : IMqttSession, IDisposable
{
    private X509Certificate2? _ca = ca;

    /// <summary>The CA the broker must chain to (TLS), or null for plaintext; as a board, the one kept at onboarding.</summary>
    public X509Certificate2? Ca
    {
        get => _ca;
        set => _ca = value;
    }

    private static readonly TimeSpan GoodbyeWait = TimeSpan.FromSeconds(3);
    private readonly MqttClientFactory _factory = new();
    private readonly ConcurrentDictionary<int, Task> _inFlight = new();
    private IMqttClient? _client;
    private string _deviceId = "";
    private int _nextToken;
    private volatile bool _leaving;
    private volatile string? _untrusted;

    /// <summary>Starts connecting as the request says; the outcome is reported through the events.</summary>
    public void Connect(HostRequest request)
    {
        DropClient();
        _leaving = false;
        _deviceId = request.ClientId;
        var client = _factory.CreateMqttClient();
        _client = client;
        _untrusted = null;
        var builder = _factory.CreateClientOptionsBuilder();
        if (_ca is not null)
        {
            builder.WithTlsOptions(tls => tls
                .UseTls()
                .WithSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13)
                .WithCertificateValidationHandler(e => Trusted(e.Certificate, e.SslPolicyErrors)));
        }

        var options = builder
            .WithTcpServer(request.Host, request.Port)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithClientId(request.ClientId)
            .WithCredentials(request.ClientId, request.Secret)
            .WithCleanSession(true)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(10))
            .WithTimeout(TimeSpan.FromSeconds(10))
            .WithWillTopic(MqttTopics.For(request.ClientId, MqttTopics.Status))
            .WithWillPayload(MqttTopics.Offline)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithWillRetain(true)
            .Build();
        client.ApplicationMessageReceivedAsync += e =>
        {
            events.Message(e.ApplicationMessage.Topic, Encoding.UTF8.GetString(e.ApplicationMessage.Payload.ToArray()));
            return Task.CompletedTask;
        };
        client.DisconnectedAsync += e =>
        {
            if (ReferenceEquals(client, _client) && e.ClientWasConnected && !_leaving)
            {
                events.Lost(e.Exception?.Message ?? e.Reason.ToString());
            }

            return Task.CompletedTask;
        };
        _ = ConnectAsync(client, options);
    }

    private async Task ConnectAsync(IMqttClient client, MqttClientOptions options)
    {
        try
        {
            var result = await client.ConnectAsync(options, CancellationToken.None);
            if (result.ResultCode == MqttClientConnectResultCode.Success)
            {
                events.Connected();
                return;
            }

            bool refused = result.ResultCode is MqttClientConnectResultCode.NotAuthorized or MqttClientConnectResultCode.BadUserNameOrPassword;
            events.ConnectFailed(refused, refused ? "the broker refused the login (" + result.ResultCode + ")" : "the broker answered " + result.ResultCode);
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or ObjectDisposedException or AuthenticationException)
        {
            events.ConnectFailed(false, _untrusted is { } why
                ? "the broker's TLS certificate is not trusted: " + why
                : "cannot reach the broker: " + (e.InnerException?.Message ?? e.Message));
        }
    }

    /// <summary>
    /// Whether the broker's certificate names the host dialled (TLS checked that) and chains to the
    /// given CA alone; notes why not for the one-line failure.
    /// </summary>
    private bool Trusted(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            _untrusted = certificate is null ? "it sent none" : "it does not name the host dialled";
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_ca!);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var presented = new X509Certificate2(certificate);
        if (chain.Build(presented))
        {
            return true;
        }

        _untrusted = $"{presented.Subject} is not issued by the CA trusted ({_ca!.Subject}): "
            + string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()));
        return false;
    }

    public int Publish(string topic, string payload, int qos, bool retain)
    {
        var client = _client;
        if (client is not { IsConnected: true })
        {
            return 0;
        }

        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(qos == 0 ? MqttQualityOfServiceLevel.AtMostOnce : MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .Build();
        int token = qos == 0 ? 0 : Interlocked.Increment(ref _nextToken);
        Task send = client.PublishAsync(message, CancellationToken.None).ContinueWith(t =>
        {
            _inFlight.TryRemove(token, out _);
            if (token > 0 && t.IsCompletedSuccessfully && t.Result.IsSuccess)
            {
                events.Delivered(token);
            }
        }, TaskScheduler.Default);
        if (token > 0)
        {
            _inFlight[token] = send;
        }

        return token;
    }

    public void Subscribe(string topicFilter, int qos)
    {
        var client = _client;
        if (client is null)
        {
            return;
        }

        var options = _factory.CreateSubscribeOptionsBuilder()
            .WithTopicFilter(topicFilter, qos == 0 ? MqttQualityOfServiceLevel.AtMostOnce : MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        client.SubscribeAsync(options, CancellationToken.None).ContinueWith(t =>
        {
            if (t.IsFaulted || t.Result.Items.Any(i => (int)i.ResultCode >= 128))
            {
                log($"subscription to {topicFilter} was refused");
            }
        }, TaskScheduler.Default);
    }

    /// <summary>
    /// A clean goodbye: waits (briefly) for messages in flight, publishes <c>offline</c> (retained)
    /// and disconnects, so no Last Will fires; reports <see cref="ISimMqttEvents.Left"/>.
    /// </summary>
    public void Leave()
    {
        var client = _client;
        _leaving = true;
        _ = Task.Run(async () =>
        {
            await GoodbyeAsync(client);
            events.Left();
        });
    }

    /// <summary>The goodbye at shutdown, waited for.</summary>
    public void LeaveNow()
    {
        _leaving = true;
        GoodbyeAsync(_client).Wait(GoodbyeWait * 2);
    }

    private async Task GoodbyeAsync(IMqttClient? client)
    {
        if (client is not { IsConnected: true })
        {
            return;
        }

        try
        {
            await Task.WhenAll(_inFlight.Values).WaitAsync(GoodbyeWait);
        }
        catch (TimeoutException)
        {
            log("some reports were not acknowledged before the goodbye; the adapter sends them again next time");
        }

        try
        {
            using var timeout = new CancellationTokenSource(GoodbyeWait);
            await client.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic(MqttTopics.For(_deviceId, MqttTopics.Status))
                .WithPayload(MqttTopics.Offline)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithRetainFlag(true)
                .Build(), timeout.Token);
            await client.DisconnectAsync(_factory.CreateClientDisconnectOptionsBuilder().Build(), timeout.Token);
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
        {
            // The broker went away first; its Last Will says offline for us.
        }
    }

    private void DropClient()
    {
        var old = _client;
        _client = null;
        old?.Dispose();
    }

    public void Dispose() => DropClient();
}
