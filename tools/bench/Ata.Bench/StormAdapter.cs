using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Ata.Core.Contract;
using Ata.Core.Gateway;
using Ata.Core.Hardware;
using Ata.Core.Host;
using Ata.Core.Provisioning;
using Ata.Core.Sip;
using Ata.Core.Sip.Messages;
using MQTTnet;
using MQTTnet.Protocol;

namespace Ata.Bench;

/// <summary>
/// One stand-in adapter of the boot storm: the core's own <see cref="HostSupervisor"/> decides when it
/// connects to the gateway's broker (at once at boot, then the core's jittered exponential back-off),
/// an MQTT 3.1.1 session over TLS with its device secret does what the firmware does (Last Will,
/// subscribes to its config and commands, announces itself with status and hello, takes the config the
/// gateway publishes and acknowledges it), and the core's own <see cref="Registration"/> registers the
/// provisioned line 1 at the registrar over UDP (digest authentication, retries with the core's
/// back-off). Every core state machine is touched on the storm's clock thread only (<see cref="Tick"/>
/// and the actions it drains from <see cref="StormNetwork"/>); the network's answers are queued there.
/// </summary>
internal sealed class StormAdapter(int index, string deviceId, string secret, StormNetwork network)
{
    private readonly HostSupervisor _supervisor = new(new GatewayAccess("127.0.0.1", network.BrokerPortFor(index), deviceId, secret), null, new Random(index), 0);
    private IMqttClient? _client;
    private Registration? _line;

    public string DeviceId => deviceId;

    /// <summary>Milliseconds from the storm's start to the first MQTT session, or -1.</summary>
    public long ConnectedAt { get; private set; } = -1;

    /// <summary>Milliseconds to the config taken and acknowledged, or -1.</summary>
    public long ProvisionedAt { get; private set; } = -1;

    /// <summary>Milliseconds to line 1 registered, or -1.</summary>
    public long RegisteredAt { get; private set; } = -1;

    public Registration? Line => _line;

    /// <summary>Advances the adapter's core state machines and carries out what they ask (on the clock thread).</summary>
    public void Tick(long now)
    {
        _supervisor.Tick(true, true, false, true, now);
        while (_supervisor.Next() is { } request)
        {
            if (request.Kind == HostRequestKind.Connect)
            {
                _ = ConnectAsync(request);
            }
        }

        if (_line is { } line)
        {
            line.Tick(now);
            if (RegisteredAt < 0 && line.State == RegistrationState.Registered)
            {
                RegisteredAt = now;
            }
        }
    }

    /// <summary>A SIP answer for this adapter's line (on the clock thread).</summary>
    public void OnSip(SipResponse response, long now) => _line?.OnResponse(response, now);

    public void Close() => _client?.Dispose();

    private async Task ConnectAsync(HostRequest request)
    {
        _client?.Dispose();
        var client = network.Mqtt.CreateMqttClient();
        _client = client;
        var builder = network.Mqtt.CreateClientOptionsBuilder();
        if (network.TrustChain is { } trustChain)
        {
            builder = builder.WithTlsOptions(tls => tls.UseTls().WithSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13).WithTrustChain(trustChain));
        }

        var options = builder
            .WithTcpServer(request.Host, request.Port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311)
            .WithClientId(request.ClientId)
            .WithCredentials(request.ClientId, request.Secret)
            .WithCleanSession(true)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(60))
            .WithTimeout(TimeSpan.FromMilliseconds(HostSupervisor.ConnectTimeoutMs))
            .WithWillTopic(MqttTopics.For(deviceId, MqttTopics.Status))
            .WithWillPayload(MqttTopics.Offline)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithWillRetain(true)
            .Build();
        client.ApplicationMessageReceivedAsync += e =>
        {
            if (e.ApplicationMessage.Topic == MqttTopics.For(deviceId, MqttTopics.Config))
            {
                var json = Encoding.UTF8.GetString(e.ApplicationMessage.Payload);
                network.Post(now => Provision(client, json, now));
            }

            return Task.CompletedTask;
        };
        client.DisconnectedAsync += e =>
        {
            if (e.ClientWasConnected && ReferenceEquals(client, _client))
            {
                network.CountFailure("session lost", overload: true);
                network.Post(now => _supervisor.ConnectionLost(now));
            }

            return Task.CompletedTask;
        };
        Interlocked.Increment(ref network.ConnectAttempts);
        try
        {
            var result = await client.ConnectAsync(options, CancellationToken.None);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                var refused = result.ResultCode is MqttClientConnectResultCode.NotAuthorized or MqttClientConnectResultCode.BadUserNameOrPassword;
                network.CountFailure(refused ? "login refused" : $"CONNACK {result.ResultCode}", overload: !refused);
                network.Post(now => _supervisor.ConnectFailed(refused, result.ResultCode.ToString(), now));
                return;
            }

            await client.SubscribeAsync(network.Mqtt.CreateSubscribeOptionsBuilder()
                .WithTopicFilter(MqttTopics.For(deviceId, MqttTopics.Config), MqttQualityOfServiceLevel.AtLeastOnce)
                .WithTopicFilter(MqttTopics.For(deviceId, MqttTopics.Command), MqttQualityOfServiceLevel.AtLeastOnce)
                .Build());
            await PublishAsync(client, MqttTopics.Status, MqttTopics.Online, retain: true);
            await PublishAsync(client, MqttTopics.Hello, StormNetwork.Hello(deviceId, index), retain: false);
            network.Post(now =>
            {
                _supervisor.Connected(now);
                if (ConnectedAt < 0)
                {
                    ConnectedAt = now;
                }
            });
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or ObjectDisposedException
            or AuthenticationException or SocketException or IOException)
        {
            var refused = FindSocketError(e) is SocketError.ConnectionRefused or SocketError.ConnectionReset;
            network.CountFailure(refused ? "connection refused or reset" : e is OperationCanceledException ? "timed out" : e.GetType().Name + ": " + (e.InnerException?.Message ?? e.Message),
                overload: true);
            network.Post(now => _supervisor.ConnectFailed(false, e.Message, now));
        }
    }

    private static SocketError? FindSocketError(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is SocketException socket)
            {
                return socket.SocketErrorCode;
            }
        }

        return null;
    }

    private Task PublishAsync(IMqttClient client, string leaf, string payload, bool retain) =>
        client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(MqttTopics.For(deviceId, leaf)).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag(retain).Build());

    /// <summary>The gateway's config came: parsed by the core, acknowledged, and line 1 registered (on the clock thread).</summary>
    private void Provision(IMqttClient client, string json, long now)
    {
        var document = ProvisioningDocument.Parse(json, out var error);
        Task acknowledged;
        try
        {
            acknowledged = PublishAsync(client, MqttTopics.ConfigAck, HealthReport.ConfigAck(ProvisioningDocument.ReadVersion(json), document is not null, error), retain: false);
        }
        catch (ObjectDisposedException)
        {
            // The session this config came on was replaced (a retry after a timeout) before the clock thread got to it.
            acknowledged = Task.FromException(new InvalidOperationException("session replaced"));
        }

        _ = acknowledged.ContinueWith(t => network.CountFailure("config/ack not delivered", overload: false), TaskContinuationOptions.OnlyOnFaulted);
        if (document is null)
        {
            network.CountFailure("config refused by the core: " + error, overload: false);
            return;
        }

        if (ProvisionedAt < 0)
        {
            ProvisionedAt = now;
        }

        if (_line is null && document.Line(1) is { } account)
        {
            _line = new Registration(account, network.SocketFor(index), network, new Random(index + 1_000_000), "Ata.Bench storm", Registration.InstanceIdFor(deviceId));
            _line.Start(now);
            network.Track(this);
        }
    }
}

/// <summary>
/// What the storm's stand-in adapters share: the clock thread's queue, the broker's ports (adapters spread
/// over them by index) and CA (none: plain MQTT, as to the RabbitMQ cluster), a few UDP sockets
/// toward the registrar (answers routed back by Call-ID), and the counts of failures.
/// </summary>
internal sealed class StormNetwork : INameResolver, IDisposable
{
    private const int Sockets = 8;
    private readonly ConcurrentQueue<Action<long>> _posted = new();
    private readonly SipSocket[] _sockets;
    private readonly X509Certificate2? _ca;
    private readonly int[] _brokerPorts;
    private readonly Dictionary<string, StormAdapter> _byCallId = new(StringComparer.Ordinal);
    private readonly List<StormAdapter> _registering = [];
    private readonly ConcurrentQueue<SipResponse> _answers = new();
    public int ConnectAttempts;
    public int ServerErrors;

    /// <param name="brokerPorts">The broker's MQTT ports on loopback; adapter n connects to port n mod their count.</param>
    /// <param name="caFile">The broker's CA for TLS, or null for plain MQTT.</param>
    public StormNetwork(int[] brokerPorts, string? caFile)
    {
        _brokerPorts = brokerPorts;
        if (caFile is not null)
        {
            _ca = X509CertificateLoader.LoadCertificateFromFile(caFile);
            TrustChain = [_ca];
        }

        _sockets = [.. Enumerable.Range(0, Sockets).Select(_ => new SipSocket(this))];
    }

    /// <summary>The broker port adapter <paramref name="index"/> connects to.</summary>
    public int BrokerPortFor(int index) => _brokerPorts[index % _brokerPorts.Length];

    public MqttClientFactory Mqtt { get; } = new();

    public ConcurrentDictionary<string, int> Failures { get; } = new(StringComparer.Ordinal);

    public int OverloadErrors;

    public void Post(Action<long> action) => _posted.Enqueue(action);

    /// <summary>Runs what the network queued for the clock thread.</summary>
    public void Drain(long now)
    {
        while (_posted.TryDequeue(out var action))
        {
            action(now);
        }

        while (_answers.TryDequeue(out var response))
        {
            if (response.CallId is { } callId && (_byCallId.TryGetValue(callId, out var owner) || (owner = Find(response)) is not null))
            {
                owner.OnSip(response, now);
            }
        }
    }

    public void CountFailure(string what, bool overload)
    {
        Failures.AddOrUpdate(what, 1, (_, n) => n + 1);
        if (overload)
        {
            Interlocked.Increment(ref OverloadErrors);
        }
    }

    public void Track(StormAdapter adapter)
    {
        _registering.Add(adapter);
        _byCallId[adapter.Line!.CallId] = adapter;
    }

    /// <summary>An answer to a line's OPTIONS probe (its own Call-ID): found once, then remembered.</summary>
    private StormAdapter? Find(SipResponse response)
    {
        foreach (var adapter in _registering)
        {
            if (adapter.Line!.Owns(response))
            {
                _byCallId[response.CallId] = adapter;
                return adapter;
            }
        }

        return null;
    }

    public IDatagramSocket SocketFor(int index) => _sockets[index % Sockets];

    public string Resolve(string host) => host;

    /// <summary>
    /// The gateway's CA alone, as the firmware checks the broker's certificate (it must also name the host
    /// dialled): .NET builds each chain against it, not against the system's roots. Null: plain MQTT (the RabbitMQ cluster has no TLS for adapters).
    /// </summary>
    public X509Certificate2Collection? TrustChain { get; }

    /// <summary>The hello an adapter sends on every session.</summary>
    public static string Hello(string deviceId, int index) => new System.Text.Json.Nodes.JsonObject
    {
        [Fields.DeviceId] = deviceId,
        [Fields.Firmware] = "3.2.1",
        [Fields.Hardware] = "esp32-ata-r2",
        [Fields.ResetReason] = "power-on",
        [Fields.Mac] = $"02:00:00:{index >> 16 & 0xff:x2}:{index >> 8 & 0xff:x2}:{index & 0xff:x2}",
    }.ToJsonString();

    public void Dispose()
    {
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        _ca?.Dispose();
    }

    /// <summary>One UDP socket on loopback shared by a share of the lines; answers go to the clock thread.</summary>
    private sealed class SipSocket : IDatagramSocket, IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        private readonly StormNetwork _network;
        private readonly Dictionary<(string, int), IPEndPoint> _endPoints = [];

        public SipSocket(StormNetwork network)
        {
            _network = network;
            _socket.ReceiveBufferSize = 4 << 20;
            _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            LocalPort = ((IPEndPoint)_socket.LocalEndPoint!).Port;
            _ = Task.Run(ReceiveAsync);
        }

        public string LocalAddress => "127.0.0.1";

        public int LocalPort { get; }

        public void Send(byte[] data, int length, string address, int port)
        {
            if (!_endPoints.TryGetValue((address, port), out var to))
            {
                _endPoints[(address, port)] = to = new IPEndPoint(IPAddress.Parse(address), port);
            }

            _socket.SendTo(data, 0, length, SocketFlags.None, to);
        }

        private async Task ReceiveAsync()
        {
            var buffer = new byte[65_536];
            EndPoint any = new IPEndPoint(IPAddress.Any, 0);
            while (true)
            {
                SocketReceiveFromResult received;
                try
                {
                    received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any);
                }
                catch (Exception e) when (e is ObjectDisposedException or SocketException)
                {
                    if (e is ObjectDisposedException || !_socket.IsBound)
                    {
                        return;
                    }

                    continue;
                }

                if (SipResponse.Parse(buffer, received.ReceivedBytes, out _) is { } response)
                {
                    if (response.StatusCode >= 500)
                    {
                        Interlocked.Increment(ref _network.ServerErrors);
                        _network.CountFailure($"SIP {response.StatusCode}", overload: true);
                    }

                    _network._answers.Enqueue(response);
                }
            }
        }

        public void Dispose() => _socket.Dispose();
    }
}
