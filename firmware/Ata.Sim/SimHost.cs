using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Ata.Core;
using Ata.Core.Contract;
using Ata.Core.Hardware;
using Ata.Core.Health;
using Ata.Core.Provisioning;
using Ata.Mqtt;

namespace Ata.Sim;

/// <summary>The simulator could not start (a socket, the broker library); told in one line.</summary>
internal sealed class SimStartException(string message) : Exception(message);

/// <summary>
/// Hosts the core on .NET: one thread owns the <see cref="Adapter"/> and feeds it inputs from the
/// UDP socket, MQTT and stdin, with the time from a monotonic clock, ticking every 20 ms.
/// </summary>
internal sealed class SimHost : IDisposable
{
    private const int TickMs = 20;

    private readonly SimOptions _options;
    private readonly BlockingCollection<Action> _inbox = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly EventPrinter _events;
    private readonly CancellationTokenSource _stop = new();
    private UdpSipSocket? _socket;
    private MosquittoClient? _mqtt;
    private Adapter? _adapter;

    public SimHost(SimOptions options)
    {
        _options = options;
        _events = new EventPrinter(options.JsonEvents, Console.Out);
    }

    private long Now => _clock.ElapsedMilliseconds;

    public int Run()
    {
        string peer = _options.GatewayMode ? _options.BrokerHost! : RegistrarHost(_options.Registrar!);
        string local = _options.LocalAddress ?? SystemResolver.LocalAddressTowards(peer);
        try
        {
            _socket = new UdpSipSocket(local, (data, n) => _inbox.Add(() => _adapter!.OnDatagram(data, n, Now)));
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new SimStartException($"cannot open the SIP socket: {e.Message}");
        }

        _adapter = new Adapter(_options.DeviceId, new SimDevice(_options.DeviceId), _socket, new SystemResolver(),
            new ILed[4], _events, new Random(), Now)
        {
            HealthIntervalMs = _options.HealthIntervalSeconds * 1000L,
        };
        Log($"adapter {_options.DeviceId} started; SIP on {local}:{_socket.LocalPort}");

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        new Thread(ReadStdin) { IsBackground = true, Name = "stdin" }.Start();

        if (_options.GatewayMode)
        {
            StartMqtt();
        }
        else
        {
            ApplyStandaloneConfig();
        }

        Loop();
        Shutdown();
        return 0;
    }

    public void Dispose()
    {
        _mqtt?.Dispose();
        _socket?.Dispose();
        _stop.Dispose();
        _inbox.Dispose();
    }

    private void Loop()
    {
        long nextTick = Now;
        while (!_stop.IsCancellationRequested)
        {
            int wait = (int)Math.Max(0, nextTick - Now);
            try
            {
                if (_inbox.TryTake(out var action, wait, _stop.Token))
                {
                    action();
                    continue;
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }

            _adapter!.Tick(Now);
            nextTick = Now + TickMs;
        }
    }

    private void ApplyStandaloneConfig()
    {
        string? error = LineConfig.ParseRegistrar(_options.Registrar, out string host, out int port);
        if (error is not null)
        {
            throw new UsageException($"--registrar: {error}");
        }

        var line = new LineConfig(1, _options.SipUser, null, _options.SipPassword, host, port, _options.Expires ?? LineConfig.DefaultExpires);
        if (_options.SecondaryRegistrar is not null)
        {
            error = LineConfig.ParseRegistrar(_options.SecondaryRegistrar, out string secondaryHost, out int secondaryPort);
            if (error is not null)
            {
                throw new UsageException($"--secondary-registrar: {error}");
            }

            line.SecondaryHost = secondaryHost;
            line.SecondaryPort = secondaryPort;
        }

        line.KeepAliveSeconds = _options.KeepAliveSeconds ?? line.KeepAliveSeconds;
        line.RetryBaseSeconds = _options.RetryBaseSeconds ?? line.RetryBaseSeconds;
        line.RetryMaxSeconds = Math.Max(line.RetryBaseSeconds, _options.RetryMaxSeconds ?? line.RetryMaxSeconds);
        _inbox.Add(() => _adapter!.Apply(new ProvisioningDocument(0, [line, null!]), Now));
    }

    private void StartMqtt()
    {
        try
        {
            _mqtt = new MosquittoClient(new MqttClientOptions
            {
                Host = _options.BrokerHost!,
                Port = _options.BrokerPort,
                ClientId = _options.DeviceId,
                Username = _options.DeviceId,
                Password = _options.Secret,
                KeepAliveSeconds = 10,
                Will = new MqttWill(MqttTopics.For(_options.DeviceId, MqttTopics.Status), "offline"u8.ToArray(), MqttTopics.ReliableQos, true),
            });
        }
        catch (Exception e) when (e is DllNotFoundException or InvalidOperationException or ArgumentException)
        {
            throw new SimStartException(e.Message);
        }

        var session = new MqttSession(_mqtt, Log);
        _mqtt.Connected += () => _inbox.Add(() =>
        {
            _events.Host("mqtt-connected", $"{_options.BrokerHost}:{_options.BrokerPort}");
            _adapter!.OnMqttConnected(session, Now);
        });
        _mqtt.Disconnected += rc => _inbox.Add(() =>
        {
            _events.Host("mqtt-disconnected", $"code {rc}");
            _adapter!.OnMqttDisconnected(Now);
        });
        _mqtt.MessageReceived += m => _inbox.Add(() => _adapter!.OnMqttMessage(m.Topic, m.PayloadText, Now));
        _mqtt.Start();
        Log($"connecting to broker {_options.BrokerHost}:{_options.BrokerPort} as {_options.DeviceId}");
    }

    private void ReadStdin()
    {
        string? line;
        while ((line = Console.In.ReadLine()) is not null)
        {
            string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (words.Length == 0)
            {
                continue;
            }

            int lineNumber = words.Length > 1 && int.TryParse(words[1], out int n) ? n : 1;
            switch (words[0])
            {
                case "offhook": _inbox.Add(() => _adapter!.OnHook(lineNumber, true, Now)); break;
                case "onhook": _inbox.Add(() => _adapter!.OnHook(lineNumber, false, Now)); break;
                case "wan" when words.Length > 1 && words[1] == "down": _inbox.Add(() => _adapter!.SetWan(WanState.Down, null!, Now)); break;
                case "wan" when words.Length > 1 && words[1] == "up": _inbox.Add(() => _adapter!.SetWan(WanState.Online, _socket!.LocalAddress, Now)); break;
                case "quit": Stop(null); return;
                default: Log($"unknown action '{line}' (offhook [LINE], onhook [LINE], wan down, wan up, quit)"); break;
            }
        }

        // End of input is not a request to stop: the adapter runs until it is told to quit or signalled.
    }

    private void Stop(PosixSignalContext? context)
    {
        if (context is not null)
        {
            context.Cancel = true;
        }

        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void Shutdown()
    {
        _events.Host("stopping");
        if (_mqtt is { IsConnected: true })
        {
            try
            {
                _mqtt.PublishAsync(MqttTopics.For(_options.DeviceId, MqttTopics.Status), "offline"u8.ToArray(), MqttTopics.ReliableQos, true)
                    .Wait(TimeSpan.FromSeconds(2));
                _mqtt.DisconnectAsync().Wait(TimeSpan.FromSeconds(2));
            }
            catch (AggregateException)
            {
                // The broker went away first; its Last Will says offline for us.
            }
        }
    }

    private static string RegistrarHost(string registrar) =>
        LineConfig.ParseRegistrar(registrar, out string host, out _) is null ? host : "127.0.0.1";

    private static void Log(string message) => Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {message}");
}
